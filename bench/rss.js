// rss.js — peak resident memory of one runtime running one model, in a process of its own:
//   node bench/rss.js wisp|ort <model.onnx> [--input name=d0,d1,...]...
// Prints {who, model, max_rss_mb}. Loads, runs 5 times, reports process.resourceUsage().maxRSS.
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-web';

import { InferenceSession, Tensor } from '../web/index.js';

ort.env.wasm.numThreads = 1;
const [who, model, ...rest] = process.argv.slice(2);
const inputs = {};
for (let i = 0; i < rest.length; i += 2) {
  const [name, dims] = rest[i + 1].split('=');
  inputs[name] = dims.split(',').map(Number);
}
const bytes = new Uint8Array(await readFile(model));
const session = who === 'wisp' ? await InferenceSession.create(bytes)
  : await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
const T = who === 'wisp' ? Tensor : ort.Tensor;
const meta = who === 'wisp' ? session.inputMetadata : null;
const feeds = {};
for (const name of session.inputNames) {
  const dims = inputs[name] ?? meta?.find((m) => m.name === name)?.shape.map((d) => (typeof d === 'number' ? d : 1)) ?? [1];
  const n = dims.reduce((a, b) => a * b, 1);
  const type = meta ? meta.find((m) => m.name === name).type : /ids|mask/.test(name) ? 'int64' : 'float32';
  const data = type === 'int64' ? BigInt64Array.from({ length: n }, () => (/mask/.test(name) ? 1n : 0n))
    : new Float32Array(n).fill(0.5);
  feeds[name] = new T(type, data, dims);
}
for (let i = 0; i < 5; i++) await session.run(feeds);
console.log(JSON.stringify({ who, model, max_rss_mb: process.resourceUsage().maxRSS / 1024 }));
