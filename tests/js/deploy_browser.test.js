// deploy_browser.test.js — a static page in headless Chromium, as a deployed app uses wisp: the
// first visit caches the model files and the .wasm (Cache API) with no 404 and no console error;
// offline, a fresh page loads and classifies text, image and tabular from the cache alone; a
// truncated cache entry is noticed and fetched again; an aborted load stops its download.
// Skips when Debian's chromium is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, launchChromium } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const PAGE = '<!doctype html><title>wisp deploy</title><link rel="icon" href="data:,"><script type="importmap">{"imports": ' +
  '{"@huggingface/tokenizers": "/node_modules/@huggingface/tokenizers/dist/tokenizers.mjs"}}</script>';
const STALL = '/models/spam-bert/onnx/model.onnx';

// Serves the repo read-only and the page at '/'; state.requests: every path with its status;
// with state.stall set, STALL's body stops half way until the client goes away.
function serve(state) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = normalize(join(ROOT, path));
    let body = path === '/' ? PAGE : null;
    if (!body && file.startsWith(ROOT) && existsSync(file) && statSync(file).isFile()) body = await readFile(file);
    state.requests.push({ path, status: body ? 200 : 404 });
    if (!body) return res.writeHead(404).end();
    const type = path === '/' ? 'text/html' : TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    if (!(state.stall && path === STALL)) return res.end(body);
    res.write(body.subarray(0, body.byteLength >> 1));
    req.socket.on('close', () => (state.closed = true));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// In the page: load the three kinds and classify one input of each.
async function classifyAll() {
  const { load } = await import('/web/index.js');
  const img = { width: 28, height: 28, channels: 1, data: Uint8Array.from({ length: 784 }, (_, i) => (i * 37) % 256) };
  const text = await load('/models/spam-bert');
  const image = await load('/models/fashion-cnn');
  const tabular = await load('/models/breast-cancer-gbt');
  const row = tabular.config.feature_names.map((_, i) => 1 + (i % 7) * 0.25);
  return {
    text: (await text.classify('WIN a FREE prize now, click here'))[0],
    image: (await image.classify(img))[0],
    tabular: (await tabular.classify(row))[0],
  };
}

