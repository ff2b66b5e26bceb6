// control.test.js — Scan, Loop and If against onnxruntime-node (tests/fixtures/make_control.py):
// reversed scan axes, a Loop with a scan output, an If decided at run time; bodies read outer
// values by name. Batch 1 and 2, two sequence lengths, both branches of the If.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

import { InferenceSession, Tensor } from '../../web/index.js';
import { FIXTURES, randomFloats, maxAbsDiff } from './helpers.js';

const TOL = 1e-4; // relative to max(1, |ref|)

test('control_flow.onnx matches onnxruntime', async () => {
  const path = join(FIXTURES, 'control_flow.onnx');
  const [w, o] = await Promise.all([InferenceSession.create(path), ort.InferenceSession.create(path)]);
  let seed = 1;
  for (const batch of [1, 2]) {
    for (const seq of [3, 6]) {
      for (const sign of [1, -1]) {
        const s0 = randomFloats(batch * 4, seed++);
        const x = randomFloats(batch * seq * 4, seed++, -1, 1).map((v) => sign * (v + 0.2));
        const fw = { s0: new Tensor('float32', s0, [batch, 4]), x: new Tensor('float32', x, [batch, seq, 4]) };
        const fo = { s0: new ort.Tensor('float32', s0, [batch, 4]), x: new ort.Tensor('float32', x, [batch, seq, 4]) };
        const [rw, ro] = [await w.run(fw), await o.run(fo)];
        for (const name of o.outputNames) {
          assert.deepEqual(rw[name].dims, Array.from(ro[name].dims, Number), `${name} dims`);
          let ref = 1;
          for (const v of ro[name].data) ref = Math.max(ref, Math.abs(v));
          const d = maxAbsDiff(rw[name].data, ro[name].data) / ref;
          console.log(`batch ${batch} seq ${seq} sign ${sign} ${name}: max rel |Δ| = ${d.toExponential(2)}`);
          assert.ok(d <= TOL, `${name}: max rel |Δ| ${d} > ${TOL}`);
        }
      }
    }
  }
  await w.release();
});
