// tabular.test.js — ai.onnx.ml ops and tabular models: wisp against onnxruntime-node (1 thread,
// so its sums run in one order) on every held-out row of the four real models and on one small
// model per op feature (tests/fixtures/tabular/make_tabular.py); string tensors; ZipMap; the
// classify / predict / embed task API over rows; bad rows and bad models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

import { InferenceSession, Tensor, load } from '../../web/index.js';
import { FIXTURES, maxAbsDiff } from './helpers.js';

const TOL = 1e-5;
const TAB = join(FIXTURES, 'tabular');
const MODELS = fileURLToPath(new URL('../../models/', import.meta.url));
const json = (path) => JSON.parse(readFileSync(path, 'utf8'));
const ortOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

// Feeds for both runtimes from a fixture's {type, dims, data} (null = NaN).
function makeFeeds(spec) {
  const w = {}, o = {};
  for (const [name, { type, dims, data }] of Object.entries(spec)) {
    let d;
    if (type === 'string') d = data;
    else if (type === 'int64') d = BigInt64Array.from(data, (v) => BigInt(v));
    else d = (type === 'float64' ? Float64Array : Float32Array).from(data, (v) => (v === null ? NaN : v));
    w[name] = new Tensor(type, d, dims);
    o[name] = new ort.Tensor(type, d, dims);
  }
  return [w, o];
}

// max |Δ| for numbers; exact equality (else Infinity) for strings and ints.
function diff(a, b, name) {
  assert.equal(a.type, b.type, `${name}: type`);
  assert.deepEqual(a.dims, Array.from(b.dims, Number), `${name}: dims`);
  if (a.type === 'string' || a.type === 'int64') {
    assert.deepEqual(Array.from(a.data), Array.from(b.data), `${name}: values`);
    return 0;
  }
  return maxAbsDiff(a.data, b.data);
}

async function compareRuns(w, o, feedsW, feedsO, fetch) {
  const [rw, ro] = [await w.run(feedsW), await o.run(feedsO, fetch)];
  let worst = 0;
  for (const name of fetch ?? o.outputNames) worst = Math.max(worst, diff(rw[name], ro[name], name));
  return worst;
}

// ---- one model per op feature ----------------------------------------------------------------

const OPS = join(TAB, 'ops');
// onnxruntime's binary PROBIT tree classifier writes only scores[:, 0] and leaves scores[:, 1] as
// whatever its output buffer held (ml_common.h write_scores, the `scores.size() == 1` branch), so
// that column is compared on wisp's side alone: it must be 0, as the spec's binary case gives.
const ORT_FIRST_COLUMN_ONLY = new Set(['tree_bin_probit']);
function keepFirstColumn(t) {
  const [n, c] = t.dims;
  const first = new Float32Array(n);
  for (let i = 0; i < n; i++) first[i] = t.data[i * c];
  return { type: t.type, dims: [n, 1], data: first };
}
for (const file of readdirSync(OPS).filter((f) => f.endsWith('.onnx')).sort()) {
  const base = file.replace(/\.onnx$/, '');
  test(`op fixture ${base} matches onnxruntime`, async () => {
    const path = join(OPS, file);
    const spec = json(join(OPS, `${base}.json`));
    const [w, o] = await Promise.all([InferenceSession.create(path), ort.InferenceSession.create(path, ortOptions)]);
    const [fw, fo] = makeFeeds(spec.feeds);
    // onnxruntime-node returns no sequence-of-map (ZipMap) outputs: compare the tensors, then
    // check wisp's maps against the probabilities they zip
    const tensors = w.outputMetadata.filter((m) => m.isTensor).map((m) => m.name);
    let d;
    if (ORT_FIRST_COLUMN_ONLY.has(base)) {
      const [rw, ro] = [await w.run(fw), await o.run(fo, tensors)];
      assert.deepEqual(Array.from(rw.label.data), Array.from(ro.label.data), 'labels');
      assert.equal(rw.scores.dims[1], 2);
      for (let i = 0; i < rw.scores.dims[0]; i++) assert.equal(rw.scores.data[i * 2 + 1], 0);
      d = diff(keepFirstColumn(rw.scores), keepFirstColumn(ro.scores), 'scores');
    } else {
      d = await compareRuns(w, o, fw, fo, tensors);
    }
    console.log(`${base}: max |Δ| = ${d.toExponential(2)}`);
    assert.ok(d <= TOL, `max |Δ| ${d} > ${TOL}`);
    if (tensors.length < w.outputNames.length) {
      const r = await w.run(fw);
      const maps = r.output_probability, p = r.probabilities;
      assert.ok(Array.isArray(maps) && maps.length === p.dims[0]);
      assert.deepEqual(Object.keys(maps[0]), ['low', 'mid', 'high']);
      maps.forEach((m, i) => ['low', 'mid', 'high'].forEach((k, c) => assert.equal(m[k], p.data[i * 3 + c])));
      assert.deepEqual(w.outputMetadata.find((m) => m.name === 'output_probability'), { name: 'output_probability', isTensor: false });
    }
    await w.release();
  });
}

