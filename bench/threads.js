// threads.js — wisp on 1 and 2 threads against onnxruntime-web with numThreads = 2, all three in
// one process, interleaved (the order rotates each round) after a warm-up (threads_run.js).
// Prints the threads table: median times (fastest in brackets), and the medians of the
// per-round ratios (in brackets the ratios of the fastest times: on a loaded machine the fastest
// runs are those least disturbed, so these move less with load).
//
//   node bench/threads.js [--rounds N] [--threads T] [--browser]
//
// Models from bench/models (a row says so when its file is absent). --browser runs the same in
// headless Chromium, on a cross-origin-isolated page (COOP + COEP: SharedArrayBuffer, so both
// runtimes run threaded). onnxruntime-web's own speed-up: run again with --threads 1 (its thread
// count is per process) and divide the last columns' ratios.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

import { DT, model, node, tensorProto, valueInfo } from '../tests/js/helpers.js';
import { CASES, rowLine, threadsRow } from './threads_run.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('--rounds', 15), THREADS = arg('--threads', 2), BROWSER = process.argv.includes('--browser');
const ROOT = fileURLToPath(new URL('..', import.meta.url));

// One MatMul (x (256, 1024) · a constant (1024, 1024)): nearly all of these models' time is GEMM,
// so its speed-up is about the most threads can give them on this machine.
const K = 1024;
const gemmOnly = model({
  nodes: [node('MatMul', ['x', 'w'], ['y'])],
  inputs: [valueInfo('x', DT.float, [256, K])],
  outputs: [valueInfo('y', DT.float, [256, K])],
  initializers: [tensorProto('w', DT.float, [K, K], Float32Array.from({ length: K * K }, (_, i) => Math.cos(i * 0.11) / 32))],
});
const GEMM_FILE = '/bench/threads_gemm.onnx'; // served from memory to the page

const loads = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const where = BROWSER ? 'Chromium, a cross-origin-isolated page' : `Node ${process.version}`;
console.log(`wisp ${THREADS} threads vs 1, and vs onnxruntime-web numThreads=${THREADS}; ${where}; ${ROUNDS} interleaved rounds; load average ${loads()}`);
console.log(`| model | wisp 1t ms | wisp ${THREADS}t ms | ort ${THREADS}t ms | wisp speed-up | wisp ${THREADS}t / ort ${THREADS}t |`);
console.log('|---|---:|---:|---:|---:|---:|');
const present = CASES.filter(({ name, file }) => {
  if (file && !existsSync(`${ROOT}bench/models/${file}`)) console.log(`| ${name} | (no bench/models/${file}: run bench/make_models.py) |`);
  return !file || existsSync(`${ROOT}bench/models/${file}`);
});

if (!BROWSER) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = THREADS;
  ort.env.wasm.simd = true;
  const { InferenceSession, Tensor } = await import('../web/index.js');
  for (const c of present) {
    const bytes = c.file ? new Uint8Array(await readFile(`${ROOT}bench/models/${c.file}`)) : gemmOnly;
    const r = await threadsRow({ InferenceSession, Tensor, ort, model: bytes, feeds: c.feeds(), threads: THREADS, rounds: ROUNDS });
    console.log(rowLine(c.name, r));
  }
} else {
  const { chromium } = await import('playwright-core');
  const { launchChromium, serveStatic } = await import('../tests/js/helpers.js');
  const { server, url } = await serveStatic(ROOT, { isolated: true, files: { [GEMM_FILE]: gemmOnly } });
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.goto(`${url}/bench/threads_run.js`);
    if (!(await page.evaluate(() => globalThis.crossOriginIsolated))) throw new Error('the page is not cross-origin isolated');
    for (const c of present) {
      const r = await page.evaluate(async ({ name, model, threads, rounds }) => {
        const { InferenceSession, Tensor } = await import('/web/index.js');
        const ort = await import('/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs');
        const { CASES, threadsRow } = await import('/bench/threads_run.js');
        ort.env.wasm.numThreads = threads;
        ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
        const bytes = new Uint8Array(await (await fetch(model)).arrayBuffer());
        const feeds = CASES.find((x) => x.name === name).feeds();
        return threadsRow({ InferenceSession, Tensor, ort, model: bytes, feeds, threads, rounds });
      }, { name: c.name, model: c.file ? `/bench/models/${c.file}` : GEMM_FILE, threads: THREADS, rounds: ROUNDS });
      console.log(rowLine(c.name, r));
    }
    console.log(`Chromium ${browser.version()}`);
  } finally {
    await browser.close();
    server.close();
  }
}
console.log(`load average after: ${loads()}`);
