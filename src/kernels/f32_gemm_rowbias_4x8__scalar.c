/* Scalar twin of f32_gemm_rowbias_4x8__wasmsimd. */
#include <assert.h>

#include "gemm.h"

void f32_gemm_rowbias_4x8__scalar(int mr, int n, int kc, const float *A, ptrdiff_t lda,
                                  const float *B, ptrdiff_t ldb, const float *row_bias, float *C,
                                  ptrdiff_t ldc, float min, float max) {
  assert(mr >= 1 && mr <= 4 && n >= 1);
  for (int j0 = 0; j0 < n; j0 += 8) {
    int nc = n - j0 < 8 ? n - j0 : 8;
    float acc[4][8] = {{0}};
    for (int i = 0; i < mr; i++)
      for (int j = 0; j < nc; j++) acc[i][j] = row_bias ? row_bias[i] : C[i * ldc + j0 + j];
    const float *b = B + j0;
    for (int k = 0; k < kc; k++, b += ldb)
      for (int i = 0; i < mr; i++) {
        float a = A[i * lda + k];
        for (int j = 0; j < nc; j++) acc[i][j] += a * b[j];
      }
    for (int i = 0; i < mr; i++)
      for (int j = 0; j < nc; j++) {
        float v = acc[i][j] < min ? min : acc[i][j];
        C[i * ldc + j0 + j] = v > max ? max : v;
      }
  }
}
