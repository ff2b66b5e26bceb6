// zeroshot.test.js — wisp's zero-shot classify on an NLI text model (tests/fixtures/nli-tiny,
// random weights, id2label entailment / neutral / contradiction) against Transformers.js 4.3.1's
// zero-shot-classification pipeline on its own runtime (onnxruntime-node), and against
// onnxruntime-node fed hand-built token ids where the two truncate differently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { load } from '../../web/index.js';
import { createTextAdapter } from '../../web/text.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const FOLDER = 'tests/fixtures/nli-tiny';
const T = await import(pathToFileURL(createRequire(root).resolve('@huggingface/transformers').replace(/\.cjs$/, '.mjs')).href);
T.env.localModelPath = root;
T.env.allowRemoteModels = false;

const TEXTS = ['Last week I upgraded my iOS version and ever since then my phone overheats whenever I use your app.',
  'The invoice for my subscription was charged twice this month.', 'We booked a flight and a hotel by the sea.'];
const LABELS = ['mobile', 'billing', 'website', 'account access', 'travel'];

const model = await load(`${root}${FOLDER}`);
const pipe = await T.pipeline('zero-shot-classification', FOLDER, { dtype: 'fp32' });
test.after(async () => {
  await model.release();
  await pipe.dispose();
});

// Transformers.js's {sequence, labels, scores} as wisp's [{label, score}]
const asLabels = (r) => r.labels.map((label, i) => ({ label, score: r.scores[i] }));

function assertSame(got, want, what) {
  assert.deepEqual(got.map((x) => x.label), want.map((x) => x.label), `${what}: label order`);
  const d = Math.max(...got.map((x, i) => Math.abs(x.score - want[i].score)));
  assert.ok(d <= 1e-4, `${what}: max |Δ| ${d}`);
  return d;
}

test('zero-shot classify equals the Transformers.js pipeline (single and multi label, batches)', async () => {
  let worst = 0;
  for (const multiLabel of [false, true]) {
    const want = (await pipe(TEXTS, LABELS, { multi_label: multiLabel })).map(asLabels);
    // batchSize 3: slices of (text, label) rows that cut across texts
    for (const batchSize of [undefined, 3, 1]) {
      const got = await model.classify(TEXTS, { labels: LABELS, multiLabel, batchSize });
      assert.equal(got.length, TEXTS.length);
      got.forEach((g, i) => (worst = Math.max(worst, assertSame(g, want[i], `text ${i} multiLabel ${multiLabel}`))));
    }
    // the labels must be told apart, or the order would test nothing
    for (const w of want) assert.ok(w.every((x, i) => !i || w[i - 1].score - x.score > 1e-4), JSON.stringify(w));
    if (!multiLabel) for (const w of want) assert.ok(Math.abs(w.reduce((s, x) => s + x.score, 0) - 1) < 1e-9);
  }
  console.log(`zero-shot vs Transformers.js: max |Δ| ${worst.toExponential(2)}`);
});

test('zero-shot: one text, one label, hypothesis template, snake_case options, topk', async () => {
  const template = 'The topic is {}';
  const want = asLabels(await pipe(TEXTS[1], LABELS, { hypothesis_template: template }));
  assertSame(await model.classify(TEXTS[1], { labels: LABELS, hypothesisTemplate: template }), want, 'template');
  assertSame(await model.classify(TEXTS[1], { labels: LABELS, hypothesis_template: template }), want, 'snake_case');
  assertSame(await model.classify(TEXTS[1], { labels: LABELS, hypothesisTemplate: template, topk: 2 }), want.slice(0, 2), 'topk');
  const multi = asLabels(await pipe(TEXTS[1], LABELS, { multi_label: true }));
  assertSame(await model.classify(TEXTS[1], { labels: LABELS, multi_label: true }), multi, 'multi_label');
  // one label: entailment vs contradiction, as multi-label
  const one = asLabels(await pipe(TEXTS[0], ['mobile']));
  assertSame(await model.classify(TEXTS[0], { labels: ['mobile'] }), one, 'one label');
  assert.ok(one[0].score > 0 && one[0].score < 1);
  assert.deepEqual(await model.classify([], { labels: LABELS }), []);
  // without labels it is the NLI model's own classifier
  assert.deepEqual((await model.classify(TEXTS[0])).map((x) => x.label).sort(), ['contradiction', 'entailment', 'neutral']);
});

