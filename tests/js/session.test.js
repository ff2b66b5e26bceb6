// session.test.js — the onnxruntime-web-shaped API: create from every source, run, Tensor types,
// errors that must surface as Errors (and leave the module working), external data, release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer } from 'node:http';

import { InferenceSession, Tensor } from '../../web/index.js';
import { FIXTURES, DT, model, node, valueInfo, tensorProto, randomFloats, rng, maxAbsDiff } from './helpers.js';

const MLP = join(FIXTURES, 'seed_mlp.onnx');
const pixels = (n, seed = 1) => new Tensor('float32', randomFloats(n * 784, seed, 0, 1), [n, 1, 28, 28]);

// x --Identity--> y, for one element type: checks each dtype makes the round trip through C.
const identityModel = (dt) =>
  model({ nodes: [node('Identity', ['x'], ['y'])], inputs: [valueInfo('x', dt, ['n', 3])], outputs: [valueInfo('y', dt, ['n', 3])] });

// y = x + w with w (3 floats) stored in an external file at `offset`.
const externalModel = (location, offset = 0) =>
  model({
    nodes: [node('Add', ['x', 'w'], ['y'])],
    inputs: [valueInfo('x', DT.float, ['n', 3])],
    outputs: [valueInfo('y', DT.float, ['n', 3])],
    initializers: [tensorProto('w', DT.float, [3], null, { location, offset, length: 12 })],
  });

test('create from Uint8Array, ArrayBuffer, path, file URL string and URL; names', async () => {
  const bytes = await readFile(MLP);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const sources = [new Uint8Array(bytes), ab, MLP, pathToFileURL(MLP).href, pathToFileURL(MLP)];
  const x = pixels(1);
  let first;
  for (const src of sources) {
    const s = await InferenceSession.create(src);
    assert.deepEqual(s.inputNames, ['pixel_values']);
    assert.deepEqual(s.outputNames, ['logits']);
    const { logits } = await s.run({ pixel_values: x });
    assert.deepEqual(logits.dims, [1, 10]);
    assert.equal(logits.type, 'float32');
    assert.ok(logits.data instanceof Float32Array);
    first ??= logits.data;
    assert.equal(maxAbsDiff(logits.data, first), 0, `same result from ${src?.constructor?.name}`);
    await s.release();
  }
  // ORT's (arrayBuffer, byteOffset, byteLength) overload.
  const padded = new Uint8Array(bytes.length + 8);
  padded.set(bytes, 5);
  const s = await InferenceSession.create(padded.buffer, 5, bytes.length);
  assert.equal(maxAbsDiff((await s.run({ pixel_values: x })).logits.data, first), 0);
});

test('inputMetadata reports declared type and shape', async () => {
  const s = await InferenceSession.create(MLP);
  const [m] = s.inputMetadata;
  assert.equal(m.name, 'pixel_values');
  assert.equal(m.type, 'float32');
  assert.equal(m.shape.length, 4);
  assert.deepEqual(m.shape.slice(1), [1, 28, 28]);
  assert.equal(typeof m.shape[0], 'string', 'symbolic batch dim is reported by name');
});

test('Tensor: types, arrays, shorthand, checks', () => {
  const f = new Tensor('float32', new Float32Array(6), [2, 3]);
  assert.equal(f.size, 6);
  assert.deepEqual(f.dims, [2, 3]);
  const i64 = new Tensor('int64', [1, 2, 3]);
  assert.ok(i64.data instanceof BigInt64Array);
  assert.deepEqual(i64.dims, [3]);
  assert.equal(i64.data[2], 3n);
  assert.ok(new Tensor('bool', [true, false]).data instanceof Uint8Array);
  assert.deepEqual(Array.from(new Tensor('bool', [true, false]).data), [1, 0]);
  assert.equal(new Tensor(new Float32Array(4), [2, 2]).type, 'float32');
  assert.equal(new Tensor(new BigInt64Array(2)).type, 'int64');
  assert.equal(new Tensor(new Int32Array(2)).type, 'int32');
  assert.equal(new Tensor(new Int8Array(2)).type, 'int8');
  assert.equal(new Tensor(new Uint8Array(2)).type, 'uint8');
  assert.equal(new Tensor([1.5, 2]).type, 'float32');
  assert.throws(() => new Tensor('float32', new Float32Array(5), [2, 3]), /6 elements, data has 5/);
  assert.throws(() => new Tensor('int64', new Int32Array(3), [3]), /BigInt64Array/);
  assert.throws(() => new Tensor('float32', new Float32Array(2), [-1, -2]), /integer >= 0/);
  assert.deepEqual(new Tensor('string', ['a', 'b'], [2]).data, ['a', 'b']); // string[], as onnxruntime-web
  assert.throws(() => new Tensor('string', [1], [1]), /array of strings/);
});

