// load.js — model folders in the Hugging Face / Transformers.js layout, from a local folder
// (Node), any base URL, or a hub repo id ("org/name" -> <host>/org/name/resolve/<revision>/).
//
//   const model = await load('models/fashion-cnn');                  // Node: a folder
//   const model = await load('https://example.org/models/spam/');     // any base URL
//   const model = await load('Xenova/some-model', { progress: (p) => console.log(p) });
//
// Reads config.json, then whichever of preprocessor_config.json, tokenizer.json,
// tokenizer_config.json exist, then onnx/model.onnx (or model.onnx; model_fp16.onnx for dtype
// 'fp16', model_quantized.onnx for 'q8', … as Transformers.js names them), and returns a Model
// with classify/embed for the input kind the folder implies.

import { InferenceSession } from './session.js';
import { Model } from './model.js';

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
const HUB = 'https://huggingface.co';
// Transformers.js's dtype names and file suffixes (onnx/model<suffix>.onnx); wisp also looks
// for the file at the folder's root.
const SUFFIXES = {
  fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4',
  q4f16: '_q4f16', bnb4: '_bnb4',
};
const modelFiles = (dtype) => [`onnx/model${SUFFIXES[dtype]}.onnx`, `model${SUFFIXES[dtype]}.onnx`];

// Where the folder lives, as a URL ending in '/'.
async function resolveBase(source, { host = HUB, revision = 'main' }) {
  if (source instanceof URL) return new URL(source.href.endsWith('/') ? source.href : `${source.href}/`);
  if (typeof source !== 'string' || !source) throw new TypeError('wisp.load: expected a folder path, a URL or a repo id');
  const withSlash = (s) => (s.endsWith('/') ? s : `${s}/`);
  if (/^(https?|file|blob):/i.test(source)) return new URL(withSlash(source));
  if (isNode) {
    const [{ existsSync }, { resolve }, { pathToFileURL }] = await Promise.all([
      import('node:fs'), import('node:path'), import('node:url')]);
    if (existsSync(source) || /^(\.{0,2}\/)/.test(source)) return pathToFileURL(withSlash(resolve(source)));
  }
  if (/^[\w.-]+\/[\w.-]+$/.test(source)) return new URL(`${withSlash(host)}${source}/resolve/${revision}/`);
  // a relative path in a browser: relative to the page
  return new URL(withSlash(source), globalThis.document?.baseURI ?? globalThis.location?.href);
}

// Whether a file of the folder exists, without reading it: a stat, or an HTTP HEAD request.
async function exists(base, name) {
  const url = new URL(name, base);
  if (url.protocol === 'file:' && isNode) {
    const [{ access }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
    return access(fileURLToPath(url)).then(() => true, () => false);
  }
  return fetch(url, { method: 'HEAD' }).then((r) => r.ok, () => false);
}

// The dtypes whose file the folder has. A web server gives no listing, so this asks for each
// candidate (HEAD, no body): only after the requested file was missing, to say what is there.
async function availableDtypes(base) {
  const found = await Promise.all(Object.keys(SUFFIXES).map(async (dtype) =>
    (await Promise.all(modelFiles(dtype).map((name) => exists(base, name)))).some(Boolean)));
  return Object.keys(SUFFIXES).filter((_, i) => found[i]);
}

// Reads one file of the folder; null when it does not exist (404 / ENOENT).
async function readFile(base, name, progress) {
  const url = new URL(name, base);
  if (url.protocol === 'file:' && isNode) {
    const [{ readFile: read }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
    try {
      const buf = await read(fileURLToPath(url));
      progress?.({ file: name, loaded: buf.byteLength, total: buf.byteLength });
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      if (e.code === 'ENOENT') return null;
      throw e;
    }
  }
  const res = await fetch(url);
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`wisp.load: fetching ${url} failed: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || 0;
  if (!res.body || !progress) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    progress?.({ file: name, loaded: bytes.byteLength, total: bytes.byteLength });
    return bytes;
  }
  // stream so the caller can draw a progress bar
  const chunks = [];
  let loaded = 0;
  for (const reader = res.body.getReader(); ;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    progress({ file: name, loaded, total: Math.max(total, loaded) });
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) bytes.set(c, at), (at += c.byteLength);
  return bytes;
}

// Each of the folder's JSON files holds one object ({...}): anything else is refused here, before
// code that reads its keys.
const parseJson = (bytes, name) => {
  if (!bytes) return null;
  let value;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new Error(`wisp.load: ${name} is not valid JSON: ${e.message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new Error(`wisp.load: ${name} must hold a JSON object ({...}), got ${got}`);
  }
  return value;
};

// options: dtype (Transformers.js's names: fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4),
// progress ({file, loaded, total}) callback, host and revision for hub repo ids, memoryLimit
// (bytes; see InferenceSession.create).
export async function load(source, options = {}) {
  const dtype = options.dtype ?? 'fp32';
  if (!(dtype in SUFFIXES)) {
    throw new Error(`wisp.load: dtype must be one of ${Object.keys(SUFFIXES).join(', ')}, got '${dtype}'`);
  }
  const base = await resolveBase(source, options);
  const read = (name) => readFile(base, name, options.progress);
  const [config, preprocessor, tokenizer, tokenizerConfig] = await Promise.all([
    read('config.json').then((b) => parseJson(b, 'config.json')),
    read('preprocessor_config.json').then((b) => parseJson(b, 'preprocessor_config.json')),
    read('tokenizer.json').then((b) => parseJson(b, 'tokenizer.json')),
    read('tokenizer_config.json').then((b) => parseJson(b, 'tokenizer_config.json')),
  ]);
  if (!config) throw new Error(`wisp.load: no config.json in ${base}`);
  let modelFile = null, bytes = null;
  for (const name of modelFiles(dtype)) {
    bytes = await read(name);
    if (bytes) {
      modelFile = name;
      break;
    }
  }
  if (!bytes) {
    const have = await availableDtypes(base);
    throw new Error(`wisp.load: no ${modelFiles(dtype).join(' or ')} (dtype '${dtype}') in ${base}; ` +
      (have.length ? `the folder has dtype ${have.map((d) => `'${d}'`).join(', ')}` : 'the folder has no model file'));
  }
  const files = { config, preprocessor, tokenizer, tokenizerConfig };
  const kind = Model.kindOf(files);
  const session = await InferenceSession.create(bytes, {
    baseUrl: new URL(modelFile, base).href,
    extraOutputs: config.embedding_output ? [config.embedding_output] : [],
    ...(options.memoryLimit !== undefined && { memoryLimit: options.memoryLimit }),
  });
  try {
    return await Model.create(session, kind, files, { base: base.href, modelFile, bytes: bytes.byteLength });
  } catch (e) {
    await session.release();
    throw e;
  }
}
