// demo.test.js — the demo page (demo/) in headless Chromium, served by the README's main command
// (`node demo/serve.js`, spawned here on a free port). Checks that a panel's models are requested
// only when the panel is opened, that each panel gives the right answer for known held-out inputs
// (classes, and search: known queries find known mails and images), that after the panels loaded
// the page makes no network request at all, no console errors, and the phone layout (375 px):
// results in view next to their inputs, full labels, no sideways scrolling. Screenshots of each
// panel at both widths go to tests/artifacts/. Skips when Debian's chromium is not installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, crc32 } from 'node:zlib';

import { shippedExamples } from '../../demo/examples.js';
import { CHROMIUM, launchChromium } from '../js/helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = join(ROOT, 'tests/artifacts');
const skip = !existsSync(CHROMIUM) && `${CHROMIUM} not installed`;
const MODELS = ['spam-bert', 'fashion-cnn', 'fashion-mlp', 'breast-cancer-gbt', 'breast-cancer-mlp'];
// each panel, and what it downloads when opened (models and its sample data)
const PANELS = {
  text: ['models/spam-bert/'],
  tabular: ['models/breast-cancer-gbt/', 'models/breast-cancer-mlp/'],
  image: ['models/fashion-cnn/', 'models/fashion-mlp/', 'demo/data/fashion-gallery.png'],
  search: ['models/mail-embed/', 'demo/data/mailbox.json'],
};
// held-out mails whose subject finds their own body first among the page's 300 (measured with
// models/mail-embed; the subject is the query, the mail's id the answer)
const KNOWN_QUERIES = [
  ['Re: CD player UI for toddlers', 'easy-ham-1/00434'],
  ['[zzzzteana] Lioness adopts fifth antelope', 'easy-ham-1/00159'],
  ['[ILUG] Got me a crappy laptop', 'easy-ham-1/00198'],
];
const TIMEOUT = 60_000;

const fashion = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/fashion_test_sample.json'), 'utf8'));
const fashionLabels = JSON.parse(readFileSync(join(ROOT, 'models/fashion-cnn/config.json'), 'utf8')).id2label;
const samples = JSON.parse(readFileSync(join(ROOT, 'demo/data/samples.json'), 'utf8'));

let server, serverOut = '', base, browser, page;
const errors = [];
const requests = [], laterRequests = [];
let loaded = false; // every panel opened and ready

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

// Opens a panel's tab and waits until its models loaded and it gave its first answers.
async function openPanel(p, name) {
  await p.click(`#tab-${name}`);
  await p.waitForFunction((n) => ['ready', 'error'].includes(document.getElementById(n).dataset.state), name, { timeout: TIMEOUT });
  assert.equal(await p.getAttribute(`#${name}`, 'data-state'), 'ready', await p.textContent('#load-status'));
  assert.equal(await p.isVisible(`#${name}`), true);
}

// Whether the element is entirely inside the viewport.
const inView = (p, sel) => p.$eval(sel, (e) => {
  const r = e.getBoundingClientRect();
  return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth && r.height > 0;
});

// Fails at once (naming the error) when a model the test needs did not load.
async function assertLoaded(p, ids) {
  for (const id of ids) {
    const li = p.locator(`#model-${id}`);
    assert.match(await li.getAttribute('class'), /\bready\b/, `${id} did not load: ${await li.getAttribute('title')}`);
  }
}

const version = (sel, p = page) => p.$eval(sel, (e) => e.dataset.version ?? '0');

