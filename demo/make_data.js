// make_data.js — writes demo/data/samples.json: the few real, held-out examples the demo page
// offers (the page fetches this one file at start, so it needs nothing else afterwards).
//
//   node demo/make_data.js
//
// - fashion: the first image of each class in tests/fixtures/fashion_test_sample.json (the
//   first 64 Fashion-MNIST test images; never seen in training);
// - spam: held-out mails of models/spam-bert (heldout_ids.json), as models/spam-bert/mail.js
//   turns them into text; picked by hand for being short, readable and safe for work;
// - cancer: held-out rows of the breast-cancer models (see cancer() below), and each feature's
//   typical range (ranges() below);
// - gallery: the first 500 Fashion-MNIST test images for "more like this", as one grayscale PNG
//   (demo/data/fashion-gallery.png, 25 a row) and their labels here;
// and demo/data/mailbox.json: held-out mails (models/mail-embed/pairs.js) for the search panel.
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync, gunzipSync } from 'node:zlib';

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

// Per feature, the 10th and 90th percentile of the 114 held-out rows (tests/fixtures/tabular).
function ranges() {
  const { feature_names: names, rows } = json('tests/fixtures/tabular/breast_cancer_test.json');
  const q = (xs, p) => xs[Math.round(p * (xs.length - 1))];
  return Object.fromEntries(names.map((n, j) => {
    const xs = rows.map((r) => r[j]).sort((a, b) => a - b);
    return [n, [q(xs, 0.1), q(xs, 0.9)]];
  }));
}

// An 8-bit grayscale PNG.
function grayPng(width, height, gray) {
  const chunk = (type, body) => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(type, 4, 'latin1');
    body.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(gray.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const FASHION = '/usr/share/datasets/fashion-mnist';
export const GALLERY = { count: 500, columns: 25 };

function gallery() {
  const images = gunzipSync(readFileSync(join(FASHION, 't10k-images-idx3-ubyte.gz'))).subarray(16);
  const labels = gunzipSync(readFileSync(join(FASHION, 't10k-labels-idx1-ubyte.gz'))).subarray(8);
  const { count, columns } = GALLERY, rowsN = Math.ceil(count / columns);
  const sheet = new Uint8Array(columns * 28 * rowsN * 28);
  for (let i = 0; i < count; i++) {
    const x0 = (i % columns) * 28, y0 = Math.floor(i / columns) * 28;
    for (let y = 0; y < 28; y++) sheet.set(images.subarray(i * 784 + y * 28, i * 784 + y * 28 + 28), (y0 + y) * columns * 28 + x0);
  }
  writeFileSync(join(ROOT, 'demo/data/fashion-gallery.png'), grayPng(columns * 28, rowsN * 28, sheet));
  return { count, columns, labels: Array.from(labels.subarray(0, count)) };
}

// 300 held-out mails spread over the corpus (every k-th), bodies cut at 1200 characters.
async function mailbox() {
  const { loadPairs } = await import('../models/mail-embed/pairs.js');
  const held = loadPairs().filter((p) => p.heldout);
  const k = held.length / 300;
  return Array.from({ length: 300 }, (_, i) => held[Math.floor(i * k)]).map(({ id, subject, body }) => ({
    id, label: id.startsWith('spam') ? 'spam' : 'ham', subject, body: body.slice(0, 1200),
  }));
}

mkdirSync(join(ROOT, 'demo/data'), { recursive: true });
const previous = existsSync(join(ROOT, 'demo/data/samples.json')) ? json('demo/data/samples.json') : {};
// scikit-learn's CSV may be missing here: keep the committed cases then
const data = { fashion: fashion(), spam: await spam(), cancer: cancer() ?? previous.cancer, gallery: gallery() };
if (data.cancer) data.cancer.ranges = ranges();
writeFileSync(join(ROOT, 'demo/data/samples.json'), `${JSON.stringify(data)}\n`);
const mails = await mailbox();
writeFileSync(join(ROOT, 'demo/data/mailbox.json'), `${JSON.stringify(mails)}\n`);
console.log(`demo/data/samples.json: ${data.fashion.length} images, ${data.spam.length} mails, ${data.cancer?.cases.length ?? 0} breast-cancer cases, ` +
  `a gallery of ${data.gallery.count} images; demo/data/mailbox.json: ${mails.length} mails`);
