// quant.test.js — q8 models (Hugging Face dynamic-quantization form, made by models/quantize.py):
// wisp against onnxruntime-node on the same q8 file (small fixtures in tests/fixtures/quant, the
// spam model, bert-tiny and MiniLM-L6-shaped bench models), load(folder, {dtype: 'q8'}), and the
// spam model's held-out accuracy in q8 next to fp32.
//
// q8 results equal onnxruntime's "within its own rounding": activations are quantized to 8 bits at
// every MatMul, so a float difference of one ulp before a DynamicQuantizeLinear can move a value
// across a rounding step (one quantum, scale = range / 255). Tolerances are set in those terms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';

import { InferenceSession, Tensor, load } from '../../web/index.js';
import { FIXTURES, rng, randomFloats, maxAbsDiff, model, node, valueInfo, tensorProto, DT } from './helpers.js';
import { heldOut, evaluate } from '../../models/spam-bert/evaluate.js';

ortWeb.env.wasm.numThreads = 1;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SPAM = join(ROOT, 'models/spam-bert');
const BERT_TINY = join(ROOT, 'bench/models/bert-tiny');
const MINILM = join(ROOT, 'bench/models/minilm-l6');
const Q8 = 'onnx/model_quantized.onnx';
const MAKE = 'run /usr/bin/python3 bench/make_text_models.py, then models/quantize.py on the folder';

async function both(path) {
  return Promise.all([InferenceSession.create(path), ort.InferenceSession.create(path)]);
}

test('small q8 graphs (int8 MatMul chains with tails; uint8 ConvInteger + MatMulInteger) match onnxruntime', async () => {
  for (const [file, dims, tol] of [['matmul_s8.onnx', [2, 5, 37], 1e-5], ['conv_u8.onnx', [1, 3, 9, 9], 1e-4]]) {
    const path = join(FIXTURES, 'quant', file);
    const [w, o] = await both(path);
    try {
      for (let seed = 1; seed <= 3; seed++) {
        const x = randomFloats(dims.reduce((a, b) => a * b), seed, -2, 2);
        const rw = await w.run({ x: new Tensor('float32', x, dims) });
        const ro = await o.run({ x: new ort.Tensor('float32', x, dims) });
        const d = maxAbsDiff(rw.y.data, ro.y.data);
        console.log(`${file} seed ${seed}: max |Δ| = ${d.toExponential(2)}`);
        assert.ok(d <= tol, `${file}: max |Δ| ${d} > ${tol}`);
      }
    } finally {
      await w.release();
    }
  }
});

// The int8 conv paths (src/ops/quant_conv.c, src/fuse/qdq_conv.c) on seven branches off one input
// (2, 8, 11, 10): groups, depthwise (×1 and ×2), stride 2, asymmetric pads, dilation, 1×1, 5×3
// SAME_UPPER (make_quant_fixtures.py). ConvInteger's int32 sums must be equal; QLinearConv's
// requantized outputs within one step (a float product one rounding from .5 may round either way);
// conv_big_k.onnx's weights let sums pass 2^24 (summed in chunks); the QDQ convs within the spread between onnxruntime-web and -node on the same file, or 1e-5 of
// the output's range (both onnxruntimes sum the dequantized values in float, wisp exactly).
test('int8 convs (ConvInteger, QLinearConv, static QDQ Conv; uint8 and int8) match onnxruntime', async () => {
  for (const file of ['convinteger.onnx', 'qlinearconv_u8.onnx', 'qlinearconv_s8.onnx', 'conv_qdq_u8.onnx', 'conv_qdq_s8.onnx',
    'conv_big_k.onnx']) {
    const dims = file === 'conv_big_k.onnx' ? [1, 64, 6, 6] : [2, 8, 11, 10], n = dims.reduce((a, b) => a * b);
    const path = join(FIXTURES, 'quant', file);
    const [w, o] = await both(path);
    const web = file.includes('qdq') ? await ortWeb.InferenceSession.create(path) : null;
    try {
      for (let seed = 1; seed <= 2; seed++) {
        const x = /convinteger|big_k/.test(file) ? Uint8Array.from(randomFloats(n, seed, 0, 255.99), Math.floor)
          : randomFloats(n, seed, -2, 2);
        const type = x instanceof Uint8Array ? 'uint8' : 'float32';
        const rw = await w.run({ x: new Tensor(type, x, dims) });
        const ro = await o.run({ x: new ort.Tensor(type, x, dims) });
        const rweb = web && await web.run({ x: new ortWeb.Tensor(type, x, dims) });
        for (const name of o.outputNames) {
          assert.deepEqual(rw[name].dims, Array.from(ro[name].dims, Number), `${file} ${name} dims`);
          const d = maxAbsDiff(rw[name].data, ro[name].data);
          let bound = ro[name].type === 'int32' ? 0 : 1, spread = '';
          if (web) {
            const range = Math.max(...ro[name].data.map(Math.abs));
            const s = maxAbsDiff(rweb[name].data, ro[name].data);
            bound = Math.max(s, 1e-5 * range), spread = `, onnxruntime-web vs -node ${s.toExponential(2)}`;
          }
          if (seed === 1) console.log(`${file} ${name} ${rw[name].dims}: max |Δ| = ${d.toExponential(2)}${spread}`);
          assert.ok(d <= bound, `${file} ${name} seed ${seed}: max |Δ| ${d} > ${bound}`);
        }
      }
    } finally {
      await w.release();
    }
  }
});

