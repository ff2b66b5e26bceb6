// rnn.test.js — GRU, LSTM and RNN against onnxruntime-node: torch-exported 2-layer bidirectional
// batch_first models and hand-made nodes with the attributes torch does not export
// (tests/fixtures/make_rnn.py). Batch 1 and 2, two sequence lengths each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

import { InferenceSession, Tensor } from '../../web/index.js';
import { FIXTURES, randomFloats, maxAbsDiff } from './helpers.js';

// max |Δ| relative to max(1, |ref|)
const TOL = 1e-4;

function relDiff(a, b) {
  let ref = 1;
  for (const v of b) ref = Math.max(ref, Math.abs(v));
  return maxAbsDiff(a, b) / ref;
}

// feeds: name -> [type, dims, data]; returns the worst relative |Δ| over all outputs.
async function compare(file, feeds) {
  const path = join(FIXTURES, file);
  const [w, o] = await Promise.all([InferenceSession.create(path), ort.InferenceSession.create(path)]);
  const fw = {}, fo = {};
  for (const [name, [type, dims, data]] of Object.entries(feeds)) {
    fw[name] = new Tensor(type, data, dims);
    fo[name] = new ort.Tensor(type, data, dims);
  }
  const [rw, ro] = [await w.run(fw), await o.run(fo)];
  let worst = 0;
  for (const name of o.outputNames) {
    assert.deepEqual(rw[name].dims, Array.from(ro[name].dims, Number), `${name} dims`);
    const d = relDiff(rw[name].data, ro[name].data);
    worst = Math.max(worst, d);
  }
  const shapes = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, v[1]]));
  console.log(`${file} ${JSON.stringify(shapes)}: max rel |Δ| = ${worst.toExponential(2)}`);
  await w.release();
  return worst;
}

const f32 = (dims, seed) => ['float32', dims, randomFloats(dims.reduce((a, b) => a * b, 1), seed, -2, 2)];

for (const batch of [1, 2]) {
  for (const seq of [3, 11]) {
    test(`torch GRU batch ${batch} seq ${seq} matches onnxruntime`, async () => {
      const d = await compare('rnn_gru.onnx', { x: f32([batch, seq, 12], 10 * batch + seq) });
      assert.ok(d <= TOL, `max rel |Δ| ${d} > ${TOL}`);
    });
    test(`torch LSTM batch ${batch} seq ${seq} matches onnxruntime`, async () => {
      const d = await compare('rnn_lstm.onnx', {
        x: f32([batch, seq, 12], 20 * batch + seq),
        h0: f32([4, batch, 16], 30 * batch + seq),
        c0: f32([4, batch, 16], 40 * batch + seq),
      });
      assert.ok(d <= TOL, `max rel |Δ| ${d} > ${TOL}`);
    });
    test(`GRU reverse / LSTM peepholes, clip / RNN activations, batch ${batch} seq ${seq}`, async () => {
      // the last sequence is shorter than the rest: padded steps and reversed spans differ
      const lens = Int32Array.from({ length: batch }, (_, b) => (b === batch - 1 && batch > 1 ? seq - 2 : seq));
      const d = await compare('rnn_attrs.onnx', {
        x: f32([seq, batch, 12], 50 * batch + seq),
        lens: ['int32', [batch], lens],
      });
      assert.ok(d <= TOL, `max rel |Δ| ${d} > ${TOL}`);
    });
  }
}
