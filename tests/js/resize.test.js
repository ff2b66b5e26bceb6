// resize.test.js — Resize, ConvTranspose and the instance/group norms against onnxruntime-node:
// a torch-exported segmentation net (tests/fixtures/make_seg_resize.py) at opsets 13 and 17 over
// several batch and image sizes, and single-op graphs for what torch does not export
// (tests/fixtures/make_resize_ops.py). Prints max |Δ| per output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

import { InferenceSession, Tensor } from '../../web/index.js';
import { FIXTURES, randomFloats, maxAbsDiff } from './helpers.js';

// fp32 parity: |Δ| ≤ 1e-4 relative to max(1, |ref|)
function worstRelative(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

async function compare(file, feeds) {
  const path = join(FIXTURES, file);
  const w = await InferenceSession.create(path);
  const o = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
  try {
    const feedsW = {}, feedsO = {};
    for (const [name, { data, dims }] of Object.entries(feeds)) {
      feedsW[name] = new Tensor('float32', data, dims);
      feedsO[name] = new ort.Tensor('float32', data, dims);
    }
    const [rw, ro] = [await w.run(feedsW), await o.run(feedsO)];
    let worst = 0;
    for (const name of o.outputNames) {
      assert.deepEqual(rw[name].dims, Array.from(ro[name].dims, Number), `${file} ${name} dims`);
      const rel = worstRelative(rw[name].data, ro[name].data);
      console.log(`${file} ${name} ${JSON.stringify(ro[name].dims)}: max |Δ| = ` +
                  `${maxAbsDiff(rw[name].data, ro[name].data).toExponential(2)} (relative ${rel.toExponential(2)})`);
      worst = Math.max(worst, rel);
    }
    return worst;
  } finally {
    await w.release();
  }
}

const image = (dims, seed) => ({ data: randomFloats(dims.reduce((a, b) => a * b, 1), seed, -2, 2), dims });

for (const opset of [13, 17]) {
  for (const dims of [[1, 3, 32, 48], [2, 3, 27, 41], [1, 3, 64, 64]]) {
    test(`seg_resize_op${opset}.onnx ${dims.join('x')} matches onnxruntime`, async () => {
      const d = await compare(`seg_resize_op${opset}.onnx`, { x: image(dims, opset * 100 + dims[2]) });
      assert.ok(d <= 1e-4, `max relative |Δ| ${d} > 1e-4`);
    });
  }
}

const single = [
  ['resize_op19.onnx', [[1, 3, 20, 30]], [[2, 3, 9, 13]]],
  ['norm_op18.onnx', [[2, 6, 5, 7]], [[1, 6, 1, 3]]],
  ['norm_op21.onnx', [[2, 6, 5, 7]], [[1, 6, 4, 1]]],
  ['vision_op16.onnx', [[1, 2, 8, 9], [1, 5, 4, 2]], [[1, 2, 5, 4], [1, 5, 4, 2]]],
];
for (const [file, ...shapeSets] of single) {
  for (const shapes of shapeSets) {
    test(`${file} ${JSON.stringify(shapes)} matches onnxruntime`, async () => {
      const names = file.startsWith('vision') ? ['x', 'grid'] : ['x'];
      const feeds = Object.fromEntries(names.map((n, i) => [n, image(shapes[i], 7 + i)]));
      const d = await compare(file, feeds);
      assert.ok(d <= 1e-4, `max relative |Δ| ${d} > 1e-4`);
    });
  }
}