// Waits until the input's version moved past `before` and every result box answers that version.
async function waitFresh(inputSel, resultSels, before, p = page) {
  await p.waitForFunction(([i, rs, b]) => {
    const v = document.querySelector(i).dataset.version;
    return v !== undefined && v !== b && rs.every((r) => document.querySelector(r).dataset.version === v);
  }, [inputSel, resultSels, before], { timeout: TIMEOUT });
  return Promise.all(resultSels.map((r) => p.getAttribute(r, 'data-label')));
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
  browser = await launchChromium(chromium);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await openDemo(context, errors, '');
  // the recorder sees the workers' traffic too (models are fetched from the workers)
  page.on('request', (r) => (loaded ? laterRequests : requests).push(r.url().slice(base.length - 'demo/'.length)));
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

test('serve.js: a busy port is one clear line naming --port, at once; a bad --port is refused', async () => {
  const held = createServer();
  const port = await new Promise((resolve) => held.listen(0, '127.0.0.1', () => resolve(held.address().port)));
  try {
    const run = (args) => new Promise((resolve) => {
      const child = spawn(process.execPath, ['demo/serve.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => resolve({ code, out, err }));
    });
    const busy = await run(['--port', String(port)]);
    assert.equal(busy.code, 1);
    assert.equal(busy.err.trim(), `demo: port ${port} is already in use; stop what holds it or pick another: node demo/serve.js --port ${port + 1}`);
    assert.equal(busy.out, ''); // the examples did not run first
    const bad = await run(['--port=http']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /^demo: --port needs a port number/);
    assert.doesNotMatch(busy.err + bad.err, /\n\s+at /); // no stack trace
  } finally {
    held.close();
  }
});

test('lazy loading: a panel\'s models and data are requested when it is opened, not before', { skip }, async () => {
  const opened = [];
  const fetched = (prefix) => requests.some((r) => r.startsWith(prefix));
  await page.goto(base);
  await page.waitForFunction(() => document.querySelector('#text').dataset.state === 'ready', null, { timeout: TIMEOUT });
  for (const name of ['text', 'tabular', 'image', 'search']) {
    if (name !== 'text') await openPanel(page, name);
    opened.push(name);
    for (const [panel, files] of Object.entries(PANELS)) {
      for (const f of files) assert.equal(fetched(f), opened.includes(panel), `${f} after opening ${opened.join(', ')}:\n${requests.join('\n')}`);
    }
  }
  loaded = true;
  await assertLoaded(page, [...MODELS, 'mail-embed']);
  for (const id of [...MODELS, 'mail-embed']) assert.match(await page.textContent(`#model-${id} .model-size`), /^\d+(\.\d+)? (kB|MB)$/);
  assert.match(await page.textContent('#load-status'), /6 of 6 models loaded/);
  assert.ok(fetched('web/wisp'), requests.join('\n'));
  assert.deepEqual(errors, []);
  await page.locator('.models').screenshot({ path: join(ARTIFACTS, 'demo-models.png') });
});

test('search panel: known subjects find their own mail first; a spam query finds spam', { skip }, async () => {
  await page.click('#tab-search');
  for (const [query, id] of KNOWN_QUERIES) {
    const before = await version('#search-input');
    await page.fill('#search-input', query);
    await waitFresh('#search-input', ['#search-results'], before);
    assert.equal(await page.getAttribute('#search-results', 'data-top'), id, query);
    assert.equal(await page.locator('#search-results .hit').count(), 5);
  }
  const before = await version('#search-input');
  await page.click('#search-samples .sample:has-text("cheap mortgage rates")');
  await waitFresh('#search-input', ['#search-results'], before);
  assert.equal(await page.textContent('#search-results .hit .pill'), 'spam');
  assert.match(await page.textContent('#search-status'), /300 held-out mails/);
  await page.locator('#search').screenshot({ path: join(ARTIFACTS, 'demo-search-desktop.png') });
});

test('text panel: a known held-out spam mail is spam; a ham mail is not', { skip }, async (t) => {
  await page.click('#tab-text');
  t.after(() => page.locator('#text').screenshot({ path: join(ARTIFACTS, 'demo-text-desktop.png') }));
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
  assert.match(await page.textContent('#text-time'), /classify (< )?[\d.]+ ms/);
});

test('image panel: Fashion-MNIST test images drawn into the canvas get their labels from the CNN and the MLP', { skip }, async () => {
  await page.click('#tab-image');
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
});

test('image panel: more like this finds test images of the same garment', { skip }, async () => {
  for (const label of ['Trouser', 'Bag', 'Ankle boot']) {
    const before = await version('#draw');
    await page.click(`#fashion-samples .thumb[data-label="${label}"]`);
    await waitFresh('#draw', ['#res-fashion-cnn', '#similar'], before);
    const found = (await page.getAttribute('#similar', 'data-labels')).split('|');
    assert.equal(found.length, 10);
    assert.ok(found.filter((l) => l === label).length >= 8, `${label}: ${found.join(', ')}`);
  }
  // a result opens in the canvas and is classified in turn
  const before = await version('#draw');
  const index = await page.getAttribute('#similar .thumb', 'data-index');
  const label = await page.getAttribute('#similar .thumb', 'data-label');
  await page.click('#similar .thumb');
  assert.equal((await waitFresh('#draw', ['#res-fashion-cnn', '#similar'], before))[0], label);
  assert.match(await page.textContent('#image-note'), new RegExp(`test image #${index}\\b`));
  await page.locator('#image').screenshot({ path: join(ARTIFACTS, 'demo-image-desktop.png') });
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
  await page.click('#tab-tabular');
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
  // the 30 features are explained: a row per measurement with meaning, unit and typical ranges
  await page.click('#feature-help summary');
  const rows = await page.$$eval('#help-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.equal(rows.length, 10);
  for (const r of rows) {
    assert.ok(r[1].length > 10 && r[2], r.join(' | '));
    for (const range of r.slice(3)) assert.match(range, /^[\d.]+ – [\d.]+$/, r.join(' | '));
  }
  assert.match(await page.getAttribute('#cancer-form [name="mean radius"]', 'title'), /typically [\d.]+ – [\d.]+/);
  await page.locator('#tabular').screenshot({ path: join(ARTIFACTS, 'demo-tabular-desktop.png') });
});

test('privacy: after the panels loaded, the page made no network request at all', { skip }, async () => {
  // everything above (typing, searching, drawing, uploading, the form) ran after loading
  for (const name of Object.keys(PANELS)) await page.click(`#tab-${name}`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ARTIFACTS, 'demo-desktop.png') });
  assert.deepEqual(laterRequests, [], `requests after load:\n${laterRequests.join('\n')}`);
  assert.deepEqual(errors, []);
});

test('text panel: the precision switch loads q8 on first choice (a smaller download, same verdict), fp32 again from memory', { skip }, async () => {
  await page.click('#tab-text');
  const spamText = await page.inputValue('#text-input');
  assert.equal(await page.getAttribute('#text-verdict', 'data-label'), 'spam', spamText.slice(0, 80));
  const from = laterRequests.length;
  let before = await version('#text-input');
  await page.selectOption('#text-dtype', 'q8');
  assert.deepEqual(await waitFresh('#text-input', ['#text-verdict'], before), ['spam']);
  const fetched = laterRequests.slice(from).filter((r) => r.startsWith('models/'));
  assert.deepEqual(fetched, ['models/spam-bert/onnx/model_quantized.onnx']); // config and tokenizer: from the cache
  assert.match(await page.textContent('.model-chip[data-model="spam-bert"]'), /^spam-bert \(q8\) · 1\.\d\d MB$/);
  const q8Size = await page.textContent('#model-spam-bert .model-size');
  before = await version('#text-input');
  const again = laterRequests.length;
  await page.selectOption('#text-dtype', 'fp32');
  assert.deepEqual(await waitFresh('#text-input', ['#text-verdict'], before), ['spam']);
  assert.deepEqual(laterRequests.slice(again), []);
  assert.match(await page.textContent('.model-chip[data-model="spam-bert"]'), /^spam-bert · 5\.\d\d MB$/);
  assert.notEqual(await page.textContent('#model-spam-bert .model-size'), q8Size);
  assert.deepEqual(errors, []);
});

test('a second visit reads the mailbox and gallery embeddings from the cache, and the models with no download', { skip }, async () => {
  const second = await openDemo(page.context(), errors, 'second ');
  const downloads = [];
  second.on('request', (r) => r.url().includes('/models/') && downloads.push(r.url()));
  try {
    await second.goto(`${base}#search`);
    await second.waitForFunction(() => document.querySelector('#search').dataset.state === 'ready', null, { timeout: TIMEOUT });
    assert.match(await second.textContent('#search-status'), /300 held-out mails read from the cache/);
    const before = await version('#search-input', second);
    await second.fill('#search-input', KNOWN_QUERIES[1][0]);
    await waitFresh('#search-input', ['#search-results'], before, second);
    assert.equal(await second.getAttribute('#search-results', 'data-top'), KNOWN_QUERIES[1][1]);
    await openPanel(second, 'image');
    assert.match(await second.textContent('#similar-status'), /500 test images/);
    assert.match(await second.getAttribute('#similar', 'data-labels'), /^(T-shirt\/top\|){9}T-shirt\/top$/);
    assert.deepEqual(downloads, []); // wisp's Cache API store
    assert.deepEqual(errors, []);
  } finally {
    await second.close();
  }
});

test('phone width (375 px): results in view next to their inputs, full labels, no sideways scrolling', { skip }, async () => {
  const context = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const phoneErrors = [];
  const p = await openDemo(context, phoneErrors, 'phone ');
  try {
    await p.goto(base);
    await p.waitForFunction(() => document.querySelector('#text').dataset.state === 'ready', null, { timeout: TIMEOUT });
    // text: the verdict is on screen while typing in the message box
    await p.locator('#text-input').scrollIntoViewIfNeeded();
    await p.focus('#text-input');
    let before = await version('#text-input', p);
    await p.fill('#text-input', samples.spam.find((s) => s.label === 'ham').text);
    assert.deepEqual(await waitFresh('#text-input', ['#text-verdict'], before, p), ['ham']);
    assert.ok(await inView(p, '#text-input') && await inView(p, '#text-verdict'), 'message box and verdict not both in view');
    await p.locator('#text').screenshot({ path: join(ARTIFACTS, 'demo-text-phone.png') });

    // tabular: the diagnosis stays in view while the last field of the form is edited
    await openPanel(p, 'tabular');
    const last = '#cancer-form [name="worst fractal dimension"]';
    await p.locator(last).scrollIntoViewIfNeeded();
    before = await version('#cancer-form', p);
    await p.fill(last, await p.inputValue(last));
    await waitFresh('#cancer-form', ['#res-breast-cancer-gbt', '#res-breast-cancer-mlp'], before, p);
    for (const sel of [last, '#res-breast-cancer-gbt .dx', '#res-breast-cancer-mlp .dx']) assert.ok(await inView(p, sel), `${sel} not in view`);
    // and while the first field is edited (the result sticks to the bottom of the screen)
    const first = '#cancer-form [name="mean radius"]';
    await p.$eval(first, (e) => e.scrollIntoView({ block: 'center', behavior: 'instant' }));
    before = await version('#cancer-form', p);
    await p.fill(first, await p.inputValue(first));
    await waitFresh('#cancer-form', ['#res-breast-cancer-gbt', '#res-breast-cancer-mlp'], before, p);
    for (const sel of [first, '#res-breast-cancer-gbt .dx', '#res-breast-cancer-mlp .dx']) assert.ok(await inView(p, sel), `${sel} not in view`);
    await p.screenshot({ path: join(ARTIFACTS, 'demo-tabular-phone-top.png') });
    await p.screenshot({ path: join(ARTIFACTS, 'demo-tabular-phone.png') });

    // image: thumbnail labels are shown in full
    await openPanel(p, 'image');
    const cut = await p.$$eval('.thumb-label', (ls) => ls.filter((l) => l.scrollWidth > l.clientWidth + 1 || l.scrollHeight > l.clientHeight + 1).map((l) => l.textContent));
    assert.deepEqual(cut, []);
    assert.ok(await p.locator('#similar .thumb').count() === 10);
    await p.locator('#image').screenshot({ path: join(ARTIFACTS, 'demo-image-phone.png') });

    await openPanel(p, 'search');
    before = await version('#search-input', p);
    await p.fill('#search-input', KNOWN_QUERIES[0][0]);
    await waitFresh('#search-input', ['#search-results'], before, p);
    assert.equal(await p.getAttribute('#search-results', 'data-top'), KNOWN_QUERIES[0][1]);
    await p.screenshot({ path: join(ARTIFACTS, 'demo-search-phone.png') });
    assert.ok(await inView(p, '#search-input') && await inView(p, '#search-results .hit'), 'query and first hit not both in view');

    // (a mobile layout viewport grows to fit wide content, so compare with the device width)
    const scroll = await p.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= 375, `the page is ${scroll} px wide on a 375 px screen`);
    assert.deepEqual(phoneErrors, []);
  } finally {
    await context.close();
  }
});
