// threads.test.js — the threaded build (web/wisp_mt.wasm): N threads give exactly the 1-thread
// result (fixed tiles, K inside each: no reduction order depends on the thread count), sessions
// come and go with threads without a leak or a hang, and the fallbacks never fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { InferenceSession, Tensor, env } from '../../web/index.js';
import { getWasm } from '../../web/wasm.js';
import { DT, FIXTURES, attrInt, attrInts, model, node, randomFloats, tensorProto, valueInfo } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MODELS = join(ROOT, 'bench/models');
const floats = (dims, seed) => new Tensor('float32', randomFloats(dims.reduce((a, b) => a * b, 1), seed, -2, 2), dims);

function assertSameBits(a, b, what) {
  for (const name of Object.keys(a)) {
    const x = a[name].data, y = b[name].data;
    assert.deepEqual(b[name].dims, a[name].dims, `${what} ${name} dims`);
    assert.ok(x.length > 0, `${what} ${name} is empty`);
    const bx = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    const by = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
    const i = bx.findIndex((v, k) => v !== by[k]);
    assert.equal(i, -1, `${what} ${name}: byte ${i} differs between 1 and N threads`);
  }
}

// A BERT-style model's feeds (all three; sameAcrossThreads keeps those the model takes).
function textFeeds(batch, seq, vocab) {
  const ids = BigInt64Array.from({ length: batch * seq }, (_, i) => BigInt(1 + ((i * 7919) % (vocab - 1))));
  const t = (data) => new Tensor('int64', data, [batch, seq]);
  return { input_ids: t(ids), attention_mask: t(new BigInt64Array(batch * seq).fill(1n)), token_type_ids: t(new BigInt64Array(batch * seq)) };
}

// Each model runs with 1 thread (web/wisp.wasm) and with 2 and 4 (web/wisp_mt.wasm).
async function sameAcrossThreads(path, allFeeds, what) {
  const one = await InferenceSession.create(path, { numThreads: 1 });
  const feeds = Object.fromEntries(one.inputNames.map((n) => [n, allFeeds[n]]));
  const ref = await one.run(feeds);
  assert.match(one.kernelConfig, / threads=1$/);
  for (const n of [2, 4]) {
    const s = await InferenceSession.create(path, { numThreads: n });
    assert.match(s.kernelConfig, new RegExp(` threads=${n}$`));
    assertSameBits(ref, await s.run(feeds), `${what} (${n} threads)`);
    await s.release();
  }
  await one.release();
}

const FIXTURE_CASES = [
  ['seed_mlp.onnx', { pixel_values: [64, 1, 28, 28] }],
  // rows past the f32 tiles of 6 (Node 24): 2 (as 4 + 4 on the 4-row tile) and 1 (the 1-row one)
  ['seed_mlp.onnx', { pixel_values: [62, 1, 28, 28] }],
  ['seed_mlp.onnx', { pixel_values: [55, 1, 28, 28] }],
  ['conv_bn.onnx', { x: [4, 3, 8, 8] }],
  ['conv_paths.onnx', { x: [2, 16, 33, 29] }],
  // pixels enough that the im2col tiles spread over the threads (conv.c)
  ['conv_paths.onnx', { x: [1, 16, 75, 69] }],
  ['rnn_gru.onnx', { x: [8, 20, 12] }],
  ['norm_op21.onnx', { x: [2, 6, 17, 19] }],
];

for (const [file, shapes] of FIXTURE_CASES) {
  test(`${file} ${JSON.stringify(shapes)}: 2 and 4 threads equal 1 thread bit for bit`, async () => {
    const feeds = Object.fromEntries(Object.entries(shapes).map(([n, d], i) => [n, floats(d, 7 + i)]));
    await sameAcrossThreads(join(FIXTURES, file), feeds, file);
  });
}

