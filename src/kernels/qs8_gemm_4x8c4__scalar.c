/* 4×8 tile of the int8-quad layout (qs8_gemm.h, KR = 4), plain C: the twin of the relaxed one. */
#include <assert.h>
#include <string.h>

#include "qs8_gemm.h"

void qs8_gemm_4x8c4__scalar(int mr, int nc, int kg, const int8_t *A, ptrdiff_t lda, const void *w,
                            float a_scale, float *C, ptrdiff_t ldc) {
  assert(mr >= 1 && mr <= 4 && nc >= 1 && nc <= 8);
  const float *scale = w, *bias = scale + 8;
  const int32_t *off = (const int32_t *)(bias + 8), *colsum = off + 8;
  const int8_t *v = (const int8_t *)(colsum + 8);
  for (int m = 0; m < mr; m++) {
    int32_t head[2];
    memcpy(head, A + m * lda, sizeof head);
    const int8_t *a = A + m * lda + 8;
    for (int j = 0; j < nc; j++) {
      int32_t acc = off[j] * head[0] + colsum[j] * head[1];
      for (int g = 0; g < kg; g++)
        for (int q = 0; q < 4; q++) {
          const int8_t *b = v + (size_t)g * 64 + j * 4 + q;
          acc += a[4 * g + q] * (b[0] + b[32]);
        }
      C[m * ldc + j] = (float)acc * (a_scale * scale[j]) + bias[j];
    }
  }
}
