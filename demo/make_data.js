// make_data.js — writes demo/data/samples.json: the few real, held-out examples the demo page
// offers (the page fetches this one file at start, so it needs nothing else afterwards).
//
//   node demo/make_data.js
//
// - fashion: the first image of each class in tests/fixtures/fashion_test_sample.json (the
//   first 64 Fashion-MNIST test images; never seen in training);
// - spam: held-out mails of models/spam-bert (heldout_ids.json), as models/spam-bert/mail.js
//   turns them into text; picked by hand for being short, readable and safe for work;
// - cancer: held-out rows of the breast-cancer models (see cancer() below).
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const json = (p) => JSON.parse(readFileSync(join(ROOT, p), 'utf8'));

function fashion() {
  const { labels, images } = json('tests/fixtures/fashion_test_sample.json');
  const names = json('models/fashion-cnn/config.json').id2label;
  const out = [];
  for (let c = 0; c < 10; c++) {
    const index = labels.indexOf(c);
    if (index >= 0) out.push({ index, label: names[c], pixels: images[index] });
  }
  return out;
}

const SPAM_IDS = ['spam-1/00015', 'spam-1/00059', 'spam-1/00129', 'easy-ham-1/00051', 'easy-ham-1/00110', 'easy-ham-1/00147'];

async function spam() {
  if (!existsSync(join(ROOT, 'models/spam-bert/heldout_ids.json'))) return [];
  const heldout = new Set(json('models/spam-bert/heldout_ids.json'));
  const { loadCorpus } = await import('../models/spam-bert/mail.js');
  const byId = new Map(loadCorpus().map((m) => [m.id, m]));
  return SPAM_IDS.map((id) => {
    if (!heldout.has(id)) throw new Error(`${id} is not in the held-out split`);
    const { text, label } = byId.get(id);
    const subject = text.split('\n')[0];
    return { id, label: label ? 'spam' : 'ham', title: subject.length > 42 ? `${subject.slice(0, 40)}…` : subject, text };
  });
}

// Held-out rows of the committed split (models/breast_cancer_split.json), read from scikit-learn's
// bundled CSV (Debian python3-sklearn; only this script needs it): the first three malignant
// and the first three benign, alternating. Column order = config.json feature_names.
const SKLEARN_CSV = '/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv';

function cancer() {
  const config = 'models/breast-cancer-gbt/config.json';
  if (!existsSync(join(ROOT, config)) || !existsSync(SKLEARN_CSV)) return null;
  const { feature_names: names, id2label } = json(config);
  const { test_ids: heldout } = json('models/breast_cancer_split.json');
  const [head, ...lines] = readFileSync(SKLEARN_CSV, 'utf8').trim().split('\n');
  const [n, d, ...targets] = head.split(',');
  if (Number(n) !== lines.length || Number(d) !== names.length) throw new Error(`${SKLEARN_CSV}: unexpected header ${head}`);
  const rows = lines.map((l) => l.split(',').map(Number));
  const pick = (label) => heldout.filter((i) => targets[rows[i][d]] === label).slice(0, 3);
  const [m, b] = [pick('malignant'), pick('benign')];
  const cases = [m[0], b[0], m[1], b[1], m[2], b[2]].map((index) => ({
    index,
    label: id2label[rows[index][d]],
    features: Object.fromEntries(names.map((name, j) => [name, rows[index][j]])),
  }));
  return { feature_names: names, cases };
}

const data = { fashion: fashion(), spam: await spam(), cancer: cancer() };
mkdirSync(join(ROOT, 'demo/data'), { recursive: true });
writeFileSync(join(ROOT, 'demo/data/samples.json'), `${JSON.stringify(data)}\n`);
console.log(`demo/data/samples.json: ${data.fashion.length} images, ${data.spam.length} mails, ${data.cancer?.cases.length ?? 0} breast-cancer cases`);
