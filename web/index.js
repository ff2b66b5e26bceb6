// wisp — run ONNX models on the user's own device. See README.md.
export { InferenceSession, Tensor, float16ToFloat32, float32ToFloat16 } from './session.js';
export { load } from './load.js';
export { Model, cosineSimilarity } from './model.js';
export { TwoTowerModel } from './clip.js';
export { imageToTensor, resolveImageConfig } from './image.js';
export { WispError } from './errors.js';
export { listCached, deleteCached } from './io.js';
export { env } from './env.js';
