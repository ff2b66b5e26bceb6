/* q4_gemm__scalar.c — the portable twin of q4_gemm__wasmsimd.c (q4_gemm.h). */
#include "q4_gemm.h"

void q4_gemm__scalar(size_t M, size_t N, size_t K, size_t block, const float *A, size_t lda,
                     const uint8_t *B, const float *scales, const uint8_t *zp, const float *bias,
                     float *Y, size_t ldy) {
  size_t blocks = (K + block - 1) / block, zb = (blocks + 1) / 2;
  float w[4 * WISP_Q4_MAX_BLOCK];
  for (size_t m = 0; m < M; m++)
    for (size_t n = 0; n < N; n++) Y[m * ldy + n] = bias ? bias[n] : 0.0f;
  for (size_t n0 = 0; n0 < N; n0 += 4) {
    size_t nc = N - n0 < 4 ? N - n0 : 4;
    for (size_t b = 0; b < blocks; b++) {
      size_t k0 = b * block, kc = K - k0 < block ? K - k0 : block;
      for (size_t j = 0; j < nc; j++) {
        size_t nb = (n0 + j) * blocks + b;
        const uint8_t *q = B + nb * (block / 2);
        int z = zp ? zp[(n0 + j) * zb + b / 2] >> (b & 1) * 4 & 15 : 8;
        float s = scales[nb];
        for (size_t k = 0; k < kc; k++) w[j * block + k] = (float)((q[k / 2] >> (k & 1) * 4 & 15) - z) * s;
      }
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
