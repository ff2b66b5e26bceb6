/* 4×8 tile of the int16-pair GEMM (qs8_gemm.h) for WASM SIMD128: per pair of K, two weight
 * vectors (columns 0-3 and 4-7) and one 32-bit splat of each A row's pair, eight
 * i32x4.dot_i16x8_s (vpmaddwd) into eight int32 accumulators. */
#ifdef __wasm_simd128__
#include <assert.h>
#include <wasm_simd128.h>

#include "qs8_gemm.h"
#include "store__wasmsimd.h"

void qs8_gemm_4x8c2__wasmsimd(int mr, int nc, int kp, const int16_t *A, ptrdiff_t lda,
                              const void *w, float a_scale, float *C, ptrdiff_t ldc) {
  assert(mr >= 1 && mr <= 4 && nc >= 1 && nc <= 8);
  /* rows past mr alias the last real row: computed, never stored */
  const int16_t *a0 = A;
  const int16_t *a1 = mr > 1 ? a0 + lda : a0;
  const int16_t *a2 = mr > 2 ? a1 + lda : a1;
  const int16_t *a3 = mr > 3 ? a2 + lda : a2;
  const float *head = w;
  const int16_t *b = (const int16_t *)(head + 16);
  v128_t c0l = wasm_i32x4_const_splat(0), c0h = c0l, c1l = c0l, c1h = c0l, c2l = c0l, c2h = c0l,
         c3l = c0l, c3h = c0l;
  for (int p = 0; p < kp; p++, b += 16) {
    const v128_t bl = wasm_v128_load(b), bh = wasm_v128_load(b + 8);
    const v128_t v0 = wasm_v128_load32_splat(a0 + 2 * p);
    const v128_t v1 = wasm_v128_load32_splat(a1 + 2 * p);
    const v128_t v2 = wasm_v128_load32_splat(a2 + 2 * p);
    const v128_t v3 = wasm_v128_load32_splat(a3 + 2 * p);
    c0l = wasm_i32x4_add(c0l, wasm_i32x4_dot_i16x8(v0, bl));
    c0h = wasm_i32x4_add(c0h, wasm_i32x4_dot_i16x8(v0, bh));
    c1l = wasm_i32x4_add(c1l, wasm_i32x4_dot_i16x8(v1, bl));
    c1h = wasm_i32x4_add(c1h, wasm_i32x4_dot_i16x8(v1, bh));
    c2l = wasm_i32x4_add(c2l, wasm_i32x4_dot_i16x8(v2, bl));
    c2h = wasm_i32x4_add(c2h, wasm_i32x4_dot_i16x8(v2, bh));
    c3l = wasm_i32x4_add(c3l, wasm_i32x4_dot_i16x8(v3, bl));
    c3h = wasm_i32x4_add(c3h, wasm_i32x4_dot_i16x8(v3, bh));
  }
  const v128_t as = wasm_f32x4_splat(a_scale);
  const v128_t sl = wasm_f32x4_mul(as, wasm_v128_load(head)),
               sh = wasm_f32x4_mul(as, wasm_v128_load(head + 4));
  const v128_t bl = wasm_v128_load(head + 8), bh = wasm_v128_load(head + 12);
#define OUT(c, s, bb) wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(c), s), bb)
  wisp_store_row8__wasmsimd(C, nc, OUT(c0l, sl, bl), OUT(c0h, sh, bh));
  if (mr > 1) wisp_store_row8__wasmsimd(C + ldc, nc, OUT(c1l, sl, bl), OUT(c1h, sh, bh));
  if (mr > 2) wisp_store_row8__wasmsimd(C + 2 * ldc, nc, OUT(c2l, sl, bl), OUT(c2h, sh, bh));
  if (mr > 3) wisp_store_row8__wasmsimd(C + 3 * ldc, nc, OUT(c3l, sl, bl), OUT(c3h, sh, bh));
#undef OUT
}
#endif