// ---- the four real models, every held-out row --------------------------------------------------

const breast = json(join(TAB, 'breast_cancer_test.json'));
const wine = json(join(TAB, 'wine_test.json'));
const diabetes = json(join(TAB, 'diabetes_test.json'));

const REAL = [
  ['breast-cancer-gbt', join(MODELS, 'breast-cancer-gbt/onnx/model.onnx'), breast],
  ['breast-cancer-mlp', join(TAB, 'mlp_embedding.onnx'), breast], // the shipped MLP + its embedding as an output
  ['wine-hgb (SOFTMAX, missing values)', join(TAB, 'wine-hgb/onnx/model.onnx'), wine],
  ['diabetes-rf (AVERAGE regressor)', join(TAB, 'diabetes-rf/onnx/model.onnx'), diabetes],
];

for (const [name, path, data] of REAL) {
  test(`${name}: every held-out row matches onnxruntime (batch and one by one)`, async () => {
    const [w, o] = await Promise.all([InferenceSession.create(path), ort.InferenceSession.create(path, ortOptions)]);
    const F = data.feature_names.length, N = data.rows.length;
    const x = Float32Array.from(data.rows.flat(), (v) => (v === null ? NaN : v));
    let worst = await compareRuns(w, o, { [w.inputNames[0]]: new Tensor('float32', x, [N, F]) },
      { [o.inputNames[0]]: new ort.Tensor('float32', x, [N, F]) });
    for (let i = 0; i < N; i++) {
      const xi = x.slice(i * F, (i + 1) * F);
      worst = Math.max(worst, await compareRuns(w, o, { [w.inputNames[0]]: new Tensor('float32', xi, [1, F]) },
        { [o.inputNames[0]]: new ort.Tensor('float32', xi, [1, F]) }));
    }
    console.log(`${name}: ${N} held-out rows, max |Δ| = ${worst.toExponential(2)} over ${o.outputNames.join(', ')}`);
    assert.ok(worst <= TOL, `max |Δ| ${worst} > ${TOL}`);
    await w.release();
  });
}

// ---- the task API -------------------------------------------------------------------------------

const asObject = (names, row) => Object.fromEntries(names.map((n, j) => [n, row[j]]));

// Same labels in the same order, scores equal to float32 rounding (one row and a batch may take
// different GEMM kernels in an MLP).
function assertSameResult(a, b) {
  assert.deepEqual(a.map((x) => x.label), b.map((x) => x.label));
  a.forEach((x, i) => assert.ok(Math.abs(x.score - b[i].score) <= 1e-6, `${x.score} vs ${b[i].score}`));
}

