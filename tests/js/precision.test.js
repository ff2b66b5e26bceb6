// precision.test.js — float16, 4-bit and static QDQ int8 / uint8 files (Transformers.js's fp16, q4,
// q4f16, bnb4, int8, uint8) against onnxruntime-node on the same file. Fixtures:
// tests/fixtures/precision (make_precision_fixtures.py); bench/models/{bert-tiny,minilm-l6}/onnx/
// model_{fp16,q4,q4f16,bnb4,int8,uint8}.onnx and bench/models/zoo/vit_small_cfg_{int8,uint8}.onnx
// when present (models/convert_precision.py; WISP_BENCH_MODELS names another folder holding them).
// Bounds:
//   fp32, q4, bnb4 all compute in float32: ≤ 1e-4 relative to max(1, |ref|)
//   fp16, q4f16    wisp computes in float32, onnxruntime in float16: ≤ 1e-2 relative and the same
//                  top-1; fp16 also ≤ 1e-2 from the float32 model's own output
// and, printed for each quantized file, the spread between onnxruntime-web and onnxruntime-node on
// the same file (the honest bound for quantized outputs): wisp must be within max(spread, bound).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';

import { InferenceSession, Tensor, load, float16ToFloat32, float32ToFloat16 } from '../../web/index.js';
import { FIXTURES, randomFloats, rng } from './helpers.js';

ortWeb.env.wasm.numThreads = 1;
const DIR = join(FIXTURES, 'precision');
const BENCH = process.env.WISP_BENCH_MODELS ?? fileURLToPath(new URL('../../bench/models/', import.meta.url));

const numbers = (t) => (t.type === 'float16' ? float16ToFloat32(t.data) : Float32Array.from(t.data, Number));

