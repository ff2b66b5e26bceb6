/* Scalar twin of f32_gemm_1x8__wasmsimd: one row of C from one packed panel. */
#include <assert.h>

#include "gemm.h"

void f32_gemm_1x8__scalar(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                          const float *bias, float *C, ptrdiff_t ldc, float min, float max) {
  assert(mr == 1 && nc >= 1 && nc <= 8);
  float acc[8] = {0};
  for (int j = 0; j < nc; j++) acc[j] = bias ? bias[j] : C[j];
  for (int k = 0; k < kc; k++, w += 8)
    for (int j = 0; j < 8; j++) acc[j] += A[k] * w[j];
  for (int j = 0; j < nc; j++) {
    float v = acc[j] < min ? min : acc[j];
    C[j] = v > max ? max : v;
  }
}
