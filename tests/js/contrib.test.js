// contrib.test.js — onnxruntime's com.microsoft contrib ops: every fixture of
// tests/fixtures/contrib (made by make_contrib_fixtures.py) against onnxruntime-node; the bench
// models saved by onnxruntime at the 'extended' level (bench/save_ort_optimized.mjs) run by wisp
// against onnxruntime-node on the ORIGINAL model; and the refusal of 'all'-level (nchwc) models.
// Tolerance: max |Δ| ≤ 1e-4 · max(1, |ref|).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';

import { InferenceSession, Tensor } from '../../web/index.js';
import { FIXTURES, rng, randomFloats } from './helpers.js';
import { SOURCES, saveOptimized } from '../../bench/save_ort_optimized.mjs';

const DIR = join(FIXTURES, 'contrib');
const INPUTS = JSON.parse(readFileSync(join(DIR, 'inputs.json'), 'utf8'));
const TOL = 1e-4;
const ARRAYS = { float32: Float32Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, int8: Int8Array };

// max |a - b| / max(1, |b|); NaN on either side only counts as a failure
function relDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(Number(a[i]) - Number(b[i])) / Math.max(1, Math.abs(Number(b[i])));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

function feedsFor(spec, seed) {
  const w = {}, o = {};
  for (const [name, { dtype, dims, data }] of Object.entries(spec)) {
    const n = dims.reduce((a, b) => a * b, 1);
    const values = data ? ARRAYS[dtype].from(data, (v) => (dtype === 'int64' ? BigInt(v) : v))
      : randomFloats(n, seed++, -2, 2);
    w[name] = new Tensor(dtype, values, dims);
    o[name] = new ort.Tensor(dtype, values, dims);
  }
  return [w, o];
}

// Runs both on the same feeds; asserts names, dims and values of every output.
async function compareRuns(wisp, oracle, feedsW, feedsO, label) {
  const [rw, ro] = [await wisp.run(feedsW), await oracle.run(feedsO)];
  for (const name of oracle.outputNames) {
    assert.deepEqual(rw[name].dims, Array.from(ro[name].dims, Number), `${label} ${name} dims`);
    const d = relDiff(rw[name].data, ro[name].data);
    console.log(`${label} ${name}: max rel |Δ| = ${d.toExponential(2)}`);
    assert.ok(d <= TOL, `${label} ${name}: max |Δ| ${d} > ${TOL}`);
  }
}

for (const file of Object.keys(INPUTS)) {
  test(`contrib fixture ${file} matches onnxruntime`, async () => {
    const path = join(DIR, file);
    const [w, o] = await Promise.all([InferenceSession.create(path), ort.InferenceSession.create(path)]);
    try {
      for (const seed of [1, 2]) await compareRuns(w, o, ...feedsFor(INPUTS[file], seed * 100), `${file} seed ${seed}`);
    } finally {
      await w.release();
    }
  });
}

test('a model in onnxruntime\'s nchwc layout is refused with the level to save at', async () => {
  await assert.rejects(InferenceSession.create(join(DIR, 'nchwc.onnx')),
    /com\.microsoft\.nchwc\.ReorderInput.*'all' optimization level.*not portable.*'extended'/);
});

// ---- onnxruntime's saved 'extended' forms of the bench models ---------------------------------

const TMP = mkdtempSync(join(tmpdir(), 'wisp-ort-extended-'));
process.on('exit', () => rmSync(TMP, { recursive: true, force: true }));

function textFeeds(batch, T, seed) {
  const r = rng(seed), n = batch * T;
  const ids = new BigInt64Array(n), mask = new BigInt64Array(n), types = new BigInt64Array(n);
  for (let b = 0; b < batch; b++) {
    const len = Math.max(1, T - Math.floor((b * T) / 3)); // later rows padded
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = t < len ? BigInt(Math.floor(r() * 30522)) : 0n;
      mask[b * T + t] = t < len ? 1n : 0n;
      types[b * T + t] = t >= len / 2 ? 1n : 0n;
    }
  }
  const mk = (T_) => ({ input_ids: new T_('int64', ids, [batch, T]), attention_mask: new T_('int64', mask, [batch, T]), token_type_ids: new T_('int64', types, [batch, T]) });
  return [mk(Tensor), mk(ort.Tensor)];
}

