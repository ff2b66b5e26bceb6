// image.test.js — imageToTensor through the wasm against the PIL + Hugging Face references in
// tests/fixtures/image/ (tests/fixtures/make_image_fixtures.py), batches, preprocessor_config
// parsing, bad input, and (when Debian's chromium is installed) the browser image sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

import { imageToTensor, resolveImageConfig } from '../../web/image.js';
import { getWasm } from '../../web/wasm.js';
import { FIXTURES, maxAbsDiff, CHROMIUM, launchChromium } from './helpers.js';

const DIR = join(FIXTURES, 'image');
const CASES = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8'));
const bytes = (name) => new Uint8Array(readFileSync(join(DIR, name)));
const floats = (name) => {
  const b = readFileSync(join(DIR, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const IMAGES = Object.fromEntries(
  CASES.map((c) => [c.image, { data: bytes(`${c.image}.u8`), width: c.width, height: c.height, channels: c.channels }]),
);
const rgb = IMAGES.rgb_37x23, rgba = IMAGES.rgba_64x48, gray = IMAGES.gray_28x28;
const bilinearDown = CASES.find((c) => c.name === 'bilinear_down');
// What wisp gives for rgb + bilinear_down (checked against PIL above): other routes to the same
// pixels must give exactly this.
const baseline = async () => (await imageToTensor(rgb, bilinearDown.hf)).data;

test('every fixture case matches PIL + HF: levels exactly, floats to float32 rounding', async (t) => {
  for (const c of CASES) {
    const { data, dims } = await imageToTensor(IMAGES[c.image], c.hf);
    assert.deepEqual(dims, [1, ...c.dims], c.name);
    const df = maxAbsDiff(data, floats(`${c.name}.f32`));
    // The same config with rescale and normalize off gives the pixel levels themselves.
    const levels = await imageToTensor(IMAGES[c.image], { ...c.hf, do_rescale: false, do_normalize: false });
    const dl = maxAbsDiff(levels.data, bytes(`${c.name}.u8`));
    t.diagnostic(`${c.name.padEnd(20)} levels max|d| ${dl}  floats max|d| ${df.toExponential(2)}`);
    assert.equal(dl, 0, `${c.name}: levels differ from PIL by up to ${dl}`);
    assert.ok(df <= 1e-5, `${c.name}: floats differ by ${df}`);
  }
});

test('pixel data forms: channels inferred, Uint8ClampedArray, Array, ImageData-like RGBA', async () => {
  const want = await baseline();
  const { data, width, height } = rgb;
  const rgbaBytes = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) rgbaBytes.set([data[3 * i], data[3 * i + 1], data[3 * i + 2], 9], 4 * i);
  for (const img of [
    { data, width, height },
    { data: new Uint8ClampedArray(data), width, height, channels: 3 },
    { data: Array.from(data), width, height },
    { data: rgbaBytes, width, height }, // what ImageData looks like; alpha ignored
  ]) {
    assert.equal(maxAbsDiff((await imageToTensor(img, bilinearDown.hf)).data, want), 0);
  }
});

test('batches: one (N, C, H, W) tensor; sizes must agree', async () => {
  const want = await baseline();
  const { data, dims } = await imageToTensor([rgb, rgb, rgb], bilinearDown.hf);
  assert.deepEqual(dims, [3, 3, 10, 16]);
  for (let i = 0; i < 3; i++) assert.equal(maxAbsDiff(data.subarray(i * want.length, (i + 1) * want.length), want), 0);
  // Different inputs, one fixed size: fine (gray is replicated to RGB).
  const mixed = await imageToTensor([rgb, rgba, gray], bilinearDown.hf);
  assert.deepEqual(mixed.dims, [3, 3, 10, 16]);
  assert.equal(maxAbsDiff(mixed.data.subarray(0, want.length), want), 0);
  // Aspect-keeping resize without a crop: different shapes cannot be stacked.
  await assert.rejects(imageToTensor([rgb, gray], { size: { shortest_edge: 20 } }), /batch must come out the same size.*image 1 gives 20x20/);
  await assert.rejects(imageToTensor([], {}), /empty array/);
});

test('preprocessor_config.json: sizes, defaults, channel count', () => {
  const r = (pc, w = 37, h = 23) => resolveImageConfig(pc, w, h);
  assert.deepEqual(r({ size: { shortest_edge: 20 } }).resize, [32, 20]);
  assert.deepEqual(r({ size: { shortest_edge: 20 } }, 23, 37).resize, [20, 32]);
  assert.deepEqual(r({ size: { shortest_edge: 20, longest_edge: 25 } }).resize, [25, 15]);
  assert.deepEqual(r({ size: { longest_edge: 10 } }).resize, [10, 6]); // 23·10/37 = 6.2
  assert.deepEqual(r({ size: 224, image_processor_type: 'ViTImageProcessor' }).resize, [224, 224]);
  assert.deepEqual(r({ size: 20, feature_extractor_type: 'CLIPFeatureExtractor' }).resize, [32, 20]);
  assert.deepEqual(r({ size: [10, 16] }).resize, [16, 10]);
  assert.deepEqual(r({ do_center_crop: true, crop_size: 18 }).crop, [18, 18]);
  const d = r({});
  assert.deepEqual([d.resize, d.crop, d.resample, d.rescale, d.channels, d.normalize], [null, null, 2, 1 / 255, 3, false]);
  assert.equal(r({ size: { height: 2, width: 2 }, do_resize: false }).resize, null);
  assert.equal(r({ do_rescale: false }).rescale, 1);
  assert.equal(r({ image_mean: [0.5], image_std: [0.5] }).channels, 1);
  assert.equal(r({ num_channels: 1 }).channels, 1);
  assert.equal(r({ do_convert_grayscale: true }).channels, 1);
  assert.deepEqual(r({ image_mean: 0.5, image_std: [0.25] }).std, [0.25, 0.25, 0.25]);
});

test('bad input: clear errors, and the module keeps working', async () => {
  const cfg = bilinearDown.hf;
  const { data, width, height } = rgb;
  const bad = [
    [null, /expected ImageData, an image\/canvas\/ImageBitmap, or \{data, width, height, channels\}; got null/],
    [undefined, /got undefined/],
    ['cat.png', /got a string \("cat\.png"\)/],
    [42, /got number 42/],
    [new Uint8Array(12), /got a Uint8Array of length 12/],
    [{ width: 2, height: 2 }, /got an object with keys \{width, height\}/],
    [{ data, width: 0, height }, /image width must be an integer in 1\.\.16384, got 0/],
    [{ data, width, height: 1.5 }, /image height must be an integer/],
    [{ data, width: 20000, height: 1 }, /image width must be an integer in 1\.\.16384/],
    [{ data: new Float32Array(data.length), width, height }, /image data must be a Uint8Array.*got a Float32Array/],
    [{ data, width, height, channels: 5 }, /channels must be 1 \(gray\), 2 \(gray\+alpha\), 3 \(RGB\) or 4 \(RGBA\), got 5/],
    [{ data, width, height, channels: 4 }, /has 2553 values; width×height×channels = 37×23×4 = 3404/],
    [{ data: data.subarray(1), width, height }, /has 2552 values, not width×height \(37×23\) × 1, 2, 3 or 4 channels/],
    [{ data: [0, 256, 0, 0], width: 2, height: 2 }, /data\[1\] = 256 is not an integer in 0\.\.255/],
  ];
  for (const [img, re] of bad) await assert.rejects(imageToTensor(img, cfg), re);
  await assert.rejects(imageToTensor([rgb, null], cfg), /got null \(image 1 of the batch\)/);
  const badCfg = [
    [{ ...cfg, resample: 7 }, /resample 7 is not a PIL filter/],
    [{ do_normalize: true }, /do_normalize but lacks image_mean/],
    [{ image_mean: [1, 2], image_std: [1, 1, 1] }, /image_mean must be a number or 1 or 3 numbers/],
    [{ do_resize: true }, /do_resize but has no size/],
    [{ size: { foo: 1 } }, /size \{"foo":1\} is not supported/],
    [{ size: { height: 10 } }, /size \{"height":10\}: expected \{height, width\}/],
    [{ size: { shortest_edge: 0 } }, /shortest_edge 0 must be an integer/],
    [{ do_center_crop: true }, /do_center_crop but has no crop_size/],
    [{ crop_size: { height: -1, width: 3 } }, /crop_size/],
    [{ rescale_factor: 'x' }, /rescale_factor must be a number/],
    [null, /preprocessor config must be an object/],
  ];
  for (const [pc, re] of badCfg) await assert.rejects(imageToTensor(rgb, pc), re);
  // Checked in C, reported with its message.
  await assert.rejects(imageToTensor(rgb, { image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0, 0.5] }), /^Error: wisp: image preprocess: mean\[1\] = 0\.5, std\[1\] = 0: need finite values, std != 0$/);
  // The shim range-checks the doubles it casts to int (an out-of-range cast would trap).
  const wasm = await getWasm();
  const cfgPtr = wasm.alloc(14 * 8), wh = wasm.alloc(8);
  try {
    for (const v of [1e20, NaN, -Infinity, 2.5]) {
      wasm.view(Float64Array).set([v, 10, 2, 0, 0, 1, 3, 0, 0, 0, 0, 1, 1, 1], cfgPtr >> 3);
      assert.equal(wasm.exports.wisp_wasm_image_output_size(cfgPtr, 4, 4, wh), 3);
      assert.match(wasm.lastError(), /image config: field 0 .* is not an integer/);
    }
  } finally {
    wasm.free(cfgPtr), wasm.free(wh);
  }
  // Still fine afterwards.
  assert.ok(maxAbsDiff((await imageToTensor(rgb, cfg)).data, floats('bilinear_down.f32')) <= 1e-5);
});

// ---- browsers: ImageData, canvas, OffscreenCanvas, ImageBitmap, <img> ----

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function serve() {
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/') return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>wisp image test</title>');
    const file = normalize(join(ROOT, path));
    if (!file.startsWith(ROOT) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': types[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream' }).end(await readFile(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('browser image sources give the same tensor as raw pixels', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, async () => {
  const { chromium } = await import('playwright-core');
  const server = await serve();
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const got = await page.evaluate(async ({ px, width, height, cfg }) => {
      const { imageToTensor } = await import('/web/image.js');
      const rgbaBytes = new Uint8ClampedArray(width * height * 4);
      for (let i = 0; i < width * height; i++) rgbaBytes.set([px[3 * i], px[3 * i + 1], px[3 * i + 2], 255], 4 * i);
      const imageData = new ImageData(rgbaBytes, width, height);
      const canvas = Object.assign(document.createElement('canvas'), { width, height });
      canvas.getContext('2d').putImageData(imageData, 0, 0);
      const offscreen = new OffscreenCanvas(width, height);
      offscreen.getContext('2d').putImageData(imageData, 0, 0);
      const bitmap = await createImageBitmap(imageData);
      const img = new Image();
      img.src = canvas.toDataURL('image/png'); // lossless; not awaited: imageToTensor waits
      const out = {};
      for (const [name, src] of Object.entries({ imageData, canvas, offscreen, bitmap, img })) {
        out[name] = Array.from((await imageToTensor(src, cfg)).data);
      }
      const batch = await imageToTensor([imageData, canvas, img], cfg);
      out.batchDims = batch.dims;
      const fail = async (src) => imageToTensor(src, cfg).then(() => 'no error', (e) => e.message);
      const broken = new Image();
      broken.src = 'data:image/png;base64,AAAA';
      out.errors = [await fail(broken), await fail(document.createElement('div')), await fail(Object.assign(document.createElement('canvas'), { width: 0 }))];
      return out;
    }, { px: Array.from(rgb.data), width: rgb.width, height: rgb.height, cfg: bilinearDown.hf });
    assert.deepEqual(errors, []);
    const want = await baseline();
    for (const name of ['imageData', 'canvas', 'offscreen', 'bitmap', 'img']) {
      assert.equal(maxAbsDiff(got[name], want), 0, name);
    }
    assert.deepEqual(got.batchDims, [3, 3, 10, 16]);
    assert.match(got.errors[0], /the image "data:image\/png;base64,AAAA" failed to load or decode/);
    assert.match(got.errors[1], /expected ImageData, an image\/canvas\/ImageBitmap, or \{data, width, height, channels\}; got a HTMLDivElement/);
    assert.match(got.errors[2], /the HTMLCanvasElement is 0x150; sides must be in 1\.\.16384/);
  } finally {
    await browser.close();
    server.close();
  }
});
