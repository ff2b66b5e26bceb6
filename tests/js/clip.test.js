// clip.test.js — two-tower (CLIP) folders: tests/fixtures/clip-tiny served in the hub's URL
// layout, against Transformers.js 4.3.1 (onnxruntime-node) on the same folder: text and image
// embeddings, zero-shot scores; and each tower against onnxruntime-node directly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import * as hf from '@huggingface/transformers';

import { load, InferenceSession, Tensor, TwoTowerModel, WispError, float32ToFloat16, float16ToFloat32 } from '../../web/index.js';
import { FIXTURES, rng, randomFloats, CHROMIUM, launchChromium } from './helpers.js';

const FOLDER = join(FIXTURES, 'clip-tiny');
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGE = '<!doctype html><title>wisp clip</title><link rel="icon" href="data:,"><script type="importmap">' +
  '{"imports": {"@huggingface/tokenizers": "/node_modules/@huggingface/tokenizers/dist/tokenizers.mjs"}}</script>';
const TOL = 1e-4; // relative to max(1, |ref|)
const LABELS = ['a cat', 'a dog', 'a red car', 'two boats at night'];

hf.env.localModelPath = FIXTURES;
hf.env.allowRemoteModels = false;

// max |a - b| / max(1, |b|)
function maxRelDiff(a, b) {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

const unit = (v) => {
  const n = Math.hypot(...v);
  return Array.from(v, (x) => x / n);
};
const rowsOf = (t) => Array.from({ length: t.dims[0] }, (_, i) =>
  Array.from(t.data.subarray(i * (t.size / t.dims[0]), (i + 1) * (t.size / t.dims[0]))));

function image(width, height, channels, seed) {
  const r = rng(seed);
  return { data: Uint8Array.from({ length: width * height * channels }, () => Math.floor(256 * r())), width, height, channels };
}
// 32x32 needs no resize (Transformers.js resizes with sharp, wisp as Pillow does: only equal
// sizes compare exactly); 40x32 is center-cropped; RGBA drops its alpha.
const IMAGES = [image(32, 32, 3, 1), image(40, 32, 3, 2), image(32, 32, 4, 3)];
const rawImage = (im) => new hf.RawImage(im.data, im.width, im.height, im.channels);
const TEXTS = ['a photo of a cat', 'A DOG!!  it\'s   12 boats, and the quick brown fox jumps over the lazy dog', 'sea'];

let server, host, requests = [];
before(async () => {
  server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push(`${req.method} ${path}`);
    // siglip-tiny: the same files, but config.json says model_type 'siglip'
    const m = /^\/test-org\/(clip|siglip)-tiny\/resolve\/main\/(.+)$/.exec(path);
    if (path === '/') return res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
    // the hub layout, else the repo itself (web/, node_modules/) for the browser test
    const file = m ? normalize(join(FOLDER, m[2])) : normalize(join(ROOT, path));
    if (!file.startsWith(m ? FOLDER : ROOT) || !existsSync(file)) return res.writeHead(404).end();
    let body = await readFile(file);
    if (m?.[1] === 'siglip' && m[2] === 'config.json') {
      body = Buffer.from(JSON.stringify({ ...JSON.parse(body), model_type: 'siglip' }));
    }
    const type = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' }[path.slice(path.lastIndexOf('.'))];
    res.writeHead(200, { 'Content-Length': body.length, ...(type && { 'Content-Type': type }) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

test('a two-tower folder loads from the hub URL layout, reading only what it needs', async () => {
  requests = [];
  const progress = [];
  const model = await load('test-org/clip-tiny', { host, progress: (p) => progress.push(p) });
  try {
    assert.equal(model.kind, 'multimodal');
    assert.deepEqual(model.info.modelFiles, { text: 'onnx/text_model.onnx', vision: 'onnx/vision_model.onnx' });
    const got = requests.map((r) => r.replace('GET /test-org/clip-tiny/resolve/main/', '')).sort();
    // the hub's file listing first (web/hub.js: no request for a file the repo lacks), then the files
    assert.deepEqual(got, ['GET /api/models/test-org/clip-tiny', 'config.json', 'onnx/text_model.onnx', 'onnx/vision_model.onnx',
      'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json']);
    assert.equal(progress.at(-1).status, 'ready');
    const scores = await model.classify(IMAGES[0], { labels: LABELS });
    assert.deepEqual(scores.map((s) => s.label).sort(), [...LABELS].sort());
    assert.ok(Math.abs(scores.reduce((s, x) => s + x.score, 0) - 1) < 1e-9);
    assert.ok(scores.every((s, i) => i === 0 || s.score <= scores[i - 1].score));
    assert.equal((await model.classify(IMAGES[0], { labels: LABELS, topk: 2 })).length, 2);
  } finally {
    await model.release();
  }
});

test('text and image embeddings equal Transformers.js 4.3.1 on the same folder', async () => {
  const model = await load(FOLDER);
  const tokenizer = await hf.AutoTokenizer.from_pretrained('clip-tiny');
  const processor = await hf.AutoProcessor.from_pretrained('clip-tiny');
  const textModel = await hf.CLIPTextModelWithProjection.from_pretrained('clip-tiny', { dtype: 'fp32' });
  const visionModel = await hf.CLIPVisionModelWithProjection.from_pretrained('clip-tiny', { dtype: 'fp32' });
  try {
    const { text_embeds } = await textModel(tokenizer(TEXTS, { padding: true, truncation: true }));
    const refText = rowsOf(text_embeds);
    const raw = await model.embed(TEXTS, { normalize: false });
    const unitText = await model.embed(TEXTS);
    const one = await model.embed(TEXTS[1]); // alone: no padding
    const refImage = [];
    for (const im of IMAGES) {
      const { image_embeds } = await visionModel(await processor(rawImage(im)));
      refImage.push(rowsOf(image_embeds)[0]);
    }
    const images = await model.embed(IMAGES);
    const mixed = await model.embed([IMAGES[1], TEXTS[0], IMAGES[0]]);
    const diffs = {
      textRaw: Math.max(...raw.map((v, i) => maxRelDiff(v, refText[i]))),
      text: Math.max(...unitText.map((v, i) => maxRelDiff(v, unit(refText[i]))), maxRelDiff(one, unit(refText[1]))),
      image: Math.max(...images.map((v, i) => maxRelDiff(v, unit(refImage[i])))),
      mixed: Math.max(maxRelDiff(mixed[0], unit(refImage[1])), maxRelDiff(mixed[1], unit(refText[0])),
        maxRelDiff(mixed[2], unit(refImage[0]))),
    };
    // Over 77 tokens: Transformers.js cuts after adding <|endoftext|>, so its row has none and
    // is pooled at token 0; wisp keeps it, as Python transformers does. The reference: the text
    // tower on Transformers.js's ids with the last one put back to <|endoftext|>.
    const long = 'the sky at night '.repeat(30);
    const ids = Array.from(tokenizer([long], { truncation: true }).input_ids.data);
    assert.equal(ids.length, 77);
    ids[76] = BigInt(model.config.text_config.eos_token_id);
    const ref = await ort.InferenceSession.create(join(FOLDER, 'onnx/text_model.onnx'));
    const feeds = { input_ids: new ort.Tensor('int64', BigInt64Array.from(ids), [1, 77]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(77).fill(1n), [1, 77]) };
    diffs.truncated = maxRelDiff(await model.embed(long, { normalize: false }), (await ref.run(feeds)).text_embeds.data);
    await ref.release();
    console.log('clip-tiny embeddings vs Transformers.js, max rel |Δ|:', diffs);
    for (const [k, d] of Object.entries(diffs)) assert.ok(d <= TOL, `${k}: ${d}`);
    assert.ok(Math.abs(Math.hypot(...unitText[0]) - 1) < 1e-6);
    assert.equal(unitText[0].length, model.config.projection_dim);
  } finally {
    await Promise.all([model.release(), textModel.dispose(), visionModel.dispose()]);
  }
});

test('zero-shot scores equal Transformers.js\'s zero-shot-image-classification pipeline', async () => {
  const model = await load(`${host}/test-org/clip-tiny/resolve/main/`);
  const pipe = await hf.pipeline('zero-shot-image-classification', 'clip-tiny', { dtype: 'fp32' });
  try {
    const byLabel = (r) => Object.fromEntries(r.map(({ label, score }) => [label, score]));
    let worst = 0;
    const check = (got, ref) => {
      assert.deepEqual(got.map((s) => s.label), ref.map((s) => s.label)); // same order
      const g = byLabel(got), r = byLabel(ref);
      for (const l of Object.keys(r)) worst = Math.max(worst, Math.abs(g[l] - r[l]));
    };
    for (const im of IMAGES) check(await model.classify(im, { labels: LABELS }), await pipe(rawImage(im), LABELS));
    const template = 'a blurry picture of {}, maybe';
    check(await model.classify(IMAGES[1], { labels: LABELS, hypothesisTemplate: template }),
      await pipe(rawImage(IMAGES[1]), LABELS, { hypothesis_template: template }));
    const batch = await model.classify([IMAGES[0], IMAGES[2]], { labels: LABELS });
    const refBatch = await pipe([rawImage(IMAGES[0]), rawImage(IMAGES[2])], LABELS);
    batch.forEach((r, i) => check(r, refBatch[i]));
    console.log('clip-tiny zero-shot scores vs Transformers.js pipeline, max |Δ|:', worst);
    assert.ok(worst <= TOL, `${worst}`);
    // the scores must depend on the template and the scale (else the checks above prove little)
    const plain = byLabel(await model.classify(IMAGES[1], { labels: LABELS }));
    const templated = byLabel(await model.classify(IMAGES[1], { labels: LABELS, hypothesisTemplate: template }));
    assert.ok(LABELS.some((l) => Math.abs(plain[l] - templated[l]) > 1e-3));
    const flat = await model.classify(IMAGES[1], { labels: LABELS, logitScale: -50 });
    assert.ok(flat.every((s) => Math.abs(s.score - 1 / LABELS.length) < 1e-6));
  } finally {
    await Promise.all([model.release(), pipe.dispose()]);
  }
});

test('each tower equals onnxruntime-node', async () => {
  const check = async (file, feeds, tol = TOL) => {
    const bytes = await readFile(join(FOLDER, 'onnx', file));
    const wisp = await InferenceSession.create(bytes);
    const ref = await ort.InferenceSession.create(bytes);
    try {
      const toOrt = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.type, t.data, t.dims)]));
      const [got, want] = [await wisp.run(feeds), await ref.run(toOrt)];
      for (const name of ref.outputNames) {
        assert.deepEqual(got[name].dims, want[name].dims);
        const num = (t) => (t.type === 'float16' ? float16ToFloat32(t.data) : t.data);
        const d = maxRelDiff(num(got[name]), num(want[name]));
        console.log(`clip-tiny ${file} ${name} vs onnxruntime-node, max rel |Δ|: ${d.toExponential(2)}`);
        assert.ok(d <= tol, `${file} ${name}: ${d}`);
      }
    } finally {
      await Promise.all([wisp.release(), ref.release()]);
    }
  };
  const config = JSON.parse(await readFile(join(FOLDER, 'config.json'), 'utf8'));
  const { vocab_size: vocab, eos_token_id: eos } = config.text_config;
  const r = rng(7);
  // two rows of 9 tokens, the second padded after its EOS
  const ids = Array.from({ length: 18 }, (_, i) => (i % 9 === 0 ? vocab - 2 : Math.floor(r() * (vocab - 2))));
  ids[8] = eos;
  ids.fill(eos, 9 + 5, 18);
  const mask = ids.map((_, i) => (i >= 9 + 6 ? 0 : 1));
  await check('text_model.onnx', {
    input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [2, 9]),
    attention_mask: new Tensor('int64', BigInt64Array.from(mask, BigInt), [2, 9]),
  });
  await check('vision_model.onnx', { pixel_values: new Tensor('float32', randomFloats(2 * 3 * 32 * 32, 11, -2, 2), [2, 3, 32, 32]) });
  // the q8 text tower (activations quantized at each MatMul: a one-ulp difference can move one
  // step) and the fp16 vision tower (onnxruntime computes in float16, wisp in float32)
  await check('text_model_quantized.onnx', {
    input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [2, 9]),
    attention_mask: new Tensor('int64', BigInt64Array.from(mask, BigInt), [2, 9]),
  }, 1e-2);
  const half = float32ToFloat16(randomFloats(2 * 3 * 32 * 32, 11, -2, 2));
  await check('vision_model_fp16.onnx', { pixel_values: new Tensor('float16', half, [2, 3, 32, 32]) }, 1e-2);
});

