// load.js — model folders in the Hugging Face / Transformers.js layout, from a local folder
// (Node), any base URL, or a hub repo id ("org/name" -> <host>/org/name/resolve/<revision>/).
//
//   const model = await load('models/fashion-cnn');                  // Node: a folder
//   const model = await load('https://example.org/models/spam/');     // any base URL
//   const model = await load('Xenova/some-model', { progress: (p) => console.log(p) });
//
// Reads config.json, then only the files its kind needs (no probing for files a folder may not
// have; a hub folder's files are known from the hub's file listing, hub.js): nothing more for tabular (feature_names), tokenizer.json + tokenizer_config.json for text
// (a vocab_size), preprocessor_config.json otherwise (images); options.kind overrides. Then
// onnx/model.onnx (or model.onnx; model_fp16.onnx for dtype 'fp16', model_quantized.onnx for
// 'q8', … as Transformers.js names them), and returns a Model with classify/embed for that kind. Files come through io.js: cached (browsers: Cache API,
// cache: true by default; Node: options.cacheDir), abortable (signal), with progress.
// Two-tower folders (CLIP: config.json has text_config and vision_config) read all three extra
// files and onnx/text_model.onnx + onnx/vision_model.onnx instead (clip.js).

import { InferenceSession } from './session.js';
import { Model } from './model.js';
import { isNode, readBytes, progressTracker } from './io.js';
import { getWasm } from './wasm.js';
import { threadCount } from './threads.js';
import { env } from './env.js';
import { HUB, hubFiles } from './hub.js';
import { WispError, throwIfAborted, badInput, badModel } from './errors.js';
// Transformers.js's dtype names and file suffixes (onnx/model<suffix>.onnx); wisp also looks
// for the file at the folder's root.
const SUFFIXES = {
  fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4',
  q4f16: '_q4f16', bnb4: '_bnb4',
};
// name: 'model', or a tower of a two-tower folder ('text_model', 'vision_model').
const modelFiles = (dtype, name = 'model') =>
  [`onnx/${name}${SUFFIXES[dtype]}.onnx`, `${name}${SUFFIXES[dtype]}.onnx`];