// The int8 conv GEMM (quant_conv.c) over the threads, in two groups: ConvInteger's int32 sums
// and QLinearConv's requantized bytes, K = 432 summed in int32 chunks (products of uint8 values
// could pass 2^24 in one float sum). 30×29 pixels make 7 blocks of 128 a group; 10×12 one, so
// its 64 channels a group split in two. ResNet-18 q8 below has the float-output form.
test('int8 convs: 2 and 4 threads equal 1 thread bit for bit', async () => {
  const u8 = (n, seed) => Uint8Array.from(randomFloats(n, seed, 0, 255.99), Math.floor);
  for (const [C, M, H, W] of [[96, 40, 30, 29], [96, 128, 10, 12]]) {
    const conv = [attrInt('group', 2), attrInts('pads', [1, 1, 1, 1])];
    const bytes = model({
      nodes: [
        node('ConvInteger', ['x', 'w', 'xzp', 'wzp'], ['sums'], conv),
        node('QLinearConv', ['x', 'xs', 'xzp', 'w', 'ws', 'wzp', 'ys', 'yzp'], ['yq'], conv),
      ],
      inputs: [valueInfo('x', DT.uint8, [1, C, H, W])],
      outputs: [valueInfo('sums', DT.int32, [1, M, H, W]), valueInfo('yq', DT.uint8, [1, M, H, W])],
      initializers: [
        tensorProto('w', DT.uint8, [M, C / 2, 3, 3], u8(M * (C / 2) * 9, 31)),
        tensorProto('xzp', DT.uint8, [], Uint8Array.of(128)),
        tensorProto('wzp', DT.uint8, [], Uint8Array.of(119)),
        tensorProto('xs', DT.float, [], Float32Array.of(0.02)),
        tensorProto('ws', DT.float, [], Float32Array.of(0.003)),
        tensorProto('ys', DT.float, [], Float32Array.of(0.5)),
        tensorProto('yzp', DT.uint8, [], Uint8Array.of(100)),
      ],
    });
    const x = new Tensor('uint8', u8(C * H * W, 32), [1, C, H, W]);
    await sameAcrossThreads(bytes, { x }, `int8 convs ${M} channels, ${H}×${W}`);
  }
});

for (const file of ['resnet18.onnx', 'mobilenet_v2.onnx', 'resnet18_quantized.onnx']) {
  const path = join(MODELS, file);
  test(`bench/models/${file}: 2 and 4 threads equal 1 thread bit for bit`, { skip: !existsSync(path) && 'not generated' }, async () => {
    await sameAcrossThreads(path, { pixel_values: floats([1, 3, 224, 224], 3) }, file);
  });
}

// The row-parallel ops (src/threads.h wisp_parallel_rows), each on enough elements to be split:
// Softmax strided and contiguous, LayerNormalization with its mean and inverse, pooling (the
// general and the plain MaxPool path, Indices, AveragePool), unary and binary ops flat (a short
// last chunk: 2·24·40·41 is not a multiple of the chunk) and broadcast over rows; and a batched
// MatMul of activations (48 small GEMMs, as attention heads), its batches over the threads.
test('row- and batch-parallel ops: 2 and 4 threads equal 1 thread bit for bit', async () => {
  const X = [2, 24, 40, 41];
  const f32 = (name, dims, seed) => tensorProto(name, DT.float, dims, randomFloats(dims.reduce((a, b) => a * b, 1), seed));
  const pool = (k, s, p) => [attrInts('kernel_shape', [k, k]), attrInts('strides', [s, s]), attrInts('pads', [p, p, p, p])];
  const ops = [
    ['Softmax', ['x'], ['softmax'], [attrInt('axis', 1)]],
    ['LogSoftmax', ['x'], ['log_softmax'], [attrInt('axis', -1)]],
    ['LayerNormalization', ['x', 'scale', 'bias'], ['ln', 'ln_mean', 'ln_inv'], [attrInt('axis', -1)]],
    ['MaxPool', ['x'], ['max', 'max_at'], pool(3, 2, 1)],
    ['MaxPool', ['x'], ['max_plain'], pool(2, 2, 0)],
    ['AveragePool', ['x'], ['avg'], [...pool(3, 2, 1), attrInt('count_include_pad', 1)]],
    ['Relu', ['x'], ['relu']],
    ['Tanh', ['x'], ['tanh']],
    ['Sigmoid', ['x'], ['sigmoid']],
    ['Add', ['x', 'x'], ['sum']],
    ['Mul', ['x', 'per_channel'], ['scaled']],
    ['Div', ['x', 'per_column'], ['ratio']],
    ['Transpose', ['x'], ['xt'], [attrInts('perm', [0, 1, 3, 2])]],
    ['MatMul', ['x', 'xt'], ['gram']],
  ];
  const bytes = model({
    nodes: ops.map(([op, i, o, a]) => node(op, i, o, a)),
    inputs: [valueInfo('x', DT.float, X)],
    outputs: ops.flatMap(([, , outs]) => outs).map((o) => valueInfo(o, o === 'max_at' ? DT.int64 : DT.float, [])),
    initializers: [f32('scale', [41], 2), f32('bias', [41], 3), f32('per_channel', [24, 1, 1], 4), f32('per_column', [41], 5)],
  });
  await sameAcrossThreads(bytes, { x: floats(X, 11) }, 'row- and batch-parallel ops');
});

