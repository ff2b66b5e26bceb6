// bench.js — wisp vs onnxruntime-web (wasm backend, 1 thread, SIMD) on one model, in one process.
//
//   node bench/bench.js <model.onnx> [--input name=d0,d1,...]... [--warmup N] [--runs N] [--json]
//                       [--baseline other.onnx]
//
// Inputs default to the model's declared shapes with symbolic dims set to 1; their data is
// seeded random, the same for both runtimes. Timing: create → first result once for each, then
// warm-up (V8 tiers wasm up only after many calls), then interleaved runs; medians are compared.
// --warmup and --runs are minimums (30 and 20): short models run for at least 1 s + 2 s.
// --baseline times wisp on a second form of the same model (same inputs) in the same loop, e.g.
// onnxruntime's saved optimised form against the original: wisp/baseline is printed too.
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';

import { InferenceSession, Tensor, float16ToFloat32 } from '../web/index.js';
import { rng, makeData, median } from './inputs.js';

ort.env.wasm.numThreads = 1; // threads would not be a fair comparison (nor what most pages get)
ort.env.wasm.simd = true;

function parseArgs(argv) {
  const args = { model: null, inputs: {}, warmup: 30, runs: 20, json: false, baseline: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--input') {
      const [name, dims] = argv[++i].split('=');
      args.inputs[name] = dims.split(/[,x]/).map(Number);
    } else if (a === '--warmup') args.warmup = Math.max(30, +argv[++i]);
    else if (a === '--runs') args.runs = Math.max(20, +argv[++i]);
    else if (a === '--json') args.json = true; // one JSON line, for bench/all.js
    else if (a === '--baseline') args.baseline = argv[++i];
    else args.model = a;
  }
  if (!args.model) {
    console.error('usage: node bench/bench.js <model.onnx> [--input name=d0,d1,...]... [--warmup N] [--runs N]');
    process.exit(2);
  }
  return args;
}


