// env.js — onnxruntime-web's `env` object, so code written for it (Transformers.js injects a runtime
// as {InferenceSession, Tensor, env}) can read and set the same fields on wisp.
//
//   import { env } from 'wisp-onnx';
//   env.wasm.wasmPaths = 'https://cdn.example.org/wisp/';  // before the first session
//   env.wasm.relaxedSimd = false;   // before the first session: baseline SIMD128 kernels only
//   env.logLevel = 'error';         // no warnings
//
// Honoured (read when the WebAssembly instance is made, i.e. set them before the first session;
// load(src, {worker: true}) hands them to its worker):
//   wasm.wasmPaths    where wisp.wasm and wisp_relaxed.wasm are fetched from (wasm.js wasmUrls):
//                     a prefix the file names are appended to, as onnxruntime-web does, or
//                     {wasm, relaxed}: each file's URL. wisp's files, not onnxruntime-web's.
//   wasm.relaxedSimd  undefined: relaxed-SIMD kernels where the engine has them; false: never;
//                     true: required.
//   logLevel          'verbose' | 'info' | 'warning' (default) print wisp's warnings on
//                     console.warn (each once); 'error' | 'fatal' silence them.
//   wasm.numThreads   the default numThreads of sessions; 0: every core up to 8 where threads
//                     work (Node, cross-origin-isolated pages), else 1.
// Ignored, with a warning when set to what wisp cannot do: wasm.simd (wisp needs SIMD128: false
// cannot turn it off), wasm.proxy (true: use load(src, {worker: true}) to run a model off the
// main thread). Kept for compatibility only: initTimeout, trace, debug,
// webgpu.

export const env = {
  wasm: {
    numThreads: 0,
    simd: true,
    relaxedSimd: undefined, // undefined: where the engine has it; false: never; true: required
    wasmPaths: undefined,
    proxy: false,
    initTimeout: 0,
    trace: false,
  },
  webgpu: {},
  logLevel: 'warning',
  debug: false,
  trace: false,
  // no `web` entry: Transformers.js would point wasmPaths at onnxruntime-web's CDN files
  versions: { wisp: '0.3.0' },
};

const LEVELS = ['verbose', 'info', 'warning', 'error', 'fatal'];
const warned = new Set();

// Prints a warning on console.warn, once per message, unless env.logLevel is above 'warning'.
export function warn(message) {
  if (LEVELS.indexOf(env.logLevel) > LEVELS.indexOf('warning') || warned.has(message)) return;
  warned.add(message);
  console.warn(message);
}

// The fields a worker needs to make its WebAssembly instance as this thread would.
// wasmPaths must already be resolved to absolute URLs (a worker resolves from elsewhere).
export function envForWorker(wasmPaths) {
  const { numThreads, relaxedSimd } = env.wasm;
  return { wasm: { numThreads, relaxedSimd, wasmPaths }, logLevel: env.logLevel };
}
