// transformers.test.js — wisp as Transformers.js's runtime (its documented injection point,
// globalThis[Symbol.for('onnxruntime')]): the same pipelines run on Transformers.js's own runtime
// (onnxruntime-node) and on wisp, in one process (two instances of its module), and must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, cpSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as wisp from '../../web/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// the ESM build: importing it twice (different query) gives two module instances
const entry = createRequire(root).resolve('@huggingface/transformers').replace(/\.cjs$/, '.mjs');
const ref = await import(`${pathToFileURL(entry).href}?ort`);
globalThis[Symbol.for('onnxruntime')] = wisp;
const tw = await import(`${pathToFileURL(entry).href}?wisp`);
delete globalThis[Symbol.for('onnxruntime')];

let created = 0;
const create = wisp.InferenceSession.create;
wisp.InferenceSession.create = async (...args) => (created++, create.apply(wisp.InferenceSession, args));

for (const T of [ref, tw]) {
  T.env.localModelPath = root;
  T.env.allowRemoteModels = false;
}
// device 'auto': an injected runtime has no device list of its own for Transformers.js to pick from
const both = async (task, model, ...args) => Promise.all([ref, tw].map(async (T) => {
  const p = await T.pipeline(task, model, { dtype: 'fp32', ...(T === tw && { device: 'auto' }) });
  try {
    return await p(...args);
  } finally {
    await p.dispose();
  }
}));

// max |a - b| / max(1, |b|) over two nested results of numbers
function maxDiff(a, b, path = '') {
  if (typeof a === 'number') return Math.abs(a - b) / Math.max(1, Math.abs(b));
  if (ArrayBuffer.isView(a)) a = Array.from(a), b = Array.from(b);
  if (typeof a === 'string') return assert.equal(a, b, path), 0;
  if (a?.data && a?.dims) return assert.deepEqual(a.dims, b.dims), maxDiff(a.data, b.data, path);
  assert.equal(typeof b, typeof a, path);
  const keys = Object.keys(a);
  assert.deepEqual(Object.keys(b), keys, path);
  return Math.max(0, ...keys.map((k) => maxDiff(a[k], b[k], `${path}.${k}`)));
}

const MAILS = ['WIN a FREE cruise!!! Reply now to claim your prize', 'Can we move the meeting to 3pm tomorrow?',
  'URGENT: your account is suspended, verify your password at this link'];

test('text-classification (models/spam-bert) on wisp matches onnxruntime-node', async () => {
  const before = created;
  const [a, b] = await both('text-classification', 'models/spam-bert', MAILS, { top_k: 2 });
  assert.ok(created > before, 'wisp sessions were created');
  assert.equal(b.length, 3);
  const d = maxDiff(b, a);
  console.log(`text-classification max |Δ| ${d.toExponential(2)}`);
  assert.ok(d <= 1e-4, `max diff ${d}`);
});

test('feature-extraction (spam-bert; minilm-l6 from bench/models when present)', async () => {
  // spam-bert's only output is its (N, 2) logits: no pooling there
  const runs = [['models/spam-bert', { pooling: 'none' }]];
  if (existsSync(`${root}bench/models/minilm-l6/onnx/model.onnx`)) {
    runs.push(['bench/models/minilm-l6', { pooling: 'mean', normalize: true }]);
  }
  for (const [m, options] of runs) {
    const [a, b] = await both('feature-extraction', m, MAILS, options);
    assert.ok(b.dims.length === 2 && b.dims[0] === 3, `dims ${b.dims}`);
    const d = maxDiff(b, a);
    console.log(`feature-extraction ${m} max |Δ| ${d.toExponential(2)}`);
    assert.ok(d <= 1e-4, `${m}: max diff ${d}`);
  }
});

