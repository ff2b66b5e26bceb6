// zoo_browser.test.js — the model zoo (bench/make_zoo.py, as zoo.test.js runs it in Node) in
// headless Chromium, where a page picks the relaxed-SIMD build: the kernels Node 20 never runs
// (relaxed f32 GEMM tiles, depthwise rows and, on x86 VNNI, the int8 GEMM) through whole models
// of architectures wisp's authors did not write, each against onnxruntime-node on the same seeded
// feeds: every element within 1e-4 of the reference, relative to max(1, |ref|) (relaxed_madd may
// round differently). The first shape set of every member that is not --full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

import { CHROMIUM, inChromium, zooFeeds } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MANIFEST = `${ROOT}bench/models/zoo/manifest.json`;
const TOL = 1e-4;

const skip = !existsSync(CHROMIUM) ? `${CHROMIUM} not installed`
  : !existsSync(MANIFEST) ? 'no bench/models/zoo: run /usr/bin/python3 bench/make_zoo.py' : false;

test('the zoo in headless Chromium (relaxed build) matches onnxruntime-node', { skip }, async () => {
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  const members = Object.entries(manifest).filter(([, e]) => !e.full && existsSync(`${ROOT}bench/models/zoo/${e.file}`));
  assert.ok(members.length >= 5, `only ${members.length} zoo members`);
  await inChromium(ROOT, async ({ browser, url }) => {
    const page = await browser.newPage();
    await page.goto(`${url}/web/index.js`);
    for (const [name, entry] of members) {
      const feeds = zooFeeds(entry.inputs, entry.shapes[0], 1000);
      const o = await ort.InferenceSession.create(`${ROOT}bench/models/zoo/${entry.file}`, { intraOpNumThreads: 1 });
      const want = await o.run(Object.fromEntries(feeds.map((f) => [f.name, new ort.Tensor(f.type, f.data, f.dims)])));
      const got = await page.evaluate(async ({ file, feeds }) => {
        const { InferenceSession, Tensor } = await import('/web/index.js');
        const s = await InferenceSession.create(`/bench/models/zoo/${file}`, { numThreads: 1 });
        const out = await s.run(Object.fromEntries(feeds.map(({ name, type, data, dims }) => [name,
          new Tensor(type, type === 'int64' ? BigInt64Array.from(data, BigInt) : Float32Array.from(data), dims)])));
        const config = s.kernelConfig;
        await s.release();
        return { config, out: Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { dims: t.dims, data: Array.from(t.data) }])) };
      }, { file: entry.file, feeds: feeds.map((f) => ({ ...f, data: Array.from(f.data, Number) })) });
      assert.match(got.config, /f32_gemm_6x8__wasmrelaxed/, 'Chromium 130+ picks the relaxed build, 6-row f32 tiles');
      for (const out of o.outputNames) {
        const ref = want[out].data, w = got.out[out];
        assert.deepEqual(w.dims, Array.from(want[out].dims, Number), `${name} ${out} dims`);
        let worst = 0, big = 0;
        for (let i = 0; i < ref.length; i++) {
          const r = Math.abs(w.data[i] - ref[i]) / Math.max(1, Math.abs(ref[i]));
          if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
          big = Math.max(big, Math.abs(ref[i]));
        }
        console.log(`Chromium zoo ${name} ${out}: max |Δ|/max(1,|ref|) ${worst.toExponential(2)} (max |ref| ${big.toFixed(3)})`);
        assert.ok(big > 0, `${name}: the reference ${out} is all zero, so equality proves nothing`);
        assert.ok(worst <= TOL, `${name} ${out}: ${worst} > ${TOL}`);
      }
    }
  });
});
