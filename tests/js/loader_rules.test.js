// loader_rules.test.js — the loader's rules against hostile models, inside WebAssembly (wasm32,
// where size_t is 32 bits): single assignment, 64-bit size arithmetic, every missing op named.
// After each refusal a canary session made before it must still give bit-identical answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { InferenceSession, Tensor } from '../../web/index.js';
import { FIXTURES, DT, model, node, valueInfo, tensorProto, randomFloats, attrInt } from './helpers.js';

const canary = await InferenceSession.create(join(FIXTURES, 'seed_mlp.onnx'));
const canaryInput = new Tensor('float32', randomFloats(2 * 784, 7, 0, 1), [2, 1, 28, 28]);
const canaryRun = async () => Float32Array.from(Object.values(await canary.run({ [canary.inputNames[0]]: canaryInput }))[0].data);
const expected = await canaryRun();

async function refused(bytes, pattern) {
  await assert.rejects(InferenceSession.create(bytes), pattern);
  assert.deepEqual(await canaryRun(), expected, 'the canary session changed its answers');
}

test('a node writing over a graph input is refused (the Concat/OneHot heap overflow)', async () => {
  // Concat(a, b) -> a: the plan sized `a` for the feed, Concat wrote twice as much into it
  await refused(model({
    nodes: [node('Concat', ['a', 'b'], ['a'], [attrInt('axis', 0)])],
    inputs: [valueInfo('a', DT.float, [4]), valueInfo('b', DT.float, [4])],
    outputs: [valueInfo('a', DT.float, [8])],
  }), /writes 'a', which is a graph input/);
  const repeats = tensorProto('repeats', DT.int64, [1], BigInt64Array.of(1000n));
  await refused(model({
    nodes: [node('Tile', ['x', 'repeats'], ['x'])],
    inputs: [valueInfo('x', DT.float, [2])],
    outputs: [valueInfo('x', DT.float, [2000])],
    initializers: [repeats],
  }), /writes 'x', which is a graph input/);
});

test('a value written twice, or over an initializer, is refused', async () => {
  await refused(model({
    nodes: [node('Relu', ['x'], ['y']), node('Neg', ['x'], ['y'])],
    inputs: [valueInfo('x', DT.float, [2])],
    outputs: [valueInfo('y', DT.float, [2])],
  }), /already written by another node/);
  await refused(model({
    nodes: [node('Relu', ['x'], ['w']), node('Add', ['x', 'w'], ['y'])],
    inputs: [valueInfo('x', DT.float, [2])],
    outputs: [valueInfo('y', DT.float, [2])],
    initializers: [tensorProto('w', DT.float, [2], Float32Array.of(1, 2))],
  }), /writes 'w', which is an initializer/);
});

test('sizes do not wrap in 32 bits: 2^30 + 1 int64 elements are not 8 bytes', async () => {
  await refused(model({
    nodes: [node('Identity', ['big'], ['y'])],
    inputs: [valueInfo('x', DT.float, [1])],
    outputs: [valueInfo('y', DT.int64, [2 ** 30 + 1])],
    initializers: [tensorProto('big', DT.int64, [2 ** 30 + 1], BigInt64Array.of(7n))],
  }), /over 2 GB/);
  // an output whose bytes wrap: Expand of one double to 2^29 + 1 elements x 8 = 4 GB + 8
  const bytes = model({
    nodes: [node('Cast', ['x'], ['xd'], [attrInt('to', 11)]), node('Expand', ['xd', 'shape'], ['y'])],
    inputs: [valueInfo('x', DT.float, [1])],
    outputs: [valueInfo('y', 11, [2 ** 29 + 1])],
    initializers: [tensorProto('shape', DT.int64, [1], BigInt64Array.of(BigInt(2 ** 29 + 1)))],
  });
  let s;
  try {
    s = await InferenceSession.create(bytes); // the plan is made here or at the first run
  } catch (e) {
    assert.match(e.message, /over 2 GB/);
  }
  if (s) await assert.rejects(s.run({ x: new Tensor('float32', Float32Array.of(1), [1]) }), /over 2 GB/);
  assert.deepEqual(await canaryRun(), expected);
});
