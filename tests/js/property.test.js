// property.test.js — fast-check over the JS layer with arbitrary JSON and values: tensors, run()
// feeds, config.json / preprocessor / tokenizer files, tabular rows, images. Every call must
// return a result or throw an Error (never a non-Error, a hang, or a WebAssembly crash), and a
// canary model gives bit-identical answers afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

import { InferenceSession, Tensor } from '../../web/index.js';
import { Model } from '../../web/model.js';
import { imageToTensor } from '../../web/image.js';
import { createTextAdapter } from '../../web/text.js';
import { getWasm } from '../../web/wasm.js';
import { FIXTURES, randomFloats } from './helpers.js';

const ROOT = join(FIXTURES, '../..');
const MLP = join(FIXTURES, 'seed_mlp.onnx');
const WINE = join(FIXTURES, 'tabular/wine-hgb');
const json = (p) => JSON.parse(readFileSync(p, 'utf8'));
const SEED = 1111; // fixed so a failure reproduces; fast-check prints the counterexample
const x = new Tensor('float32', randomFloats(784, 3, 0, 1), [1, 1, 28, 28]);

async function canary() {
  const s = await InferenceSession.create(MLP);
  try {
    return Buffer.from((await s.run({ pixel_values: x })).logits.data.buffer).toString('hex');
  } finally {
    await s.release();
  }
}
const reference = canary();

// Runs fn; it must settle within 10 s with a value or an Error that is not a wasm crash.
async function resultOrError(fn) {
  let timer;
  const hang = new Promise((_, reject) => (timer = setTimeout(() => reject(new Assertion('hang')), 10000)));
  try {
    return await Promise.race([(async () => fn())(), hang]);
  } catch (e) {
    if (e instanceof Assertion) throw e;
    if (!(e instanceof Error)) throw new Assertion(`threw a non-Error: ${String(e)}`);
    if (/WebAssembly crashed|crashed earlier|aborted/.test(e.message)) throw new Assertion(e.message);
    return e;
  } finally {
    clearTimeout(timer);
  }
}
class Assertion extends Error {}

const TYPES = ['float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool',
  'float16', 'float64', 'uint32', 'uint64', 'complex64', '', 'Float32Array'];
const typedArray = fc.oneof(
  fc.float32Array({ maxLength: 40 }), fc.float64Array({ maxLength: 10 }), fc.int32Array({ maxLength: 10 }),
  fc.uint8Array({ maxLength: 40 }), fc.int8Array({ maxLength: 10 }), fc.bigInt64Array({ maxLength: 10 }),
  fc.uint16Array({ maxLength: 10 }), fc.uint32Array({ maxLength: 10 }));
const dims = fc.oneof(fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 9 }), fc.anything());
const anyData = fc.oneof(typedArray, fc.array(fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.bigInt()), { maxLength: 10 }), fc.anything());

test('Tensor(type, data, dims) from anything: a Tensor or an Error', async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...TYPES), anyData, dims, async (type, data, d) => {
    const r = await resultOrError(() => new Tensor(type, data, d));
    if (r instanceof Tensor) assert.equal(r.data.length, r.dims.reduce((a, b) => a * b, 1));
  }), { seed: SEED, numRuns: 300 });
});

test('run() with arbitrary feeds: outputs or an Error; the canary is unchanged', async () => {
  const s = await InferenceSession.create(MLP);
  const feed = fc.oneof(
    fc.record({ type: fc.constantFrom(...TYPES), data: anyData, dims }),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.float32Array({ minLength: 0, maxLength: 4 * 784 }))
      .map(([n, a]) => ({ type: 'float32', data: a, dims: [n, 1, 28, 28] })),
    fc.anything());
  await fc.assert(fc.asyncProperty(fc.oneof(fc.record({ pixel_values: feed }), fc.anything()), async (feeds) => {
    const r = await resultOrError(() => s.run(feeds));
    if (!(r instanceof Error)) assert.deepEqual(r.logits.dims.slice(1), [10]);
  }), { seed: SEED, numRuns: 300 });
  await s.release();
  assert.equal(await canary(), await reference);
});

