// usage.ts — every entry point of wisp-onnx as a TypeScript user calls it, imported by the
// package's own name (its "exports"). Checked, not run: tsc --strict -p tests/types.
import {
  InferenceSession, Tensor, env, load, Model, WispError, listCached, deleteCached, cosineSimilarity,
  imageToTensor, resolveImageConfig, float16ToFloat32, float32ToFloat16,
  type Label, type Prediction, type ProgressEvent, type LoadedModel, type OutputValue,
} from 'wisp-onnx';

export async function sessions(): Promise<number> {
  env.wasm.numThreads = 1;
  env.wasm.relaxedSimd = false;
  env.wasm.wasmPaths = 'https://cdn.example.org/wisp/';
  env.wasm.wasmPaths = { wasm: new URL('https://cdn.example.org/wisp.wasm') };
  env.logLevel = 'error';
  const session = await InferenceSession.create('model.onnx', { memoryLimit: 2 ** 30, numThreads: 2, executionProviders: ['wasm'] });
  const buf = new ArrayBuffer(16);
  await InferenceSession.create(buf, 0, 16, { extraOutputs: ['hidden'] });
  const ids = new Tensor('int64', new BigInt64Array([101n, 102n]), [1, 2]);
  const x = new Tensor(new Float32Array(4), [1, 4]);
  const typed: Float32Array = x.data;
  const reshaped: Tensor<'float32'> = x.reshape([2, 2]);
  const data: Float32Array = await reshaped.getData();
  const image = await Tensor.fromImage({ data: new Uint8ClampedArray(16), width: 2, height: 2 }, { tensorLayout: 'NHWC', norm: { mean: 255, bias: 0 } });
  const pixels = image.toImageData({ format: 'RGB' });
  const out: Record<string, OutputValue> = await session.run({ input_ids: ids, x }, ['logits']);
  const logits = out.logits;
  let first = 0;
  if (logits instanceof Tensor && logits.type === 'float32') first = Number(logits.data[0]);
  const meta = session.inputMetadata.map((m) => `${m.name}:${m.type}:${m.shape?.join('x')}`);
  console.log(session.inputNames, session.outputNames, session.outputMetadata, session.kernelConfig, session.numThreads, meta, typed, data, pixels.width);
  x.dispose();
  await session.release();
  const halves: Uint16Array = float32ToFloat16([1, 2]);
  return first + float16ToFloat32(halves)[0];
}

export async function models(signal: AbortSignal): Promise<void> {
  const onProgress = (p: ProgressEvent) => console.log(p.status, p.file, p.overall.loaded / p.overall.total);
  const text: Model = await load('models/spam-bert', { dtype: 'q8', signal, progress: onProgress, cacheDir: '.cache' });
  await load('tests/fixtures/clip-tiny', { dtype: { text_model: 'q8', vision_model: 'fp16' } });
  const one: Label[] = await text.classify('free money', { topk: 1 });
  const many: Label[][] = await text.classify(['a', 'b']);
  const nli = await load('tests/fixtures/nli-tiny');
  const zs: Label[] = await nli.classify('my phone overheats', { labels: ['mobile', 'billing'], multiLabel: true });
  const zss: Label[][] = await nli.classify(['a', 'b'], { labels: ['x'], hypothesisTemplate: 'About {}.', topk: 1, batchSize: 8, signal });
  console.log(zs[0].score, zss.length);
  const v: Float32Array = await text.embed('hello', { pooling: 'cls', normalize: true });
  const vs: Float32Array[] = await text.embed(['a', 'b']);
  console.log(one[0].label, many.length, cosineSimilarity(v, vs[0]), text.labels, text.info.bytes, text.kind, text.session.inputNames);
  await text.release();

  const tab: LoadedModel = await load('models/breast-cancer-gbt', { worker: true });
  const p: Prediction = await tab.predict({ 'mean radius': 17.99 });
  const ps: Prediction[] = await tab.predict([[1, 2, 3]]);
  console.log('value' in p ? p.value : p.values, ps.length, tab.config.feature_names);
  await tab.release();

  const img = await load(new URL('https://example.org/models/fashion-cnn/'), { kind: 'image', host: 'https://huggingface.co', revision: 'main', cache: 'my-cache' });
  const gray = { data: new Uint8Array(28 * 28), width: 28, height: 28, channels: 1 };
  const labels = await img.classify([gray, gray], { topk: 3 });
  const { data, dims } = await imageToTensor(gray, { size: { height: 28, width: 28 }, image_mean: [0.5], image_std: [0.5] });
  const cfg = resolveImageConfig({ do_resize: true, size: 224 }, 640, 480);
  console.log(labels[1][0].score, data.length, dims[1], cfg.resize, cfg.channels, Model.kindOf({ config: {}, tokenizer: {} }));
}

export async function errorsAndCache(): Promise<number> {
  try {
    await load('org/missing');
  } catch (e) {
    if (e instanceof WispError && (e.code === 'WISP_NETWORK' || e.code === 'WISP_NOT_FOUND')) console.log(e.url, e.status, e.message);
  }
  const err = new WispError('WISP_BAD_INPUT', 'bad', { cause: new Error('x') });
  const files = await listCached({ cacheDir: '.cache' });
  console.log(err.code, files.map((f) => `${f.url} ${f.size}`));
  return deleteCached('https://huggingface.co/', { cache: 'wisp-models' });
}

// Transformers.js's injection point takes the namespace as it is
(globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = { InferenceSession, Tensor, env };

// Misuse the declarations must refuse (tsc fails if any of these lines compiles).
export async function refused(model: Model, session: InferenceSession): Promise<void> {
  // @ts-expect-error a float32 tensor does not hold a BigInt64Array
  new Tensor('float32', new BigInt64Array(2));
  // @ts-expect-error not a dtype
  await load('models/spam-bert', { dtype: 'fp64' });
  // @ts-expect-error not a dtype of a file
  await load('tests/fixtures/clip-tiny', { dtype: { text_model: 'q3' } });
  // @ts-expect-error topk is a number
  await model.classify('x', { topk: '3' });
  // @ts-expect-error wasmPaths is a prefix or {wasm, relaxed}
  env.wasm.wasmPaths = 3;
  // @ts-expect-error multiLabel is a boolean
  await model.classify('x', { labels: ['a'], multiLabel: 'yes' });
  // @ts-expect-error pooling is 'mean' or 'cls'
  await model.embed('x', { pooling: 'max' });
  // @ts-expect-error feeds are tensors
  await session.run({ x: new Float32Array(3) });
  // @ts-expect-error classify of one text gives labels, not batches
  const wrong: Label[][] = await model.classify('x');
  console.log(wrong);
}
