// relaxed_kernels.test.js — the relaxed-SIMD build: its kernels against their scalar twins
// (relaxed_twins.js) in this engine and in headless Chromium, and which kernels the core picks.
// Run under Node 22 (.node22/node_modules/.bin/node, installed by .ci/setup) for the relaxed
// path; under Node 20, which lacks relaxed SIMD, the core must pick the baseline SIMD128 kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { getWasm, relaxedGemmRows, relaxedSimdSupported } from '../../web/wasm.js';
import { runRelaxedTwins } from './relaxed_twins.js';
import ort from 'onnxruntime-node';
import { CHROMIUM, DT, inChromium, launchChromium, maxAbsDiff, model, node, randomFloats, valueInfo } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TWINS = `${ROOT}build-wasm/wisp_relaxed_test.wasm`;
const relaxed = relaxedSimdSupported();

// Whether this engine's relaxed dot product is exact on uint8 × int8 (x86 VNNI), asked of the twins
// module: the core must use the relaxed int8 GEMM exactly then.
async function usdotExact() {
  const { instance } = await WebAssembly.instantiate(await readFile(TWINS), {});
  return instance.exports.wisp_relaxed_usdot_exact(-128, 127, 255) === 1;
}

// The module shares the core's memory and has no stack of its own: its stack pointer (the only
// global wasm-ld gives it) must start at 0, so a kernel using the stack (a local array whose
// address is taken) traps at the top of memory instead of writing over the core's data, which a
// stack at 64 KB did until session 8 (f32_vmath's tails: results that changed between runs).
test('the relaxed kernels modules have no stack: their stack pointer is 0', () => {
  for (const file of ['wisp_relaxed.wasm', 'wisp_relaxed_mt.wasm']) {
    const b = readFileSync(`${ROOT}web/${file}`);
    let p = 8;
    const leb = () => { let r = 0, s = 0, x; do { x = b[p++]; r |= (x & 0x7f) << s; s += 7; } while (x & 0x80); return r >>> 0; };
    let globals = null;
    while (p < b.length) {
      const id = b[p++], size = leb(), end = p + size;
      if (id === 6) globals = b.subarray(p, end);
      p = end;
    }
    assert.ok(globals, `${file}: no global section`);
    // count, then per global: type, mutability, init expression (i32.const 0, end)
    const n = globals[0];
    assert.equal(globals.length, 1 + 5 * n, `${file}: globals ${Buffer.from(globals).toString('hex')}`);
    for (let g = 0; g < n; g++)
      assert.deepEqual([...globals.subarray(1 + 5 * g + 2, 1 + 5 * g + 5)], [0x41, 0x00, 0x0b], `${file}: global ${g} does not start at 0`);
  }
});

// ... and no kernel may touch it: a stack pointer of 0 only makes a kernel that does trap when it
// runs, and only a run that reaches it shows that (the Winograd F(4×4) transforms did, session
// 12, while their loops were rolled over arrays on the stack). The modules' one global is that
// pointer, so the disassembly (llvm-objdump-19, from llvm-19 next to the clang-19 that builds
// them) must have no global.get or global.set at all.
test('no relaxed kernel uses the stack: the modules read and write no global', () => {
  for (const file of ['wisp_relaxed.wasm', 'wisp_relaxed_mt.wasm']) {
    const dis = execFileSync('llvm-objdump-19', ['-d', `${ROOT}web/${file}`], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.ok(dis.includes('v128.load'), `${file}: no disassembly`);
    const uses = dis.split('\n').filter((l) => /\bglobal\.(get|set)\b/.test(l));
    assert.deepEqual(uses, [], `${file}: a kernel uses the stack pointer`);
  }
});

test('the core picks relaxed kernels exactly where the engine has relaxed SIMD', async () => {
  const config = (await getWasm()).kernelConfig();
  const want = process.env.WISP_KERNELS ?? (relaxed ? 'relaxed' : 'baseline');
  // the f32 tile's height by engine: 4 rows on V8 12 (Node 22), 6 on V8 13+ (Node 24)
  assert.equal(config.includes(`f32_gemm_${relaxedGemmRows()}x8__wasmrelaxed`), want === 'relaxed', config);
  assert.equal(config.includes('f32_gemm_4x8__wasmsimd'), want === 'baseline', config);
  assert.equal(config.includes('qs8_gemm_6x8c4__wasmrelaxed'), want === 'relaxed' && await usdotExact(), config);
});

test('relaxed kernels match their scalar twins (this engine)', { skip: !relaxed && `${process.version} has no relaxed SIMD` }, async () => {
  const { cases, int8 } = await runRelaxedTwins(await readFile(TWINS));
  console.log(`${cases} cases; the int8 GEMM ${int8 ? 'checked' : 'not used here (relaxed dot not exact on uint8)'}`);
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
        return await runRelaxedTwins(bytes);
      } catch (e) {
        return { error: String(e) };
      }
    });
    assert.equal(result.error, undefined);
    console.log(`Chromium: ${result.cases} cases; the int8 GEMM ${result.int8 ? 'checked' : 'not used there'}`);
    assert.ok(result.cases > 1000, `${result.cases} cases`);
  } finally {
    await browser.close();
    server.close();
  }
});