// The int8 GEMM (the q8 MatMul chain src/fuse/ turns into DynamicQuantizeMatMul: A quantized
// by rows over the threads, then tiles of the packed int8 B), M and N not multiples of its 4×8
// blocks; and the 4-bit GEMMs (MatMulNBits and MatMulBnb4: spans of column panels, a panel of
// scratch a thread).
test('int8 and 4-bit GEMMs: 2 and 4 threads equal 1 thread bit for bit', async () => {
  const [M, K, N] = [97, 200, 75];
  const r = randomFloats(K * N, 21, -127, 127);
  const bytes = model({
    nodes: [
      node('DynamicQuantizeLinear', ['x'], ['xq', 'xs', 'xzp']),
      node('MatMulInteger', ['xq', 'w', 'xzp', 'wzp'], ['yi']),
      node('Cast', ['yi'], ['yf'], [attrInt('to', DT.float)]),
      node('Mul', ['xs', 'ws'], ['s']),
      node('Mul', ['yf', 's'], ['ys']),
      node('Add', ['ys', 'b'], ['y']),
    ],
    inputs: [valueInfo('x', DT.float, [M, K])],
    outputs: [valueInfo('y', DT.float, [M, N])],
    initializers: [
      tensorProto('w', DT.int8, [K, N], Int8Array.from(r, Math.round)),
      tensorProto('wzp', DT.int8, [], Int8Array.of(3)),
      tensorProto('ws', DT.float, [], Float32Array.of(0.01)),
      tensorProto('b', DT.float, [N], randomFloats(N, 22)),
    ],
  });
  await sameAcrossThreads(bytes, { x: floats([M, K], 23) }, 'int8 MatMul');
  const bert = join(FIXTURES, 'precision/bert/onnx/model_q4.onnx');
  await sameAcrossThreads(bert, textFeeds(3, 64, 128), 'BERT fixture q4');
  await sameAcrossThreads(bert.replace('_q4', '_bnb4'), textFeeds(3, 64, 128), 'BERT fixture bnb4');
});

const MINILM = join(MODELS, 'minilm-l6/onnx');
for (const file of ['model.onnx', 'model_quantized.onnx', 'model_q4.onnx']) {
  const path = join(MINILM, file);
  test(`MiniLM-L6 ${file} seq 128: 2 and 4 threads equal 1 thread bit for bit`, { skip: !existsSync(path) && 'not generated' }, async () => {
    await sameAcrossThreads(path, textFeeds(1, 128, 30000), `MiniLM ${file}`);
  });
}

test('the threaded instance really has helper threads here', async () => {
  const wasm = await getWasm({}, 2);
  assert.equal(wasm.exports.wisp_wasm_threaded(), 1);
  assert.ok(wasm.maxThreads >= 2, `maxThreads ${wasm.maxThreads}`);
  assert.equal((await getWasm({}, 1)).exports.wisp_wasm_threaded(), 0);
});

test('numThreads: default, env.wasm.numThreads, bad values', async () => {
  const path = join(FIXTURES, 'seed_mlp.onnx');
  const s = await InferenceSession.create(path);
  assert.equal(s.numThreads, Math.min(availableParallelism(), 8));
  await s.release();
  env.wasm.numThreads = 3;
  try {
    const e = await InferenceSession.create(path);
    assert.equal(e.numThreads, 3);
    await e.release();
  } finally {
    env.wasm.numThreads = 0;
  }
  await assert.rejects(InferenceSession.create(path, { numThreads: 0 }), RangeError);
  await assert.rejects(InferenceSession.create(path, { numThreads: 1.5 }), RangeError);
});