// ResNet-18 (bench/models) in quantize_dynamic's CNN form (models/quantize.py --uint8: every conv
// DynamicQuantizeLinear → ConvInteger → Cast → Mul → Add, fused by src/fuse/dynamic_quant_conv.c
// into one ConvInteger with float output): the same top-1 as onnxruntime-node, and logits within
// 1e-4 of it (relative to max(1, |y|)): 20 layers of requantization, where one float ulp can flip a
// quantization step.
const RESNET_Q8 = join(ROOT, 'bench/models/resnet18_quantized.onnx');
test('ResNet-18 q8 (dynamic uint8 convs) matches onnxruntime', { skip: !existsSync(RESNET_Q8) && 'not generated: models/quantize.py bench/models/resnet18.onnx bench/models/resnet18_quantized.onnx --uint8' }, async () => {
  const dims = [2, 3, 224, 224];
  const x = randomFloats(dims.reduce((a, b) => a * b, 1), 91, -2, 2);
  const [w, o] = await both(RESNET_Q8);
  try {
    const rw = (await w.run({ pixel_values: new Tensor('float32', x, dims) }))[w.outputNames[0]].data;
    const ro = (await o.run({ pixel_values: new ort.Tensor('float32', x, dims) }))[o.outputNames[0]].data;
    let d = 0;
    for (let i = 0; i < ro.length; i++) d = Math.max(d, Math.abs(rw[i] - ro[i]) / Math.max(1, Math.abs(ro[i])));
    console.log(`resnet18_quantized.onnx: max rel |Δ| = ${d.toExponential(2)}`);
    assert.ok(d <= 1e-4, `max rel |Δ| ${d}`);
    const top = (a, b) => a.slice(b * 1000, (b + 1) * 1000).reduce((m, v, i, r) => (v > r[m] ? i : m), 0);
    for (let b = 0; b < 2; b++) assert.equal(top(rw, b), top(ro, b), `row ${b} top-1`);
  } finally {
    await w.release();
  }
});

test('QLinearConv / ConvInteger with zero points or scales of the wrong size are refused, naming the node', async () => {
  const f32 = (v) => Float32Array.of(v), u8 = (n, v = 0) => new Uint8Array(n).fill(v);
  const conv = (op, inits) => model({
    nodes: [node(op, inits.map(([n]) => n), ['y'])],
    inputs: [valueInfo('x', DT.uint8, [1, 2, 4, 4])],
    outputs: [valueInfo('y', op === 'ConvInteger' ? DT.int32 : DT.uint8, [1, 3, 2, 2])],
    initializers: inits.filter(([n]) => n !== 'x').map(([n, t, d, raw]) => tensorProto(n, t, d, raw)),
  });
  const w = ['w', DT.uint8, [3, 2, 3, 3], u8(54, 7)];
  for (const [op, inits, msg] of [
    ['QLinearConv', [['x'], ['sx', DT.float, [], f32(0.1)], ['zx', DT.uint8, [], u8(1)], w,
      ['sw', DT.float, [2], Float32Array.of(1, 1)], ['zw', DT.uint8, [], u8(1)], ['sy', DT.float, [], f32(1)],
      ['zy', DT.uint8, [], u8(1)]], /QLinearConv node .*per output channel/],
    ['ConvInteger', [['x'], w, ['zx', DT.uint8, [2], u8(2)]], /ConvInteger node .*per tensor/],
  ]) {
    const s = await InferenceSession.create(conv(op, inits));
    await assert.rejects(s.run({ x: new Tensor('uint8', u8(32), [1, 2, 4, 4]) }), msg, op);
    await s.release();
  }
});

function textFeeds(batch, T, vocab, seed) {
  const r = rng(seed), n = batch * T;
  const ids = new BigInt64Array(n), mask = new BigInt64Array(n), types = new BigInt64Array(n);
  for (let b = 0; b < batch; b++) {
    const len = Math.max(1, T - Math.floor((b * T) / 5)); // later rows padded
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = t < len ? BigInt(Math.floor(r() * vocab)) : 0n;
      mask[b * T + t] = t < len ? 1n : 0n;
    }
  }
  const mk = (T_) => ({ input_ids: new T_('int64', ids, [batch, T]), attention_mask: new T_('int64', mask, [batch, T]), token_type_ids: new T_('int64', types, [batch, T]) });
  return { wisp: mk(Tensor), ort: mk(ort.Tensor), mask };
}

