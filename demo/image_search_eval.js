// image_search_eval.js — how often "more like this" on the demo page finds the same garment:
// for each Fashion-MNIST test image, its top-5 neighbours by cosine similarity of the fashion-cnn
// embedding (config.json's embedding_output, as the page uses it; the image itself left out),
// and the share of them that have its class. Over the page's gallery (the first 500 test images)
// and over the first 2000 test images.
//
//   node demo/image_search_eval.js
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { load } from '../web/index.js';

const FASHION = '/usr/share/datasets/fashion-mnist';
const images = gunzipSync(readFileSync(`${FASHION}/t10k-images-idx3-ubyte.gz`)).subarray(16);
const labels = gunzipSync(readFileSync(`${FASHION}/t10k-labels-idx1-ubyte.gz`)).subarray(8);
const model = await load(fileURLToPath(new URL('../models/fashion-cnn/', import.meta.url)));
const K = 5;

async function precision(n) {
  const vectors = [];
  for (let i = 0; i < n; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 100); j++) batch.push({ data: images.subarray(j * 784, (j + 1) * 784), width: 28, height: 28, channels: 1 });
    vectors.push(...(await model.embed(batch, { normalize: true })));
  }
  let same = 0;
  for (let i = 0; i < n; i++) {
    const sims = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let k = 0; k < vectors[i].length; k++) s += vectors[i][k] * vectors[j][k];
      sims.push([s, j]);
    }
    sims.sort((a, b) => b[0] - a[0]);
    for (const [, j] of sims.slice(0, K)) same += labels[j] === labels[i];
  }
  return same / (n * K);
}

for (const n of [500, 2000]) {
  console.log(`first ${n} test images: ${(100 * (await precision(n))).toFixed(1)}% of the top-${K} neighbours share the image's class`);
}
await model.release();
