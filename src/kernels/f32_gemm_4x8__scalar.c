/* Scalar twin of f32_gemm_4x8__wasmsimd: same tile, same packed panel, plain C. */
#include <assert.h>

#include "f32_gemm_tile__scalar.h"
#include "gemm.h"

void f32_gemm_4x8__scalar(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                          const float *bias, float *C, ptrdiff_t ldc, float min, float max) {
  assert(mr >= 1 && mr <= 4 && nc >= 1 && nc <= 8);
  wisp_f32_tile__scalar(mr, nc, kc, A, lda, w, bias, C, ldc, min, max);
}