// Mean of the unmasked token vectors of each row (sentence-transformers' pooling).
function meanPool(data, mask, batch, T, H) {
  const out = [];
  for (let b = 0; b < batch; b++) {
    const v = new Float64Array(H);
    let n = 0;
    for (let t = 0; t < T; t++) {
      if (!mask[b * T + t]) continue;
      n++;
      for (let h = 0; h < H; h++) v[h] += data[(b * T + t) * H + h];
    }
    out.push(v.map((x) => x / n));
  }
  return out;
}

const cosine = (a, b) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) d += a[i] * b[i], na += a[i] * a[i], nb += b[i] * b[i];
  return d / Math.sqrt(na * nb);
};

for (const [folder, output, vocab, tol] of [
  [SPAM, 'logits', 8000, 0.02], [BERT_TINY, 'logits', 30522, 0.05], [MINILM, 'last_hidden_state', 30522, 0.1],
]) {
  const name = folder.split('/').pop();
  test(`${name} q8: wisp matches onnxruntime-node on the same file (batch 1 and 4 padded, sequence 8 and 128)`, async () => {
    const path = join(folder, Q8);
    assert.ok(existsSync(path), `${path} is missing: ${MAKE}`);
    const [w, o] = await both(path);
    try {
      let seed = 1;
      for (const T of [8, 128]) {
        for (const batch of [1, 4]) {
          const f = textFeeds(batch, T, vocab, seed++);
          const [rw, ro] = [await w.run(f.wisp), await o.run(f.ort)];
          assert.deepEqual(rw[output].dims, Array.from(ro[output].dims, Number));
          const d = maxAbsDiff(rw[output].data, ro[output].data);
          let extra = '';
          if (output === 'last_hidden_state') {
            const H = rw[output].dims[2];
            const ew = meanPool(rw[output].data, f.mask, batch, T, H), eo = meanPool(ro[output].data, f.mask, batch, T, H);
            const cos = Math.min(...ew.map((e, i) => cosine(e, eo[i])));
            const de = Math.max(...ew.map((e, i) => maxAbsDiff(e, eo[i])));
            extra = `, embeddings max |Δ| = ${de.toExponential(2)}, min cosine = ${cos.toFixed(7)}`;
            assert.ok(cos >= 0.9999, `${name}: embedding cosine ${cos}`);
          }
          console.log(`${name} q8 ${output} batch ${batch} sequence ${T}: max |Δ| = ${d.toExponential(2)}${extra}`);
          assert.ok(d <= tol, `${name} batch ${batch} sequence ${T}: max |Δ| ${d} > ${tol}`);
        }
      }
    } finally {
      await w.release();
    }
  });
}

test("load(folder, {dtype: 'q8'}) runs the quantized spam model; held-out accuracy q8 next to fp32", async () => {
  const mails = heldOut();
  const results = {};
  for (const dtype of ['fp32', 'q8']) {
    const model = await load(SPAM, { dtype });
    try {
      const [top] = await model.classify('WINNER!! Claim your FREE prize now, click here', { topk: 1 });
      assert.ok(['spam', 'ham'].includes(top.label), JSON.stringify(top));
      results[dtype] = await evaluate(model, mails);
    } finally {
      await model.release?.();
    }
  }
  const { fp32, q8 } = results;
  console.log(`spam-bert held-out (${q8.n} mails): accuracy fp32 ${fp32.accuracy.toFixed(4)} q8 ${q8.accuracy.toFixed(4)}; ` +
              `F1 fp32 ${fp32.f1.toFixed(4)} q8 ${q8.f1.toFixed(4)}`);
  assert.ok(q8.accuracy >= fp32.accuracy - 0.01, 'q8 loses more than 1 point of accuracy');
});

test("dtype per file: {model: 'q8'} picks model_quantized.onnx; a key naming no file of the folder is refused", async () => {
  const text = 'WINNER!! Claim your FREE prize now, click here';
  const [byKey, byName] = [await load(SPAM, { dtype: { model: 'q8' } }), await load(SPAM, { dtype: 'q8' })];
  const fp32 = await load(SPAM, { dtype: {} }); // files left out are fp32
  try {
    assert.equal(byKey.info.modelFile, Q8);
    assert.equal(fp32.info.modelFile, 'onnx/model.onnx');
    assert.deepEqual(await byKey.classify(text), await byName.classify(text));
  } finally {
    await Promise.all([byKey.release(), byName.release(), fp32.release()]);
  }
  await assert.rejects(load(SPAM, { dtype: { text_model: 'q8' } }),
    { code: 'WISP_BAD_INPUT', message: /dtype 'text_model' names no model file of this folder; its keys are 'model' \(onnx\/model\*\.onnx\)/ });
  await assert.rejects(load(SPAM, { dtype: { model: 'q3' } }), { code: 'WISP_BAD_INPUT', message: /dtype\.model must be one of fp32, .*got 'q3'/ });
  await assert.rejects(load(SPAM, { dtype: 'constructor' }), { code: 'WISP_BAD_INPUT', message: /got 'constructor'/ });
});
