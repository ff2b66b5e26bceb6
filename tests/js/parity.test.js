// parity.test.js — wisp against onnxruntime-node on the same models and inputs; prints max |Δ|.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

import { InferenceSession, Tensor } from '../../web/index.js';
import { FIXTURES, randomFloats, maxAbsDiff } from './helpers.js';

const TOL = 1e-5;

// Runs both runtimes on the same float32 feeds; returns max |Δ| over every output.
async function compare(file, shapes, seed) {
  const path = join(FIXTURES, file);
  const [w, o] = await Promise.all([InferenceSession.create(path), ort.InferenceSession.create(path)]);
  assert.deepEqual(w.inputNames, o.inputNames);
  assert.deepEqual(w.outputNames, o.outputNames);
  const feedsW = {}, feedsO = {};
  for (const [name, dims] of Object.entries(shapes)) {
    const data = randomFloats(dims.reduce((a, b) => a * b, 1), seed++, -2, 2);
    feedsW[name] = new Tensor('float32', data, dims);
    feedsO[name] = new ort.Tensor('float32', data, dims);
  }
  const [rw, ro] = [await w.run(feedsW), await o.run(feedsO)];
  let worst = 0;
  for (const name of o.outputNames) {
    assert.equal(rw[name].type, ro[name].type, `${name} type`);
    assert.deepEqual(rw[name].dims, Array.from(ro[name].dims, Number), `${name} dims`);
    const d = maxAbsDiff(rw[name].data, ro[name].data);
    console.log(`${file} ${JSON.stringify(shapes)} ${name}: max |Δ| = ${d.toExponential(2)}`);
    worst = Math.max(worst, d);
  }
  await w.release();
  return worst;
}

// 4096 grows the heap during the run: the JS side must re-make its views of memory.
for (const batch of [1, 32, 4096]) {
  test(`seed_mlp.onnx batch ${batch} matches onnxruntime`, async () => {
    const d = await compare('seed_mlp.onnx', { pixel_values: [batch, 1, 28, 28] }, 100 + batch);
    assert.ok(d <= TOL, `max |Δ| ${d} > ${TOL}`);
  });
}

for (const batch of [1, 2, 7]) {
  test(`tiny_ops.onnx batch ${batch} matches onnxruntime`, async () => {
    const d = await compare('tiny_ops.onnx', { x: [batch, 3, 4] }, 200 + batch);
    assert.ok(d <= TOL, `max |Δ| ${d} > ${TOL}`);
  });
}

test('one session re-planned across batch sizes still matches', async () => {
  const path = join(FIXTURES, 'seed_mlp.onnx');
  const [w, o] = await Promise.all([InferenceSession.create(path), ort.InferenceSession.create(path)]);
  for (const batch of [3, 1, 32, 3]) {
    const data = randomFloats(batch * 784, 300 + batch, 0, 1);
    const dims = [batch, 1, 28, 28];
    const a = (await w.run({ pixel_values: new Tensor('float32', data, dims) })).logits.data;
    const b = (await o.run({ pixel_values: new ort.Tensor('float32', data, dims) })).logits.data;
    const d = maxAbsDiff(a, b);
    assert.ok(d <= TOL, `batch ${batch}: max |Δ| ${d} > ${TOL}`);
  }
});
