// hardening.test.js — issue 11: what an attacker or a careless caller can send through the JS
// layer gives an Error (or the right answer), and the shared instance keeps giving bit-identical
// answers to a canary model afterwards. Order matters: the last test leaves the heap past 2 GiB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm, mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { InferenceSession, Tensor, load } from '../../web/index.js';
import { getWasm } from '../../web/wasm.js';
import { FIXTURES, DT, model, node, valueInfo, tensorProto, randomFloats } from './helpers.js';

const MLP = join(FIXTURES, 'seed_mlp.onnx');
const WINE = join(FIXTURES, 'tabular/wine-hgb');
const x = new Tensor('float32', randomFloats(2 * 784, 7, 0, 1), [2, 1, 28, 28]);

// The canary: seed_mlp on fixed pixels, as raw bytes so "identical" means bit for bit.
async function canary() {
  const s = await InferenceSession.create(MLP);
  try {
    const { logits } = await s.run({ pixel_values: x });
    return Buffer.from(logits.data.buffer, logits.data.byteOffset, logits.data.byteLength).toString('hex');
  } finally {
    await s.release();
  }
}
const reference = canary();

const i64 = (...v) => new Uint8Array(BigInt64Array.from(v.map(BigInt)).buffer);

// ConstantOfShape of a 475,000,000-element float tensor: a ~100-byte model asking for 1.9 GB.
const hostile = model({
  nodes: [node('ConstantOfShape', ['s'], ['y'])],
  inputs: [],
  outputs: [valueInfo('y', DT.float, [475000000])],
  initializers: [tensorProto('s', DT.int64, [1], i64(475000000))],
});

test('the memory budget: a tiny model asking for 1.9 GB gets an Error, the heap stays small', async () => {
  assert.ok(hostile.byteLength < 120, `${hostile.byteLength} bytes`);
  const wasm = await getWasm();
  assert.equal(wasm.memoryBudget, 1024 ** 3); // the default
  await assert.rejects(InferenceSession.create(hostile).then((s) => s.run({})),
    /memory budget of 1024 MB.*memoryLimit/);
  assert.ok(wasm.memory.buffer.byteLength < 1024 ** 3, `heap ${wasm.memory.buffer.byteLength}`);
  assert.equal(await canary(), await reference);
  // a lower limit refuses it too; nonsense limits are refused before anything is allocated
  await assert.rejects(InferenceSession.create(hostile, { memoryLimit: 512 * 1024 ** 2 }).then((s) => s.run({})),
    /memory budget of 512 MB/);
  for (const bad of [-1, 0, NaN, '1e9', null]) {
    await assert.rejects(InferenceSession.create(MLP, { memoryLimit: bad }), /memoryLimit must be a number/);
  }
  assert.equal(wasm.memoryBudget, 512 * 1024 ** 2);
  // load() passes it on
  const wine = await load(WINE, { memoryLimit: 1024 ** 3 });
  assert.equal(wasm.memoryBudget, 1024 ** 3);
  await wine.release();
  assert.equal(await canary(), await reference);
});

test('run() reads the real typed array: an overridden length or a look-alike is refused', async () => {
  const s = await InferenceSession.create(MLP);
  const data = new Float32Array(784);
  Object.defineProperty(data, 'length', { value: 784 * 100000 });
  await assert.rejects(s.run({ pixel_values: { type: 'float32', data, dims: [100000, 1, 28, 28] } }),
    /do not match 784 elements/);
  const fake = Object.create(Float32Array.prototype);
  await assert.rejects(s.run({ pixel_values: { type: 'float32', data: fake, dims: [1, 1, 28, 28] } }),
    /needs a Float32Array/);
  // data of another type than the tensor says
  await assert.rejects(s.run({ pixel_values: { type: 'float32', data: new Int32Array(784), dims: [1, 1, 28, 28] } }),
    /needs a Float32Array/);
  await assert.rejects(s.run({ pixel_values: { type: 'float32', data: new Float32Array(784), dims: 'abc' } }),
    /dims must be an array/);
  // a real view into a larger buffer is fine, and reads only its own bytes
  const big = new Float32Array(784 * 3);
  big.set(x.data.subarray(0, 784), 784);
  const view = new Float32Array(big.buffer, 784 * 4, 784);
  const a = await s.run({ pixel_values: new Tensor('float32', view, [1, 1, 28, 28]) });
  const b = await s.run({ pixel_values: new Tensor('float32', x.data.slice(0, 784), [1, 1, 28, 28]) });
  assert.deepEqual(a.logits.data, b.logits.data);
  await s.release();
});

