/* 4×8 f32 GEMM tiles over unpacked B with a bias per row, for WASM SIMD128: the register
 * pattern of f32_gemm_4x8__wasmsimd, with B's rows ldb apart instead of in a packed panel, and
 * the tiles of a row of 4 looped here (1×1 convs with small K are mostly call overhead else). */
#ifdef __wasm_simd128__
#include <assert.h>
#include <wasm_simd128.h>

#include "gemm.h"
#include "store__wasmsimd.h"

void f32_gemm_rowbias_4x8__wasmsimd(int mr, int n, int kc, const float *A, ptrdiff_t lda,
                                    const float *B, ptrdiff_t ldb, const float *row_bias,
                                    float *C, ptrdiff_t ldc, float min, float max) {
  assert(mr >= 1 && mr <= 4 && n >= 1);
  /* rows past mr alias the last real row: computed, never stored */
  const float *a0 = A;
  const float *a1 = mr > 1 ? a0 + lda : a0;
  const float *a2 = mr > 2 ? a1 + lda : a1;
  const float *a3 = mr > 3 ? a2 + lda : a2;
  const ptrdiff_t r1 = mr > 1 ? 1 : 0, r2 = mr > 2 ? 2 : r1, r3 = mr > 3 ? 3 : r2;
  const v128_t lo = wasm_f32x4_splat(min), hi = wasm_f32x4_splat(max);
  for (int j0 = 0; j0 < n; j0 += 8, B += 8, C += 8) {
    const int nc = n - j0 < 8 ? n - j0 : 8;
    v128_t c0l, c0h, c1l, c1h, c2l, c2h, c3l, c3h;
    if (row_bias) {
      c0l = c0h = wasm_v128_load32_splat(row_bias);
      c1l = c1h = wasm_v128_load32_splat(row_bias + r1);
      c2l = c2h = wasm_v128_load32_splat(row_bias + r2);
      c3l = c3h = wasm_v128_load32_splat(row_bias + r3);
    } else { /* a later K block: continue from C */
      wisp_load_row8__wasmsimd(C, nc, &c0l, &c0h);
      wisp_load_row8__wasmsimd(C + r1 * ldc, nc, &c1l, &c1h);
      wisp_load_row8__wasmsimd(C + r2 * ldc, nc, &c2l, &c2h);
      wisp_load_row8__wasmsimd(C + r3 * ldc, nc, &c3l, &c3h);
    }
    const float *b = B;
    for (int k = 0; k < kc; k++, b += ldb) {
      const v128_t bl = wasm_v128_load(b), bh = wasm_v128_load(b + 4);
      const v128_t v0 = wasm_v128_load32_splat(a0 + k);
      const v128_t v1 = wasm_v128_load32_splat(a1 + k);
      const v128_t v2 = wasm_v128_load32_splat(a2 + k);
      const v128_t v3 = wasm_v128_load32_splat(a3 + k);
      c0l = wasm_f32x4_add(c0l, wasm_f32x4_mul(v0, bl));
      c0h = wasm_f32x4_add(c0h, wasm_f32x4_mul(v0, bh));
      c1l = wasm_f32x4_add(c1l, wasm_f32x4_mul(v1, bl));
      c1h = wasm_f32x4_add(c1h, wasm_f32x4_mul(v1, bh));
      c2l = wasm_f32x4_add(c2l, wasm_f32x4_mul(v2, bl));
      c2h = wasm_f32x4_add(c2h, wasm_f32x4_mul(v2, bh));
      c3l = wasm_f32x4_add(c3l, wasm_f32x4_mul(v3, bl));
      c3h = wasm_f32x4_add(c3h, wasm_f32x4_mul(v3, bh));
    }
    c0l = wasm_f32x4_pmin(wasm_f32x4_pmax(c0l, lo), hi), c0h = wasm_f32x4_pmin(wasm_f32x4_pmax(c0h, lo), hi);
    c1l = wasm_f32x4_pmin(wasm_f32x4_pmax(c1l, lo), hi), c1h = wasm_f32x4_pmin(wasm_f32x4_pmax(c1h, lo), hi);
    c2l = wasm_f32x4_pmin(wasm_f32x4_pmax(c2l, lo), hi), c2h = wasm_f32x4_pmin(wasm_f32x4_pmax(c2h, lo), hi);
    c3l = wasm_f32x4_pmin(wasm_f32x4_pmax(c3l, lo), hi), c3h = wasm_f32x4_pmin(wasm_f32x4_pmax(c3h, lo), hi);
    wisp_store_row8__wasmsimd(C, nc, c0l, c0h);
    if (mr > 1) wisp_store_row8__wasmsimd(C + ldc, nc, c1l, c1h);
    if (mr > 2) wisp_store_row8__wasmsimd(C + 2 * ldc, nc, c2l, c2h);
    if (mr > 3) wisp_store_row8__wasmsimd(C + 3 * ldc, nc, c3l, c3h);
  }
}
#endif