test('zero-shot over the maximum length cuts the text, not the hypothesis (checked on onnxruntime-node)', async () => {
  const tok = await T.AutoTokenizer.from_pretrained(FOLDER);
  const premise = Array.from({ length: 12 }, () => TEXTS[0]).join(' ');
  const ids = (s) => tok(s, { add_special_tokens: false, return_tensor: false }).input_ids;
  const [cls, sep] = ids('[CLS] [SEP]');
  const session = await ort.InferenceSession.create(`${root}${FOLDER}/onnx/model.onnx`);
  const got = await model.classify(premise, { labels: LABELS, multiLabel: true });
  for (const label of LABELS) {
    const hyp = ids(`This example is ${label}.`);
    const prem = ids(premise).slice(0, 64 - 3 - hyp.length);
    const row = [cls, ...prem, sep, ...hyp, sep];
    assert.equal(row.length, 64);
    const types = row.map((_, i) => (i > prem.length + 1 ? 1n : 0n));
    const t = (a) => new ort.Tensor('int64', BigInt64Array.from(a), [1, row.length]);
    const { logits } = await session.run({ input_ids: t(row.map(BigInt)), attention_mask: t(row.map(() => 1n)), token_type_ids: t(types) });
    // entailment index 0, contradiction 2 (the fixture's id2label)
    const want = 1 / (1 + Math.exp(logits.data[2] - logits.data[0]));
    const score = got.find((x) => x.label === label).score;
    assert.ok(Math.abs(score - want) <= 1e-4, `${label}: ${score} vs ${want}`);
  }
  await session.release();
  // a hypothesis that alone fills the model's 64 tokens leaves no room: an error, not a silent cut
  await assert.rejects(model.classify('hi', { labels: ['word '.repeat(70)] }), (e) => e instanceof RangeError && e.code === 'WISP_BAD_INPUT' && /no room/.test(e.message));
});

test('text pairs: the tokenizer\'s pair template, as Transformers.js encodes them; none, an error', async () => {
  const read = (f) => JSON.parse(readFileSync(`${root}${FOLDER}/${f}`, 'utf8'));
  const files = { config: read('config.json'), tokenizer: read('tokenizer.json'), tokenizerConfig: read('tokenizer_config.json') };
  const session = { inputNames: ['input_ids', 'attention_mask', 'token_type_ids'], inputMetadata: [] };
  const a = await createTextAdapter(session, files);
  const tok = await T.AutoTokenizer.from_pretrained(FOLDER);
  for (const [p, h] of [[TEXTS[0], 'This example is mobile.'], ['', 'x'], ['The soup was cold', 'This example is food.']]) {
    const want = tok(p, { text_pair: h, return_tensor: false });
    const got = a.encode(p, h);
    assert.deepEqual(got.ids, want.input_ids);
    assert.deepEqual(got.types, want.token_type_ids);
    assert.ok(got.types.includes(1) || !h);
  }
  const { feeds } = await a.feeds(['a b', 'the soup'], session, null, 0, ['This example is x.', 'y']);
  assert.deepEqual(feeds.input_ids.dims, [2, a.encode('a b', 'This example is x.').ids.length]);
  // a single-text template only: single texts still work, pairs are refused
  const { pair, ...single } = files.tokenizer.post_processor;
  assert.ok(pair);
  const b = await createTextAdapter(session, { ...files, tokenizer: { ...files.tokenizer, post_processor: single } });
  assert.deepEqual(b.encode('the soup').ids, a.encode('the soup').ids);
  assert.throws(() => b.encode('the soup', 'x'), (e) => e.code === 'WISP_BAD_MODEL' && /pair/.test(e.message));
});

test('zero-shot refuses bad options and models without an entailment label', async () => {
  const bad = (options, cls, re) => assert.rejects(model.classify('a text', options), (e) => e instanceof cls && e.code === 'WISP_BAD_INPUT' && re.test(e.message));
  await bad({ labels: [] }, TypeError, /non-empty array of strings/);
  await bad({ labels: 'mobile' }, TypeError, /non-empty array of strings/);
  await bad({ labels: ['a', 3] }, TypeError, /non-empty array of strings/);
  await bad({ labels: ['a'], hypothesisTemplate: 5 }, TypeError, /hypothesisTemplate/);
  await bad({ labels: ['a'], hypothesisTemplate: 'This is it.' }, Error, /must contain '\{\}'/);
  await bad({ labels: ['a'], multiLabel: 'yes' }, TypeError, /multiLabel/);
  await bad({ labels: ['a'], topk: 0 }, RangeError, /topk/);
  await assert.rejects(model.classify(['ok', 7], { labels: ['a'] }), (e) => e instanceof TypeError && /item 1/.test(e.message));
  const spam = await load(`${root}models/spam-bert`);
  try {
    await assert.rejects(spam.classify('free money', { labels: ['a', 'b'] }), (e) => e.code === 'WISP_BAD_INPUT' && /entailment/.test(e.message) && /ham, spam/.test(e.message));
  } finally {
    await spam.release();
  }
});

test('zero-shot in a worker gives the same scores', async () => {
  const remote = await load(`${root}${FOLDER}`, { worker: true });
  try {
    const want = await model.classify(TEXTS, { labels: LABELS });
    assert.deepEqual(await remote.classify(TEXTS, { labels: LABELS }), want);
  } finally {
    await remote.release();
  }
});
