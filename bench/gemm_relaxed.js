// gemm_relaxed.js — the GEMM microbenchmark (bench/gemm_micro.js): the f32 and int8 GEMMs of the
// SIMD128 and relaxed-SIMD kernel builds, each against a tile loop of its own instructions from
// L1, back to back in one process; then the CPU's own rate of the x86 instructions V8 lowers the
// tile loops to (bench/peak.c, native). Needs an engine with relaxed SIMD (Node 22+, Chromium);
// build first with bench/gemm_relaxed.sh.
//   .node22/node_modules/.bin/node bench/gemm_relaxed.js [rounds] [--shapes MxKxN,...]
//   node bench/gemm_relaxed.js --browser [rounds] [--shapes MxKxN,...]   in headless Chromium
// --shapes: other GEMMs than MiniLM's, e.g. ViT-B/16's 197x768x3072,197x3072x768,197x768x2304
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { runGemmBench } from './gemm_micro.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const browser = args[0] === '--browser';
const at = args.indexOf('--shapes');
const shapes = at >= 0 ? args.splice(at, 2)[1].split(',').map((s) => s.split('x').map(Number)) : undefined;
const rounds = +(args[browser ? 1 : 0] ?? 7);

if (browser) {
  const { chromium } = await import('playwright-core');
  const { launchChromium, serveStatic } = await import('../tests/js/helpers.js');
  const { server, url } = await serveStatic(ROOT);
  const b = await launchChromium(chromium);
  try {
    const page = await b.newPage();
    await page.goto(`${url}/bench/gemm_micro.js`);
    const lines = await page.evaluate(async ([rounds, shapes]) => {
      const { runGemmBench } = await import('/bench/gemm_micro.js');
      return runGemmBench(async (v) => (await fetch(`/build-wasm/gemm_tile_${v}.wasm`)).arrayBuffer(), rounds, shapes);
    }, [rounds, shapes]);
    console.log(`headless Chromium ${b.version()}; ${lines.join('\n')}`);
  } finally {
    await b.close();
    server.close();
  }
} else {
  const lines = await runGemmBench((v) => readFile(`${ROOT}build-wasm/gemm_tile_${v}.wasm`), rounds, shapes);
  console.log(`node ${process.version}; ${lines.join('\n')}`);
}
const peak = `${ROOT}build-wasm/peak`;
if (existsSync(peak)) console.log(`native, bench/peak.c: ${execFileSync(peak, { encoding: 'utf8' }).trim()}`);
