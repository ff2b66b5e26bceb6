// load.js — model folders in the Hugging Face / Transformers.js layout, from a local folder
// (Node), any base URL, or a hub repo id ("org/name" -> <host>/org/name/resolve/<revision>/).
//
//   const model = await load('models/fashion-cnn');                  // Node: a folder
//   const model = await load('https://example.org/models/spam/');     // any base URL
//   const model = await load('Xenova/some-model', { progress: (p) => console.log(p) });
//
// Reads config.json, then only the files its kind needs (no probing for files a folder may not
// have): nothing more for tabular (feature_names), tokenizer.json + tokenizer_config.json for text
// (a vocab_size), preprocessor_config.json otherwise (images); options.kind overrides. Then
// onnx/model.onnx (or model.onnx; model_quantized.onnx for dtype 'q8'), and returns a Model with
// classify/embed for that input kind. Files come through io.js: cached (browsers: Cache API,
// cache: true by default; Node: options.cacheDir), abortable (signal), with progress.

import { InferenceSession } from './session.js';
import { Model } from './model.js';
import { isNode, readBytes, progressTracker } from './io.js';
import { getWasm } from './wasm.js';
import { WispError, throwIfAborted } from './errors.js';
const HUB = 'https://huggingface.co';
const MODEL_FILES = {
  fp32: ['onnx/model.onnx', 'model.onnx'],
  q8: ['onnx/model_quantized.onnx', 'model_quantized.onnx'],
};

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

const parseJson = (bytes, name) => {
  if (!bytes) return null;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new WispError('WISP_BAD_MODEL', `wisp.load: ${name} is not valid JSON: ${e.message}`);
  }
};

// Which extra files a folder of this kind has, from its config.json.
function kindFiles(config, kind) {
  kind ??= config.feature_names ? 'tabular' : config.vocab_size ? 'text' : 'image';
  if (kind === 'text') return { tokenizer: 'tokenizer.json', tokenizerConfig: 'tokenizer_config.json' };
  if (kind === 'image') return { preprocessor: 'preprocessor_config.json' };
  if (kind === 'tabular') return {};
  throw new TypeError(`wisp.load: kind must be 'image', 'text' or 'tabular', got '${kind}'`);
}

// options: dtype ('fp32' | 'q8'); kind ('image' | 'text' | 'tabular') when config.json does not
// imply it; progress callback ({status, file, loaded, total, overall: {loaded, total}}, for the
// .wasm too); signal (an AbortSignal: stops the downloads); cache (browsers: true (default) |
// false | a cache name); cacheDir (Node: a directory to keep downloaded files in); host and
// revision for hub repo ids; worker: true runs the model in a Worker (remote.js).
export async function load(source, options = {}) {
  const dtype = options.dtype ?? 'fp32';
  if (!MODEL_FILES[dtype]) throw new Error(`wisp.load: dtype must be 'fp32' or 'q8', got '${dtype}'`);
  const { signal } = options;
  throwIfAborted(signal, 'wisp.load');
  const base = await resolveBase(source, options);
  if (options.worker) return (await import('./remote.js')).loadInWorker(base.href, options);
  const tracker = progressTracker(options.progress);
  const io = { signal, tracker, cache: options.cache ?? true, cacheDir: options.cacheDir };
  const read = (name, optional) => readBytes(new URL(name, base), { ...io, file: name, optional });
  const wasm = getWasm(io); // fetched alongside the model's files
  wasm.catch(() => {}); // awaited below; a failure here must not go unhandled meanwhile
  const config = parseJson(await read('config.json', true), 'config.json');
  if (!config) throw new WispError('WISP_NOT_FOUND', `wisp.load: no config.json in ${base}`);
  const names = kindFiles(config, options.kind);
  const extra = await Promise.all(Object.entries(names).map(async ([key, name]) =>
    [key, parseJson(await read(name, key === 'tokenizerConfig'), name)]));
  const { preprocessor = null, tokenizer = null, tokenizerConfig = null } = Object.fromEntries(extra);
  let modelFile = null, bytes = null;
  for (const name of MODEL_FILES[dtype]) {
    bytes = await read(name, true);
    if (bytes) {
      modelFile = name;
      break;
    }
  }
  if (!bytes) throw new WispError('WISP_NOT_FOUND', `wisp.load: no ${MODEL_FILES[dtype].join(' or ')} in ${base}`);
  await wasm;
  const files = { config, preprocessor, tokenizer, tokenizerConfig };
  const kind = Model.kindOf(files);
  const session = await InferenceSession.create(bytes, {
    ...io,
    baseUrl: new URL(modelFile, base).href,
    extraOutputs: config.embedding_output ? [config.embedding_output] : [],
  });
  try {
    const model = await Model.create(session, kind, files, { base: base.href, modelFile, bytes: bytes.byteLength });
    tracker.ready(modelFile);
    return model;
  } catch (e) {
    await session.release();
    throw e;
  }
}
