// env.test.js — the onnxruntime-web `env` fields wisp acts on: wasm.wasmPaths (where the .wasm
// files come from, also for a worker), logLevel (wisp's warnings), and the warnings for fields it
// ignores. The WebAssembly instance is made once per process, so the end-to-end cases run each in
// a fresh Node process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { env, load } from '../../web/index.js';
import { envForWorker } from '../../web/env.js';
import { wasmUrls } from '../../web/wasm.js';
import { CHROMIUM, launchChromium } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const web = pathToFileURL(`${root}web/`).href;
const MLP = `${root}tests/fixtures/seed_mlp.onnx`;
const ORT_WASM = `${root}node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm`;

// Runs `code` (an ES module body; `wisp` is web/index.js) in a fresh Node process.
function fresh(code, cwd = root) {
  const src = `const wisp = await import(${JSON.stringify(`${web}index.js`)});\n${code}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', src], { cwd, encoding: 'utf8' });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

test('wasmUrls: next to web/, a prefix (string, relative path, URL), or {wasm, relaxed}', async () => {
  const href = async (p) => Object.values(await wasmUrls(p)).map((u) => u.href);
  assert.deepEqual(await href(undefined), [`${web}wisp.wasm`, `${web}wisp_relaxed.wasm`]);
  assert.deepEqual(await href('https://cdn.example.org/wisp@1/'),
    ['https://cdn.example.org/wisp@1/wisp.wasm', 'https://cdn.example.org/wisp@1/wisp_relaxed.wasm']);
  // a prefix is a prefix, as in onnxruntime-web: the names are appended to it
  assert.deepEqual(await href('https://cdn.example.org/v2-'), ['https://cdn.example.org/v2-wisp.wasm', 'https://cdn.example.org/v2-wisp_relaxed.wasm']);
  assert.deepEqual(await href('vendor/'), [pathToFileURL(join(process.cwd(), 'vendor/wisp.wasm')).href,
    pathToFileURL(join(process.cwd(), 'vendor/wisp_relaxed.wasm')).href]);
  assert.deepEqual(await href(new URL('https://x.org/a/')), ['https://x.org/a/wisp.wasm', 'https://x.org/a/wisp_relaxed.wasm']);
  assert.deepEqual(await href({ wasm: 'https://x.org/b/core.wasm' }), ['https://x.org/b/core.wasm', 'https://x.org/b/wisp_relaxed.wasm']);
  assert.deepEqual(await href({ wasm: 'https://x.org/b/core.wasm', relaxed: 'https://y.org/r.wasm' }), ['https://x.org/b/core.wasm', 'https://y.org/r.wasm']);
  for (const bad of [5, {}, { mjs: 'x.mjs' }, true]) {
    await assert.rejects(wasmUrls(bad), (e) => e instanceof TypeError && e.code === 'WISP_BAD_INPUT' && /wasmPaths/.test(e.message));
  }
});

// numThreads 1: the one-thread build's file names (the threaded build's, wisp_mt.wasm and
// wisp_relaxed_mt.wasm, are found the same way)
test('env.wasm.wasmPaths decides where sessions and load() fetch wisp.wasm from', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wisp-env-'));
  const empty = mkdtempSync(join(tmpdir(), 'wisp-env-empty-'));
  try {
    for (const f of ['wisp.wasm', 'wisp_relaxed.wasm']) copyFileSync(`${root}web/${f}`, join(dir, f));
    // the copies: a model loads and runs from them
    let r = fresh(`wisp.env.wasm.numThreads = 1; wisp.env.wasm.wasmPaths = ${JSON.stringify(`${dir}/`)};
      const m = await wisp.load(${JSON.stringify(`${root}models/fashion-mlp`)});
      const out = await m.classify({ data: new Uint8Array(784), width: 28, height: 28, channels: 1 }, { topk: 1 });
      console.log(out.length, out[0].label.length > 0);`);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.out, '1 true');
    // an empty folder: the error names the file where wasmPaths said it would be
    r = fresh(`wisp.env.wasm.numThreads = 1; wisp.env.wasm.wasmPaths = ${JSON.stringify(`${empty}/`)};
      await wisp.InferenceSession.create(${JSON.stringify(MLP)}).catch((e) => console.log(e.code, e.message));`);
    assert.match(r.out, new RegExp(`^WISP_NOT_FOUND .*${empty}/wisp\\.wasm`));
    // relative prefixes resolve from the working directory (Node)
    r = fresh(`wisp.env.wasm.numThreads = 1; wisp.env.wasm.wasmPaths = 'nowhere/';
      await wisp.InferenceSession.create(${JSON.stringify(MLP)}).catch((e) => console.log(e.code, e.message));`, empty);
    assert.match(r.out, new RegExp(`^WISP_NOT_FOUND .*${empty}/nowhere/wisp\\.wasm`));
    // onnxruntime-web's binary is refused by name, not run
    r = fresh(`wisp.env.wasm.numThreads = 1; wisp.env.wasm.wasmPaths = { wasm: ${JSON.stringify(ORT_WASM)} };
      await wisp.InferenceSession.create(${JSON.stringify(MLP)}).catch((e) => console.log(e.code, e.message));`);
    assert.match(r.out, /^WISP_RUNTIME .*ort-wasm-simd-threaded\.wasm is not wisp's WebAssembly module/);
  } finally {
    rmSync(dir, { recursive: true });
    rmSync(empty, { recursive: true });
  }
});

test('a worker (load with worker: true) gets the caller\'s wasmPaths, resolved where the caller is', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'wisp-env-worker-'));
  const cwd = process.cwd();
  try {
    process.chdir(empty);
    env.wasm.wasmPaths = 'lib/';
    env.wasm.numThreads = 1;
    await assert.rejects(load(`${root}tests/fixtures/nli-tiny`, { worker: true }),
      (e) => e.code === 'WISP_NOT_FOUND' && e.message.includes(`${empty}/lib/wisp.wasm`));
  } finally {
    process.chdir(cwd);
    env.wasm.wasmPaths = undefined;
    rmSync(empty, { recursive: true });
  }
  env.wasm.numThreads = 4; // stored (and handed on) for the threaded kernels to read
  assert.deepEqual(envForWorker({ wasm: 'a' }), { wasm: { numThreads: 4, relaxedSimd: undefined, wasmPaths: { wasm: 'a' } }, logLevel: 'warning' });
  env.wasm.numThreads = 1;
  const m = await load(`${root}tests/fixtures/nli-tiny`, { worker: true });
  assert.equal((await m.classify('a', { labels: ['x', 'y'] })).length, 2);
  await m.release();
});

test('logLevel: warnings for ignored fields print once, and not above "warning"', () => {
  const make = `const s = await wisp.InferenceSession.create(${JSON.stringify(MLP)}); await s.release();`;
  const ask = 'wisp.env.wasm.proxy = true; wisp.env.wasm.simd = false;';
  let r = fresh(`${ask} ${make}`);
  assert.equal(r.status, 0, r.err);
  const lines = r.err.split('\n');
  assert.equal(lines.length, 2, r.err);
  assert.match(lines[0], /env\.wasm\.proxy is ignored.*worker: true/);
  assert.match(lines[1], /env\.wasm\.simd = false is ignored/);
  for (const level of ['error', 'fatal']) {
    r = fresh(`${ask} wisp.env.logLevel = '${level}'; ${make}`);
    assert.equal(r.status, 0, r.err);
    assert.equal(r.err, '');
  }
  r = fresh(`wisp.env.logLevel = 'verbose'; wisp.env.wasm.proxy = true; ${make}`);
  assert.match(r.err, /proxy is ignored/);
  // nothing asked that wisp cannot do: nothing said
  assert.equal(fresh(make).err, '');
});

test('logLevel: the CLIP logit-scale warning, and Transformers.js setting logLevel to "error"', () => {
  const clip = `const m = await wisp.load(${JSON.stringify(`${root}tests/fixtures/clip-tiny`)});
    const img = { data: new Uint8Array(32 * 32 * 3), width: 32, height: 32, channels: 3 };`;
  let r = fresh(`${clip} await m.classify(img, { labels: ['a', 'b'] }); await m.classify(img, { labels: ['c', 'd'] });`);
  assert.equal(r.status, 0, r.err);
  assert.equal(r.err.split('\n').length, 1, r.err);
  assert.match(r.err, /logit scale 4\.60.*options\.logitScale/);
  r = fresh(`${clip} await m.classify(img, { labels: ['a', 'b'], logitScale: 4.6 });`);
  assert.equal(r.err, '');
  // Transformers.js maps its default log level (warning) to onnxruntime's 'error'
  r = fresh(`globalThis[Symbol.for('onnxruntime')] = wisp;
    const T = await import(${JSON.stringify(pathToFileURL(`${root}node_modules/@huggingface/transformers/dist/transformers.node.mjs`).href)});
    console.log(wisp.env.logLevel, T.env.backends.onnx.wasm === wisp.env.wasm);`);
  assert.equal(r.status, 0, r.err);
  assert.equal(r.out, 'error true');
});

test('Chromium: a relative wasmPaths prefix is fetched from the page\'s site, web/wisp.wasm never', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, async () => {
  // the repo as a static site, plus /cdn/x/ holding the .wasm files (as a CDN would)
  const seen = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    seen.push(path);
    if (path === '/') return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>env</title>');
    const file = path.startsWith('/cdn/x/') ? `${root}web/${path.slice(7)}` : join(root, path);
    if (!file.startsWith(root) || !existsSync(file)) return res.writeHead(404).end();
    const type = path.endsWith('.wasm') ? 'application/wasm' : path.endsWith('.js') ? 'text/javascript' : 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type }).end(await readFile(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { chromium } = await import('playwright-core');
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const got = await page.evaluate(async () => {
      const wisp = await import('/web/index.js');
      wisp.env.wasm.wasmPaths = 'cdn/x/';
      const s = await wisp.InferenceSession.create('/tests/fixtures/seed_mlp.onnx');
      const names = s.inputNames;
      await s.release();
      return names;
    });
    assert.deepEqual(got, ['pixel_values']);
    assert.ok(seen.includes('/cdn/x/wisp.wasm'), seen.join(' '));
    assert.ok(!seen.some((p) => p.startsWith('/web/') && p.endsWith('.wasm')), seen.join(' '));
  } finally {
    await browser.close();
    server.close();
  }
});
