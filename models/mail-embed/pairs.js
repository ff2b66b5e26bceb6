// pairs.js — the SpamAssassin mails as (subject, body) pairs for the mail-embed model: the text
// of models/spam-bert/mail.js split into its Subject line and the rest, with spam-bert's split
// (heldout_ids.json), so the held-out mails are ones neither model trained on.
//
//   node models/mail-embed/pairs.js > pairs.jsonl     one {"id", "heldout", "subject", "body"} a line
//   import { loadPairs } from './pairs.js';
//
// Kept: mails with a subject and a body of at least 20 characters, the first of each repeated
// body (the corpus repeats mails; a repeated body would make "its own body" ambiguous).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCorpus } from '../spam-bert/mail.js';

const HELDOUT = fileURLToPath(new URL('../spam-bert/heldout_ids.json', import.meta.url));

export function loadPairs() {
  const heldout = new Set(JSON.parse(readFileSync(HELDOUT, 'utf8')));
  const seen = new Set();
  const out = [];
  for (const { id, text } of loadCorpus()) {
    // mail.js writes the subject, a blank line, then the body
    const at = text.indexOf('\n\n');
    if (at < 0) continue;
    const subject = text.slice(0, at).trim(), body = text.slice(at + 2).trim();
    if (!subject || subject.includes('\n') || body.length < 20 || seen.has(body)) continue;
    seen.add(body);
    out.push({ id, heldout: heldout.has(id), subject, body });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const p of loadPairs()) process.stdout.write(`${JSON.stringify(p)}\n`);
}
