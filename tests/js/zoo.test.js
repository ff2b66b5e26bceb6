// zoo.test.js — the model zoo of bench/make_zoo.py (torchvision and torch-written models, random
// seeded weights) through wisp and onnxruntime-node (1 thread) on seeded inputs: every element
// within 1e-4 of the reference, relative to max(1, |ref|). Prints max |Δ|, max |ref| (the scale)
// and one run's time per model and shape, from a second run. A model needing ops wisp lacks is a
// skip naming them, not a pass.
// WISP_FULL=1 runs the big members too (bench/make_zoo.py --full makes them).
// The "ort_fused" members are the RoBERTa, BERT and CLIP encoders after onnxruntime's transformer
// fusions (com.microsoft ops), saved by onnxruntime-node itself at graphOptimizationLevel
// 'extended'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

import { InferenceSession, Tensor } from '../../web/index.js';
import { zooFeeds } from './helpers.js';

const ZOO = fileURLToPath(new URL('../../bench/models/zoo/', import.meta.url));
const MANIFEST = join(ZOO, 'manifest.json');
const TOL = 1e-4;
const FULL = process.env.WISP_FULL === '1';
const ORT_OPTS = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' };

// Seeded feeds for one shape set (helpers.js zooFeeds) as wisp and onnxruntime tensors.
function makeFeeds(inputs, shapes, seed) {
  const w = {}, o = {};
  for (const { name, type, data, dims } of zooFeeds(inputs, shapes, seed)) {
    w[name] = new Tensor(type, data, dims);
    o[name] = new ort.Tensor(type, data, dims);
  }
  return [w, o];
}

// max |Δ| and max |Δ| / max(1, |ref|) over one output.
function diff(a, b) {
  assert.equal(a.length, b.length);
  let abs = 0, rel = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    const r = d / Math.max(1, Math.abs(b[i]));
    if (!(d <= abs)) abs = Number.isNaN(d) ? Infinity : d;
    if (!(r <= rel)) rel = Number.isNaN(r) ? Infinity : r;
  }
  return [abs, rel];
}

async function wispSession(path) {
  try {
    return [await InferenceSession.create(path), null];
  } catch (e) {
    if (/unsupported/i.test(e.message)) return [null, e.message];
    throw e;
  }
}

function zooTests(name, entry, path) {
  let sessions;
  const open = async () => {
    sessions ??= (async () => {
      const [w, why] = await wispSession(path);
      const o = await ort.InferenceSession.create(path, ORT_OPTS);
      return { w, why, o };
    })();
    return sessions;
  };
  entry.shapes.forEach((shapes, k) => {
    test(`zoo ${name} ${JSON.stringify(shapes)} matches onnxruntime`, async (t) => {
      const { w, why, o } = await open();
      if (!w) return t.skip(why);
      const [fw, fo] = makeFeeds(entry.inputs, shapes, 1000 + 10 * k);
      // the second run is the one timed and compared: the first plans, and a re-run must agree
      await Promise.all([w.run(fw), o.run(fo)]);
      let t0 = performance.now();
      const rw = await w.run(fw);
      const msW = performance.now() - t0;
      t0 = performance.now();
      const ro = await o.run(fo);
      const msO = performance.now() - t0;
      let worst = 0;
      for (const out of o.outputNames) {
        assert.deepEqual(rw[out].dims, Array.from(ro[out].dims, Number), `${out} dims`);
        const [abs, rel] = diff(rw[out].data, ro[out].data);
        const big = ro[out].data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        console.log(`zoo ${name} ${JSON.stringify(shapes)} ${out}: max |Δ| ` +
          `${abs.toExponential(2)} (rel ${rel.toExponential(2)}, max |ref| ${big.toFixed(3)}), ` +
          `wisp ${msW.toFixed(1)} ms, ort ${msO.toFixed(1)} ms`);
        assert.ok(big > 0, `${name}: the reference ${out} is all zero, so equality proves nothing`);
        worst = Math.max(worst, rel);
      }
      assert.ok(worst <= TOL, `${name}: max |Δ|/max(1,|ref|) ${worst} > ${TOL}`);
    });
  });
  test(`zoo ${name} release`, async () => {
    const s = await sessions;
    await s?.w?.release();
  });
}

if (!existsSync(MANIFEST)) {
  const why = 'no bench/models/zoo: run /usr/bin/python3 bench/make_zoo.py';
  test('zoo models', (t) => t.skip(why));
} else {
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  for (const [name, entry] of Object.entries(manifest)) {
    const path = join(ZOO, entry.file);
    if (entry.full && !FULL) continue;
    if (!existsSync(path)) continue;
    zooTests(name, entry, path);
  }
  // The encoders after onnxruntime's transformer fusions, saved by onnxruntime-node.
  for (const name of ['roberta_cumsum', 'bert_hf', 'clip_text']) {
    const entry = manifest[name];
    const src = entry && join(ZOO, entry.file);
    if (!src || !existsSync(src)) continue;
    const fused = join(ZOO, `${name}.ort_fused.onnx`);
    if (!existsSync(fused)) {
      await ort.InferenceSession.create(src, {
        ...ORT_OPTS, graphOptimizationLevel: 'extended', optimizedModelFilePath: fused,
      });
    }
    zooTests(`${name}.ort_fused`, entry, fused);
  }
}
