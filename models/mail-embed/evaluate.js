// evaluate.js — mailbox search on the held-out mails, measured with wisp on the shipped model:
// each held-out subject is a query, its own body the one right answer among all held-out bodies.
// Prints recall@1 and @10 for mail-embed (models/mail-embed/onnx/model.onnx, cosine of the
// embeddings) and for tf-idf on the same split (scikit-learn's TfidfVectorizer(sublinear_tf=True)
// computed here: lower-cased words of 2+ characters, tf 1 + ln(count), idf ln((1+n)/(1+df)) + 1
// over the searched bodies, L2-normalised rows, cosine).
//
//   node models/mail-embed/evaluate.js
import { fileURLToPath } from 'node:url';
import { load } from '../../web/index.js';
import { loadPairs } from './pairs.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

// rank[i]: how many documents score strictly higher for query i than document i does
function recall(score, n) {
  const r = { 1: 0, 10: 0 };
  for (let i = 0; i < n; i++) {
    const own = score(i, i);
    let rank = 0;
    for (let j = 0; j < n; j++) if (score(i, j) > own) rank++;
    if (rank < 1) r[1]++;
    if (rank < 10) r[10]++;
  }
  return { 'recall@1': r[1] / n, 'recall@10': r[10] / n };
}

function tfidf(queries, docs) {
  const words = (t) => t.toLowerCase().match(/[\p{L}\p{N}_]{2,}/gu) ?? [];
  const bag = (t) => words(t).reduce((m, w) => m.set(w, (m.get(w) ?? 0) + 1), new Map());
  const dBags = docs.map(bag), df = new Map();
  for (const b of dBags) for (const w of b.keys()) df.set(w, (df.get(w) ?? 0) + 1);
  const vec = (b) => {
    const v = new Map();
    for (const [w, c] of b) if (df.has(w)) v.set(w, (1 + Math.log(c)) * (Math.log((1 + docs.length) / (1 + df.get(w))) + 1));
    const norm = Math.hypot(...v.values()) || 1;
    for (const [w, x] of v) v.set(w, x / norm);
    return v;
  };
  const q = queries.map((t) => vec(bag(t))), d = dBags.map(vec);
  return (i, j) => {
    let s = 0;
    for (const [w, x] of q[i]) s += x * (d[j].get(w) ?? 0);
    return s;
  };
}

const test = loadPairs().filter((p) => p.heldout);
const model = await load(HERE);
const embed = async (texts) => {
  const out = [];
  for (let i = 0; i < texts.length; i += 32) out.push(...(await model.embed(texts.slice(i, i + 32), { normalize: true })));
  return out;
};
const [qs, ds] = [await embed(test.map((p) => p.subject)), await embed(test.map((p) => p.body))];
const cos = (i, j) => {
  let s = 0;
  for (let k = 0; k < qs[i].length; k++) s += qs[i][k] * ds[j][k];
  return s;
};
const fmt = (r) => `recall@1 ${r['recall@1'].toFixed(3)}, recall@10 ${r['recall@10'].toFixed(3)}`;
const ours = recall(cos, test.length), base = recall(tfidf(test.map((p) => p.subject), test.map((p) => p.body)), test.length);
console.log(`held-out mails: ${test.length}; subject -> its own body among all held-out bodies`);
console.log(`mail-embed (wisp, ${model.info.bytes} bytes): ${fmt(ours)}`);
console.log(`tf-idf:                          ${fmt(base)}`);
console.log(`mail-embed - tf-idf: recall@1 ${(100 * (ours['recall@1'] - base['recall@1'])).toFixed(1)} points, ` +
  `recall@10 ${(100 * (ours['recall@10'] - base['recall@10'])).toFixed(1)} points`);
await model.release();