test('static page: cached on first visit, offline from the cache, truncation refetched, abort stops', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, async () => {
  const { chromium } = await import('playwright-core');
  const state = { requests: [] };
  const server = await serve(state);
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium(chromium);
  try {
    const context = await browser.newContext();
    const errors = [];
    const open = async () => {
      const page = await context.newPage();
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${base}/`);
      return page;
    };

    // first visit: everything fetched once, no 404, no console error, all of it cached
    const first = await open();
    const expected = await first.evaluate(classifyAll);
    // the other shipped folders too: every file they are asked for exists
    assert.deepEqual(await first.evaluate(async () => {
      const { load } = await import('/web/index.js');
      return Promise.all(['/models/fashion-mlp', '/models/breast-cancer-mlp'].map(async (f) => (await load(f)).kind));
    }), ['image', 'tabular']);
    assert.ok(state.requests.some((r) => r.path === '/models/breast-cancer-mlp/onnx/model.onnx'));
    assert.deepEqual(errors, []);
    assert.deepEqual(state.requests.filter((r) => r.status !== 200), []);
    for (const k of ['text', 'image', 'tabular']) assert.equal(typeof expected[k].label, 'string', k);
    const cached = await first.evaluate(async () => (await import('/web/index.js')).listCached());
    const names = cached.map((e) => new URL(e.url).pathname).sort();
    for (const p of ['/web/wisp.wasm', '/models/spam-bert/tokenizer.json', '/models/fashion-cnn/onnx/model.onnx',
      '/models/breast-cancer-gbt/onnx/model.onnx', '/models/fashion-cnn/preprocessor_config.json']) {
      assert.ok(names.includes(p), `${p} cached (have ${names})`);
    }
    await first.close();

    // a fresh page, its scripts already there (the app's own job: HTTP cache / service worker),
    // then offline: load() needs nothing but the cache
    const page = await open();
    await page.evaluate(async () => {
      await Promise.all(['/web/index.js', '/web/text.js', '/web/image.js', '/web/tabular.js', '@huggingface/tokenizers']
        .map((m) => import(m)));
    });
    await context.setOffline(true);
    const before = state.requests.length;
    assert.deepEqual(await page.evaluate(classifyAll), expected);
    assert.equal(state.requests.length, before, 'no request while offline');
    await context.setOffline(false);

    // a truncated entry (same headers, short body) is dropped and the file fetched again
    const onnx = '/models/fashion-cnn/onnx/model.onnx';
    await page.evaluate(async (url) => {
      const store = await caches.open('wisp-models');
      const hit = await store.match(url);
      const bytes = new Uint8Array(await hit.arrayBuffer());
      await store.put(url, new Response(bytes.subarray(0, bytes.length - 1000), { headers: hit.headers }));
    }, `${base}${onnx}`);
    state.requests.length = 0;
    const again = await page.evaluate(async () => {
      const { load } = await import('/web/index.js');
      const m = await load('/models/fashion-cnn');
      const img = { width: 28, height: 28, channels: 1, data: Uint8Array.from({ length: 784 }, (_, i) => (i * 37) % 256) };
      return (await m.classify(img))[0];
    });
    assert.deepEqual(again, expected.image);
    assert.deepEqual(state.requests.map((r) => r.path), [onnx]);
    const size = await page.evaluate(async (url) => (await (await caches.open('wisp-models')).match(url)).arrayBuffer()
      .then((b) => b.byteLength), `${base}${onnx}`);
    assert.equal(size, statSync(join(ROOT, onnx)).size);

    // an aborted load stops its download: one request for the model file, closed, none after
    state.stall = true;
    state.requests.length = 0;
    const aborted = await page.evaluate(async () => {
      const { load, deleteCached } = await import('/web/index.js');
      await deleteCached(new URL('/models/spam-bert/', location.href));
      const ctl = new AbortController();
      const progress = (e) => e.file === 'onnx/model.onnx' && e.status === 'progress' && ctl.abort();
      try {
        await load('/models/spam-bert', { signal: ctl.signal, progress });
        return 'loaded';
      } catch (e) {
        return e.code;
      }
    });
    assert.equal(aborted, 'WISP_ABORTED');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(state.closed, true, 'the download was closed');
    assert.equal(state.requests.filter((r) => r.path === STALL).length, 1);
    const n = state.requests.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(state.requests.length, n, 'nothing fetched after the abort');
    assert.ok(!(await page.evaluate(async () => (await import('/web/index.js')).listCached()))
      .some((e) => e.url.endsWith(STALL)), 'the aborted file is not cached');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    server.closeAllConnections();
    server.close();
  }
});

test('worker: true in Chromium: same answers, and a 32-text batch leaves no long task on the page', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, async () => {
  const { chromium } = await import('playwright-core');
  const state = { requests: [] };
  const server = await serve(state);
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const got = await page.evaluate(async () => {
      const { load } = await import('/web/index.js');
      const texts = Array.from({ length: 32 }, (_, i) => `message ${i}: WIN a FREE prize, or see you at ${i}`);
      const remote = await load('/models/spam-bert', { worker: true, cache: false });
      const long = [];
      const obs = new PerformanceObserver((l) => long.push(...l.getEntries().map((e) => e.duration)));
      obs.observe({ type: 'longtask' });
      const inWorker = await remote.classify(texts, { signal: new AbortController().signal }); // kept on the page
      const aborted = await remote.classify(texts, { signal: AbortSignal.abort() }).catch((e) => e.code);
      await new Promise((r) => setTimeout(r, 100)); // let the observer report
      obs.disconnect();
      await remote.release();
      // the same batch on the page's own thread gives the same answers; and the observer does see
      // a long task there: 256 texts in one run (32 can take under 50 ms on a fast minute)
      const local = await load('/models/spam-bert', { cache: false });
      const same = JSON.stringify(inWorker) === JSON.stringify(await local.classify(texts));
      const onPage = [];
      const obs2 = new PerformanceObserver((l) => onPage.push(...l.getEntries().map((e) => e.duration)));
      obs2.observe({ type: 'longtask' });
      await local.classify(Array.from({ length: 8 }, () => texts).flat(), { batchSize: 256 });
      await new Promise((r) => setTimeout(r, 100));
      obs2.disconnect();
      return { same, long, onPage, n: inWorker.length, aborted };
    });
    assert.deepEqual(errors, []);
    assert.equal(got.n, 32);
    assert.equal(got.aborted, 'WISP_ABORTED');
    assert.ok(got.same, 'worker and page give the same answers');
    assert.deepEqual(got.long.filter((d) => d > 50), [], 'no long task during the batch');
    assert.ok(got.onPage.some((d) => d > 50), `run on the page, a 256-text batch is a long task (${got.onPage})`);
  } finally {
    await browser.close();
    server.closeAllConnections();
    server.close();
  }
});
