/* f32_gemm_tile__scalar.h — the plain-C tile the scalar twins of the f32 GEMM tiles share: up
 * to 6 rows × 8 columns over a packed panel, starting from the bias or from C, then clamped. */
#ifndef WISP_KERNELS_F32_GEMM_TILE_SCALAR_H
#define WISP_KERNELS_F32_GEMM_TILE_SCALAR_H

#include <stddef.h>

static inline void wisp_f32_tile__scalar(int mr, int nc, int kc, const float *A, ptrdiff_t lda,
                                         const float *w, const float *bias, float *C, ptrdiff_t ldc,
                                         float min, float max) {
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

#endif