for (const m of ['breast-cancer-gbt', 'breast-cancer-mlp']) {
  test(`${m}: classify({feature: value}) on the held-out rows (accuracy by wisp)`, async () => {
    const model = await load(join(MODELS, m));
    assert.equal(model.kind, 'tabular');
    const rows = breast.rows.map((r) => asObject(breast.feature_names, r));
    const batch = await model.classify(rows, { topk: 2 });
    assert.equal(batch.length, rows.length);
    let correct = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = batch[i];
      assert.equal(r.length, 2);
      assert.ok(r[0].score >= r[1].score);
      assert.ok(Math.abs(r[0].score + r[1].score - 1) < 1e-5);
      assert.deepEqual(new Set(r.map((x) => x.label)), new Set(['malignant', 'benign']));
      if (r[0].label === breast.labels[breast.targets[i]]) correct++;
    }
    const acc = correct / rows.length;
    console.log(`${m}: held-out accuracy (wisp) ${acc.toFixed(4)} (${correct}/${rows.length})`);
    assert.ok(acc >= 0.9, `accuracy ${acc}`);
    // one row, as an object or as numbers in feature order: the same answer as in the batch
    assertSameResult(await model.classify(rows[3], { topk: 2 }), batch[3]);
    assertSameResult(await model.classify(breast.rows[3], { topk: 2 }), batch[3]);
    assertSameResult(await model.classify(Float32Array.from(breast.rows[3]), { topk: 2 }), batch[3]);
    assert.equal((await model.classify(rows[3], { topk: 1 })).length, 1);
    assert.deepEqual(await model.classify([]), []);
    await model.release();
  });
}

test('breast-cancer-mlp: embed(row) is the hidden layer onnxruntime computes', async () => {
  const model = await load(join(MODELS, 'breast-cancer-mlp'));
  const o = await ort.InferenceSession.create(join(TAB, 'mlp_embedding.onnx'), ortOptions);
  const rows = breast.rows.slice(0, 10);
  const embs = await model.embed(rows.map((r) => asObject(breast.feature_names, r)));
  const ref = await o.run({ features: new ort.Tensor('float32', Float32Array.from(rows.flat()), [10, 30]) });
  assert.equal(embs.length, 10);
  embs.forEach((e, i) => {
    assert.ok(e instanceof Float32Array && e.length === 16);
    assert.ok(maxAbsDiff(e, ref.embedding.data.subarray(i * 16, (i + 1) * 16)) <= TOL);
  });
  assert.ok(maxAbsDiff(await model.embed(asObject(breast.feature_names, rows[0])), embs[0]) <= TOL);
  await model.release();
});

test('bad rows: errors name the feature (and the row in a batch)', async () => {
  const model = await load(join(MODELS, 'breast-cancer-gbt'));
  const names = breast.feature_names;
  const good = asObject(names, breast.rows[0]);
  const without = (k) => Object.fromEntries(Object.entries(good).filter(([n]) => n !== k));
  const cases = [
    [without('mean radius'), /missing feature 'mean radius'/],
    [{ ...good, 'worst area': undefined }, /missing feature 'worst area'/],
    [{ ...good, 'worst area': null }, /missing feature 'worst area'/],
    [{ ...good, 'mean texture': NaN }, /missing feature 'mean texture' \(NaN\)/],
    [{ ...good, 'mean radiuz': 1 }, /unknown feature 'mean radiuz'/],
    [{ ...good, 'Mean Radius': 1 }, /unknown feature 'Mean Radius' \(did you mean 'mean radius'\?\)/],
    [{ ...good, 'mean area': '1001.0' }, /feature 'mean area' must be a number, got the string "1001.0"/],
    [{ ...good, 'mean area': true }, /feature 'mean area' must be a number, got boolean/],
    [{ ...good, 'mean area': 10n }, /feature 'mean area' must be a number, got bigint/],
    [{ ...good, 'mean area': Infinity }, /feature 'mean area' is Infinity/],
    [breast.rows[0].slice(1), /expected 30 feature values/],
    [[...breast.rows[0].slice(1), 'x'], /feature 'worst fractal dimension' must be a number/],
    ['17.99', /a row must be an object/],
    [42, /a row must be an object/],
  ];
  for (const [row, re] of cases) await assert.rejects(model.classify(row), re);
  await assert.rejects(model.classify([good, without('mean smoothness')]), /row 1: missing feature 'mean smoothness'/);
  await assert.rejects(model.classify([good, 5]), /row 1: a row must be an object/);
  await assert.rejects(model.predict(good), /predict\(\) is for regression models/);
  // the model still works after bad rows
  assert.equal((await model.classify(good))[0].label, (await model.classify(breast.rows[0]))[0].label);
  await model.release();
});

