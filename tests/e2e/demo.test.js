// demo.test.js — the demo page (demo/) in headless Chromium, served by the README's main command
// (`node demo/serve.js`, spawned here on a free port). Checks that the page loads every model with
// no console errors, that each panel gives the right class for known held-out inputs, and that
// after loading the page makes no network request at all. Screenshots go to tests/artifacts/.
// Skips when Debian's chromium is not installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, crc32 } from 'node:zlib';

import { shippedExamples } from '../../demo/examples.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = join(ROOT, 'tests/artifacts');
const skip = !existsSync(CHROMIUM) && `${CHROMIUM} not installed`;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];
const MODELS = ['spam-bert', 'fashion-cnn', 'fashion-mlp', 'breast-cancer-gbt', 'breast-cancer-mlp'];
const TIMEOUT = 60_000;

const fashion = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/fashion_test_sample.json'), 'utf8'));
const fashionLabels = JSON.parse(readFileSync(join(ROOT, 'models/fashion-cnn/config.json'), 'utf8')).id2label;
const samples = JSON.parse(readFileSync(join(ROOT, 'demo/data/samples.json'), 'utf8'));

let server, serverOut = '', base, browser, page;
const errors = [];
const loadRequests = [], laterRequests = [];
let loaded = false;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// `node demo/serve.js --port N`: resolves with the demo's URL once it listens.
async function startServer() {
  const port = await freePort();
  server = spawn(process.execPath, ['demo/serve.js', '--port', String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve.js did not start in time:\n${serverOut}${stderr}`)), TIMEOUT);
    server.stdout.on('data', (d) => {
      serverOut += d;
      const m = /demo: (http:\/\/127\.0\.0\.1:\d+\/demo\/)/.exec(serverOut);
      if (m) clearTimeout(timer), resolve(m[1]);
    });
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve.js exited with ${code}:\n${serverOut}${stderr}`));
    });
  });
}

function watchConsole(p, sink, tag = '') {
  p.on('console', (m) => m.type() === 'error' && sink.push(`${tag}console: ${m.text()}`));
  p.on('pageerror', (e) => sink.push(`${tag}pageerror: ${e.message}`));
  p.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && sink.push(`${tag}worker: ${m.text()}`)));
}

async function openDemo(context, sink, tag) {
  const p = await context.newPage();
  watchConsole(p, sink, tag);
  return p;
}

async function waitLoaded(p) {
  await p.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: TIMEOUT });
  assert.equal(await p.getAttribute('body', 'data-state'), 'ready', await p.textContent('#load-status'));
}

// Fails at once (naming the error) when a model the test needs did not load.
async function assertLoaded(p, ids) {
  for (const id of ids) {
    const li = p.locator(`#model-${id}`);
    assert.match(await li.getAttribute('class'), /\bready\b/, `${id} did not load: ${await li.getAttribute('title')}`);
  }
}

const version = (sel) => page.$eval(sel, (e) => e.dataset.version ?? '0');

// Waits until the input's version moved past `before` and every result box answers that version.
async function waitFresh(inputSel, resultSels, before) {
  await page.waitForFunction(([i, rs, b]) => {
    const v = document.querySelector(i).dataset.version;
    return v !== undefined && v !== b && rs.every((r) => document.querySelector(r).dataset.version === v);
  }, [inputSel, resultSels, before], { timeout: TIMEOUT });
  return Promise.all(resultSels.map((r) => page.getAttribute(r, 'data-label')));
}

// Puts a 28×28 gray image into the 280×280 canvas (each pixel a 10×10 block) and tells the page.
async function paintCanvas(pixels) {
  const before = await version('#draw');
  await page.evaluate((px) => {
    const c = document.querySelector('#draw'), ctx = c.getContext('2d');
    const img = ctx.createImageData(c.width, c.height), k = c.width / 28;
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        const v = px[Math.floor(y / k) * 28 + Math.floor(x / k)];
        img.data.set([v, v, v, 255], (y * c.width + x) * 4);
      }
    }
    ctx.putImageData(img, 0, 0);
    c.dispatchEvent(new Event('input'));
  }, pixels);
  return waitFresh('#draw', ['#res-fashion-cnn', '#res-fashion-mlp'], before);
}

