// wisp: run ONNX models in the browser and Node.js on a small WebAssembly SIMD runtime.
// The low-level API mirrors onnxruntime-web's InferenceSession and Tensor.
export { InferenceSession, Tensor } from './session.js';
