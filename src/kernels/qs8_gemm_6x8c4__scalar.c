/* 6×8 tile of the int8-quad layout (qs8_gemm.h, KR = 4), plain C: the twin of the relaxed one. */
#include <assert.h>
#include <string.h>

#include "qs8_gemm.h"

void qs8_gemm_6x8c4__scalar(int mr, int nc, int kg, const uint8_t *A, ptrdiff_t lda, const void *w,
                            float a_scale, float *C, ptrdiff_t ldc) {
  assert(mr >= 1 && mr <= WISP_QS8C4_MR && nc >= 1 && nc <= 8);
  const float *scale = w, *bias = scale + 8;
  const int32_t *colsum = (const int32_t *)(bias + 8), *off = colsum + 8;
  const int8_t *v = (const int8_t *)(off + 8);
  for (int m = 0; m < mr; m++) {
    int32_t head[2]; /* x_zp, Σ_k x_q - K·x_zp */
    memcpy(head, A + m * lda, sizeof head);
    const uint8_t *a = A + m * lda + 8;
    for (int j = 0; j < nc; j++) {
      /* int64: the terms may leave int32 where the sum does not (the SIMD one wraps) */
      int64_t acc = (int64_t)off[j] * head[1] - (int64_t)head[0] * colsum[j];
      for (int k = 0; k < 4 * kg; k++) acc += a[k] * v[(size_t)(k / 4) * 32 + j * 4 + k % 4];
      C[m * ldc + j] = (float)acc * (a_scale * scale[j]) + bias[j];
    }
  }
}
