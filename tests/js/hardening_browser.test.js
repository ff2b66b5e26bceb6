// hardening_browser.test.js — issue 11's JS-layer cases (hardening.test.js checks them in Node) in
// headless Chromium: each gives a clean Error with its err.code, and a canary session keeps giving
// bit-identical answers after each. Skips when Debian's chromium is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DT, model, node, valueInfo, tensorProto, randomFloats, CHROMIUM, launchChromium } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

// Serves the repo read-only, plus in-memory files (mem: path -> bytes).
function serve(mem) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let body = mem[path] ?? (path === '/' ? '<!doctype html><title>wisp hardening</title><link rel="icon" href="data:,">' : null);
    const file = normalize(join(ROOT, path));
    if (!body && file.startsWith(ROOT) && existsSync(file)) body = await readFile(file);
    if (!body) return res.writeHead(404).end();
    const type = path === '/' ? 'text/html' : TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// In the page: each case must throw an Error; the canary's logits (as hex) after each.
async function cases(px) {
  const { InferenceSession, Tensor, load } = await import('/web/index.js');
  const canary = await InferenceSession.create('/tests/fixtures/seed_mlp.onnx');
  const input = new Tensor('float32', Float32Array.from(px), [2, 1, 28, 28]);
  const hex = async () => {
    const { logits } = await canary.run({ pixel_values: input });
    return Array.from(new Uint8Array(logits.data.buffer), (b) => b.toString(16).padStart(2, '0')).join('');
  };
  const s = await InferenceSession.create('/tests/fixtures/seed_mlp.onnx');
  const wine = await load('/tests/fixtures/tabular/wine-hgb', { cache: false });
  const row = Object.fromEntries(wine.config.feature_names.map((n) => [n, 1]));
  const long = new Float32Array(784);
  Object.defineProperty(long, 'length', { value: 784 * 100000 });
  const all = {
    'overridden length': () => s.run({ pixel_values: { type: 'float32', data: long, dims: [100000, 1, 28, 28] } }),
    'look-alike array': () => s.run({ pixel_values: { type: 'float32', data: Object.create(Float32Array.prototype), dims: [1, 1, 28, 28] } }),
    "Tensor from ['a','b']": () => new Tensor('float32', ['a', 'b']),
    'topk NaN': () => wine.classify(row, { topk: NaN }),
    'tabular 1e308': () => wine.classify({ ...row, proline: 1e308 }),
    'config.json []': () => load('/mem/array-config', { cache: false }),
    'negative external-data offset': () => InferenceSession.create('/mem/negative-offset.onnx'),
  };
  const before = await hex();
  const out = {};
  for (const [name, fn] of Object.entries(all)) {
    try {
      await fn();
      out[name] = { error: null };
    } catch (e) {
      out[name] = { error: e instanceof Error ? e.message : `not an Error: ${e}`, code: e.code, after: await hex() };
    }
  }
  const ok = await wine.classify(row, { topk: 2 });
  return { before, out, fine: ok.length };
}

test('issue 11 cases in Chromium: clean Errors with codes, the canary bit-identical after each', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, async () => {
  const { chromium } = await import('playwright-core');
  const negative = model({
    nodes: [node('Add', ['x', 'w'], ['y'])],
    inputs: [valueInfo('x', DT.float, [3])],
    outputs: [valueInfo('y', DT.float, [3])],
    initializers: [tensorProto('w', DT.float, [3], null, { location: 'w.bin', offset: -8 })],
  });
  const server = await serve({
    '/mem/array-config/config.json': '[]',
    '/mem/array-config/onnx/model.onnx': readFileSync(join(ROOT, 'tests/fixtures/tabular/wine-hgb/onnx/model.onnx')),
    '/mem/negative-offset.onnx': negative,
    '/mem/w.bin': new Uint8Array(12),
  });
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const got = await page.evaluate(cases, Array.from(randomFloats(2 * 784, 7, 0, 1)));
    const want = {
      'overridden length': ['WISP_BAD_INPUT', /do not match 784 elements/],
      'look-alike array': ['WISP_BAD_INPUT', /needs a Float32Array/],
      "Tensor from ['a','b']": ['WISP_BAD_INPUT', /element 0 is "a"/],
      'topk NaN': ['WISP_BAD_INPUT', /topk must be a positive integer/],
      'tabular 1e308': ['WISP_BAD_INPUT', /feature 'proline' is 1e\+308, beyond the model's float32 range/],
      'config.json []': ['WISP_BAD_MODEL', /config.json must hold a JSON object \(\{...\}\), got an array/],
      'negative external-data offset': ['WISP_BAD_MODEL', /tensor 'w' external data offset -?\d+ is negative/],
    };
    for (const [name, [code, message]] of Object.entries(want)) {
      const r = got.out[name];
      assert.match(r.error ?? 'no error', message, name);
      assert.equal(r.code, code, name);
      assert.equal(r.after, got.before, `canary changed after: ${name}`);
    }
    assert.equal(got.fine, 2);
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