test('two-tower errors: no labels, text to classify, a missing tower, another model_type', async () => {
  const model = await load(FOLDER);
  try {
    await assert.rejects(model.classify(IMAGES[0]), /options\.labels, a non-empty array of strings/);
    await assert.rejects(model.classify(IMAGES[0], { labels: [] }), /options\.labels/);
    await assert.rejects(model.classify('a cat', { labels: LABELS }), /classify takes images/);
    await assert.rejects(model.classify(IMAGES[0], { labels: LABELS, topk: 0 }), /topk must be a positive integer/);
    await assert.rejects(model.classify(IMAGES[0], { labels: LABELS, logitScale: NaN }), /logitScale must be a finite number/);
    assert.deepEqual(await model.classify([], { labels: LABELS }), []);
    assert.ok(model instanceof TwoTowerModel);
    await assert.rejects(model.predict(IMAGES[0]), /predict\(\) is for regression models/);
  } finally {
    await model.release();
  }
  // q4 towers are not in the folder: the error names the file and what the folder has
  await assert.rejects(load('test-org/clip-tiny', { host, dtype: 'q4' }), (e) => e instanceof WispError &&
    e.code === 'WISP_NOT_FOUND' && /onnx\/text_model_q4\.onnx/.test(e.message) && /has dtype 'fp32', 'q8'$/.test(e.message));
  await assert.rejects(load('test-org/clip-tiny', { host, dtype: { vision_model: 'q8' } }), (e) => e instanceof WispError &&
    e.code === 'WISP_NOT_FOUND' && /onnx\/vision_model_quantized\.onnx/.test(e.message) && /has dtype 'fp32', 'fp16'$/.test(e.message));
  // a single-model key on a two-tower folder names the towers' files
  await assert.rejects(load(FOLDER, { dtype: { model: 'q8' } }), (e) => e.code === 'WISP_BAD_INPUT' &&
    /dtype 'model' names no model file.*'text_model' \(onnx\/text_model\*\.onnx\), 'vision_model' \(onnx\/vision_model\*\.onnx\)/.test(e.message));
  await assert.rejects(load('test-org/siglip-tiny', { host }), /model_type 'siglip' are not supported \(only 'clip'\)/);
});

