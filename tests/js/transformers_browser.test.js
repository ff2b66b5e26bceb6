// transformers_browser.test.js — wisp injected as Transformers.js's runtime in headless Chromium
// (its bundled browser build, dist/transformers.js), on the shipped text and image folders and the
// NLI fixture (zero-shot-classification) served over HTTP; results must match Transformers.js on
// its own runtime (onnxruntime-node, in Node).
// Skips when Debian's chromium is not installed.
import { test } from 'node:test';
import { CHROMIUM, launchChromium } from './helpers.js';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

// The repo read-only, plus /mem/ files: the fashion-cnn folder as a ViT (see transformers.test.js).
function serve(mem) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let body = mem[path];
    if (!body && path === '/') body = '<!doctype html><title>wisp + transformers.js</title>';
    if (!body) {
      const file = normalize(join(ROOT, path));
      if (!file.startsWith(ROOT) || !existsSync(file)) return res.writeHead(404).end();
      body = await readFile(file);
    }
    const ext = path.slice(path.lastIndexOf('.'));
    res.writeHead(200, { 'Content-Type': path === '/' ? 'text/html' : TYPES[ext] ?? 'application/octet-stream' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const MAILS = ['WIN a FREE cruise!!! Reply now to claim your prize', 'Can we move the meeting to 3pm tomorrow?'];
const ZERO_SHOT = { text: 'The invoice for my subscription was charged twice this month.', labels: ['mobile', 'billing', 'website'] };
const IMAGE = Array.from({ length: 784 }, (_, i) => ((i % 28) * 9 + Math.floor(i / 28) * 3) % 256);

async function fashionAsVit() {
  const config = JSON.parse(await readFile(join(ROOT, 'models/fashion-cnn/config.json'), 'utf8'));
  const pre = JSON.parse(await readFile(join(ROOT, 'models/fashion-cnn/preprocessor_config.json'), 'utf8'));
  return {
    '/mem/fashion/config.json': JSON.stringify({ ...config, model_type: 'vit', architectures: ['ViTForImageClassification'] }),
    '/mem/fashion/preprocessor_config.json': JSON.stringify({ ...pre, do_convert_rgb: false }),
    '/mem/fashion/onnx/model.onnx': await readFile(join(ROOT, 'models/fashion-cnn/onnx/model.onnx')),
  };
}

// What both sides run (self-contained: it is sent to the page as source): T is Transformers.js,
// `device` what to pass it.
async function scenario(T, base, device, mails, pixels, zeroShot) {
  T.env.localModelPath = base;
  T.env.allowLocalModels = true; // browsers: off by default
  T.env.allowRemoteModels = false;
  T.env.useBrowserCache = false;
  const opts = { dtype: 'fp32', ...(device && { device }) };
  const text = await T.pipeline('text-classification', 'models/spam-bert', opts);
  const feats = await T.pipeline('feature-extraction', 'models/spam-bert', opts);
  const image = await T.pipeline('image-classification', 'mem/fashion', opts);
  const nli = await T.pipeline('zero-shot-classification', 'tests/fixtures/nli-tiny', opts);
  return {
    zeroShot: [await nli(zeroShot.text, zeroShot.labels), await nli(zeroShot.text, zeroShot.labels, { multi_label: true })],
    text: await text(mails, { top_k: 2 }),
    feats: Array.from((await feats(mails, { pooling: 'none' })).data),
    image: await image(new T.RawImage(Uint8ClampedArray.from(pixels), 28, 28, 1), { top_k: 3 }),
  };
}

test('Transformers.js in Chromium with wisp injected matches onnxruntime-node', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, async () => {
  const entry = createRequire(ROOT).resolve('@huggingface/transformers').replace(/\.cjs$/, '.mjs');
  const ref = await import(`${pathToFileURL(entry).href}?ort-browser-test`);
  const server = await serve(await fashionAsVit());
  const base = `http://127.0.0.1:${server.address().port}/`;
  // Node's Transformers.js reads local folders from disk: give it the same /mem/ folder there
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'wisp-tjs-browser-'));
  for (const [p, body] of Object.entries(await fashionAsVit())) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), body);
  }
  mkdirSync(join(dir, 'models'));
  (await import('node:fs')).symlinkSync(join(ROOT, 'models/spam-bert'), join(dir, 'models/spam-bert'));
  mkdirSync(join(dir, 'tests/fixtures'), { recursive: true });
  (await import('node:fs')).symlinkSync(join(ROOT, 'tests/fixtures/nli-tiny'), join(dir, 'tests/fixtures/nli-tiny'));
  const expected = await scenario(ref, `${dir}/`, undefined, MAILS, IMAGE, ZERO_SHOT);
  rmSync(dir, { recursive: true });

  const { chromium } = await import('playwright-core');
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base);
    // localModelPath must be a path: Transformers.js treats a full http(s) URL as remote there
    const got = await page.evaluate(async ({ base, MAILS, IMAGE, ZERO_SHOT, src }) => {
      const wisp = await import('/web/index.js');
      let created = 0;
      const create = wisp.InferenceSession.create.bind(wisp.InferenceSession);
      globalThis[Symbol.for('onnxruntime')] = { ...wisp, env: wisp.env, InferenceSession: { create: (...a) => (created++, create(...a)) } };
      const T = await import('/node_modules/@huggingface/transformers/dist/transformers.js');
      const scenario = new Function(`return (${src})`)();
      return { ...(await scenario(T, base, 'auto', MAILS, IMAGE, ZERO_SHOT)), created };
    }, { base: '/', MAILS, IMAGE, ZERO_SHOT, src: scenario.toString() });
    assert.deepEqual(errors, []);
    assert.ok(got.created >= 4, `wisp made ${got.created} sessions`);
    let worst = 0;
    const cmp = (a, b) => {
      if (typeof a === 'number') return void (worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b))));
      if (typeof a === 'string') return assert.equal(a, b);
      assert.deepEqual(Object.keys(a), Object.keys(b));
      for (const k of Object.keys(a)) cmp(a[k], b[k]);
    };
    cmp({ zeroShot: got.zeroShot, text: got.text, feats: got.feats, image: got.image }, expected);
    console.log(`Chromium vs onnxruntime-node: max relative |Δ| ${worst.toExponential(2)}`);
    assert.ok(worst <= 1e-4, `max diff ${worst}`);
  } finally {
    await browser.close();
    server.close();
  }
});