// Where the folder lives, as a URL ending in '/'.
async function resolveBase(source, { host = HUB, revision = 'main' }) {
  if (source instanceof URL) return new URL(source.href.endsWith('/') ? source.href : `${source.href}/`);
  if (typeof source !== 'string' || !source) throw badInput('wisp.load: expected a folder path, a URL or a repo id', TypeError);
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
async function availableDtypes(base, model) {
  const found = await Promise.all(Object.keys(SUFFIXES).map(async (dtype) =>
    (await Promise.all(modelFiles(dtype, model).map((name) => exists(base, name)))).some(Boolean)));
  return Object.keys(SUFFIXES).filter((_, i) => found[i]);
}

// options.dtype: one name for every model file, or {file: name} per file ('model'; a two-tower
// folder's 'text_model', 'vision_model'), fp32 for the files it leaves out. Checked here, before
// any download; the keys once the folder's files are known (dtypeChooser).
function checkDtype(dtype) {
  const check = (d, where) => {
    if (typeof d !== 'string' || !Object.hasOwn(SUFFIXES, d)) {
      throw badInput(`wisp.load: ${where} must be one of ${Object.keys(SUFFIXES).join(', ')}, got ${
        typeof d === 'string' ? `'${d}'` : String(d)}`);
    }
  };
  if (typeof dtype === 'object' && dtype !== null && !Array.isArray(dtype)) {
    for (const [key, d] of Object.entries(dtype)) check(d, `dtype.${key}`);
    return dtype;
  }
  check(dtype, 'dtype');
  return dtype;
}

// name -> dtype for the folder's model files `names`; a key naming none of them is an error.
function dtypeChooser(dtypes, names) {
  if (typeof dtypes === 'string') return () => dtypes;
  const unknown = Object.keys(dtypes).filter((k) => !names.includes(k));
  if (unknown.length) {
    throw badInput(`wisp.load: dtype ${unknown.map((k) => `'${k}'`).join(', ')} names no model file of this ` +
      `folder; its keys are ${names.map((n) => `'${n}' (onnx/${n}*.onnx)`).join(', ')}`);
  }
  return (name) => dtypes[name] ?? 'fp32';
}

// Each of the folder's JSON files holds one object ({...}): anything else is refused here, before
// code that reads its keys.
const parseJson = (bytes, name) => {
  if (!bytes) return null;
  let value;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new WispError('WISP_BAD_MODEL', `wisp.load: ${name} is not valid JSON: ${e.message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw badModel(`wisp.load: ${name} must hold a JSON object ({...}), got ${got}`);
  }
  return value;
};

// What a folder holds, from its config.json (options.kind overrides).
const folderKind = (config, kind) => kind ?? (config.feature_names ? 'tabular'
  : config.text_config && config.vision_config ? 'multimodal' : config.vocab_size ? 'text' : 'image');

// Which extra files a folder of this kind has.
function kindFiles(kind) {
  if (kind === 'multimodal') {
    return { tokenizer: 'tokenizer.json', tokenizerConfig: 'tokenizer_config.json', preprocessor: 'preprocessor_config.json' };
  }
  if (kind === 'text') return { tokenizer: 'tokenizer.json', tokenizerConfig: 'tokenizer_config.json' };
  if (kind === 'image') return { preprocessor: 'preprocessor_config.json' };
  if (kind === 'tabular') return {};
  throw badInput(`wisp.load: kind must be 'image', 'text', 'tabular' or 'multimodal', got '${kind}'`, TypeError);
}

// options: dtype (Transformers.js's names: fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4; or an
// object of them by model file, {text_model: 'q8', vision_model: 'fp16'}, as checkDtype says); kind
// ('image' | 'text' | 'tabular' | 'multimodal') when config.json does not imply it; progress
// callback ({status,
// file, loaded, total, overall: {loaded, total}}, for the .wasm too); signal (an AbortSignal:
// stops the downloads); cache (browsers: true (default) | false | a cache name); cacheDir (Node: a
// directory to keep downloaded files in); host and revision for hub repo ids; memoryLimit (bytes;
// see InferenceSession.create); numThreads (as for InferenceSession.create); worker: true runs
// the model in a Worker (remote.js).
export async function load(source, options = {}) {
  const dtypes = checkDtype(options.dtype ?? 'fp32');
  const { signal } = options;
  throwIfAborted(signal, 'wisp.load');
  const base = await resolveBase(source, options);
  if (options.worker) return (await import('./remote.js')).loadInWorker(base.href, options);
  const tracker = progressTracker(options.progress);
  const io = { signal, tracker, cache: options.cache ?? true, cacheDir: options.cacheDir };
  const threads = threadCount(options.numThreads, env.wasm.numThreads);
  const wasm = getWasm(io, threads); // fetched alongside the model's files
  wasm.catch(() => {}); // awaited below; a failure here must not go unhandled meanwhile
  const listing = await hubFiles(base, options.host, io); // a hub folder's files, else null
  const read = (name, optional) => {
    if (!listing || listing.has(name)) return readBytes(new URL(name, base), { ...io, file: name, optional });
    if (optional) return null;
    throw new WispError('WISP_NOT_FOUND', `wisp.load: no ${name} in ${base} (per the hub's file listing)`);
  };
  const config = parseJson(await read('config.json', true), 'config.json');
  if (!config) throw new WispError('WISP_NOT_FOUND', `wisp.load: no config.json in ${base}`);
  const folder = folderKind(config, options.kind);
  const names = kindFiles(folder);
  const extra = await Promise.all(Object.entries(names).map(async ([key, name]) =>
    [key, parseJson(await read(name, key === 'tokenizerConfig'), name)]));
  const { preprocessor = null, tokenizer = null, tokenizerConfig = null } = Object.fromEntries(extra);
  const dtypeOf = dtypeChooser(dtypes, folder === 'multimodal' ? ['text_model', 'vision_model'] : ['model']);
  // The one place a model file's name is chosen: name is 'model' or a tower's.
  const readModel = async (name) => {
    const dtype = dtypeOf(name);
    for (const file of modelFiles(dtype, name)) {
      const bytes = await read(file, true);
      if (bytes) return { modelFile: file, bytes };
    }
    const have = listing ? Object.keys(SUFFIXES).filter((d) => modelFiles(d, name).some((n) => listing.has(n)))
      : await availableDtypes(base, name);
    throw new WispError('WISP_NOT_FOUND', `wisp.load: no ${modelFiles(dtype, name).join(' or ')} (dtype '${dtype}') in ${base}; ` +
      (have.length ? `the folder has dtype ${have.map((d) => `'${d}'`).join(', ')}` : 'the folder has no model file'));
  };
  const openSession = async ({ modelFile, bytes }, extraOutputs = []) => {
    await wasm;
    return InferenceSession.create(bytes, {
      ...io,
      baseUrl: new URL(modelFile, base).href,
      extraOutputs,
      ...(options.memoryLimit !== undefined && { memoryLimit: options.memoryLimit }),
      numThreads: threads,
    });
  };
  const files = { config, preprocessor, tokenizer, tokenizerConfig };
  if (folder === 'multimodal') {
    return (await import('./clip.js')).createTwoTower(files, { readModel, openSession, tracker, base: base.href });
  }
  const { modelFile, bytes } = await readModel('model');
  const kind = Model.kindOf(files);
  const session = await openSession({ modelFile, bytes }, config.embedding_output ? [config.embedding_output] : []);
  try {
    const model = await Model.create(session, kind, files, { base: base.href, modelFile, bytes: bytes.byteLength });
    tracker.ready(modelFile);
    return model;
  } catch (e) {
    await session.release();
    throw e;
  }
}