// The int8 paths as a page runs them, through the relaxed build and the baseline one, each in its
// own page, against onnxruntime-node: an int8 MatMul chain (odd sizes: 10×37×19, 10×19×8) and a
// lone DynamicQuantizeLinear (ResNet-18 q8 has them where one quantized input feeds two convs; it
// called a kernel the relaxed int8 configuration lacked, a crash, until session 8). Integer
// results are exact in both builds, so the two must agree bit for bit.
test('q8 in headless Chromium: relaxed and baseline builds agree bit for bit and match onnxruntime', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, async () => {
  const lone = model({
    nodes: [node('DynamicQuantizeLinear', ['x'], ['y', 'y_scale', 'y_zero_point'])],
    inputs: [valueInfo('x', DT.float, [2, 5, 37])],
    outputs: [valueInfo('y', DT.uint8, [2, 5, 37]), valueInfo('y_scale', DT.float, []), valueInfo('y_zero_point', DT.uint8, [])],
  });
  const cases = [
    { name: 'MatMul chain', model: await readFile(`${ROOT}tests/fixtures/quant/matmul_s8.onnx`), tol: 1e-5 },
    { name: 'DynamicQuantizeLinear', model: lone, tol: 0 },
  ];
  const dims = [2, 5, 37], x = randomFloats(2 * 5 * 37, 3, -2, 2);
  await inChromium(ROOT, async ({ browser, url }) => {
    const page = await browser.newPage();
    await page.goto(`${url}/web/index.js`);
    const exact = await page.evaluate(async () => {
      const { instance } = await WebAssembly.instantiate(await (await fetch('/build-wasm/wisp_relaxed_test.wasm')).arrayBuffer(), {});
      return instance.exports.wisp_relaxed_usdot_exact(-128, 127, 255) === 1;
    });
    await page.close();
    for (const c of cases) {
      const o = await ort.InferenceSession.create(c.model);
      const want = await o.run({ x: new ort.Tensor('float32', x, dims) });
      const runs = {};
      for (const kernels of ['auto', 'baseline']) {
        const page = await browser.newPage();
        await page.goto(`${url}/web/index.js`);
        runs[kernels] = await page.evaluate(async ({ bytes, x, dims, kernels }) => {
          const { InferenceSession, Tensor, env } = await import('/web/index.js');
          if (kernels === 'baseline') env.wasm.relaxedSimd = false;
          const s = await InferenceSession.create(Uint8Array.from(bytes), { numThreads: 1 });
          const out = await s.run({ x: new Tensor('float32', Float32Array.from(x), dims) });
          return { out: Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.data)])), config: s.kernelConfig };
        }, { bytes: Array.from(c.model), x: Array.from(x), dims, kernels });
        await page.close();
      }
      console.log(`Chromium, ${c.name}: relaxed dot exact on uint8: ${exact}; relaxed build: ${runs.auto.config}`);
      assert.equal(runs.auto.config.includes('qs8_gemm_6x8c4__wasmrelaxed'), exact);
      assert.deepEqual(runs.auto.out, runs.baseline.out, c.name);
      for (const [k, t] of Object.entries(want)) {
        const d = maxAbsDiff(Float32Array.from(runs.auto.out[k]), Float32Array.from(t.data));
        assert.ok(d <= c.tol, `${c.name} ${k}: max |Δ| ${d} against onnxruntime-node`);
      }
    }
  });
});
