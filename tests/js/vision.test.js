// vision.test.js — image models: parity with onnxruntime-node on the shipped CNN and on
// torchvision MobileNetV2 / ResNet-18 (exported by bench/make_models.py), and the shipped
// Fashion-MNIST models' test accuracy measured through load() + classify().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

import { InferenceSession, Tensor, load } from '../../web/index.js';
import { randomFloats, maxAbsDiff } from './helpers.js';
import { fashionTestSet, accuracy } from '../../models/evaluate.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Every model within 1e-4 of onnxruntime-node. conv_paths.onnx is the hardest: unnormalised
// weights, outputs up to 42, and Winograd F(4×4) tiles (over 60 inputs: up to 6.6e-5).
const TOLERANCE = 1e-4;

// Returns the largest difference from onnxruntime-node's output.
async function parity(path, dims, seed, session) {
  assert.ok(existsSync(path), `${path} is missing: run /usr/bin/python3 bench/make_models.py`);
  const [w, o] = await Promise.all([session ?? InferenceSession.create(path), ort.InferenceSession.create(path)]);
  const data = randomFloats(dims.reduce((a, b) => a * b, 1), seed, -2, 2);
  const name = o.inputNames[0];
  const rw = await w.run({ [name]: new Tensor('float32', data, dims) });
  const ro = await o.run({ [name]: new ort.Tensor('float32', data, dims) });
  const out = o.outputNames[0];
  assert.deepEqual(rw[out].dims, Array.from(ro[out].dims, Number));
  const d = maxAbsDiff(rw[out].data, ro[out].data);
  if (!session) {
    console.log(`${path.replace(ROOT, '')} ${JSON.stringify(dims)}: max |Δ| = ${d.toExponential(2)}`);
    await w.release();
  }
  return d;
}

const CASES = [
  ['tests/fixtures/conv_bn.onnx', [3, 3, 8, 8]], // BatchNorm folded into the convs at load
  // every Conv code path (depthwise edges, pointwise, Winograd tiles) at odd and even sizes
  ['tests/fixtures/conv_paths.onnx', [1, 16, 9, 13]],
  ['tests/fixtures/conv_paths.onnx', [2, 16, 14, 14]],
  ['tests/fixtures/conv_paths.onnx', [1, 16, 7, 5]],
  ['models/fashion-cnn/onnx/model.onnx', [1, 1, 28, 28]],
  ['models/fashion-cnn/onnx/model.onnx', [8, 1, 28, 28]],
  ['bench/models/mobilenet_v2.onnx', [1, 3, 224, 224]],
  ['bench/models/resnet18.onnx', [1, 3, 224, 224]],
  ['bench/models/resnet18.onnx', [2, 3, 224, 224]],
  ['tests/fixtures/bn_act.onnx', [2, 3, 9, 11]], // Relu and Clip folded into BatchNorms
];
CASES.forEach(([file, dims], i) => {
  test(`${file} ${dims} matches onnxruntime`, async () => {
    const d = await parity(ROOT + file, dims, 7 + i);
    assert.ok(d <= TOLERANCE, `max |Δ| ${d} over ${TOLERANCE}`);
  });
});

// not a lucky seed: every Conv path over 30 random inputs a shape (printed: the worst as a share
// of the tolerance)
test('tests/fixtures/conv_paths.onnx matches onnxruntime over 30 inputs a shape', async () => {
  const path = ROOT + 'tests/fixtures/conv_paths.onnx', w = await InferenceSession.create(path);
  for (const dims of [[1, 16, 9, 13], [2, 16, 14, 14], [1, 16, 7, 5]]) {
    let worst = 0;
    for (let seed = 100; seed < 130; seed++) {
      const d = await parity(path, dims, seed, w);
      assert.ok(d <= TOLERANCE, `${dims} seed ${seed}: max |Δ| ${d} over ${TOLERANCE}`);
      worst = Math.max(worst, d / TOLERANCE);
    }
    console.log(`conv_paths ${JSON.stringify(dims)}: worst max |Δ| over 30 inputs ${worst.toFixed(2)} of the tolerance`);
  }
  await w.release();
});

test('shipped Fashion-MNIST models reach their test accuracy through load/classify', async () => {
  const set = await fashionTestSet();
  const mlp = await accuracy(ROOT + 'models/fashion-mlp', set);
  const cnn = await accuracy(ROOT + 'models/fashion-cnn', set);
  console.log(`accuracy over ${set.length} test images: mlp ${(mlp * 100).toFixed(2)}%, cnn ${(cnn * 100).toFixed(2)}%`);
  assert.ok(mlp >= 0.88, `mlp ${mlp}`);
  assert.ok(cnn >= 0.91, `cnn ${cnn}`);
});

test('classify and embed: labels, sorting, topk, batches', async () => {
  const model = await load(ROOT + 'models/fashion-cnn');
  const [first] = (await fashionTestSet()).slice(0, 1);
  const top3 = await model.classify(first.image, { topk: 3 });
  assert.equal(top3.length, 3);
  assert.equal(top3[0].label, 'Ankle boot'); // test image #0 is an ankle boot
  assert.ok(top3[0].score >= top3[1].score && top3[1].score >= top3[2].score);
  const batch = await model.classify([first.image, first.image], { topk: 1 });
  assert.equal(batch.length, 2);
  assert.deepEqual(batch[0], batch[1]);
  const e = await model.embed(first.image);
  assert.ok(e instanceof Float32Array && e.length === 128);
  const [e1, e2] = await model.embed([first.image, first.image]);
  assert.deepEqual(e1, e2); // rows of one batch go through the same kernel
  // a batch of one takes the 1-row GEMM kernel, a batch of two the 4-row one: same sums, other
  // order, so a few units in the last place of the largest entries (over 50 test images: up to
  // 1.4e-6 of the largest entry)
  const largest = e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(maxAbsDiff(e, e1) <= 4e-6 * largest, `single vs batch: ${maxAbsDiff(e, e1)} (largest ${largest})`);
  await model.release();
});