function imageFeeds(batch, seed) {
  const dims = [batch, 3, 224, 224], x = randomFloats(dims.reduce((a, b) => a * b), seed, -2, 2);
  return [{ pixel_values: new Tensor('float32', x, dims) }, { pixel_values: new ort.Tensor('float32', x, dims) }];
}

const SAVED = {
  'bert-tiny': [['FusedGemm', 'BiasGelu', 'FusedMatMul'], () => [textFeeds(1, 8, 1), textFeeds(2, 37, 2)]],
  'minilm-l6': [['BiasGelu', 'FusedMatMul'], () => [textFeeds(1, 16, 3), textFeeds(2, 128, 4)]],
  mobilenet_v2: [['FusedConv'], () => [imageFeeds(1, 5)]],
  resnet18: [['FusedConv'], () => [imageFeeds(1, 6)]],
};

for (const [name, [ops, feeds]] of Object.entries(SAVED)) {
  const src = SOURCES[name];
  test(`${name} saved by onnxruntime at 'extended' (${ops.join(', ')}) matches onnxruntime on the original`,
    { skip: !existsSync(src) && `${src} missing: run bench/make_models.py / make_text_models.py` }, async () => {
      const saved = await saveOptimized(src, join(TMP, `${name}.onnx`));
      const bytes = readFileSync(saved);
      for (const op of ops) assert.ok(bytes.includes(Buffer.from(op)), `the saved ${name} has no ${op}`);
      const [w, o] = await Promise.all([InferenceSession.create(saved), ort.InferenceSession.create(src)]);
      try {
        for (const [fw, fo] of feeds()) await compareRuns(w, o, fw, fo, `${name} saved`);
      } finally {
        await w.release();
      }
    });
}

test('mobilenet_v2 saved at the \'all\' level is refused as not portable',
  { skip: !existsSync(SOURCES.mobilenet_v2) && 'bench models missing' }, async () => {
    const saved = await saveOptimized(SOURCES.mobilenet_v2, join(TMP, 'mobilenet_v2.all.onnx'), 'all');
    await assert.rejects(InferenceSession.create(saved), /com\.microsoft\.nchwc.*not portable.*'extended'/);
  });

test('BiasAdd (onnxruntime runs it on CUDA only) gives X + bias + skip', async () => {
  const w = await InferenceSession.create(join(DIR, 'bias_add.onnx'));
  try {
    const x = randomFloats(160, 1, -2, 2), bias = randomFloats(16, 2), skip = randomFloats(160, 3);
    const { y } = await w.run({ x: new Tensor('float32', x, [2, 5, 16]), bias: new Tensor('float32', bias, [16]), skip: new Tensor('float32', skip, [2, 5, 16]) });
    assert.deepEqual(y.dims, [2, 5, 16]);
    for (let i = 0; i < 160; i++) assert.ok(Math.abs(y.data[i] - (x[i] + bias[i % 16] + skip[i])) <= 1e-6, `element ${i}`);
  } finally {
    await w.release();
  }
});

test('BiasSplitGelu (CUDA only in onnxruntime) matches its plain-op form in onnxruntime', async () => {
  const w = await InferenceSession.create(join(DIR, 'bias_split_gelu.onnx'));
  const o = await ort.InferenceSession.create(join(DIR, 'bias_split_gelu_ref.onnx'));
  try {
    for (const seed of [1, 2]) {
      const x = randomFloats(320, seed, -4, 4), bias = randomFloats(32, seed + 10);
      const feeds = (T) => ({ x: new T('float32', x, [2, 5, 32]), bias: new T('float32', bias, [32]) });
      await compareRuns(w, o, feeds(Tensor), feeds(ort.Tensor), `bias_split_gelu seed ${seed}`);
    }
  } finally {
    await w.release();
  }
});