test("dtype per tower: {text_model: 'q8', vision_model: 'fp16'} reads those two files", async () => {
  requests = [];
  const dtype = { text_model: 'q8', vision_model: 'fp16' };
  const [model, fp32] = [await load('test-org/clip-tiny', { host, dtype }), await load(FOLDER)];
  try {
    assert.deepEqual(model.info.modelFiles, { text: 'onnx/text_model_quantized.onnx', vision: 'onnx/vision_model_fp16.onnx' });
    const got = requests.map((r) => r.replace('GET /test-org/clip-tiny/resolve/main/', '')).filter((r) => r.startsWith('onnx/'));
    assert.deepEqual(got.sort(), ['onnx/text_model_quantized.onnx', 'onnx/vision_model_fp16.onnx']);
    // the embeddings, unnormalised, against onnxruntime-node on the same files
    const [t, i] = await model.embed([TEXTS[0], IMAGES[0]], { normalize: false });
    const [t32, i32] = await fp32.embed([TEXTS[0], IMAGES[0]], { normalize: false });
    const cos = (a, b) => a.reduce((s, x, k) => s + x * b[k], 0) / Math.hypot(...a) / Math.hypot(...b);
    console.log(`clip-tiny q8 text / fp16 vision vs fp32 towers, cosine: ${cos(t, t32).toFixed(5)} / ${cos(i, i32).toFixed(5)}`);
    assert.ok(cos(t, t32) > 0.98 && cos(i, i32) > 0.999, 'close to the fp32 towers');
    assert.ok(maxRelDiff(t, t32) > 1e-6, 'the q8 text tower ran');
    // the same only with {text_model: 'q8'}: the vision tower is fp32's
    const mixed = await load(FOLDER, { dtype: { text_model: 'q8' } });
    try {
      assert.deepEqual(mixed.info.modelFiles, { text: 'onnx/text_model_quantized.onnx', vision: 'onnx/vision_model.onnx' });
      assert.deepEqual(await mixed.embed(IMAGES[0], { normalize: false }), i32);
      assert.deepEqual(await mixed.embed(TEXTS[0], { normalize: false }), t);
    } finally {
      await mixed.release();
    }
    const remote = await load(FOLDER, { dtype: { text_model: 'q8' }, worker: true }); // the object crosses to the worker
    try {
      assert.equal(remote.info.modelFiles.text, 'onnx/text_model_quantized.onnx');
      assert.deepEqual(await remote.embed(TEXTS[0], { normalize: false }), t);
    } finally {
      await remote.release();
    }
  } finally {
    await Promise.all([model.release(), fp32.release()]);
  }
});