// max |a - b| / max(1, max |b|)
function relDiff(a, b) {
  assert.equal(a.length, b.length);
  let d = 0, s = 1;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    d = Number.isNaN(e) ? Infinity : Math.max(d, e);
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

const argmax = (a, from, n) => {
  let k = 0;
  for (let i = 1; i < n; i++) if (a[from + i] > a[from + k]) k = i;
  return k;
};

// One feed set, as plain arrays: {name: {type, data, dims}}
function textFeeds(vocab, batch, seq, seed) {
  const r = rng(seed);
  const ids = BigInt64Array.from({ length: batch * seq }, () => BigInt(Math.floor(r() * vocab)));
  const mask = BigInt64Array.from({ length: batch * seq }, (_, i) => (i % seq < seq - (i / seq | 0) ? 1n : 0n));
  const dims = [batch, seq];
  return { input_ids: { type: 'int64', data: ids, dims }, attention_mask: { type: 'int64', data: mask, dims },
    token_type_ids: { type: 'int64', data: new BigInt64Array(batch * seq), dims } };
}

// float inputs become the session's declared type (float16 bits for float16 inputs)
function feedsFor(T, session, raw, halfTypeFor) {
  const out = {};
  for (const name of session.inputNames) {
    const { type, data, dims } = raw[name];
    if (type === 'float32' && halfTypeFor(session, name)) out[name] = new T('float16', float32ToFloat16(data), dims);
    else out[name] = new T(type, data, dims);
  }
  return out;
}

async function runAll(path, raw) {
  const [w, o, web] = await Promise.all([InferenceSession.create(path), ort.InferenceSession.create(path),
    ortWeb.InferenceSession.create(path)]);
  const wisHalf = (s, n) => s.inputMetadata.find((m) => m.name === n).type === 'float16';
  const ortHalf = (s, n) => s.inputMetadata.find((m) => m.name === n).type === 'float16';
  const [rw, ro, rweb] = [await w.run(feedsFor(Tensor, w, raw, wisHalf)),
    await o.run(feedsFor(ort.Tensor, o, raw, ortHalf)), await web.run(feedsFor(ortWeb.Tensor, web, raw, ortHalf))];
  const name = o.outputNames[0];
  assert.equal(rw[name].type, ro[name].type, `${path}: output type`);
  assert.deepEqual(rw[name].dims, Array.from(ro[name].dims, Number));
  await w.release();
  return { wisp: numbers(rw[name]), node: numbers(ro[name]), web: numbers(rweb[name]), dims: rw[name].dims };
}

// Runs one file of a folder and checks it against the bounds above; returns the numbers.
async function checkFile(folder, file, raw, fp32Out) {
  const half = /fp16|f16/.test(file);
  const { wisp, node, web, dims } = await runAll(join(folder, 'onnx', file), raw);
  const dWisp = relDiff(wisp, node), spread = relDiff(web, node);
  const bound = Math.max(spread, half ? 1e-2 : 1e-4);
  console.log(`${folder.split('/').slice(-2).join('/')} ${file}: wisp vs onnxruntime-node ${dWisp.toExponential(2)}; ` +
    `onnxruntime-web vs -node ${spread.toExponential(2)}` +
    (fp32Out ? `; wisp vs the fp32 model ${relDiff(wisp, fp32Out).toExponential(2)}` : ''));
  if (/int8|uint8/.test(file)) {
    // static QDQ: an activation one float rounding from a quantization boundary flips a step,
    // and the two onnxruntimes differ by such flips too: wisp must be as close to one of them as
    // they are to each other
    const dWeb = relDiff(wisp, web);
    console.log(`  wisp vs onnxruntime-web ${dWeb.toExponential(2)}`);
    assert.ok(Math.min(dWisp, dWeb) <= bound, `${file}: ${dWisp}, ${dWeb} > ${bound}`);
  } else assert.ok(dWisp <= bound, `${file}: ${dWisp} > ${bound}`);
  if (file === 'model_fp16.onnx') assert.ok(relDiff(wisp, fp32Out) <= 1e-2, 'fp16 vs fp32 model');
  if (dims.length === 2 && half) { // classifiers: same top-1 as onnxruntime on the same file
    const n = dims[1];
    for (let b = 0; b < dims[0]; b++) assert.equal(argmax(wisp, b * n, n), argmax(node, b * n, n), `${file} row ${b} top-1`);
  }
  return wisp;
}

async function checkFolder(folder, raw) {
  const fp32 = await checkFile(folder, 'model.onnx', raw);
  for (const file of ['model_fp16.onnx', 'model_q4.onnx', 'model_q4f16.onnx', 'model_bnb4.onnx', 'model_int8.onnx', 'model_uint8.onnx']) {
    if (existsSync(join(folder, 'onnx', file))) await checkFile(folder, file, raw, fp32);
  }
}

// Each single-node file of DIR/<sub> fed random A (seeded from seed) against onnxruntime-node:
// max relative |Δ| ≤ bound(file).
async function checkNodeFiles(sub, seed, bound) {
  const files = readdirSync(join(DIR, sub)).filter((f) => f.endsWith('.onnx'));
  assert.ok(files.length >= 6);
  for (const [i, file] of files.entries()) {
    const path = join(DIR, sub, file);
    const w = await InferenceSession.create(path);
    const dims = w.inputMetadata[0].shape;
    await w.release();
    const raw = { A: { type: 'float32', data: randomFloats(dims.reduce((a, b) => a * b, 1), seed + i, -2, 2), dims } };
    const { wisp, node } = await runAll(path, raw);
    const d = relDiff(wisp, node);
    console.log(`${sub}/${file}: max rel |Δ| ${d.toExponential(2)}`);
    assert.ok(d <= bound(file), `${file}: ${d} > ${bound(file)}`);
  }
}

test('MatMulNBits nodes (block 16–256, odd K and N, zero points, float16 scales, bias) match onnxruntime', async () => {
  await checkNodeFiles('nbits', 40, (file) => (file.includes('f16') ? 2e-3 : 1e-5));
});

test('MatMulBnb4 nodes (FP4 and NF4, block 16–256, blocks spanning two columns) match onnxruntime', async () => {
  await checkNodeFiles('bnb4', 80, () => 1e-5);
});

test('MatMulBnb4 with a wrong absmax size, quant_type or block_size is refused, naming the node', async () => {
  for (const [file, msg] of [['short_absmax', /absmax has 7 values.*need 8/], ['quant_type2', /quant_type 2/],
    ['block48', /block_size 48/]]) {
    const open = async () => { // shapes are checked at load or at the first run
      const s = await InferenceSession.create(join(DIR, 'bnb4_bad', `${file}.onnx`));
      await s.run({ A: new Tensor('float32', new Float32Array(64), [2, 32]) });
    };
    await assert.rejects(open(), (e) => msg.test(e.message) && /bnb4/.test(e.message), file);
  }
});

test('static QDQ files (uint8 activations, int8 / uint8 per-channel weights into MatMul, Gemm and Conv) run and match onnxruntime', async () => {
  for (const [file, dims] of [['qdq_matmul.onnx', [2, 16]], ['qdq_conv.onnx', [1, 3, 8, 8]],
    ['qdq_gemm_tb1.onnx', [3, 16]], ['qdq_gemm_tb0_u8.onnx', [3, 16]], ['qdq_shared_s8.onnx', [3, 16]]]) {
    const raw = { x: { type: 'float32', data: randomFloats(dims.reduce((a, b) => a * b, 1), 60, -2, 2), dims } };
    const { wisp, node, web } = await runAll(join(DIR, 'qdq', file), raw);
    const d = relDiff(wisp, node), spread = relDiff(web, node);
    console.log(`qdq/${file}: wisp vs onnxruntime-node ${d.toExponential(2)}; onnxruntime-web vs -node ${spread.toExponential(2)}`);
    assert.ok(d <= Math.max(spread, 1e-4), `${file}: ${d}`);
  }
});

test('GatherBlockQuantized nodes (bits 2, 4, 8, zero points, float16 scales, rank 3, int32 indices) match onnxruntime', async () => {
  const files = readdirSync(join(DIR, 'gbq')).filter((f) => /^b\d.*\.onnx$/.test(f));
  assert.ok(files.length >= 6);
  for (const [i, file] of files.entries()) {
    const path = join(DIR, 'gbq', file);
    const w = await InferenceSession.create(path);
    const { type, shape } = w.inputMetadata[0];
    await w.release();
    const r = rng(90 + i), n = shape.reduce((a, b) => a * b, 1); // every table has ≥ 5 rows
    const ints = Array.from({ length: n }, () => Math.floor(r() * 10) - 5);
    const data = type === 'int32' ? Int32Array.from(ints) : BigInt64Array.from(ints, BigInt);
    const { wisp, node } = await runAll(path, { indices: { type, data, dims: shape } });
    const d = relDiff(wisp, node);
    console.log(`gbq/${file}: max rel |Δ| ${d.toExponential(2)}`);
    assert.ok(d <= 1e-6, `${file}: ${d}`);
    assert.ok(wisp.some((v) => v !== 0), `${file}: all zeros`);
  }
});

test('GatherBlockQuantized that wisp does not run (bits 3, gather_axis 1, short scales) is refused, naming the node', async () => {
  for (const [file, msg] of [['bits3', /bits 3/], ['gather_axis1', /gather_axis 1/], ['short_scales', /scales must be shaped/]]) {
    const open = async () => {
      const s = await InferenceSession.create(join(DIR, 'gbq_bad', `${file}.onnx`));
      await s.run({ indices: new Tensor('int64', new BigInt64Array(2), [2]) });
    };
    await assert.rejects(open(), (e) => msg.test(e.message) && /GatherBlockQuantized node 'gbq'/.test(e.message), file);
  }
});

test('BERT-style q4 file with GatherBlockQuantized embeddings (convert_precision.py --gather) against onnxruntime', async () => {
  const raw = textFeeds(128, 3, 11, 5);
  const { wisp, node, web } = await runAll(join(DIR, 'gbq', 'bert_q4_gather.onnx'), raw);
  const q4 = (await runAll(join(DIR, 'bert', 'onnx', 'model_q4.onnx'), raw)).wisp;
  const d = relDiff(wisp, node), spread = relDiff(web, node);
  console.log(`gbq/bert_q4_gather.onnx: wisp vs onnxruntime-node ${d.toExponential(2)}; onnxruntime-web vs -node ` +
    `${spread.toExponential(2)}; vs model_q4.onnx (fp32 embeddings) ${relDiff(wisp, q4).toExponential(2)}`);
  assert.ok(d <= Math.max(spread, 1e-4), `${d}`);
  assert.ok(relDiff(wisp, q4) > 1e-6, 'the embeddings are quantized');
});

test('BERT-style fixture: fp32, fp16, q4, q4f16, bnb4 against onnxruntime', async () => {
  await checkFolder(join(DIR, 'bert'), textFeeds(128, 3, 11, 5));
});

test('ViT-style fixture: fp32, fp16, q4, q4f16, bnb4 against onnxruntime', async () => {
  const dims = [2, 3, 32, 32];
  await checkFolder(join(DIR, 'vit'), { pixel_values: { type: 'float32', data: randomFloats(2 * 3 * 32 * 32, 9, -1, 1), dims } });
});

for (const name of ['bert-tiny', 'minilm-l6']) {
  const folder = join(BENCH, name);
  const have = ['q4', 'int8'].some((k) => existsSync(join(folder, 'onnx', `model_${k}.onnx`)));
  test(`${name} (bench/models, converted by models/convert_precision.py) against onnxruntime`, { skip: !have && 'not generated' }, async () => {
    for (const seq of [8, 128]) await checkFolder(folder, textFeeds(30522, 1, seq, 11 + seq));
  });
}

// static QDQ int8 / uint8 (models/convert_precision.py int8 uint8): wisp runs their MatMuls on the
// int8 GEMM (src/fuse/qdq_matmul.c); the bound is the onnxruntime-web / -node spread on the file.
const VIT = join(BENCH, 'zoo', 'vit_small_cfg.onnx');
test('ViT (bench/models/zoo) int8 and uint8 static QDQ files against onnxruntime', { skip: !existsSync(VIT.replace('.onnx', '_int8.onnx')) && 'not generated' }, async () => {
  const dims = [2, 3, 64, 64];
  const raw = { pixel_values: { type: 'float32', data: randomFloats(2 * 3 * 64 * 64, 21, -2, 2), dims } };
  const fp32 = (await runAll(VIT, raw)).wisp;
  for (const kind of ['int8', 'uint8']) {
    const { wisp, node, web } = await runAll(VIT.replace('.onnx', `_${kind}.onnx`), raw);
    const d = relDiff(wisp, node), spread = relDiff(web, node);
    console.log(`zoo/vit_small_cfg_${kind}.onnx: wisp vs onnxruntime-node ${d.toExponential(2)}; onnxruntime-web vs -node ` +
      `${spread.toExponential(2)}; wisp vs the fp32 model ${relDiff(wisp, fp32).toExponential(2)}`);
    assert.ok(d <= Math.max(spread, 1e-4), `${kind}: ${d}`);
  }
});

test("load(folder, {dtype}) picks Transformers.js's file names; a missing one lists what the folder has", async () => {
  const folder = join(DIR, 'vit');
  const image = { data: Uint8Array.from(randomFloats(32 * 32 * 3, 3, 0, 255), Math.floor), width: 32, height: 32, channels: 3 };
  const top = {};
  for (const dtype of ['fp32', 'fp16', 'q4', 'q4f16', 'bnb4']) {
    const model = await load(folder, { dtype });
    assert.equal(model.info.modelFile, `onnx/model${dtype === 'fp32' ? '' : `_${dtype}`}.onnx`);
    top[dtype] = await model.classify(image, { topk: 5 });
    await model.release();
  }
  for (const dtype of ['fp16', 'q4', 'q4f16', 'bnb4']) {
    assert.equal(top[dtype][0].label, top.fp32[0].label, `${dtype} top-1`);
    for (const { label, score } of top[dtype]) {
      assert.ok(Math.abs(score - top.fp32.find((r) => r.label === label).score) < 0.05, `${dtype} ${label}`);
    }
  }
  await assert.rejects(load(folder, { dtype: 'q8' }),
    /no onnx\/model_quantized\.onnx or model_quantized\.onnx \(dtype 'q8'\).*the folder has dtype 'fp32', 'fp16', 'q4', 'q4f16', 'bnb4'$/);
  await assert.rejects(load(folder, { dtype: 'fp8' }), /dtype must be one of fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4/);
});

test('float16 tensors cross the JS API as Uint16Array bits (or Float16Array) and round-trip', async () => {
  const values = [0, -0, 1, -2.5, 65504, 1e-7, 6.1e-5, 0.1, 70000, -Infinity, NaN];
  const bits = float32ToFloat16(values);
  assert.deepEqual(Array.from(bits), [0, 0x8000, 0x3c00, 0xc100, 0x7bff, 0x0002, 0x03ff, 0x2e66, 0x7c00, 0xfc00, 0x7e00]);
  const back = float16ToFloat32(bits);
  assert.deepEqual(Array.from(back.slice(0, 5)), [0, -0, 1, -2.5, 65504]);
  assert.ok(Number.isNaN(back[10]));
  const t = new Tensor('float16', bits, [11]);
  assert.equal(t.type, 'float16');
  assert.throws(() => new Tensor('float16', new Float32Array(2), [2]), /float16/);
});

// ResNet-18 and MobileNetV2 (bench/models) with every Conv in static QDQ form, made by
//   /usr/bin/python3 models/convert_precision.py bench/models/<name>.onnx int8 uint8 --conv --out <dir>
// with <dir> bench/models or tmp-models: wisp runs the convs on the int8 GEMM (src/fuse/qdq_conv.c).
// Skipped when neither folder has the file. The bound is onnxruntime's own spread on the file: its
// graph optimizer changes the numbers (at level 'basic' a 3×3 conv's outputs move by 1e-5 while
// 'disabled' agrees with an exact float64 evaluation of the QDQ graph to 1e-6), and 20 layers of
// requantization turn such differences into flipped quantization steps. So onnxruntime-node and
// -web run it both optimized and with optimizations disabled; wisp must be as close to the nearest
// of the four as the farthest two are to each other, and pick the same top-1 as onnxruntime-node.
for (const stem of ['resnet18', 'mobilenet_v2']) {
  for (const kind of ['int8', 'uint8']) {
    const file = `${stem}_${kind}.onnx`;
    test(`${file} (static QDQ convs) matches onnxruntime: top-1, and within onnxruntime's own spread`, async (t) => {
      const path = [BENCH, fileURLToPath(new URL('../../tmp-models/', import.meta.url))].map((d) => join(d, file)).find(existsSync);
      if (!path) return t.skip(`${file} missing: models/convert_precision.py bench/models/${stem}.onnx int8 uint8 --conv`);
      const dims = [2, 3, 224, 224];
      const x = randomFloats(dims.reduce((a, b) => a * b, 1), 90, -2, 2);
      const run = async (S, T, options) => {
        const s = await S.create(path, options);
        const r = await s.run({ pixel_values: new T('float32', x, dims) });
        await s.release();
        return Float32Array.from(r[s.outputNames[0]].data);
      };
      const wisp = await run(InferenceSession, Tensor);
      const orts = [];
      for (const [S, T] of [[ort.InferenceSession, ort.Tensor], [ortWeb.InferenceSession, ortWeb.Tensor]]) {
        for (const level of ['all', 'disabled']) orts.push(await run(S, T, { graphOptimizationLevel: level }));
      }
      let spread = 0;
      for (let i = 0; i < 4; i++) for (let j = 0; j < i; j++) spread = Math.max(spread, relDiff(orts[i], orts[j]));
      const d = orts.map((o) => relDiff(wisp, o));
      console.log(`${file}: wisp vs onnxruntime node, node unoptimized, web, web unoptimized: ` +
        `${d.map((v) => v.toExponential(2)).join(', ')}; onnxruntime's spread ${spread.toExponential(2)}`);
      assert.ok(Math.min(...d) <= Math.max(spread, 1e-4), `${file}: ${Math.min(...d)} > ${spread}`);
      for (let b = 0; b < 2; b++) assert.equal(argmax(wisp, b * 1000, 1000), argmax(orts[0], b * 1000, 1000), `${file} row ${b} top-1`);
    });
  }
}
