/* bnb4_gemm__scalar.c — the portable twin of bnb4_gemm__wasmsimd.c (bnb4_gemm.h). */
#include "bnb4_gemm.h"

void bnb4_gemm__scalar(size_t M, size_t N, size_t K, size_t block, const float *code,
                       const float *A, size_t lda, const uint8_t *B, const float *absmax, float *Y,
                       size_t ldy) {
  float w[4 * WISP_BNB4_MAX_BLOCK];
  for (size_t m = 0; m < M; m++)
    for (size_t n = 0; n < N; n++) Y[m * ldy + n] = 0.0f;
  for (size_t n0 = 0; n0 < N; n0 += 4) {
    size_t nc = N - n0 < 4 ? N - n0 : 4;
    for (size_t k0 = 0; k0 < K; k0 += block) {
      size_t kc = K - k0 < block ? K - k0 : block;
      for (size_t j = 0; j < nc; j++)
        wisp_bnb4_decode(B, absmax, code, block, (n0 + j) * K + k0, kc, w + j * block);
      for (size_t m = 0; m < M; m++) {
        const float *a = A + m * lda + k0;
        for (size_t j = 0; j < nc; j++) {
          float acc = 0.0f;
          for (size_t k = 0; k < kc; k++) acc += a[k] * w[j * block + k];
          Y[m * ldy + n0 + j] += acc;
        }
      }
    }
  }
}