test('a two-tower model in a worker gives the same scores', async () => {
  const [local, remote] = [await load(FOLDER), await load(FOLDER, { worker: true })];
  try {
    assert.equal(remote.kind, 'multimodal');
    const [a, b] = [await local.classify(IMAGES[2], { labels: LABELS }), await remote.classify(IMAGES[2], { labels: LABELS })];
    assert.deepEqual(b, a);
    assert.deepEqual(await remote.embed(TEXTS[0]), await local.embed(TEXTS[0]));
  } finally {
    await Promise.all([local.release(), remote.release()]);
  }
});

test('zero-shot in headless Chromium equals Node', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, async () => {
  const { chromium } = await import('playwright-core');
  const local = await load(FOLDER);
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${host}/`);
    const im = IMAGES[0];
    const got = await page.evaluate(async ({ px, labels, text }) => {
      const { load } = await import('/web/index.js');
      const clip = await load('test-org/clip-tiny', { host: location.origin, cache: false });
      const rgba = new Uint8ClampedArray(32 * 32 * 4);
      for (let i = 0; i < 32 * 32; i++) rgba.set([px[3 * i], px[3 * i + 1], px[3 * i + 2], 255], 4 * i);
      const scores = await clip.classify(new ImageData(rgba, 32, 32), { labels });
      const embed = Array.from(await clip.embed(text));
      await clip.release();
      return { scores, embed };
    }, { px: Array.from(im.data), labels: LABELS, text: TEXTS[1] });
    assert.deepEqual(errors, []);
    // Chromium may pick the relaxed-SIMD kernels: equal within rounding, not bit for bit
    const want = await local.classify(im, { labels: LABELS });
    assert.deepEqual(got.scores.map((x) => x.label), want.map((x) => x.label));
    assert.ok(maxRelDiff(got.scores.map((x) => x.score), want.map((x) => x.score)) <= TOL);
    assert.ok(maxRelDiff(got.embed, await local.embed(TEXTS[1])) <= TOL);
  } finally {
    await browser.close();
    await local.release();
  }
});