test('every supported dtype round-trips through an Identity model', async () => {
  const cases = [
    ['float32', DT.float, Float32Array.from([1.5, -2, 3, 0, 1e-7, -0])],
    ['int64', DT.int64, BigInt64Array.from([1n, -2n, 3n, 2n ** 40n, -(2n ** 62n), 0n])],
    ['int32', DT.int32, Int32Array.from([1, -2, 3, 2 ** 30, -(2 ** 31), 0])],
    ['bool', DT.bool, Uint8Array.from([1, 0, 1, 1, 0, 0])],
    ['uint8', DT.uint8, Uint8Array.from([0, 1, 2, 128, 255, 7])],
    ['int8', DT.int8, Int8Array.from([0, -1, 2, -128, 127, 7])],
  ];
  for (const [type, dt, data] of cases) {
    const s = await InferenceSession.create(identityModel(dt));
    const { y } = await s.run({ x: new Tensor(type, data, [2, 3]) });
    assert.equal(y.type, type);
    assert.equal(y.data.constructor, data.constructor, type);
    assert.deepEqual(y.dims, [2, 3]);
    assert.deepEqual(Array.from(y.data), Array.from(data), type);
    await s.release();
  }
});

test('bad feeds throw useful Errors and the session keeps working', async () => {
  const s = await InferenceSession.create(MLP);
  const x = pixels(2, 7);
  const good = (await s.run({ pixel_values: x })).logits.data;
  const bad = [
    [{ pixel_value: x }, /unknown input 'pixel_value'.*pixel_values/],
    [{}, /missing input 'pixel_values'/],
    [{ pixel_values: new Tensor('int32', new Int32Array(784), [1, 1, 28, 28]) }, /must be a float32 tensor, got int32/],
    [{ pixel_values: new Tensor('float32', new Float32Array(783), [1, 1, 27, 29]) }, /pixel_values/],
    [{ pixel_values: new Tensor('float32', new Float32Array(784), [1, 784]) }, /pixel_values/],
    [null, /feeds/],
  ];
  for (const [feeds, re] of bad) {
    await assert.rejects(s.run(feeds), re);
    const again = (await s.run({ pixel_values: x })).logits.data;
    assert.equal(maxAbsDiff(again, good), 0, 'run after an error gives the same result');
  }
  await assert.rejects(s.run({ pixel_values: x }, ['nope']), /unknown output 'nope'/);
});

test('truncated and garbage model bytes throw, and the module keeps working', async () => {
  const bytes = new Uint8Array(await readFile(MLP));
  for (const n of [1, 10, 100, bytes.length >> 1, bytes.length - 1]) {
    await assert.rejects(InferenceSession.create(bytes.subarray(0, n)), Error, `truncated to ${n}`);
  }
  const r = rng(42);
  for (let i = 0; i < 20; i++) {
    const junk = Uint8Array.from({ length: 1 + Math.floor(r() * 4000) }, () => Math.floor(r() * 256));
    await assert.rejects(InferenceSession.create(junk), Error);
  }
  await assert.rejects(InferenceSession.create(new Uint8Array(0)), Error);
  await assert.rejects(InferenceSession.create(42), TypeError);
  const s = await InferenceSession.create(bytes);
  assert.deepEqual((await s.run({ pixel_values: pixels(1) })).logits.dims, [1, 10]);
});