test('tabular: arbitrary config.json and rows: results or Errors', async () => {
  const s = await InferenceSession.create(join(WINE, 'onnx/model.onnx'));
  const base = json(join(WINE, 'config.json'));
  const names = base.feature_names;
  const value = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(null, undefined, '1', 1e308, -1e308, NaN), fc.anything());
  const row = fc.oneof(
    fc.tuple(...names.map(() => value)).map((vs) => Object.fromEntries(names.map((n, i) => [n, vs[i]]))),
    fc.array(value, { minLength: names.length, maxLength: names.length }),
    fc.anything());
  const config = fc.oneof(
    fc.constant(base),
    fc.record({ handles_missing: fc.anything(), task: fc.anything(), scores_output: fc.anything(), id2label: fc.anything() })
      .map((c) => ({ ...base, ...c })),
    fc.jsonValue().map((v) => (v && typeof v === 'object' && !Array.isArray(v) ? { ...v, feature_names: v.feature_names ?? names } : { feature_names: v })));
  await fc.assert(fc.asyncProperty(config, fc.oneof(row, fc.array(row, { maxLength: 4 })),
    fc.oneof(fc.constant(undefined), fc.anything()), async (cfg, input, topk) => {
      const m = await resultOrError(() => Model.create(s, 'tabular', { config: cfg }));
      if (m instanceof Error) return;
      await resultOrError(() => m.classify(input, topk === undefined ? {} : { topk }));
      await resultOrError(() => m.predict(input));
    }), { seed: SEED, numRuns: 200 });
  await s.release();
  assert.equal(await canary(), await reference);
});

test('images: arbitrary pixels and preprocessor configs: tensors or Errors', async () => {
  const pc = json(join(ROOT, 'models/fashion-cnn/preprocessor_config.json'));
  const side = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: -2, max: 20000 }), fc.anything());
  const image = fc.oneof(
    fc.record({ width: side, height: side, channels: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.anything()), data: fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.anything()) }),
    fc.tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 10 }), fc.constantFrom(1, 3, 4))
      .chain(([w, h, c]) => fc.uint8Array({ minLength: w * h * c, maxLength: w * h * c }).map((data) => ({ width: w, height: h, channels: c, data }))),
    fc.anything());
  const config = fc.oneof(
    fc.constant(pc),
    fc.record({
      size: fc.oneof(fc.integer({ min: -1, max: 40 }), fc.record({ height: fc.integer({ min: -1, max: 40 }), width: fc.integer({ min: -1, max: 40 }) }), fc.record({ shortest_edge: fc.integer({ min: -1, max: 40 }) }), fc.anything()),
      resample: fc.oneof(fc.integer({ min: -1, max: 6 }), fc.anything()),
      crop_size: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.anything()),
      image_mean: fc.anything(), image_std: fc.anything(), rescale_factor: fc.anything(),
      do_normalize: fc.anything(), do_resize: fc.anything(), do_center_crop: fc.anything(),
    }, { requiredKeys: [] }).map((c) => ({ ...pc, ...c })),
    fc.jsonValue());
  await fc.assert(fc.asyncProperty(fc.oneof(image, fc.array(image, { maxLength: 3 })), config, async (img, cfg) => {
    const r = await resultOrError(() => imageToTensor(img, cfg));
    if (!(r instanceof Error)) assert.equal(r.data.length, r.dims.reduce((a, b) => a * b, 1));
  }), { seed: SEED, numRuns: 300 });
  assert.equal(await canary(), await reference);
});

test('text: arbitrary tokenizer files and texts: ids or Errors', async () => {
  const dir = join(ROOT, 'models/spam-bert');
  const files = { config: json(join(dir, 'config.json')), tokenizer: json(join(dir, 'tokenizer.json')), tokenizerConfig: json(join(dir, 'tokenizer_config.json')) };
  const session = { inputNames: ['input_ids', 'attention_mask', 'token_type_ids'] };
  const mutate = fc.oneof(
    fc.constant(files),
    fc.record({ tokenizer: fc.jsonValue() }).map((m) => ({ ...files, ...m })),
    fc.record({ tokenizerConfig: fc.jsonValue(), config: fc.jsonValue() }, { requiredKeys: [] }).map((m) => ({ ...files, ...m })),
    fc.record({ model: fc.jsonValue(), normalizer: fc.jsonValue(), post_processor: fc.jsonValue(), added_tokens: fc.jsonValue() }, { requiredKeys: [] })
      .map((m) => ({ ...files, tokenizer: { ...files.tokenizer, ...m } })));
  await fc.assert(fc.asyncProperty(mutate, fc.oneof(fc.string({ maxLength: 50 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.array(fc.string(), { maxLength: 3 }), fc.anything()), async (f, text) => {
    const a = await resultOrError(() => createTextAdapter(session, f));
    if (a instanceof Error) return;
    await resultOrError(() => a.feeds(Array.isArray(text) ? text : [text], session));
  }), { seed: SEED, numRuns: 150 });
  const wasm = await getWasm();
  assert.equal(wasm.dead, null);
  assert.equal(await canary(), await reference);
});
