/* 4×8 tile of the int16-pair GEMM (qs8_gemm.h), plain C: the twin of the SIMD kernel. */
#include <assert.h>

#include "qs8_gemm.h"

void qs8_gemm_4x8c2__scalar(int mr, int nc, int kp, const int16_t *A, ptrdiff_t lda, const void *w,
                            float a_scale, float *C, ptrdiff_t ldc) {
  assert(mr >= 1 && mr <= 4 && nc >= 1 && nc <= 8);
  const float *scale = w, *bias = scale + 8;
  const int16_t *b = (const int16_t *)(bias + 8);
  int32_t acc[4][8] = {{0}};
  for (int p = 0; p < kp; p++, b += 16)
    for (int m = 0; m < mr; m++) {
      int32_t a0 = A[m * lda + 2 * p], a1 = A[m * lda + 2 * p + 1];
      for (int j = 0; j < 8; j++) acc[m][j] += a0 * b[2 * j] + a1 * b[2 * j + 1];
    }
  for (int m = 0; m < mr; m++)
    for (int j = 0; j < nc; j++) C[m * ldc + j] = (float)acc[m][j] * (a_scale * scale[j]) + bias[j];
}
