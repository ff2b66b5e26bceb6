// evaluate.js — test-set accuracy of the shipped Fashion-MNIST models, computed by wisp itself
// (load + classify in Node) over all 10,000 test images.
//
//   node models/evaluate.js [models/fashion-mlp models/fashion-cnn]
// Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist, idx format, gzip).
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

import { load } from '../web/index.js';

const DATA = '/usr/share/datasets/fashion-mnist';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

// idx files: big-endian magic, dims, then uint8 data
async function readIdx(name) {
  const buf = gunzipSync(await readFile(join(DATA, name)));
  const ndim = buf[3];
  const dims = Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + 4 + 4 * ndim) };
}

export async function fashionTestSet() {
  const [images, labels] = await Promise.all([readIdx('t10k-images-idx3-ubyte.gz'), readIdx('t10k-labels-idx1-ubyte.gz')]);
  const [n, h, w] = images.dims;
  return Array.from({ length: n }, (_, i) => ({
    image: { data: images.data.subarray(i * h * w, (i + 1) * h * w), width: w, height: h, channels: 1 },
    label: labels.data[i],
  }));
}

export async function accuracy(dir, set, batch = 250) {
  const model = await load(dir);
  let correct = 0;
  for (let i = 0; i < set.length; i += batch) {
    const part = set.slice(i, i + batch);
    const results = await model.classify(part.map((s) => s.image), { topk: 1 });
    results.forEach(([top], k) => (correct += top.label === model.labels[part[k].label]));
  }
  await model.release();
  return correct / set.length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dirs = process.argv.slice(2).length ? process.argv.slice(2) : ['models/fashion-mlp', 'models/fashion-cnn'];
  const set = await fashionTestSet();
  for (const dir of dirs) {
    const acc = await accuracy(join(ROOT, dir), set);
    console.log(`${dir}: test accuracy ${(acc * 100).toFixed(2)}% over ${set.length} Fashion-MNIST test images (wisp)`);
  }
}
