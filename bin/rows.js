// rows.js — the CLI's input: JSONL, CSV or plain-text lines, from files or stdin, as rows
// {file, line, input} or {file, line, error} (a bad row, with the line it starts on).

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export const formatOf = (file, given) => given ?? (/\.jsonl?$/i.test(file) ? 'jsonl' : /\.csv$/i.test(file) ? 'csv' : 'text');

// One CSV record's fields; null while a quoted field is still open (it continues on the next line).
function csvFields(text) {
  const out = [];
  let field = '', quoted = false, i = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += '"', i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') out.push(field), (field = '');
    else field += c;
  }
  if (quoted) return null;
  out.push(field);
  return out;
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

// What a parsed row feeds the model. text: a string; tabular and image: an object (or array);
// multimodal (CLIP): a text where the row has one, else an image.
// field: the column / key with the text; idField: a key passed through to the output, not fed.
function toInput(value, { kind, field, idField }) {
  const id = value && typeof value === 'object' && !Array.isArray(value) ? value[idField] : undefined;
  const text = typeof value === 'string' ? value : value?.[field];
  if (kind === 'text' || (kind === 'multimodal' && typeof text === 'string')) {
    if (typeof text !== 'string') throw new Error(`no text: expected a string or an object with a string '${field}'`);
    if (!text.trim()) throw new Error('empty text');
    return { input: text, id };
  }
  if (value === null || typeof value !== 'object') throw new Error(`expected a JSON object or array, got ${JSON.stringify(value)?.slice(0, 40)}`);
  if (Array.isArray(value)) return { input: value, id };
  const rest = { ...value };
  delete rest[idField];
  if (kind !== 'image' && kind !== 'multimodal') return { input: rest, id };
  // an image as JSON: {data: [bytes...], width, height, channels}
  const image = field in rest ? rest[field] : rest;
  if (!Array.isArray(image?.data)) throw new Error(`expected an image {data: [bytes], width, height, channels}${field in rest ? ` in '${field}'` : ''}`);
  return { input: { ...image, data: Uint8Array.from(image.data) }, id };
}

// Yields the rows of one input (a file path, or '-' for stdin).
export async function* readRows(file, options) {
  const format = formatOf(file === '-' ? '' : file, options.format);
  const stream = file === '-' ? process.stdin : createReadStream(file);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const name = file === '-' ? '<stdin>' : file;
  let n = 0, header = null, pending = null, start = 0;
  for await (const raw of lines) {
    n++;
    if (options.onBytes) options.onBytes(Buffer.byteLength(raw) + 1);
    if (format === 'csv') {
      const text = pending === null ? raw : `${pending}\n${raw}`;
      if (pending === null) start = n;
      const fields = csvFields(text);
      if (!fields) {
        pending = text;
        continue;
      }
      pending = null;
      if (!header) {
        header = fields;
        continue;
      }
      if (fields.length === 1 && fields[0] === '') continue; // a blank line between records
      const row = { file: name, line: start };
      if (fields.length !== header.length) {
        yield { ...row, error: `${fields.length} fields, the header has ${header.length}` };
        continue;
      }
      // numbers as numbers for tabular models; text stays text
      const obj = Object.fromEntries(header.map((h, i) => [h, options.kind !== 'text' && NUMBER.test(fields[i]) ? Number(fields[i]) : fields[i]]));
      yield* parsed(row, () => obj);
    } else if (format === 'jsonl') {
      if (!raw.trim()) continue; // blank lines carry no record in JSONL
      yield* parsed({ file: name, line: n }, () => JSON.parse(raw));
    } else {
      yield* parsed({ file: name, line: n }, () => raw);
    }
  }
  if (pending !== null) yield { file: name, line: start, error: 'unterminated quoted field' };

  function* parsed(row, value) {
    try {
      yield { ...row, ...toInput(value(), options) };
    } catch (e) {
      yield { ...row, error: e.message };
    }
  }
}
