// gemm_relaxed.js — f32 GEMM of the SIMD128 and the relaxed-SIMD kernel builds, each against a
// 4×8 tile loop of its own instructions from L1 (mul+add, or relaxed_madd), back to back in one
// process (timings on shared machines move by 30% between minutes). Needs Node 22+ or another
// engine with relaxed SIMD; build first with bench/gemm_relaxed.sh.
//   .node22/node_modules/.bin/node bench/gemm_relaxed.js [rounds]
import { readFile } from 'node:fs/promises';

const shapes = [[128, 384, 384], [128, 384, 1536], [128, 1536, 384]]; // MiniLM's (M, K, N)
const rounds = +(process.argv[2] ?? 7);

async function load(v) {
  const bytes = await readFile(new URL(`../build-wasm/gemm_tile_${v}.wasm`, import.meta.url));
  const stub = () => { throw new Error('not in this benchmark'); };
  const { instance } = await WebAssembly.instantiate(bytes, { env: new Proxy({}, { get: () => stub }) });
  const e = instance.exports;
  e.memory.grow(Math.max(0, 64 * 1024 * 1024 / 65536 - e.memory.buffer.byteLength / 65536));
  return { v, e };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const builds = await Promise.all(['simd128', 'relaxed'].map(load));
const BASE = 1 << 20;

function setup({ e }, M, K, N) {
  const f = new Float32Array(e.memory.buffer);
  const A = BASE, B = A + M * K * 4, P = B + K * N * 4, C = P + (K + 1) * (N + 8) * 4;
  for (let i = 0; i < M * K; i++) f[(A >> 2) + i] = (i % 7) * 0.1;
  for (let i = 0; i < K * N; i++) f[(B >> 2) + i] = (i % 5) * 0.1;
  e.pack(K, N, B, P);
  return { A, P, C };
}

function timeGemm(b, M, K, N, bufs) {
  const t0 = performance.now();
  b.e.gemm(M, N, K, bufs.A, bufs.P, bufs.C);
  return (2 * M * K * N) / ((performance.now() - t0) / 1e3) / 1e9;
}

function timeTile(b) {
  const iters = 4000, t0 = performance.now();
  b.e.tile_loop(BASE, BASE + 4096, iters);
  return (iters * 64 * 8 * 8) / ((performance.now() - t0) / 1e3) / 1e9;
}

const results = {};
for (const b of builds) { // warm-up: V8 tiers up only after many calls
  for (let i = 0; i < 200; i++) timeTile(b);
  for (const [M, K, N] of shapes) {
    const bufs = setup(b, M, K, N);
    for (let i = 0; i < 30; i++) timeGemm(b, M, K, N, bufs);
  }
}
for (let r = 0; r < rounds; r++)
  for (const b of builds) {
    (results[`${b.v} tile`] ??= []).push(Math.max(...Array.from({ length: 20 }, () => timeTile(b))));
    for (const [M, K, N] of shapes) {
      const bufs = setup(b, M, K, N);
      const g = Math.max(...Array.from({ length: 10 }, () => timeGemm(b, M, K, N, bufs)));
      (results[`${b.v} ${M}x${K}x${N}`] ??= []).push(g);
    }
  }
console.log(`node ${process.version}; medians of ${rounds} interleaved rounds (best of 10-20 calls each), GFLOP/s`);
for (const b of builds) {
  const tile = median(results[`${b.v} tile`]);
  console.log(`${b.v.padEnd(8)} tile loop ${tile.toFixed(1)}`);
  for (const [M, K, N] of shapes) {
    const g = median(results[`${b.v} ${M}x${K}x${N}`]);
    console.log(`${b.v.padEnd(8)} gemm ${`${M}x${K}x${N}`.padEnd(13)} ${g.toFixed(1)}  (${(100 * g / tile).toFixed(0)}% of its tile loop)`);
  }
}