test('wine-hgb: handles_missing maps missing features to NaN, routed by the trees', async () => {
  const model = await load(join(TAB, 'wine-hgb'));
  const o = await ort.InferenceSession.create(join(TAB, 'wine-hgb/onnx/model.onnx'), ortOptions);
  const names = wine.feature_names;
  let correct = 0;
  for (let i = 0; i < wine.rows.length; i++) {
    // null features are left out of the object: "missing"
    const row = Object.fromEntries(names.map((n, j) => [n, wine.rows[i][j]]).filter(([, v]) => v !== null));
    const res = await model.classify(row, { topk: 3 });
    const ref = await o.run({ features: new ort.Tensor('float32', Float32Array.from(wine.rows[i], (v) => (v === null ? NaN : v)), [1, 13]) });
    for (const { label, score } of res) {
      const k = wine.labels.indexOf(label);
      assert.ok(Math.abs(score - ref.probabilities.data[k]) <= TOL);
    }
    if (res[0].label === wine.labels[wine.targets[i]]) correct++;
  }
  console.log(`wine-hgb: held-out accuracy (wisp) ${(correct / wine.rows.length).toFixed(4)}`);
  assert.ok(wine.rows.some((r) => r.includes(null)), 'the fixture has missing values');
  assert.ok(correct / wine.rows.length >= 0.9);
  await assert.rejects(model.classify({ alcohol: 13, nonsense: 1 }), /unknown feature 'nonsense'/);
  await assert.rejects(model.classify({ alcohol: '13' }), /feature 'alcohol' must be a number/);
  await model.release();
});

test('diabetes-rf: a regressor answers {value} from predict() and classify()', async () => {
  const model = await load(join(TAB, 'diabetes-rf'));
  const o = await ort.InferenceSession.create(join(TAB, 'diabetes-rf/onnx/model.onnx'), ortOptions);
  const rows = diabetes.rows.map((r) => asObject(diabetes.feature_names, r));
  const values = await model.predict(rows);
  const ref = await o.run({ features: new ort.Tensor('float32', Float32Array.from(diabetes.rows.flat()), [rows.length, 10]) });
  let worst = 0, abs = 0;
  values.forEach((v, i) => {
    assert.deepEqual(Object.keys(v), ['value']);
    worst = Math.max(worst, Math.abs(v.value - ref.value.data[i]));
    abs += Math.abs(v.value - diabetes.targets[i]);
  });
  console.log(`diabetes-rf: held-out MAE (wisp) ${(abs / rows.length).toFixed(2)}, max |Δ| vs onnxruntime ${worst.toExponential(2)}`);
  assert.ok(worst <= TOL);
  assert.deepEqual(await model.classify(rows[0]), values[0]);
  assert.deepEqual(await model.predict(diabetes.rows[0]), values[0]);
  await assert.rejects(model.predict({ ...rows[0], bmi: undefined }), /missing feature 'bmi'/);
  await model.release();
});

// ---- strings and the session API ----------------------------------------------------------------

test('string tensors: in as string[], out as string[] (onnxruntime-web shape)', async () => {
  const s = await InferenceSession.create(join(OPS, 'labelenc_str_int.onnx'));
  const words = ['red', 'blue', '', 'grün', 'purple', '日本語'];
  const r = await s.run({ S: new Tensor('string', words, [6]) });
  assert.deepEqual(Array.from(r.Y.data), [10n, 30n, -7n, -7n, -7n, -7n]);
  assert.equal(new Tensor(['a', 'b']).type, 'string');
  const back = await InferenceSession.create(join(OPS, 'labelenc_int_str.onnx'));
  const out = await back.run({ I: new Tensor('int64', BigInt64Array.from([0n, 3n, 9n, -1n]), [2, 2]) });
  assert.equal(out.Y.type, 'string');
  assert.deepEqual(out.Y.dims, [2, 2]);
  assert.deepEqual(out.Y.data, ['zero', 'three', 'many', 'many']);
  await assert.rejects(s.run({ S: new Tensor('string', ['a\0b'], [1]) }), /NUL/);
  await assert.rejects(s.run({ S: new Tensor('float32', new Float32Array(1), [1]) }), /must be a string tensor/);
  assert.throws(() => new Tensor('string', [1, 2], [2]), /array of strings/);
  // a big batch of strings grows the heap mid-copy
  const many = Array.from({ length: 20000 }, (_, i) => ['red', 'green', 'blue', 'x'.repeat(i % 50)][i % 4]);
  const big = await s.run({ S: new Tensor('string', many, [many.length]) });
  assert.equal(big.Y.data[20000 - 2], 30n);
  await s.release();
  await back.release();
});

