/* 4×8 f32 GEMM tile for WASM SIMD128 over a packed panel (f32_gemm_tile__wasmsimd.h), starting
 * from the panel's column bias or from C. */
#ifdef __wasm_simd128__
#include <assert.h>

#include "f32_gemm_tile__wasmsimd.h"
#include "gemm.h"

void WISP_SIMD(f32_gemm_4x8)(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                             const float *bias, float *C, ptrdiff_t ldc, float min, float max) {
  assert(mr >= 1 && mr <= 4 && nc >= 1 && nc <= 8);
  v128_t c[8];
  if (bias) {
    const v128_t bl = wasm_v128_load(bias), bh = wasm_v128_load(bias + 4);
    for (int i = 0; i < 8; i += 2) c[i] = bl, c[i + 1] = bh;
  } else { /* a later K block: continue from C */
    wisp_f32_tile4x8_load__wasmsimd(c, mr, nc, C, ldc);
  }
  wisp_f32_tile4x8__wasmsimd(c, mr, nc, kc, A, lda, w, 8, C, ldc, min, max);
}
#endif