// A minimal 8-bit grayscale PNG encoder, for the upload test.
function grayPng(width, height, gray) {
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit, grayscale
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(gray.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

before(async () => {
  if (skip) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  base = await startServer();
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await openDemo(context, errors, '');
  page.on('request', (r) => (loaded ? laterRequests : loadRequests).push(`${r.method()} ${r.url()}`));
  await page.goto(base);
  await waitLoaded(page);
  loaded = true;
});

after(async () => {
  await browser?.close();
  server?.kill();
});

test('serve.js prints one classification per shipped model, each the expected label', { skip }, async () => {
  const lines = serverOut.split('\n').filter((l) => / -> /.test(l));
  const dirs = lines.map((l) => l.split(':')[0]);
  for (const m of MODELS) assert.ok(dirs.includes(`models/${m}`), `no terminal line for models/${m}:\n${serverOut}`);
  for (const l of lines) {
    const m = / -> (.+) \(\d+\.\d%, expected (.+), [\d.]+ ms\)$/.exec(l);
    assert.ok(m, `unexpected line: ${l}`);
    assert.equal(m[1], m[2], l);
  }
});

test('the page loads every model, shows its size, with no console errors', { skip }, async () => {
  await page.locator('.models').screenshot({ path: join(ARTIFACTS, 'demo-models.png') });
  await assertLoaded(page, MODELS);
  for (const id of MODELS) {
    assert.match(await page.textContent(`#model-${id} .model-size`), /^\d+(\.\d+)? (kB|MB)$/);
  }
  assert.match(await page.textContent('#load-status'), /All 5 models ready/);
  assert.match(await page.textContent('#privacy'), /No data leaves the page/);
  // the recorder sees the worker's traffic too (the models are fetched from the worker)
  assert.ok(loadRequests.some((r) => r.endsWith('/models/fashion-cnn/onnx/model.onnx')), loadRequests.join('\n'));
  assert.ok(loadRequests.some((r) => r.endsWith('/web/wisp.wasm')), loadRequests.join('\n'));
  assert.deepEqual(errors, []);
});

test('text panel: a known held-out spam mail is spam; a ham mail is not', { skip }, async (t) => {
  t.after(() => page.locator('#text').screenshot({ path: join(ARTIFACTS, 'demo-text.png') }));
  await assertLoaded(page, ['spam-bert']);
  const examples = await shippedExamples(ROOT);
  const spam = examples.find((e) => e.model === 'models/spam-bert');
  assert.ok(spam, 'demo/examples.js has no spam-bert example');
  assert.equal(spam.expected, 'spam');
  const ham = samples.spam.find((s) => s.label === 'ham');
  for (const [text, want] of [[ham.text, 'ham'], [spam.input, 'spam']]) {
    const before = await version('#text-input');
    await page.fill('#text-input', text);
    const [label] = await waitFresh('#text-input', ['#text-verdict'], before);
    assert.equal(label, want, text.slice(0, 80));
  }
  assert.equal(await page.textContent('#text-label'), 'Spam');
  assert.match(await page.textContent('#text-score'), /^p\(spam\) 0\.\d{3}|^p\(spam\) 1\.000/);
  assert.match(await page.textContent('#text-nearest-body'), /cos -?[01]\.\d{3}/);
  assert.match(await page.textContent('#text-time'), /classify (< )?[\d.]+ ms/);
});

test('image panel: Fashion-MNIST test images drawn into the canvas get their labels from the CNN and the MLP', { skip }, async () => {
  await assertLoaded(page, ['fashion-cnn', 'fashion-mlp']);
  for (const i of [18, 13, 1, 0]) { // Bag, Dress, Pullover, Ankle boot
    const want = fashionLabels[fashion.labels[i]];
    const [cnn, mlp] = await paintCanvas(fashion.images[i]);
    assert.deepEqual({ cnn, mlp }, { cnn: want, mlp: want }, `test image #${i}`);
  }
  // what the models saw is shown; each result shows its time
  const seen = await page.$eval('#seen', (c) => Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, k) => k % 4 === 0)));
  assert.deepEqual(seen, fashion.images[0]);
  for (const id of ['fashion-cnn', 'fashion-mlp']) {
    assert.equal(await page.locator(`#res-${id} .bars li`).count(), 3);
    assert.match(await page.textContent(`#res-${id} .timing`), /^inference (< )?[\d.]+ ms/);
  }
  await page.locator('#image').screenshot({ path: join(ARTIFACTS, 'demo-image.png') });
});

