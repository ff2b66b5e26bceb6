// threads_browser.test.js — demo/serve.js makes its pages cross-origin isolated (COOP + COEP), so
// a page gets SharedArrayBuffer and wisp runs threaded there (Web Workers over the shared memory,
// the page's main thread spinning for the last tiles), with the 1-thread result bit for bit.
// Skips when Debian's chromium is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { CHROMIUM, DT, attrInt, launchChromium, model, node, randomFloats, serveStatic, tensorProto, valueInfo } from './helpers.js';

const SERVE = fileURLToPath(new URL('../../demo/serve.js', import.meta.url));

function startDemo() {
  const child = spawn(process.execPath, [SERVE, '--port', '0', '--no-examples']);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/demo: http:\/\/[^:]+:(\d+)/);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`demo/serve.js exited ${code}: ${out}`)));
  });
}

test('the demo page is cross-origin isolated and runs threaded, equal to 1 thread', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, async () => {
  const { chromium } = await import('playwright-core');
  const { child, port } = await startDemo();
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The demo page runs its models in workers (its CSP keeps wasm off the page itself).
    await page.goto(`http://127.0.0.1:${port}/demo/`);
    const demo = await page.evaluate(async () => {
      const { load } = await import('/web/index.js');
      const base = new URL('/models/fashion-cnn/', location.href).href;
      const image = { data: Uint8ClampedArray.from({ length: 28 * 28 * 4 }, (_, i) => (i * 37) % 256), width: 28, height: 28 };
      const scores = [];
      for (const numThreads of [1, 2]) {
        const m = await load(base, { worker: true, numThreads });
        scores.push(await m.classify(image, { topk: 10 }));
        await m.release?.();
      }
      return { isolated: globalThis.crossOriginIsolated, scores };
    });
    assert.equal(demo.isolated, true, 'COOP/COEP headers missing: the demo page is not cross-origin isolated');
    assert.equal(demo.scores[0].length, 10);
    assert.deepEqual(demo.scores[1], demo.scores[0], 'worker mode: 2 threads differ from 1 thread');
    // A document of the same server without the page's CSP: sessions on the page's main thread.
    await page.goto(`http://127.0.0.1:${port}/models/fashion-cnn/config.json`);
    const r = await page.evaluate(async () => {
      const { InferenceSession, Tensor } = await import('/web/index.js');
      const url = '/models/fashion-cnn/onnx/model.onnx';
      const x = new Tensor('float32', Float32Array.from({ length: 16 * 784 }, (_, i) => Math.sin(i) * 0.5 + 0.5), [16, 1, 28, 28]);
      const one = await InferenceSession.create(url, { numThreads: 1 });
      const two = await InferenceSession.create(url, { numThreads: 2 });
      const dflt = await InferenceSession.create(url);
      const [a, b] = [(await one.run({ pixel_values: x })), (await two.run({ pixel_values: x }))];
      const bytes = (t) => Array.from(new Uint8Array(t.data.buffer));
      const name = one.outputNames[0];
      return {
        isolated: globalThis.crossOriginIsolated, cores: navigator.hardwareConcurrency,
        one: one.kernelConfig, two: two.kernelConfig, dflt: dflt.numThreads,
        same: JSON.stringify(bytes(a[name])) === JSON.stringify(bytes(b[name])), n: a[name].data.length,
      };
    });
    assert.equal(r.isolated, true, 'COOP/COEP headers missing: the page is not cross-origin isolated');
    assert.match(r.one, / threads=1$/);
    assert.match(r.two, / threads=2$/);
    assert.equal(r.dflt, Math.min(r.cores, 8));
    assert.equal(r.n, 160);
    assert.ok(r.same, '2 threads differ from 1 thread');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    child.kill();
  }
});

// The int8 GEMM in Chromium, which computes relaxed_dot exactly (so wisp takes the 4-byte-group
// kernels, not Node's int16 pairs): its tiles over 2 threads equal 1 thread on an isolated page.
test('int8 MatMul in Chromium: 2 threads equal 1 thread', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} not installed` }, async () => {
  const [M, K, N] = [97, 200, 75];
  const bytes = model({
    nodes: [
      node('DynamicQuantizeLinear', ['x'], ['xq', 'xs', 'xzp']),
      node('MatMulInteger', ['xq', 'w', 'xzp'], ['yi']),
      node('Cast', ['yi'], ['yf'], [attrInt('to', DT.float)]),
      node('Mul', ['xs', 'ws'], ['s']),
      node('Mul', ['yf', 's'], ['y']),
    ],
    inputs: [valueInfo('x', DT.float, [M, K])],
    outputs: [valueInfo('y', DT.float, [M, N])],
    initializers: [
      tensorProto('w', DT.int8, [K, N], Int8Array.from(randomFloats(K * N, 31, -127, 127), Math.round)),
      tensorProto('ws', DT.float, [], Float32Array.of(0.01)),
    ],
  });
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const { chromium } = await import('playwright-core');
  const { server, url } = await serveStatic(root, { isolated: true, files: { '/int8.onnx': bytes } });
  const browser = await launchChromium(chromium);
  try {
    const page = await browser.newPage();
    await page.goto(`${url}/web/index.js`);
    const r = await page.evaluate(async ([m, k]) => {
      const { InferenceSession, Tensor } = await import('/web/index.js');
      const x = new Tensor('float32', Float32Array.from({ length: m * k }, (_, i) => Math.sin(i * 0.37) * 3), [m, k]);
      const out = [];
      for (const numThreads of [1, 2]) {
        const s = await InferenceSession.create('/int8.onnx', { numThreads });
        out.push({ config: s.kernelConfig, y: Array.from(new Uint8Array((await s.run({ x })).y.data.buffer)) });
        await s.release();
      }
      return { isolated: globalThis.crossOriginIsolated, out };
    }, [M, K]);
    assert.equal(r.isolated, true);
    assert.match(r.out[1].config, /qs8_gemm=qs8_gemm_6x8c4__wasmrelaxed.* threads=2$/, 'not the 4-byte-group kernels');
    assert.equal(r.out[0].y.length, M * N * 4);
    assert.ok(r.out[0].y.some((v) => v !== 0), 'all zeros');
    assert.deepEqual(r.out[1].y, r.out[0].y, '2 threads differ from 1 thread');
  } finally {
    await browser.close();
    server.close();
  }
});