// ---- bad models: untrusted attributes fail at load with a message, never crash ------------------

import { model as onnxModel, node as onnxNode, valueInfo, varint as pbVarint } from './helpers.js';

const enc = new TextEncoder();
const pbBytes = (field, b) => [...pbVarint((field << 3) | 2), ...pbVarint(b.length), ...b];
const pbStr = (field, s) => pbBytes(field, [...enc.encode(s)]);
const attr = {
  ints: (name, v) => pbBytes(5, [...pbStr(1, name), ...pbVarint(20 << 3), ...pbVarint(7), ...v.flatMap((x) => [...pbVarint(8 << 3), ...pbVarint(x)])]),
  floats: (name, v) => pbBytes(5, [...pbStr(1, name), ...pbVarint(20 << 3), ...pbVarint(6), ...v.flatMap((x) => [...pbVarint((7 << 3) | 5), ...new Uint8Array(Float32Array.of(x).buffer)])]),
  strings: (name, v) => pbBytes(5, [...pbStr(1, name), ...pbVarint(20 << 3), ...pbVarint(8), ...v.flatMap((x) => pbStr(9, x))]),
  str: (name, v) => pbBytes(5, [...pbStr(1, name), ...pbVarint(20 << 3), ...pbVarint(3), ...pbStr(4, v)]),
  int: (name, v) => pbBytes(5, [...pbStr(1, name), ...pbVarint(20 << 3), ...pbVarint(2), ...pbVarint(3 << 3), ...pbVarint(v)]),
};

// A regressor of one 3-node tree, with attributes overridden.
function treeModel(over = {}) {
  const a = {
    nodes_treeids: attr.ints('nodes_treeids', [0, 0, 0]),
    nodes_nodeids: attr.ints('nodes_nodeids', [0, 1, 2]),
    nodes_featureids: attr.ints('nodes_featureids', [0, 0, 0]),
    nodes_modes: attr.strings('nodes_modes', ['BRANCH_LEQ', 'LEAF', 'LEAF']),
    nodes_values: attr.floats('nodes_values', [0.5, 0, 0]),
    nodes_truenodeids: attr.ints('nodes_truenodeids', [1, 0, 0]),
    nodes_falsenodeids: attr.ints('nodes_falsenodeids', [2, 0, 0]),
    target_treeids: attr.ints('target_treeids', [0, 0]),
    target_nodeids: attr.ints('target_nodeids', [1, 2]),
    target_ids: attr.ints('target_ids', [0, 0]),
    target_weights: attr.floats('target_weights', [1, 2]),
    n_targets: attr.int('n_targets', 1),
    ...over,
  };
  const n = [...onnxNode('TreeEnsembleRegressor', ['X'], ['Y'], Object.values(a).filter(Boolean)), ...pbStr(7, 'ai.onnx.ml')];
  const bytes = onnxModel({ nodes: [n], inputs: [valueInfo('X', 1, ['N', 'F'])], outputs: [valueInfo('Y', 1, ['N', 1])] });
  // the helper imports only the default domain: add ai.onnx.ml (ModelProto.opset_import = 8)
  return Uint8Array.from([...bytes, ...pbBytes(8, [...pbStr(1, 'ai.onnx.ml'), ...pbVarint(2 << 3), ...pbVarint(3)])]);
}