test('BiasSoftmax (CUDA only in onnxruntime) gives softmax(scores + bias), bias broadcast', async () => {
  const w = await InferenceSession.create(join(DIR, 'bias_softmax.onnx'));
  try {
    const s = randomFloats(150, 4, -3, 3), mask = randomFloats(10, 5, -3, 3), rel = randomFloats(75, 6, -3, 3);
    const out = await w.run({ scores: new Tensor('float32', s, [2, 3, 5, 5]), mask: new Tensor('float32', mask, [2, 1, 1, 5]), rel: new Tensor('float32', rel, [3, 5, 5]) });
    // bias index of element (b, h, i, j): mask (2, 1, 1, 5) → b·5 + j; rel (3, 5, 5) → (h·5 + i)·5 + j
    for (const [name, bias] of [['y_softmax', (b, h, i, j) => mask[b * 5 + j]], ['y_softmax_inner', (b, h, i, j) => rel[(h * 5 + i) * 5 + j]]]) {
      const y = out[name].data;
      for (let r = 0; r < 30; r++) {
        const [b, h, i] = [Math.floor(r / 15), Math.floor(r / 5) % 3, r % 5];
        const v = Array.from({ length: 5 }, (_, j) => s[r * 5 + j] + bias(b, h, i, j));
        const max = Math.max(...v), e = v.map((t) => Math.exp(t - max)), sum = e.reduce((a, c) => a + c);
        for (let j = 0; j < 5; j++) assert.ok(Math.abs(y[r * 5 + j] - e[j] / sum) <= 1e-6, `${name} row ${r} col ${j}`);
      }
    }
  } finally {
    await w.release();
  }
});

// q8: onnxruntime's saved form of the Hugging Face q8 chain is DynamicQuantizeLinear →
// MatMulIntegerToFloat (and DynamicQuantizeMatMul, com.microsoft Gelu): wisp runs it as the same
// DynamicQuantizeMatMul as the original, so both forms give wisp's own q8 answer; against
// onnxruntime the q8 rounding tolerance of quant.test.js applies.
const Q8 = join(SOURCES['bert-tiny'], '../model_quantized.onnx');
test('bert-tiny q8 saved at \'extended\' (MatMulIntegerToFloat, DynamicQuantizeMatMul, Gelu) runs as the original',
  { skip: !existsSync(Q8) && `${Q8} missing: run bench/make_text_models.py and models/quantize.py` }, async () => {
    const saved = await saveOptimized(Q8, join(TMP, 'bert-tiny-q8.onnx'));
    const bytes = readFileSync(saved);
    for (const op of ['MatMulIntegerToFloat', 'DynamicQuantizeMatMul', 'Gelu']) assert.ok(bytes.includes(Buffer.from(op)), `no ${op}`);
    const [w, base, o] = await Promise.all([InferenceSession.create(saved), InferenceSession.create(Q8), ort.InferenceSession.create(Q8)]);
    try {
      for (const [fw, fo] of [textFeeds(1, 16, 7), textFeeds(2, 40, 8)]) {
        const [a, b, c] = [(await w.run(fw)).logits.data, (await base.run(fw)).logits.data, (await o.run(fo)).logits.data];
        const same = relDiff(a, b), vsOrt = relDiff(a, c);
        console.log(`bert-tiny q8 saved: vs wisp on the original ${same.toExponential(2)}, vs onnxruntime ${vsOrt.toExponential(2)}`);
        assert.ok(same <= 1e-5, `saved vs original in wisp: ${same}`);
        assert.ok(vsOrt <= 0.05, `vs onnxruntime: ${vsOrt}`);
      }
    } finally {
      await w.release();
      await base.release();
    }
  });
