/* 4×8 f32 GEMM tiles for WASM SIMD128 over unpacked B (rows ldb apart) with a bias per row: the
 * register tile of f32_gemm_tile__wasmsimd.h, started from the row bias or from C, for every
 * 8 columns of a row of 4 (1×1 convs with small K would be mostly call overhead else). */
#ifdef __wasm_simd128__
#include <assert.h>

#include "f32_gemm_tile__wasmsimd.h"
#include "gemm.h"

void WISP_SIMD(f32_gemm_rowbias_4x8)(int mr, int n, int kc, const float *A, ptrdiff_t lda,
                                     const float *B, ptrdiff_t ldb, const float *row_bias, float *C,
                                     ptrdiff_t ldc, float min, float max) {
  assert(mr >= 1 && mr <= 4 && n >= 1);
  for (int j0 = 0; j0 < n; j0 += 8) {
    const int nc = n - j0 < 8 ? n - j0 : 8;
    v128_t c[8];
    if (row_bias) /* rows past mr repeat the last real row's bias */
      for (int i = 0; i < 4; i++)
        c[2 * i] = c[2 * i + 1] = wasm_v128_load32_splat(row_bias + (i < mr ? i : mr - 1));
    else /* a later K block: continue from C */
      wisp_f32_tile4x8_load__wasmsimd(c, mr, nc, C + j0, ldc);
    wisp_f32_tile4x8__wasmsimd(c, mr, nc, kc, A, lda, B + j0, ldb, C + j0, ldc, min, max);
  }
}
#endif
