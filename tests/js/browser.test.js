// browser.test.js — the same web/ modules in headless Chromium, served over HTTP on 127.0.0.1:
// fetch + compileStreaming (and its fallback when the server sends the wrong MIME type), model and
// external data loaded by URL. Results must equal Node's: the same .wasm runs in both.
// Skips when Debian's chromium is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

import { InferenceSession, Tensor } from '../../web/index.js';
import { DT, model, node, valueInfo, tensorProto, randomFloats, maxAbsDiff, CHROMIUM, launchChromium } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPES = { '.js': 'text/javascript', '.html': 'text/html', '.onnx': 'application/octet-stream', '.bin': 'application/octet-stream' };

// Serves the repo read-only, plus an in-memory folder /mem/ (a model with external data).
function serve(mem, state) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let body = mem[path];
    if (!body && path === '/') body = '<!doctype html><title>wisp test</title>';
    if (!body) {
      const file = normalize(join(ROOT, path));
      if (!file.startsWith(ROOT) || !existsSync(file)) return res.writeHead(404).end();
      body = await readFile(file);
    }
    const ext = path.slice(path.lastIndexOf('.'));
    const type = ext === '.wasm' ? state.wasmType : TYPES[ext] ?? (path === '/' ? 'text/html' : 'application/octet-stream');
    res.writeHead(200, { 'Content-Type': type }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('web/ runs in headless Chromium and matches Node', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, async () => {
  const { chromium } = await import('playwright-core');
  const w = Float32Array.from([10, 20, 30]);
  const extModel = model({
    nodes: [node('Add', ['x', 'w'], ['y'])],
    inputs: [valueInfo('x', DT.float, ['n', 3])],
    outputs: [valueInfo('y', DT.float, ['n', 3])],
    initializers: [tensorProto('w', DT.float, [3], null, { location: 'w.bin', offset: 0, length: 12 })],
  });
  const state = { wasmType: 'application/wasm' };
  const server = await serve({ '/mem/model.onnx': extModel, '/mem/w.bin': new Uint8Array(w.buffer) }, state);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium(chromium);
  try {
    const pixels = randomFloats(2 * 784, 5, 0, 1);
    const local = await InferenceSession.create(join(ROOT, 'tests/fixtures/seed_mlp.onnx'));
    const expected = (await local.run({ pixel_values: new Tensor('float32', pixels, [2, 1, 28, 28]) })).logits.data;

    for (const wasmType of ['application/wasm', 'application/octet-stream']) {
      state.wasmType = wasmType; // the second pass exercises the non-streaming fallback
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/`);
      const got = await page.evaluate(async (px) => {
        const { InferenceSession, Tensor } = await import('/web/index.js');
        const s = await InferenceSession.create('/tests/fixtures/seed_mlp.onnx');
        const { logits } = await s.run({ pixel_values: new Tensor('float32', Float32Array.from(px), [2, 1, 28, 28]) });
        const e = await InferenceSession.create('/mem/model.onnx'); // w.bin fetched next to it
        const { y } = await e.run({ x: new Tensor('float32', Float32Array.from([1, 2, 3]), [1, 3]) });
        let err = null;
        try {
          await s.run({ wrong: logits });
        } catch (x) {
          err = x.message;
        }
        return { logits: Array.from(logits.data), dims: logits.dims, y: Array.from(y.data), err };
      }, Array.from(pixels));
      assert.deepEqual(errors, []);
      assert.deepEqual(got.dims, [2, 10]);
      const d = maxAbsDiff(got.logits, expected);
      console.log(`chromium (${wasmType}) vs node: max |Δ| = ${d}`);
      assert.ok(d <= 1e-6, `max |Δ| ${d}`);
      assert.deepEqual(got.y, [11, 22, 33]);
      assert.match(got.err, /unknown input 'wrong'/);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
});

test('hostile models are refused in Chromium too, and a canary session keeps its answers', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, async () => {
  const { chromium } = await import('playwright-core');
  const { hostileModels } = await import('./hostile_models.js');
  const models = hostileModels();
  const mem = Object.fromEntries(models.map((m, i) => [`/mem/hostile${i}.onnx`, m.bytes]));
  const server = await serve(mem, { wasmType: 'application/wasm' });
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const pixels = Array.from(randomFloats(2 * 784, 9, 0, 1));
    const got = await page.evaluate(async ({ n, px }) => {
      const { InferenceSession, Tensor } = await import('/web/index.js');
      const canary = await InferenceSession.create('/tests/fixtures/seed_mlp.onnx');
      const input = new Tensor('float32', Float32Array.from(px), [2, 1, 28, 28]);
      const run = async () => Array.from((await canary.run({ pixel_values: input })).logits.data);
      const before = await run();
      const errors = [], after = [];
      for (let i = 0; i < n; i++) {
        try {
          const s = await InferenceSession.create(`/mem/hostile${i}.onnx`);
          await s.run({ x: new Tensor('float32', Float32Array.of(1), [1]) });
          errors.push(null);
        } catch (e) {
          errors.push(e.message);
        }
        after.push(await run());
      }
      return { before, errors, after };
    }, { n: models.length, px: pixels });
    models.forEach((m, i) => {
      assert.match(got.errors[i] ?? 'no error', m.error, m.name);
      assert.deepEqual(got.after[i], got.before, `canary changed after: ${m.name}`);
    });
  } finally {
    await browser.close();
    server.close();
  }
});
