// tabular.js — rows per second on a 10,000-row batch: wisp vs onnxruntime-web (wasm, 1 thread,
// SIMD), in one Node process, on the tabular models: the two shipped breast-cancer models
// (gradient-boosted trees, MLP) and the test fixtures' wine HistGradientBoosting classifier and
// diabetes random forest.
//
//   node bench/tabular.js [--rows 10000] [--warmup 10] [--runs 15]
//
// The batch repeats each model's real held-out rows (tests/fixtures/tabular/*_test.json) up to
// --rows. Each runtime runs the batch after warm-up (at least --warmup runs and 1 s), then the
// two are interleaved, alternating which goes first (at least --runs each and 2 s); medians are
// compared. rows/s = rows / median run time; the ratio is wisp's rows/s over onnxruntime-web's.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';

import { InferenceSession, Tensor } from '../web/index.js';

ort.env.wasm.numThreads = 1; // one thread each: what most pages get
ort.env.wasm.simd = true;

const root = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const MODELS = [
  ['breast-cancer-gbt', 'models/breast-cancer-gbt/onnx/model.onnx', 'breast_cancer_test.json'],
  ['breast-cancer-mlp', 'models/breast-cancer-mlp/onnx/model.onnx', 'breast_cancer_test.json'],
  ['wine-hgb', 'tests/fixtures/tabular/wine-hgb/onnx/model.onnx', 'wine_test.json'],
  ['diabetes-rf', 'tests/fixtures/tabular/diabetes-rf/onnx/model.onnx', 'diabetes_test.json'],
];

function parseArgs(argv) {
  const a = { rows: 10000, warmup: 10, runs: 15 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in a)) throw new Error(`usage: node bench/tabular.js [--rows N] [--warmup N] [--runs N]`);
    a[k] = Number(argv[++i]);
  }
  return a;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function bench(name, modelPath, dataFile, args) {
  const data = JSON.parse(readFileSync(root(`tests/fixtures/tabular/${dataFile}`), 'utf8'));
  const F = data.feature_names.length, N = args.rows;
  const x = new Float32Array(N * F);
  for (let i = 0; i < N; i++) {
    const row = data.rows[i % data.rows.length];
    for (let j = 0; j < F; j++) x[i * F + j] = row[j] === null ? NaN : row[j];
  }
  const bytes = readFileSync(root(modelPath));
  const w = await InferenceSession.create(bytes);
  const o = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const input = w.inputNames[0];
  const wFeeds = { [input]: new Tensor('float32', x, [N, F]) };
  const oFeeds = { [input]: new ort.Tensor('float32', x, [N, F]) };

  // same answer first (a sanity check; tests/js/tabular.test.js is the parity test)
  const [a, b] = [await w.run(wFeeds), await o.run(oFeeds)];
  let maxDiff = 0;
  for (const out of w.outputNames) {
    for (let i = 0; i < a[out].data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(Number(a[out].data[i]) - Number(b[out].data[i])));
  }

  let i = 0;
  for (const t0 = performance.now(); i < args.warmup || performance.now() - t0 < 1000; i++) {
    await w.run(wFeeds);
    await o.run(oFeeds);
  }
  const times = { wisp: [], ort: [] };
  for (let k = 0, t0 = performance.now(); k < args.runs || performance.now() - t0 < 2000; k++) {
    for (const who of k % 2 ? ['ort', 'wisp'] : ['wisp', 'ort']) {
      const t = performance.now();
      await (who === 'wisp' ? w.run(wFeeds) : o.run(oFeeds));
      times[who].push(performance.now() - t);
    }
  }
  const wMs = median(times.wisp), oMs = median(times.ort);
  const rate = (ms) => N / (ms / 1000);
  const fmt = (r) => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : `${(r / 1e3).toFixed(0)} k`);
  console.log(`${name.padEnd(18)} wisp ${fmt(rate(wMs)).padStart(8)} rows/s (${wMs.toFixed(2)} ms)   ` +
    `ort-web ${fmt(rate(oMs)).padStart(8)} rows/s (${oMs.toFixed(2)} ms)   wisp/ort ${(rate(wMs) / rate(oMs)).toFixed(2)}x   ` +
    `max |Δ| ${maxDiff.toExponential(1)}   (${times.wisp.length} interleaved runs after ${i} warm-up)`);
  await w.release();
  await o.release();
}

const args = parseArgs(process.argv.slice(2));
console.log(`${args.rows}-row batches, 1 thread each; rows/s = rows / median run time`);
for (const [name, path, data] of MODELS) await bench(name, path, data, args);
