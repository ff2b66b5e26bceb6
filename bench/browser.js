// browser.js — bench.js's comparison in headless Chromium: wisp against onnxruntime-web (wasm
// backend, 1 thread, SIMD) in one page, on the same seeded inputs, warmed up, interleaved,
// medians compared. One page per kernel build, since a page picks its build at its first session:
//
//   node bench/browser.js <model.onnx> [--input name=d0,d1,...]... [--kernels auto,baseline]
//                         [--warmup N] [--runs N] [--json]
//
// auto: the relaxed-SIMD kernels where Chromium has them (it does since 114); baseline: SIMD128.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { launchChromium, serveStatic } from '../tests/js/helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function parseArgs(argv) {
  const args = { model: null, inputs: {}, kernels: ['auto', 'baseline'], warmup: 30, runs: 20, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--input') {
      const [name, dims] = argv[++i].split('=');
      args.inputs[name] = dims.split(/[,x]/).map(Number);
    } else if (a === '--kernels') args.kernels = argv[++i].split(',');
    else if (a === '--warmup') args.warmup = Math.max(30, +argv[++i]);
    else if (a === '--runs') args.runs = Math.max(20, +argv[++i]);
    else if (a === '--json') args.json = true;
    else args.model = a;
  }
  if (!args.model) {
    console.error('usage: node bench/browser.js <model.onnx> [--input name=d0,d1,...]... [--kernels auto,baseline]');
    process.exit(2);
  }
  return args;
}

// Runs in the page: both runtimes on one model, as bench.js does in Node.
async function pageBench({ model, inputs, kernels, warmup, runs }) {
  const { InferenceSession, Tensor, env } = await import('/web/index.js');
  const ort = await import('/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs');
  const { rng, makeData, median } = await import('/bench/inputs.js');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  if (kernels === 'baseline') env.wasm.relaxedSimd = false;
  const bytes = new Uint8Array(await (await fetch(model)).arrayBuffer());
  const wisp = await InferenceSession.create(bytes, { numThreads: 1 });
  const ortSession = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const r = rng(1234);
  const spec = wisp.inputMetadata.map(({ name, type, shape }) => ({
    name, type, dims: inputs[name] ?? (shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : 1)),
  }));
  const data = spec.map(({ name, type, dims }) => makeData(name, type, dims.reduce((a, b) => a * b, 1), r));
  const feeds = (T) => Object.fromEntries(spec.map(({ name, type, dims }, i) => [name, new T(type, data[i], dims)]));
  const [wFeeds, oFeeds] = [feeds(Tensor), feeds(ort.Tensor)];
  let i = 0;
  const t0 = performance.now();
  for (; i < warmup || performance.now() - t0 < 1000; i++) {
    await wisp.run(wFeeds);
    await ortSession.run(oFeeds);
  }
  // A page's clock ticks in 0.1 ms steps: runs shorter than a few ms are timed in batches of
  // `reps` (about 2 ms of an average run of the two), the time of a run being batch / reps.
  const reps = Math.max(1, Math.ceil(2 / ((performance.now() - t0) / i / 2)));
  const times = { wisp: [], ort: [] };
  for (let i = 0, t0 = performance.now(); i < runs || performance.now() - t0 < 2000; i++) {
    for (const who of i % 2 ? ['ort', 'wisp'] : ['wisp', 'ort']) {
      const t = performance.now();
      for (let k = 0; k < reps; k++) await (who === 'wisp' ? wisp.run(wFeeds) : ortSession.run(oFeeds));
      times[who].push((performance.now() - t) / reps);
    }
  }
  const result = { wisp_ms: median(times.wisp), ort_ms: median(times.ort), runs: times.wisp.length, kernels: wisp.kernelConfig };
  await wisp.release();
  await ortSession.release();
  return result;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { server, url } = await serveStatic(ROOT);
  const browser = await launchChromium(chromium);
  try {
    for (const kernels of args.kernels) {
      const page = await browser.newPage();
      await page.goto(`${url}/bench/inputs.js`);
      const model = `/${resolve(args.model).slice(ROOT.length)}`;
      const r = await page.evaluate(pageBench, { ...args, model, kernels });
      await page.close();
      const ratio = r.wisp_ms / r.ort_ms;
      if (args.json) console.log(JSON.stringify({ model: args.model, browser: browser.version(), build: kernels, ...r, ratio }));
      else {
        console.log(`${args.model} in Chromium ${browser.version()}, wisp kernels '${kernels}': ${r.kernels}`);
        console.log(`  wisp ${r.wisp_ms.toFixed(3)} ms   ort-web ${r.ort_ms.toFixed(3)} ms   wisp/ort ${ratio.toFixed(2)}   (median of ${r.runs} interleaved)`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
}

await main();
