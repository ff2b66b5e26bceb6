// env.js — onnxruntime-web's `env` object, so code written for it (Transformers.js injects a runtime
// as {InferenceSession, Tensor, env}) can read and set the same fields on wisp.
//
//   import { env } from 'wisp-onnx';
//   env.wasm.relaxedSimd = false;   // before the first session: baseline SIMD128 kernels only
//
// wisp runs on the calling thread with SIMD128 kernels and logs nothing, so most fields are kept
// for compatibility only: wasm.simd (always on: wisp
// needs SIMD128), wasm.proxy (use load(src, {worker: true}) instead), logLevel, debug, trace.
// wasm.relaxedSimd is honoured (read when the WebAssembly instance is made), and wasm.numThreads
// (0: every core up to 8 where threads work) is the default of a session's numThreads option.

export const env = {
  wasm: {
    numThreads: 0,
    simd: true,
    relaxedSimd: undefined, // undefined: where the engine has it; false: never; true: required
    proxy: false,
    initTimeout: 0,
    trace: false,
  },
  webgpu: {},
  logLevel: 'warning',
  debug: false,
  trace: false,
  // no `web` entry: Transformers.js would point wasmPaths at onnxruntime-web's CDN files
  versions: { wisp: '0.1.0' },
};
