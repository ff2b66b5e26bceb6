/* Scalar twin of f32_gemm_6x8__wasmrelaxed: the 4×8 twin's loop over six rows. */
#include <assert.h>

#include "gemm.h"

void f32_gemm_6x8__scalar(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                          const float *bias, float *C, ptrdiff_t ldc, float min, float max) {
  assert(mr >= 1 && mr <= 6 && nc >= 1 && nc <= 8);
  float acc[6][8] = {{0}};
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nc; j++) acc[i][j] = bias ? bias[j] : C[i * ldc + j];
  for (int k = 0; k < kc; k++, w += 8)
    for (int i = 0; i < mr; i++) {
      float a = A[i * lda + k];
      for (int j = 0; j < 8; j++) acc[i][j] += a * w[j];
    }
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nc; j++) {
      float v = acc[i][j] < min ? min : acc[i][j];
      C[i * ldc + j] = v > max ? max : v;
    }
}
