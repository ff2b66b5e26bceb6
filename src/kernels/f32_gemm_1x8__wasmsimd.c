/* 1×8 f32 GEMM tile for WASM SIMD128: the row tail of the 4×8 loop and the whole of M=1
 * (batch-1 dense layers). Two accumulator pairs over alternate k break the add dependency
 * chain, which is what limits a single row. */
#ifdef __wasm_simd128__
#include <assert.h>
#include <wasm_simd128.h>

#include "gemm.h"
#include "store__wasmsimd.h"

void WISP_SIMD(f32_gemm_1x8)(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                             const float *bias, float *C, ptrdiff_t ldc, float min, float max) {
  assert(mr == 1 && nc >= 1 && nc <= 8);
  v128_t lo, hi;
  if (bias) lo = wasm_v128_load(bias), hi = wasm_v128_load(bias + 4);
  else wisp_load_row8__wasmsimd(C, nc, &lo, &hi); /* a later K block */
  v128_t lo2 = wasm_f32x4_splat(0.0f), hi2 = lo2;
  int k = 0;
  for (; k + 2 <= kc; k += 2, w += 16) {
    const v128_t a0 = wasm_v128_load32_splat(A + k), a1 = wasm_v128_load32_splat(A + k + 1);
    lo = WISP_F32X4_MULADD(a0, wasm_v128_load(w), lo);
    hi = WISP_F32X4_MULADD(a0, wasm_v128_load(w + 4), hi);
    lo2 = WISP_F32X4_MULADD(a1, wasm_v128_load(w + 8), lo2);
    hi2 = WISP_F32X4_MULADD(a1, wasm_v128_load(w + 12), hi2);
  }
  if (k < kc) {
    const v128_t a0 = wasm_v128_load32_splat(A + k);
    lo = WISP_F32X4_MULADD(a0, wasm_v128_load(w), lo);
    hi = WISP_F32X4_MULADD(a0, wasm_v128_load(w + 4), hi);
  }
  lo = wasm_f32x4_add(lo, lo2);
  hi = wasm_f32x4_add(hi, hi2);
  const v128_t vmin = wasm_f32x4_splat(min), vmax = wasm_f32x4_splat(max);
  lo = wasm_f32x4_pmin(wasm_f32x4_pmax(lo, vmin), vmax);
  hi = wasm_f32x4_pmin(wasm_f32x4_pmax(hi, vmin), vmax);
  wisp_store_row8__wasmsimd(C, nc, lo, hi);
}
#endif