test('unsupported ops fail at create, all named at once with their node counts', async () => {
  const m = model({
    nodes: [node('NoSuchOpXyz', ['x'], ['a']), node('Relu', ['a'], ['b']),
      node('NoSuchOpXyz', ['b'], ['c']), node('OtherMissingOp', ['c'], ['y'])],
    inputs: [valueInfo('x', DT.float, [2])],
    outputs: [valueInfo('y', DT.float, [2])],
  });
  await assert.rejects(InferenceSession.create(m),
    /unsupported ops: NoSuchOpXyz \(2 nodes, first '[^']*'\), OtherMissingOp \(1 node, first/);
});

test('a model at an opset newer than wisp implements is refused, naming the range', async () => {
  const m = model({
    nodes: [node('Relu', ['x'], ['y'])],
    inputs: [valueInfo('x', DT.float, [2])],
    outputs: [valueInfo('y', DT.float, [2])],
    opset: 99,
  });
  await assert.rejects(InferenceSession.create(m), /Relu at opset 99 \(wisp implements 6-21\)/);
});

test('external data: auto-loaded next to the model, or given in options.externalData', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wisp-ext-'));
  try {
    const w = Float32Array.from([99, 99, 10, 20, 30]); // the weights start at byte 8
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(w.buffer));
    const m = externalModel('weights.bin', 8);
    await writeFile(join(dir, 'model.onnx'), m);
    const x = new Tensor('float32', Float32Array.from([1, 2, 3]), [1, 3]);
    const expect = [11, 22, 33];
    for (const src of [join(dir, 'model.onnx'), pathToFileURL(join(dir, 'model.onnx'))]) {
      const s = await InferenceSession.create(src);
      assert.deepEqual(Array.from((await s.run({ x })).y.data), expect);
    }
    // Over HTTP (127.0.0.1): the model by URL, weights.bin fetched next to it.
    const files = { '/m/model.onnx': m, '/m/weights.bin': new Uint8Array(w.buffer) };
    const server = createServer((req, res) => (files[req.url] ? res.end(files[req.url]) : res.writeHead(404).end()));
    await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const url = `http://127.0.0.1:${server.address().port}/m/model.onnx`;
      const s = await InferenceSession.create(url);
      assert.deepEqual(Array.from((await s.run({ x })).y.data), expect);
      await assert.rejects(InferenceSession.create(url.replace('model', 'nothing')), /HTTP 404/);
    } finally {
      server.close();
    }
    const given = await InferenceSession.create(m, { externalData: [{ path: './weights.bin', data: new Uint8Array(w.buffer) }] });
    assert.deepEqual(Array.from((await given.run({ x })).y.data), expect);
    await assert.rejects(InferenceSession.create(m), /weights\.bin/);
    await assert.rejects(InferenceSession.create(externalModel('../escape.bin')), /escape\.bin/);
    await assert.rejects(InferenceSession.create(m, { externalData: [{ path: 'weights.bin', data: new Uint8Array(8) }] }), /weights\.bin/);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('external data: a file several tensors share is read once; one that cannot fit is refused before any request', async () => {
  const shared = model({ // y = x + w1 + w2, both in shared.bin
    nodes: [node('Add', ['x', 'w1'], ['t']), node('Add', ['t', 'w2'], ['y'])],
    inputs: [valueInfo('x', DT.float, ['n', 3])],
    outputs: [valueInfo('y', DT.float, ['n', 3])],
    initializers: [tensorProto('w1', DT.float, [3], null, { location: 'shared.bin', offset: 0, length: 12 }),
      tensorProto('w2', DT.float, [3], null, { location: 'shared.bin', offset: 12 })],
  });
  const files = {
    '/m/shared.onnx': shared, '/m/shared.bin': new Uint8Array(Float32Array.from([1, 2, 3, 10, 20, 30]).buffer),
    '/m/huge.onnx': externalModel('huge.bin', 3e9), '/m/big.onnx': externalModel('big.bin', 600e6),
  };
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    return files[req.url] ? res.end(files[req.url]) : res.writeHead(404).end();
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = (name) => `http://127.0.0.1:${server.address().port}/m/${name}`;
  try {
    const s = await InferenceSession.create(url('shared.onnx'));
    const { y } = await s.run({ x: new Tensor('float32', Float32Array.from([100, 200, 300]), [1, 3]) });
    assert.deepEqual(Array.from(y.data), [111, 222, 333]);
    assert.deepEqual(requests, ['/m/shared.onnx', '/m/shared.bin']);
    await s.release();
    // 3 GB into huge.bin: the file and the weights read from it cannot both be in 4 GB
    requests.length = 0;
    await assert.rejects(InferenceSession.create(url('huge.onnx')), (e) => e.code === 'WISP_NO_MEMORY' &&
      /huge\.bin 2\.79 GB.*more than the 4 GB a wasm32 instance can address; nothing was downloaded/.test(e.message));
    assert.deepEqual(requests, ['/m/huge.onnx']);
    // 600 MB: over the default budget of 1 GB, not over 2 GB (then it is asked for: a 404 here)
    requests.length = 0;
    await assert.rejects(InferenceSession.create(url('big.onnx')), (e) => e.code === 'WISP_NO_MEMORY' &&
      /big\.bin 0\.56 GB.*over the memory budget of 1\.00 GB; raise it with the memoryLimit option/.test(e.message));
    assert.deepEqual(requests, ['/m/big.onnx']);
    await assert.rejects(InferenceSession.create(url('big.onnx'), { memoryLimit: 2 * 1024 ** 3 }), /HTTP 404/);
    assert.deepEqual(requests, ['/m/big.onnx', '/m/big.onnx', '/m/big.bin']);
  } finally {
    server.close();
    (await InferenceSession.create(MLP, { memoryLimit: 1024 ** 3 })).release(); // the default again
  }
});

test('outputs are copies: a later run does not change them; fetches pick outputs', async () => {
  const s = await InferenceSession.create(MLP);
  const a = (await s.run({ pixel_values: pixels(1, 1) })).logits;
  const saved = Float32Array.from(a.data);
  const b = (await s.run({ pixel_values: pixels(1, 2) })).logits;
  assert.equal(maxAbsDiff(a.data, saved), 0);
  assert.ok(maxAbsDiff(a.data, b.data) > 0, 'different inputs give different logits');
  assert.deepEqual(Object.keys(await s.run({ pixel_values: pixels(1) }, ['logits'])), ['logits']);
  assert.deepEqual(Object.keys(await s.run({ pixel_values: pixels(1) }, { logits: null })), ['logits']);
});

test('release: run afterwards throws, release twice is fine, other sessions unaffected', async () => {
  const a = await InferenceSession.create(MLP);
  const b = await InferenceSession.create(MLP);
  await a.release();
  await a.release();
  await assert.rejects(a.run({ pixel_values: pixels(1) }), /released/);
  assert.deepEqual((await b.run({ pixel_values: pixels(1) })).logits.dims, [1, 10]);
});

test('many sessions created and released do not leak heap', async () => {
  const bytes = await readFile(MLP);
  // Warm up, then the heap must not keep growing over repeated create/run/release.
  const cycle = async () => {
    const s = await InferenceSession.create(bytes);
    await s.run({ pixel_values: pixels(4) });
    await s.release();
  };
  for (let i = 0; i < 5; i++) await cycle();
  const { getWasm } = await import('../../web/wasm.js');
  const mem = (await getWasm()).memory;
  const before = mem.buffer.byteLength;
  for (let i = 0; i < 50; i++) await cycle();
  assert.equal(mem.buffer.byteLength, before, 'heap grew across 50 create/run/release cycles');
});

test('the session keeps the model buffer; failed creates free it', async () => {
  // y = x·W, W (4 × 128K floats, 2 MB) read in place from the model buffer the session owns
  const K = 4, N = 1 << 17, W = randomFloats(K * N, 7);
  const matmul = (extra = []) => model({
    nodes: [node('MatMul', ['x', 'W'], ['y']), ...extra],
    inputs: [valueInfo('x', DT.float, ['n', K])],
    outputs: [valueInfo(extra.length ? 'z' : 'y', DT.float, ['n', N])],
    initializers: [tensorProto('W', DT.float, [K, N], W)],
  });
  const s = await InferenceSession.create(matmul());
  for (const n of [2, 5, 2]) { // a new shape re-plans after MatMul packed W
    const x = randomFloats(n * K, n);
    const { y } = await s.run({ x: new Tensor('float32', x, [n, K]) });
    for (const [r, c] of [[0, 0], [n - 1, N - 1], [n >> 1, 12345]]) {
      let want = 0;
      for (let k = 0; k < K; k++) want += x[r * K + k] * W[k * N + c];
      assert.ok(Math.abs(y.data[r * N + c] - want) < 1e-4, `y[${r},${c}]`);
    }
  }
  await s.release();
  // Failing in the loader (an unknown extra output), after it (a node reading an undefined
  // value), and in JS's listing pass (an unknown op), which all own the buffer by then.
  const fails = [
    () => InferenceSession.create(matmul(), { extraOutputs: ['nope'] }),
    () => InferenceSession.create(matmul([node('Relu', ['nowhere'], ['z'])])),
    () => InferenceSession.create(matmul([node('NoSuchOpXyz', ['y'], ['z'])])),
  ];
  for (const f of fails) await assert.rejects(f(), /nope|nowhere|NoSuchOpXyz/);
  const { getWasm } = await import('../../web/wasm.js');
  const mem = (await getWasm()).memory;
  const before = mem.buffer.byteLength;
  for (let i = 0; i < 15; i++) for (const f of fails) await assert.rejects(f()); // 90 MB if kept
  assert.equal(mem.buffer.byteLength, before, 'heap grew across failed creates');
});