test('tree attributes are checked at load: lengths, ids, children, cycles, modes', async () => {
  const ok = await InferenceSession.create(treeModel());
  const r = await ok.run({ X: new Tensor('float32', Float32Array.from([0.2, 0, 0.9, 0, NaN, 0]), [3, 2]) });
  assert.deepEqual(Array.from(r.Y.data), [1, 2, 2]);
  await assert.rejects(ok.run({ X: new Tensor('float32', new Float32Array(0), [1, 0]) }), /the trees read feature 0 but the input has 0 features/);
  const bad = [
    [{ nodes_modes: attr.strings('nodes_modes', ['BRANCH_LEQ', 'LEAF']) }, /different lengths/],
    [{ nodes_modes: attr.strings('nodes_modes', ['BRANCH_LEQ', 'LEAF', 'BRANCH_XX']) }, /unknown mode 'BRANCH_XX'/],
    [{ nodes_truenodeids: attr.ints('nodes_truenodeids', [7, 0, 0]) }, /true child 7 is not a node of that tree/],
    [{ nodes_falsenodeids: attr.ints('nodes_falsenodeids', [0, 0, 0]) }, /its own child/],
    [{ nodes_nodeids: attr.ints('nodes_nodeids', [0, 1, 1]) }, /listed twice/],
    [{ nodes_featureids: attr.ints('nodes_featureids', [-3, 0, 0]) }, /feature id -3/],
    [{ target_ids: attr.ints('target_ids', [0, 5]) }, /out of \[0, 1\)/],
    [{ target_nodeids: attr.ints('target_nodeids', [1, 9]) }, /names node 9 of tree 0, which does not exist/],
    [{ target_weights: attr.floats('target_weights', [1]) }, /different lengths/],
    [{ n_targets: attr.int('n_targets', 0) }, /n_targets/],
    [{ aggregate_function: attr.str('aggregate_function', 'MEDIAN') }, /unknown aggregate_function 'MEDIAN'/],
    [{ post_transform: attr.str('post_transform', 'TANH') }, /unknown post_transform 'TANH'/],
    [{ nodes_values: attr.ints('nodes_values', [1, 2, 3]) }, /'nodes_values' must be a list of floats/],
    [{ base_values: attr.floats('base_values', [1, 2, 3]) }, /base_values for 1 targets/],
    // nodes 1 and 2 send each other round: a cycle
    [{
      nodes_modes: attr.strings('nodes_modes', ['BRANCH_LEQ', 'BRANCH_LEQ', 'BRANCH_LEQ']),
      nodes_truenodeids: attr.ints('nodes_truenodeids', [1, 2, 1]),
      nodes_falsenodeids: attr.ints('nodes_falsenodeids', [2, 2, 1]),
      nodes_nodeids: attr.ints('nodes_nodeids', [0, 1, 2]),
    }, /cycle|own child/],
    [{
      nodes_treeids: attr.ints('nodes_treeids', [0, 0, 0, 0]),
      nodes_nodeids: attr.ints('nodes_nodeids', [0, 1, 2, 3]),
      nodes_featureids: attr.ints('nodes_featureids', [0, 0, 0, 0]),
      nodes_modes: attr.strings('nodes_modes', ['BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GT', 'LEAF']),
      nodes_values: attr.floats('nodes_values', [0, 0, 0, 0]),
      nodes_truenodeids: attr.ints('nodes_truenodeids', [1, 2, 1, 0]),
      nodes_falsenodeids: attr.ints('nodes_falsenodeids', [3, 3, 3, 0]),
      target_treeids: attr.ints('target_treeids', [0]),
      target_nodeids: attr.ints('target_nodeids', [3]),
      target_ids: attr.ints('target_ids', [0]),
      target_weights: attr.floats('target_weights', [1]),
    }, /cycle/],
  ];
  for (const [over, re] of bad) await assert.rejects(InferenceSession.create(treeModel(over)), re);
  // still fine afterwards
  assert.equal((await ok.run({ X: new Tensor('float32', Float32Array.from([0.7, 0]), [1, 2]) })).Y.data[0], 2);
  await ok.release();
});