const sizes = (bytes) => ({ raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
const mb = (n) => (n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(2)} MB`);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const bytes = new Uint8Array(await readFile(args.model));

  // Cold start: create → first result, wisp first (each instantiates its own wasm here).
  let t = performance.now();
  const wisp = await InferenceSession.create(bytes, { numThreads: 1 }); // as onnxruntime-web here
  const feedsSpec = wisp.inputMetadata.map(({ name, type, shape }) => {
    const dims = args.inputs[name] ?? (shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
    return { name, type, dims };
  });
  const r = rng(1234);
  const data = feedsSpec.map(({ name, type, dims }) => makeData(name, type, dims.reduce((a, b) => a * b, 1), r));
  const wFeeds = Object.fromEntries(feedsSpec.map(({ name, type, dims }, i) => [name, new Tensor(type, data[i], dims)]));
  const oFeeds = Object.fromEntries(feedsSpec.map(({ name, type, dims }, i) => [name, new ort.Tensor(type, data[i], dims)]));
  await wisp.run(wFeeds);
  const wispFirst = performance.now() - t;

  t = performance.now();
  const ortSession = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  await ortSession.run(oFeeds);
  const ortFirst = performance.now() - t;

  const base = args.baseline ? await InferenceSession.create(new Uint8Array(await readFile(args.baseline)), { numThreads: 1 }) : null;
  if (base) await base.run(wFeeds);

  // Same answer? (A fast wrong runtime is no use; this is a sanity check, not the parity test.)
  const [a, b] = [await wisp.run(wFeeds), await ortSession.run(oFeeds)];
  let maxDiff = 0;
  for (const name of wisp.outputNames) {
    const [x, y] = [a[name], b[name]].map((t) => (t.type === 'float16' ? float16ToFloat32(t.data) : t.data));
    for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(Number(x[i]) - Number(y[i])));
  }

  // At least N runs each and at least a second (warm-up) / two seconds (timed): tiny models
  // need many runs for a stable median, big ones get their minimum.
  let i = 0;
  for (const t0 = performance.now(); i < args.warmup || performance.now() - t0 < 1000; i++) {
    await wisp.run(wFeeds);
    await ortSession.run(oFeeds);
    if (base) await base.run(wFeeds);
  }
  const warmups = i;
  const times = { wisp: [], ort: [], base: [] }, cpu = { wisp: [], ort: [], base: [] };
  for (let i = 0, t0 = performance.now(); i < args.runs || performance.now() - t0 < 2000; i++) {
    // Alternate which goes first so neither always runs on a cache the other warmed.
    const order = i % 2 ? ['ort', 'wisp'] : ['wisp', 'ort'];
    if (base) { // a seeded shuffle of the three: each follows each other one equally often
      order.push('base');
      for (let k = 2; k > 0; k--) {
        const j = Math.floor(r() * (k + 1));
        [order[k], order[j]] = [order[j], order[k]];
      }
    }
    for (const who of order) {
      const t0 = performance.now(), c0 = process.cpuUsage();
      await (who === 'wisp' ? wisp.run(wFeeds) : who === 'base' ? base.run(wFeeds) : ortSession.run(oFeeds));
      times[who].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[who].push((c.user + c.system) / 1000);
    }
  }

  const wMed = median(times.wisp), oMed = median(times.ort), bMed = base ? median(times.base) : null;
  // On a loaded machine the ratio within each round (same moment) and the CPU time (not the time
  // spent waiting for a core) are steadier than the ratio of medians.
  const perRound = (t) => median(t.wisp.map((w, k) => w / t.base[k]));
  const vsBase = base && { wall: wMed / bMed, rounds: perRound(times), cpu: perRound(cpu) };
  const wasmW = sizes(await readFile(fileURLToPath(new URL('../web/wisp.wasm', import.meta.url))));
  const ortWasmPath = fileURLToPath(new URL('../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm', import.meta.url));
  const wasmO = sizes(await readFile(ortWasmPath));

  if (args.json) {
    console.log(JSON.stringify({
      model: args.model, wisp_ms: wMed, ort_ms: oMed, ratio: wMed / oMed, runs: times.wisp.length,
      wisp_first_ms: wispFirst, ort_first_ms: ortFirst, max_diff: maxDiff, kernels: wisp.kernelConfig,
      wasm: { wisp: wasmW, ort: wasmO },
      ...(base && { baseline: args.baseline, baseline_ms: bMed, vs_baseline: vsBase }),
    }));
    await wisp.release();
    if (base) await base.release();
    await ortSession.release();
    return;
  }
  console.log(`model     ${args.model}`);
  console.log(`inputs    ${feedsSpec.map(({ name, type, dims }) => `${name}:${type}[${dims}]`).join(' ')}`);
  console.log(`kernels   ${wisp.kernelConfig}`);
  console.log(`max |Δ|   ${maxDiff.toExponential(2)} (wisp vs onnxruntime-web)`);
  console.log(`run       wisp ${wMed.toFixed(3)} ms   ort-web ${oMed.toFixed(3)} ms   wisp/ort ${(wMed / oMed).toFixed(2)}   (median of ${times.wisp.length} interleaved, after ${warmups} warm-up)`);
  if (base) {
    console.log(`baseline  wisp on ${args.baseline} ${bMed.toFixed(3)} ms   wisp/baseline ${vsBase.wall.toFixed(3)}   (same loop)`);
    console.log(`          median per-round wisp/baseline: wall ${vsBase.rounds.toFixed(3)}, CPU time ${vsBase.cpu.toFixed(3)}`);
  }
  console.log(`first     wisp ${wispFirst.toFixed(1)} ms   ort-web ${ortFirst.toFixed(1)} ms   (create -> first result, incl. wasm instantiate)`);
  console.log(`wasm      wisp ${mb(wasmW.raw)} (gzip -9 ${mb(wasmW.gzip)})   ort-web ${mb(wasmO.raw)} (gzip -9 ${mb(wasmO.gzip)})  [ort-wasm-simd-threaded.wasm]`);
  await wisp.release();
  if (base) await base.release();
  await ortSession.release();
}

await main();