test('Tensor from a plain array checks its elements', () => {
  assert.throws(() => new Tensor('float32', ['a', 'b']), /element 0 is "a"/);
  assert.throws(() => new Tensor('int32', [1, {}]), /element 1 is object/);
  assert.throws(() => new Tensor('int64', [1.5]), /element 0/);
  assert.deepEqual(Array.from(new Tensor('int64', [1, 2n]).data), [1n, 2n]);
  assert.deepEqual(Array.from(new Tensor('bool', [true, 0, 1]).data), [1, 0, 1]);
  assert.deepEqual(Array.from(new Tensor('float32', [1, 2.5]).data), [1, 2.5]);
});

test('topk must be a positive integer; tabular values beyond float32 name the feature', async () => {
  const wine = await load(WINE);
  const row = Object.fromEntries(wine.config.feature_names.map((n) => [n, 1]));
  for (const topk of [NaN, 0, -1, 1.5, '2', Infinity]) {
    await assert.rejects(wine.classify(row, { topk }), /topk must be a positive integer/);
  }
  assert.equal((await wine.classify(row, { topk: 2 })).length, 2);
  // handles_missing (this model has it) covers missing values, not overflow
  await assert.rejects(wine.classify({ ...row, proline: 1e308 }), /feature 'proline' is 1e\+308, beyond the model's float32 range/);
  await assert.rejects(wine.classify({ ...row, ash: -Infinity }), /feature 'ash' is -Infinity/);
  assert.equal((await wine.classify({ ...row, proline: 3e38 })).length, 3); // still in range
  await wine.release();
});

test('config.json (and the other JSON files) must hold an object', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wisp-hard-'));
  try {
    await mkdir(join(dir, 'onnx'));
    await writeFile(join(dir, 'onnx/model.onnx'), await readFile(join(WINE, 'onnx/model.onnx')));
    for (const [text, got] of [['[]', 'an array'], ['"x"', 'a string'], ['null', 'null'], ['3', 'a number']]) {
      await writeFile(join(dir, 'config.json'), text);
      await assert.rejects(load(dir), new RegExp(`config.json must hold a JSON object \\(\\{...\\}\\), got ${got}`));
    }
    // a text model's folder (vocab_size) is where load() reads tokenizer.json
    await writeFile(join(dir, 'config.json'), '{"vocab_size": 10}');
    await writeFile(join(dir, 'tokenizer_config.json'), '{}');
    await writeFile(join(dir, 'tokenizer.json'), '[1]');
    await assert.rejects(load(dir), /tokenizer.json must hold a JSON object/);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('a negative external-data offset says so', async () => {
  const m = model({
    nodes: [node('Add', ['x', 'w'], ['y'])],
    inputs: [valueInfo('x', DT.float, [3])],
    outputs: [valueInfo('y', DT.float, [3])],
    initializers: [tensorProto('w', DT.float, [3], null, { location: 'w.bin', offset: -8 })],
  });
  await assert.rejects(InferenceSession.create(m, { externalData: [{ path: 'w.bin', data: new Uint8Array(12) }] }),
    /tensor 'w' external data offset -?\d+ is negative/);
  assert.equal(await canary(), await reference);
});

test('past 2 GiB of wasm memory sessions still load and run (pointers read unsigned)', async () => {
  const wasm = await getWasm();
  const before = await canary();
  wasm.setMemoryBudget(4 * 1024 ** 3);
  const blocks = [];
  // Untouched blocks: the heap grows past 2 GiB without the process using that much memory.
  // Then the holes below 2 GiB are filled, so the session's model bytes and arena land above.
  while (wasm.memory.buffer.byteLength < 2.1 * 1024 ** 3) blocks.push(wasm.alloc(256 * 1024 ** 2));
  for (const size of [1 << 20, 1 << 16]) {
    while (blocks.length < 200000) {
      const p = wasm.alloc(size);
      blocks.push(p);
      if (p > 2 ** 31) break;
    }
  }
  assert.ok(blocks.at(-1) > 2 ** 31, `a new allocation lands past 2 GiB (${blocks.at(-1)})`);
  const s = await InferenceSession.create(MLP);
  const { logits } = await s.run({ pixel_values: x });
  assert.equal(Buffer.from(logits.data.buffer).toString('hex'), before);
  assert.equal(await canary(), await reference);
  await s.release();
  blocks.forEach((b) => wasm.free(b));
});