test('image panel: the sample buttons, an uploaded picture (light background) and mouse drawing', { skip }, async () => {
  let before = await version('#draw');
  await page.click('#fashion-samples .thumb[data-label="Trouser"]');
  assert.deepEqual(await waitFresh('#draw', ['#res-fashion-cnn', '#res-fashion-mlp'], before), ['Trouser', 'Trouser']);

  // test image #18 (a bag) as a dark-on-white photo: 8× larger, with a white margin
  const i = 18, k = 8, pad = 40, side = 28 * k + 2 * pad;
  const gray = new Uint8Array(side * side).fill(255);
  for (let y = 0; y < 28 * k; y++) {
    for (let x = 0; x < 28 * k; x++) gray[(y + pad) * side + x + pad] = 255 - fashion.images[i][Math.floor(y / k) * 28 + Math.floor(x / k)];
  }
  before = await version('#draw');
  await page.setInputFiles('#upload', { name: 'bag.png', mimeType: 'image/png', buffer: grayPng(side, side, gray) });
  const want = fashionLabels[fashion.labels[i]];
  assert.deepEqual(await waitFresh('#draw', ['#res-fashion-cnn', '#res-fashion-mlp'], before), [want, want]);
  assert.match(await page.textContent('#image-note'), /inverted/);

  // drawing with the mouse paints the canvas and re-runs both models
  await page.click('#draw-clear');
  before = await version('#draw');
  const box = await page.locator('#draw').boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.8, { steps: 8 });
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.8, { steps: 8 });
  await page.mouse.up();
  const labels = await waitFresh('#draw', ['#res-fashion-cnn', '#res-fashion-mlp'], before);
  assert.ok(labels.every((l) => Object.values(fashionLabels).includes(l)), labels.join());
  const lit = await page.$eval('#seen', (c) => c.getContext('2d').getImageData(0, 0, 28, 28).data.filter((v, j) => j % 4 === 0 && v > 128).length);
  assert.ok(lit > 10, `${lit} bright pixels in the model input after drawing`);
});

test('tabular panel: a known malignant held-out case is malignant for the trees and the MLP', { skip }, async () => {
  await assertLoaded(page, ['breast-cancer-gbt', 'breast-cancer-mlp']);
  const examples = await shippedExamples(ROOT);
  const cases = examples.filter((e) => e.model.startsWith('models/breast-cancer-'));
  assert.ok(cases.length, 'demo/examples.js has no breast-cancer example');
  const results = ['#res-breast-cancer-gbt', '#res-breast-cancer-mlp'];
  // a benign held-out case from the page's own list first, so the malignant answer is a change
  const benign = samples.cancer.cases.findIndex((c) => c.label === 'benign');
  let before = await version('#cancer-form');
  await page.click(`#cases .sample[data-index="${benign}"]`);
  assert.deepEqual(await waitFresh('#cancer-form', results, before), ['benign', 'benign']);

  const { input: row, expected } = cases[0];
  assert.equal(expected, 'malignant');
  for (const [name, value] of Object.entries(row)) {
    before = await version('#cancer-form');
    await page.fill(`#cancer-form [name="${name}"]`, String(value));
  }
  assert.deepEqual(await waitFresh('#cancer-form', results, before), ['malignant', 'malignant']);
  for (const r of results) {
    assert.match(await page.textContent(`${r} .dx`), /^malignant\s*\d+\.\d%$/i);
    assert.match(await page.textContent(`${r} .timing`), /^inference (< )?[\d.]+ ms/);
  }
  await page.locator('#tabular').screenshot({ path: join(ARTIFACTS, 'demo-tabular.png') });
});

test('privacy: after the models loaded, the page made no network request at all', { skip }, async () => {
  // everything above (typing, drawing, uploading, the form) ran after loading
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ARTIFACTS, 'demo-desktop.png'), fullPage: true });
  assert.deepEqual(laterRequests, [], `requests after load:\n${laterRequests.join('\n')}`);
  assert.deepEqual(errors, []);
});

test('phone width (375 px): loads, classifies, no sideways scrolling', { skip }, async () => {
  const context = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const phoneErrors = [];
  const p = await openDemo(context, phoneErrors, 'phone ');
  try {
    await p.goto(base);
    await waitLoaded(p);
    // every model that loaded has answered its panel's first input
    await p.waitForFunction(() => [...document.querySelectorAll('.model.ready')].every((li) => {
      const id = li.id.replace('model-', '');
      return document.querySelector(id === 'spam-bert' ? '#text-verdict' : `#res-${id}`).dataset.label;
    }), null, { timeout: TIMEOUT });
    await p.screenshot({ path: join(ARTIFACTS, 'demo-phone.png'), fullPage: true });
    // (a mobile layout viewport grows to fit wide content, so compare with the device width)
    const scroll = await p.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= 375, `the page is ${scroll} px wide on a 375 px screen`);
    await assertLoaded(p, MODELS);
    assert.deepEqual(phoneErrors, []);
  } finally {
    await context.close();
  }
});
