// ab.js — two builds of wisp against each other on one model, in one process, interleaved:
//   node bench/ab.js <web dir A> <web dir B> <model.onnx> [--input name=d0,d1,...]... [--threads N]
// Each directory is a copy of web/ (its .js and .wasm files). After warm-up the two alternate
// which runs first; the figure is the median of the per-round ratios of CPU time (B / A), which a
// loaded machine moves far less than wall-clock medians (an A/A run gives 1.00 ± 0.01). With
// --threads N > 1 both run on N threads and the times are wall-clock (CPU time would count the
// helpers' spinning), so load moves them more.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dirA, dirB, model, ...rest] = process.argv.slice(2);
if (!model) {
  console.error('usage: node bench/ab.js <web dir A> <web dir B> <model.onnx> [--input name=d0,d1,...]...');
  process.exit(2);
}
const dims = {};
let threads = 1;
for (let i = 0; i + 1 < rest.length; i += 2) {
  if (rest[i] === '--threads') {
    threads = Number(rest[i + 1]);
    continue;
  }
  const [name, d] = rest[i + 1].split('=');
  dims[name] = d.split(/[,x]/).map(Number);
}
const [A, B] = await Promise.all([dirA, dirB].map((d) => import(pathToFileURL(resolve(d, 'index.js')).href)));
const bytes = new Uint8Array(await readFile(model));
const sessions = await Promise.all([A, B].map((w) => w.InferenceSession.create(bytes, { numThreads: threads })));

// Token-like ids below 100, masks of ones, token types of zero, floats in [-1, 1): as bench.js.
let seed = 1234;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const spec = sessions[0].inputMetadata.map(({ name, type, shape }) => {
  const d = dims[name] ?? (shape ?? []).map((x) => (typeof x === 'number' && x >= 0 ? x : 1));
  const n = d.reduce((a, b) => a * b, 1);
  const int = () => (/mask/i.test(name) ? 1 : /token_type/i.test(name) ? 0 : Math.floor(rnd() * 100));
  const data = type === 'float32' ? Float32Array.from({ length: n }, () => 2 * rnd() - 1)
    : type === 'int64' ? BigInt64Array.from({ length: n }, () => BigInt(int()))
    : type === 'int32' ? Int32Array.from({ length: n }, int)
    : null;
  if (!data) throw new Error(`ab.js: no random data for input '${name}' of type ${type}`);
  return { name, type, d, data };
});
const feeds = [A, B].map((w) => Object.fromEntries(spec.map(({ name, type, d, data }) => [name, new w.Tensor(type, data, d)])));
const cpuMs = async (k) => {
  const c0 = process.cpuUsage(), t0 = performance.now();
  await sessions[k].run(feeds[k]);
  const c = process.cpuUsage(c0);
  return threads > 1 ? performance.now() - t0 : (c.user + c.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

for (let i = 0, t0 = performance.now(); i < 30 || performance.now() - t0 < 1500; i++) {
  await cpuMs(0);
  await cpuMs(1);
}
const ms = [[], []], ratios = [];
for (let i = 0, t0 = performance.now(); i < 40 || performance.now() - t0 < 4000; i++) {
  const first = i % 2;
  const x = await cpuMs(first), y = await cpuMs(1 - first);
  const [a, b] = first ? [y, x] : [x, y];
  ms[0].push(a);
  ms[1].push(b);
  ratios.push(b / a);
}
console.log(`${model}: ${threads > 1 ? `${threads} threads, wall` : 'CPU'} ms A ${median(ms[0]).toFixed(3)}, B ${median(ms[1]).toFixed(3)}; ` +
  `B / A ${median(ratios).toFixed(3)} (median of ${ratios.length} interleaved rounds)`);
process.exit(0);
