// extra_module.test.js — the rare op families are in web/wisp_extra.wasm (threaded build:
// wisp_extra_mt.wasm; src/wasm/extra.c), fetched only for a model that uses one of their ops.
// The .wasm files are served over HTTP here (env.wasm.wasmPaths), so every fetch is counted.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

import { InferenceSession, Tensor, env } from '../../web/index.js';
import { FIXTURES, randomFloats, maxAbsDiff } from './helpers.js';

const WEB = fileURLToPath(new URL('../../web/', import.meta.url));
const requests = [];
let serveExtra = true; // false: the extra modules answer 404
const server = http.createServer((req, res) => {
  const file = req.url.slice(1);
  requests.push(file);
  if (!/^wisp\w*\.wasm$/.test(file) || (!serveExtra && file.startsWith('wisp_extra'))) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/wasm' }).end(readFileSync(WEB + file));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
env.wasm.wasmPaths = `http://127.0.0.1:${server.address().port}/`;
after(() => server.close());

const fetched = (file) => requests.filter((f) => f === file).length;
const MLP = join(FIXTURES, 'seed_mlp.onnx'); // MatMul, Add, Relu: core ops only
const LSTM = join(FIXTURES, 'rnn_lstm.onnx');
const f32 = (dims, seed) => new Tensor('float32', randomFloats(dims.reduce((a, b) => a * b, 1), seed, -2, 2), dims);
const lstmFeeds = (batch, seq) => ({ x: f32([batch, seq, 12], 1), h0: f32([4, batch, 16], 2), c0: f32([4, batch, 16], 3) });

async function runMlp(numThreads) {
  const s = await InferenceSession.create(MLP, { numThreads });
  const out = await s.run({ [s.inputNames[0]]: f32([1, 1, 28, 28], 4) });
  await s.release();
  return Object.values(out)[0].data;
}

test('a model with no op of the extra module never fetches it', async () => {
  const out = await runMlp(1);
  assert.equal(out.length, 10);
  assert.equal(fetched('wisp.wasm'), 1);
  assert.equal(fetched('wisp_extra.wasm'), 0);
});

test('a missing extra module: the error names the op and the file; the instance keeps working', async () => {
  serveExtra = false;
  try {
    await assert.rejects(InferenceSession.create(LSTM, { numThreads: 1 }), (e) => {
      assert.match(e.message, /LSTM op is in http:\/\/127\.0\.0\.1:\d+\/wisp_extra\.wasm, which could not be loaded: .*404/);
      assert.equal(e.code, 'WISP_NETWORK');
      return true;
    });
  } finally {
    serveExtra = true;
  }
  assert.equal(fetched('wisp_extra.wasm'), 1);
  assert.equal((await runMlp(1)).length, 10);
});

test('a model with an extra op loads the module once and equals onnxruntime', async () => {
  const feeds = lstmFeeds(2, 5);
  const [w, o] = [await InferenceSession.create(LSTM, { numThreads: 1 }), await ort.InferenceSession.create(LSTM)];
  assert.equal(fetched('wisp_extra.wasm'), 2); // the failed try above, and this one
  const [rw, ro] = [await w.run(feeds), await o.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor('float32', t.data, t.dims)])))];
  for (const name of o.outputNames) {
    const d = maxAbsDiff(rw[name].data, ro[name].data);
    console.log(`rnn_lstm.onnx ${name}: max |Δ| = ${d.toExponential(2)}`);
    assert.ok(d <= 1e-4, `${name}: max |Δ| ${d}`);
  }
  const again = await InferenceSession.create(LSTM, { numThreads: 1 });
  assert.equal(fetched('wisp_extra.wasm'), 2, 'fetched once per instance');
  await Promise.all([w.release(), again.release()]);
});

test('threaded build: extra ops on 2 threads equal 1 thread bit for bit', async () => {
  const models = [
    [LSTM, lstmFeeds(2, 7)],
    [join(FIXTURES, 'seg_resize_op17.onnx'), { x: f32([1, 3, 48, 40], 5) }], // ConvTranspose + Conv
    [join(FIXTURES, 'control_flow.onnx'), { s0: f32([2, 4], 6), x: f32([2, 3, 4], 7) }], // If, Loop, Scan
  ];
  for (const [path, feeds] of models) {
    const results = [];
    for (const numThreads of [1, 2]) {
      const s = await InferenceSession.create(path, { numThreads });
      assert.equal(s.numThreads, numThreads);
      results.push(await s.run(feeds));
      await s.release();
    }
    for (const name of Object.keys(results[0])) assert.deepEqual(results[1][name].data, results[0][name].data, `${path} ${name}`);
  }
  assert.equal(fetched('wisp_mt.wasm'), 1);
  assert.equal(fetched('wisp_extra_mt.wasm'), 1);
});

test('Cast between numbers and strings (cast_string.c) is in the extra module too', async () => {
  const node = '/usr/share/libonnx-testdata/data/node/';
  const [toString, toFloat] = await Promise.all(['test_cast_FLOAT_to_STRING', 'test_cast_STRING_to_FLOAT']
    .map((t) => InferenceSession.create(`${node}${t}/model.onnx`, { numThreads: 1 })));
  const x = Float32Array.from([0.5, -1.25, 3, 1e10, 0.1, -0, Infinity, NaN, 7.000001, 2 ** -20, 123456789, -3.5]);
  const { output: s } = await toString.run({ input: new Tensor('float32', x, [3, 4]) });
  assert.deepEqual(s.data.slice(0, 8), ['0.5', '-1.25', '3', '1e+10', '0.1', '-0', 'inf', 'nan']);
  const { output: back } = await toFloat.run({ input: new Tensor('string', s.data, [3, 4]) });
  assert.deepEqual(back.data, x); // the shortest form that reads back reads back
  await Promise.all([toString.release(), toFloat.release()]);
});