test('image-classification (models/fashion-cnn) on wisp matches onnxruntime-node', async () => {
  // 28x28 grayscale test images (the model's one channel) with some structure: a box, a gradient
  const images = [0, 1].map((k) => {
    const data = new Uint8ClampedArray(28 * 28);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
      data[y * 28 + x] = k ? (x * 9 + y * 3) % 256 : (x > 6 && x < 22 && y > 3 && y < 25 ? 220 : 10);
    }
    return { data, width: 28, height: 28 };
  });
  // Transformers.js knows no model_type 'wisp-cnn': a copy of the folder says ViT (same input,
  // pixel_values, and output, logits)
  const dir = mkdtempSync(join(tmpdir(), 'wisp-tjs-'));
  cpSync(`${root}models/fashion-cnn`, dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'vit', architectures: ['ViTForImageClassification'] }));
  // and keeps the images' one channel (its image processors convert to RGB by default)
  const pre = JSON.parse(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8'));
  writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ ...pre, do_convert_rgb: false }));
  const outs = await Promise.all([ref, tw].map(async (T) => {
    const raw = images.map((im) => new T.RawImage(im.data, im.width, im.height, 1));
    const p = await T.pipeline('image-classification', dir, { dtype: 'fp32', ...(T === tw && { device: 'auto' }) });
    try {
      return await p(raw, { top_k: 3 });
    } finally {
      await p.dispose();
    }
  }));
  rmSync(dir, { recursive: true });
  const d = maxDiff(outs[1], outs[0]);
  console.log(`image-classification max |Δ| ${d.toExponential(2)}`, JSON.stringify(outs[1][0][0]));
  assert.ok(d <= 1e-4, `max diff ${d}`);
});

test('Tensor has onnxruntime-web members Transformers.js and its users call', async () => {
  const t = new wisp.Tensor('float32', new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
  assert.equal(await t.getData(), t.data);
  const r = t.reshape([3, 2]);
  assert.deepEqual(r.dims, [3, 2]);
  assert.equal(r.data, t.data, 'reshape shares the data');
  assert.equal(t.location, 'cpu');
  const img = { data: new Uint8ClampedArray([255, 0, 0, 255, 0, 128, 255, 255]), width: 2, height: 1 };
  const x = await wisp.Tensor.fromImage(img);
  assert.deepEqual(x.dims, [1, 3, 1, 2]);
  assert.deepEqual(Array.from(x.data), [1, 0, 0, 128 / 255, 0, 1].map(Math.fround));
  const nhwc = await wisp.Tensor.fromImage(img, { tensorLayout: 'NHWC', dataType: 'uint8', tensorFormat: 'BGR' });
  assert.deepEqual(Array.from(nhwc.data), [0, 0, 255, 255, 128, 0]);
  assert.deepEqual(Array.from(x.toImageData().data), Array.from(img.data));
  await assert.rejects(wisp.Tensor.fromImage({ data: new Uint8Array(3), width: 2, height: 1 }), RangeError);
  assert.equal(wisp.env.wasm.simd, true);
});

// NLI zero-shot on a random-weight BERT pair classifier (tests/fixtures/make_nli_fixture.py); its
// id2label puts entailment first, so a runtime or pipeline assuming MNLI's order would differ.
const ZERO_SHOT = {
  texts: ['Last week I upgraded my iOS version and ever since then my phone overheats whenever I use your app.',
    'The invoice for my subscription was charged twice this month.'],
  labels: ['mobile', 'billing', 'website', 'account access'],
};

test('zero-shot-classification (tests/fixtures/nli-tiny) on wisp matches onnxruntime-node', async () => {
  const model = 'tests/fixtures/nli-tiny';
  for (const multi_label of [false, true]) {
    const [a, b] = await both('zero-shot-classification', model, ZERO_SHOT.texts, ZERO_SHOT.labels, { multi_label });
    assert.equal(b.length, 2);
    for (const r of b) assert.deepEqual([...r.labels].sort(), [...ZERO_SHOT.labels].sort());
    if (!multi_label) for (const r of b) assert.ok(Math.abs(r.scores.reduce((s, x) => s + x, 0) - 1) < 1e-9);
    // the scores must tell the labels apart, or the label order would test nothing
    for (const r of a) assert.ok(r.scores.every((x, i) => !i || r.scores[i - 1] - x > 2e-4), JSON.stringify(r));
    const d = maxDiff(b, a);
    console.log(`zero-shot-classification multi_label=${multi_label} max |Δ| ${d.toExponential(2)}`);
    assert.ok(d <= 1e-4, `multi_label ${multi_label}: max diff ${d}`);
  }
  // one label: the entailment-vs-contradiction score, whatever multi_label says
  const [a, b] = await both('zero-shot-classification', model, ZERO_SHOT.texts[0], 'mobile');
  assert.deepEqual(b.labels, ['mobile']);
  assert.ok(maxDiff(b, a) <= 1e-4);
});
