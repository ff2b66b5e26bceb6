// gemm_micro.js — the GEMM microbenchmark of bench/gemm_relaxed.js, as a plain ES module so it
// runs in Node and in a Chromium page: each kernel build (build-wasm/gemm_tile_{simd128,relaxed}
// .wasm, from bench/gemm_relaxed.sh) times its f32 and int8 GEMMs on MiniLM's shapes against a
// 4×8 tile loop of its own instructions from L1, back to back (timings on shared machines move by
// 30% between minutes). bytesOf(build) resolves to the .wasm bytes. Returns printable lines.
import { median } from './inputs.js';

const SHAPES = [[128, 384, 384], [128, 384, 1536], [128, 1536, 384]]; // MiniLM's (M, K, N)
const BASE = 1 << 20;

async function load(v, bytesOf) {
  const stub = () => { throw new Error('not in this benchmark'); };
  const { instance } = await WebAssembly.instantiate(await bytesOf(v), { env: new Proxy({}, { get: () => stub }) });
  const e = instance.exports;
  e.memory.grow(Math.max(0, 64 * 1024 * 1024 / 65536 - e.memory.buffer.byteLength / 65536));
  return { v, e };
}

// Buffers of one shape: f32 (A, packed B, C) and int8 (quantized A, packed W, C).
function setup({ e }, M, K, N) {
  const f = new Float32Array(e.memory.buffer), i8 = new Int8Array(e.memory.buffer);
  const A = BASE, B = A + M * K * 4, P = B + K * N * 4, C = P + (K + 1) * (N + 8) * 4;
  for (let i = 0; i < M * K; i++) f[(A >> 2) + i] = (i % 7) * 0.1;
  for (let i = 0; i < K * N; i++) f[(B >> 2) + i] = (i % 5) * 0.1;
  e.pack(K, N, B, P);
  const QA = C + M * N * 4, W = QA + e.qsizes(M, K, N, 0), QP = W + K * N, zp = QP + e.qsizes(M, K, N, 1);
  for (let i = 0; i < K * N; i++) i8[W + i] = (i % 251) - 125;
  e.qpack(K, N, W, zp, zp + 4 * N, QP);
  e.qquantize(M, K, A, QA);
  return { A, P, C, QA, QP };
}

const gops = (ops, ms) => ops / (ms / 1e3) / 1e9;
// ms per call, over as many calls as fill 5 ms: a page's clock ticks in 0.1 ms, and a call
// can take 0.3 ms
function time(fn) {
  const t0 = performance.now();
  let calls = 0, t;
  do fn(), calls++;
  while ((t = performance.now() - t0) < 5);
  return t / calls;
}

// shapes: [M, K, N] triples (MiniLM's unless given)
export async function runGemmBench(bytesOf, rounds = 7, shapes = SHAPES) {
  const builds = [];
  for (const v of ['simd128', 'relaxed']) builds.push(await load(v, bytesOf));
  const gemm = (fn, [M, K, N], s) => gops(2 * M * K * N, time(() => fn(M, N, K, s.A, s.P, s.C)));
  const runs = {
    f32: (b) => gops(4000 * 64 * 8 * 8, time(() => b.e.tile_loop(BASE, BASE + 4096, 4000))),
    f32x6: (b) => gops(4000 * 64 * 8 * 12, time(() => b.e.tile_loop6(BASE, BASE + 4096, 4000))),
    int8: (b) => gops(4000 * 64 * 2 * b.e.qtile_macs(), time(() => b.e.qtile_loop(BASE, BASE + 4096, 4000))),
  };
  const gemms = {
    f32: (b, shape, s) => gemm(b.e.gemm, shape, s),
    f32x6: (b, shape, s) => gemm(b.e.gemm6, shape, s),
    int8: (b, [M, K, N], s) => gops(2 * M * K * N, time(() => b.e.qgemm(M, N, K, s.QA, s.QP, s.C))),
  };
  // f32x6: the relaxed build's 6-row f32 tile (web/wasm.js takes it where V8 is 13 or later)
  const kinds = (b) => (b.e.gemm6 ? ['f32', 'f32x6', 'int8'] : ['f32', 'int8']);
  for (const b of builds) { // warm-up: engines tier up only after many calls
    for (const kind of kinds(b)) for (let i = 0; i < 40; i++) runs[kind](b);
    for (const shape of shapes) {
      const s = setup(b, ...shape);
      for (const kind of kinds(b)) for (let i = 0; i < 10; i++) gemms[kind](b, shape, s);
    }
  }
  const results = {};
  const best = (n, fn) => Math.max(...Array.from({ length: n }, fn));
  for (let r = 0; r < rounds; r++)
    for (const b of builds) {
      for (const kind of kinds(b)) (results[`${b.v} ${kind} tile`] ??= []).push(best(20, () => runs[kind](b)));
      for (const shape of shapes) {
        const s = setup(b, ...shape);
        for (const kind of kinds(b)) (results[`${b.v} ${kind} ${shape}`] ??= []).push(best(10, () => gemms[kind](b, shape, s)));
      }
    }
  // the share: the median of each round's GEMM / tile loop, timed seconds apart, which the
  // machine's drift between minutes moves far less than a ratio of the two medians
  const lines = [`medians of ${rounds} interleaved rounds (best of 10-20 timings of ≥ 5 ms each), G multiply-add·2 per s; share of the tile loop: median of the per-round ratios`];
  const names = { f32: 'mul+add / relaxed_madd, 4 rows', f32x6: 'relaxed_madd, 6 rows', int8: 'dot_i16x8 / relaxed dot' };
  for (const b of builds)
    for (const kind of kinds(b)) {
      const tiles = results[`${b.v} ${kind} tile`];
      lines.push(`${b.v.padEnd(8)} ${kind.padEnd(5)} tile loop (${names[kind]}) ${median(tiles).toFixed(1)}`);
      for (const shape of shapes) {
        const gs = results[`${b.v} ${kind} ${shape}`], share = median(gs.map((g, r) => g / tiles[r]));
        lines.push(`${b.v.padEnd(8)} ${kind.padEnd(5)} gemm ${shape.join('x').padEnd(13)} ${median(gs).toFixed(1)}  (${(100 * share).toFixed(0)}% of its tile loop)`);
      }
    }
  return lines;
}
