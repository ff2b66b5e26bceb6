/* 6×8 f32 GEMM tile over a packed panel with f32x4.relaxed_madd, built only into the relaxed
 * kernels module. An FMA's latency (4 cycles) times its throughput (2 a cycle) needs 8
 * multiply-adds in flight: the 4×8 tile's 8 accumulators are exactly that, and any stall costs;
 * 12 leave slack. V8 from 13 (Chromium 130+, Node 24+) keeps 12 accumulators, 2 B vectors and a
 * splat in registers, and this tile runs about 15% faster than the 4×8 there; V8 12 (Node 22)
 * spills them, so web/wasm.js picks this one by engine (wasm.js: relaxedGemmRows). */
#ifdef __wasm_relaxed_simd__
#include <assert.h>
#include <wasm_simd128.h>

#include "gemm.h"
#include "store__wasmsimd.h"

#define MR 6
#define MADD(c, a, b) c = wasm_f32x4_relaxed_madd(a, b, c)

void f32_gemm_6x8__wasmrelaxed(int mr, int nc, int kc, const float *A, ptrdiff_t lda,
                               const float *w, const float *bias, float *C, ptrdiff_t ldc,
                               float min, float max) {
  assert(mr >= 1 && mr <= MR && nc >= 1 && nc <= 8);
  /* rows past mr alias the last real row: computed, never stored */
  const float *a[MR];
  a[0] = A;
  for (int i = 1; i < MR; i++) a[i] = i < mr ? a[i - 1] + lda : a[i - 1];
  const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3], *a4 = a[4], *a5 = a[5];
  v128_t c[2 * MR];
  if (bias) {
    const v128_t bl = wasm_v128_load(bias), bh = wasm_v128_load(bias + 4);
    for (int i = 0; i < 2 * MR; i += 2) c[i] = bl, c[i + 1] = bh;
  } else { /* a later K block: continue from C */
    for (int i = 0; i < MR; i++)
      wisp_load_row8__wasmsimd(C + (i < mr ? i : mr - 1) * ldc, nc, &c[2 * i], &c[2 * i + 1]);
  }
  for (int k = 0; k < kc; k++, w += 8) {
    const v128_t bl = wasm_v128_load(w), bh = wasm_v128_load(w + 4);
    v128_t v = wasm_v128_load32_splat(a0 + k);
    MADD(c[0], v, bl), MADD(c[1], v, bh);
    v = wasm_v128_load32_splat(a1 + k);
    MADD(c[2], v, bl), MADD(c[3], v, bh);
    v = wasm_v128_load32_splat(a2 + k);
    MADD(c[4], v, bl), MADD(c[5], v, bh);
    v = wasm_v128_load32_splat(a3 + k);
    MADD(c[6], v, bl), MADD(c[7], v, bh);
    v = wasm_v128_load32_splat(a4 + k);
    MADD(c[8], v, bl), MADD(c[9], v, bh);
    v = wasm_v128_load32_splat(a5 + k);
    MADD(c[10], v, bl), MADD(c[11], v, bh);
  }
  /* clamp with pmin/pmax: one x86 instruction each, unlike f32x4.min/max */
  const v128_t lo = wasm_f32x4_splat(min), hi = wasm_f32x4_splat(max);
  for (int i = 0; i < MR; i++) /* a fixed count: unrolled, no array in memory */
    if (i < mr)
      wisp_store_row8__wasmsimd(C + i * ldc, nc, wasm_f32x4_pmin(wasm_f32x4_pmax(c[2 * i], lo), hi),
                                wasm_f32x4_pmin(wasm_f32x4_pmax(c[2 * i + 1], lo), hi));
}
#endif