test('1,000 create/run/release cycles with 2 threads leave the heap flat', async () => {
  const path = join(FIXTURES, 'conv_paths.onnx');
  const feeds = { x: floats([1, 16, 20, 20], 5) };
  const wasm = await getWasm({}, 2);
  const cycle = async () => {
    const s = await InferenceSession.create(path, { numThreads: 2 });
    await s.run(feeds);
    await s.release();
  };
  for (let i = 0; i < 50; i++) await cycle(); // warm: the allocator settles
  const probe = () => { const p = wasm.exports.wisp_malloc(1 << 20); wasm.exports.wisp_free(p); return p; };
  const before = wasm.memory.buffer.byteLength, where = probe();
  for (let i = 0; i < 1000; i++) await cycle();
  assert.equal(wasm.memory.buffer.byteLength, before, 'the heap grew');
  assert.equal(probe(), where, 'a 1 MB block now lands elsewhere: something leaked');
});

test('a session released while another runs with threads', async () => {
  const path = join(FIXTURES, 'conv_paths.onnx');
  const feeds = { x: floats([2, 16, 48, 48], 9) };
  const a = await InferenceSession.create(path, { numThreads: 2 });
  const b = await InferenceSession.create(path, { numThreads: 2 });
  const ref = await b.run(feeds);
  const running = b.run(feeds);
  await a.release();
  const [out] = await Promise.all([running, a.run(feeds).then(() => assert.fail('ran after release'), (e) => e)]);
  assertSameBits(ref, out, 'the other session');
  assert.match((await a.run(feeds).catch((e) => e)).message, /released/);
  await b.release();
});

// What a create or run stages (feeds, external files, extra outputs) belongs to that call
// (src/wasm/exports.c): two sessions staging in turn before either creates or runs keep theirs.
test('two sessions staging interleaved keep their own feeds and extra outputs', async () => {
  const wasm = await getWasm({}, 2);
  const x = wasm.exports;
  const bytes = model({
    nodes: [node('Add', ['x', 'x'], ['twice']), node('Mul', ['twice', 'x'], ['y'])],
    inputs: [valueInfo('x', DT.float, [4])],
    outputs: [valueInfo('y', DT.float, [4])],
  });
  const [callA, callB] = [x.wisp_wasm_call_new(), x.wisp_wasm_call_new()];
  const name = wasm.allocString('twice');
  assert.equal(x.wisp_wasm_add_extra_output(callA, name), 0);
  wasm.free(name);
  const sB = x.wisp_wasm_session_create(callB, wasm.allocBytes(bytes), bytes.byteLength);
  const sA = x.wisp_wasm_session_create(callA, wasm.allocBytes(bytes), bytes.byteLength);
  assert.ok(sA && sB, 'create failed');
  assert.equal(x.wisp_wasm_output_count(sA), 2, 'A has its extra output');
  assert.equal(x.wisp_wasm_output_count(sB), 1, "B has none of A's");
  const dims = wasm.alloc(64);
  wasm.view(Float64Array)[dims >>> 3] = 4;
  const feed = (call, values) => {
    const p = wasm.allocBytes(new Uint8Array(Float32Array.from(values).buffer));
    assert.equal(x.wisp_wasm_set_feed(call, 0, DT.float, 1, dims, p), 0);
    return p;
  };
  const pA = feed(callA, [1, 2, 3, 4]), pB = feed(callB, [-1, 0.5, 5, 10]);
  const result = (s, call) => {
    assert.equal(x.wisp_wasm_run(s, call, 1), 0);
    return Array.from(new Float32Array(wasm.copyOut(x.wisp_wasm_output_data(s, 0), 16)));
  };
  assert.deepEqual(result(sA, callA), [2, 8, 18, 32]);
  assert.deepEqual(result(sB, callB), [2, 0.5, 50, 200]);
  for (const p of [pA, pB, dims]) wasm.free(p);
  x.wisp_wasm_call_free(callA);
  x.wisp_wasm_call_free(callB);
  x.wisp_wasm_session_free(sA);
  x.wisp_wasm_session_free(sB);
});
