// relaxed_kernels.test.js — the relaxed-SIMD build: its kernels against their scalar twins
// (relaxed_twins.js) in this engine and in headless Chromium, and which kernels the core picks.
// Run under Node 22 (.node22/node_modules/.bin/node, installed by .ci/setup) for the relaxed
// path; under Node 20, which lacks relaxed SIMD, the core must pick the baseline SIMD128 kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { getWasm, relaxedSimdSupported } from '../../web/wasm.js';
import { runRelaxedTwins } from './relaxed_twins.js';
import { CHROMIUM, launchChromium } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TWINS = `${ROOT}build-wasm/wisp_relaxed_test.wasm`;
const relaxed = relaxedSimdSupported();

test('the core picks relaxed kernels exactly where the engine has relaxed SIMD', async () => {
  const config = (await getWasm()).kernelConfig();
  const want = process.env.WISP_KERNELS ?? (relaxed ? 'relaxed' : 'baseline');
  assert.equal(config.includes('f32_gemm_4x8__wasmrelaxed'), want.startsWith('relaxed'), config);
  assert.equal(config.includes('f32_gemm_4x8__wasmsimd'), want === 'baseline', config);
  assert.equal(config.includes('qs8_gemm_4x8c4__wasmrelaxed'), want === 'relaxed-int8', config);
});

test('relaxed kernels match their scalar twins (this engine)', { skip: !relaxed && `${process.version} has no relaxed SIMD` }, async () => {
  const cases = await runRelaxedTwins(await readFile(TWINS));
  assert.ok(cases > 1000, `${cases} cases`);
});

test('relaxed kernels match their scalar twins (headless Chromium)', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, async () => {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const files = { '/twins.js': 'tests/js/relaxed_twins.js', '/twins.wasm': 'build-wasm/wisp_relaxed_test.wasm' };
    if (path === '/') return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html>');
    if (!files[path]) return res.writeHead(404).end();
    const type = path.endsWith('.js') ? 'text/javascript' : 'application/wasm';
    res.writeHead(200, { 'Content-Type': type }).end(await readFile(ROOT + files[path]));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { chromium } = await import('playwright-core');
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const result = await page.evaluate(async () => {
      const { runRelaxedTwins } = await import('/twins.js');
      const bytes = await (await fetch('/twins.wasm')).arrayBuffer();
      try {
        return { cases: await runRelaxedTwins(bytes) };
      } catch (e) {
        return { error: String(e) };
      }
    });
    assert.equal(result.error, undefined);
    assert.ok(result.cases > 1000, `${result.cases} cases`);
  } finally {
    await browser.close();
    server.close();
  }
});
