// loader_rules.test.js — the loader's rules (src/onnx.h) against hostile models, inside
// WebAssembly (wasm32, where size_t is 32 bits): each is refused with a clear Error at create
// (or, for a plan made at the first run, at run), and a canary session made before keeps giving
// bit-identical answers. browser.test.js runs the same models in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';

import { InferenceSession, Tensor } from '../../web/index.js';
import { FIXTURES, randomFloats } from './helpers.js';
import { hostileModels } from './hostile_models.js';

const canary = await InferenceSession.create(join(FIXTURES, 'seed_mlp.onnx'));
const canaryInput = new Tensor('float32', randomFloats(2 * 784, 7, 0, 1), [2, 1, 28, 28]);
const canaryRun = async () => Array.from((await canary.run({ pixel_values: canaryInput })).logits.data);
const expected = await canaryRun();

for (const { name, bytes, error } of hostileModels()) {
  test(`refused: ${name}`, async () => {
    let session;
    try {
      session = await InferenceSession.create(bytes);
    } catch (e) {
      assert.match(e.message, error);
    }
    if (session) {
      // every hostile model that plans at the first run takes x: float32 [1]
      await assert.rejects(session.run({ x: new Tensor('float32', Float32Array.of(1), [1]) }), error);
      await session.release();
    }
    assert.deepEqual(await canaryRun(), expected, 'the canary session changed its answers');
  });
}
