// threads.js — wisp on 1 and 2 threads against onnxruntime-web with numThreads = 2, all three in
// one process, interleaved (the order rotates each round) after a warm-up. Prints the threads
// table: medians, and the medians of the per-round ratios (steadier on a loaded machine).
//
//   node bench/threads.js [--rounds N] [--threads T]      (models from bench/models: skip if absent)
//
// onnxruntime-web's own speed-up: run again with --threads 1 (its thread count is per process)
// and divide the last columns' ratios.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';

import { InferenceSession, Tensor } from '../web/index.js';
import { DT, model, node, tensorProto, valueInfo } from '../tests/js/helpers.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('--rounds', 15), THREADS = arg('--threads', 2);
ort.env.wasm.numThreads = THREADS;
ort.env.wasm.simd = true;

const MODELS = fileURLToPath(new URL('./models/', import.meta.url));
const seq = 128;
const ids = BigInt64Array.from({ length: seq }, (_, i) => BigInt(i ? 1000 + ((i * 7919) % 20000) : 101));
const image = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i * 0.37));
// One MatMul (x (256, 1024) · a constant (1024, 1024)): nearly all of these models' time is GEMM,
// so its speed-up is about the most threads can give them on this machine (two hardware threads
// of one core share its SIMD units, and then far less than 2× is possible).
const K = 1024, GEMM_ROWS = 256;
const gemmOnly = model({
  nodes: [node('MatMul', ['x', 'w'], ['y'])],
  inputs: [valueInfo('x', DT.float, [GEMM_ROWS, K])],
  outputs: [valueInfo('y', DT.float, [GEMM_ROWS, K])],
  initializers: [tensorProto('w', DT.float, [K, K], Float32Array.from({ length: K * K }, (_, i) => Math.cos(i * 0.11) / 32))],
});
const CASES = [
  ['MiniLM-L6 seq 128', 'minilm-l6/onnx/model.onnx', {
    input_ids: ['int64', ids, [1, seq]],
    attention_mask: ['int64', new BigInt64Array(seq).fill(1n), [1, seq]],
    token_type_ids: ['int64', new BigInt64Array(seq), [1, seq]],
  }],
  ['ResNet-18', 'resnet18.onnx', { pixel_values: ['float32', image, [1, 3, 224, 224]] }],
  ['MobileNetV2', 'mobilenet_v2.onnx', { pixel_values: ['float32', image, [1, 3, 224, 224]] }],
  ['MatMul 256×1024²', gemmOnly, { x: ['float32', Float32Array.from({ length: GEMM_ROWS * K }, (_, i) => Math.sin(i * 0.7)), [GEMM_ROWS, K]] }],
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function bench(name, file, spec) {
  const path = typeof file === 'string' ? MODELS + file : null;
  if (path && !existsSync(path)) return console.log(`| ${name} | (no ${file}: run bench/make_models.py) |`);
  const bytes = path ? new Uint8Array(await readFile(path)) : file;
  const w1 = await InferenceSession.create(bytes, { numThreads: 1 });
  const wN = await InferenceSession.create(bytes, { numThreads: THREADS });
  const o = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const pick = (names, T) => Object.fromEntries(names.map((n) => [n, new T(...spec[n])]));
  const runs = {
    w1: () => w1.run(pick(w1.inputNames, Tensor)),
    wN: () => wN.run(pick(wN.inputNames, Tensor)),
    o: () => o.run(pick(o.inputNames, ort.Tensor)),
  };
  for (let i = 0; i < 3; i++) for (const f of Object.values(runs)) await f();
  const times = { w1: [], wN: [], o: [] }, speedup = [], vsOrt = [];
  const keys = Object.keys(runs);
  for (let r = 0; r < ROUNDS; r++) {
    const round = {};
    for (let k = 0; k < 3; k++) {
      const who = keys[(r + k) % 3], t0 = performance.now();
      await runs[who]();
      times[who].push((round[who] = performance.now() - t0));
    }
    speedup.push(round.w1 / round.wN);
    vsOrt.push(round.wN / round.o);
  }
  const ms = (k) => median(times[k]).toFixed(1).padStart(7);
  console.log(`| ${name.padEnd(17)} | ${ms('w1')} | ${ms('wN')} | ${ms('o')} | ${median(speedup).toFixed(2)}× | ${median(vsOrt).toFixed(2)} |`);
  await Promise.all([w1.release(), wN.release(), o.release()]);
}

console.log(`wisp ${THREADS} threads vs 1, and vs onnxruntime-web numThreads=${THREADS}; ${ROUNDS} interleaved rounds; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`| model             | wisp 1t ms | wisp ${THREADS}t ms | ort ${THREADS}t ms | wisp speed-up | wisp ${THREADS}t / ort ${THREADS}t |`);
console.log('|---|---:|---:|---:|---:|---:|');
for (const c of CASES) await bench(...c);
console.log(`load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
