/* q4_gemm.c — the 4-bit GEMM driver (q4_gemm.h): unpack a panel, run the f32 tiles over it. */
#include "q4_gemm.h"

#include <math.h>

#include "config.h"

void wisp_q4_gemm_with(wisp_q4_unpack_fn unpack, wisp_f32_gemm_ukernel uk,
                       wisp_f32_gemm_ukernel uk1, size_t M, size_t N, size_t K, size_t block,
                       const float *A, size_t lda, const uint8_t *B, const float *scales,
                       const uint8_t *zp, const float *bias, float *Y, size_t ldy, float *scratch) {
  size_t blocks = (K + block - 1) / block, zb = (blocks + 1) / 2;
  for (size_t n0 = 0; n0 < N; n0 += WISP_GEMM_NR) {
    int nc = N - n0 < WISP_GEMM_NR ? (int)(N - n0) : WISP_GEMM_NR;
    float b8[WISP_GEMM_NR] = {0};
    for (int j = 0; j < nc; j++) b8[j] = bias ? bias[n0 + j] : 0.0f;
    for (size_t k0 = 0; k0 < K; k0 += WISP_Q4_KC) { /* K ≥ 1 */
      size_t kc = K - k0 < WISP_Q4_KC ? K - k0 : WISP_Q4_KC;
      unpack(nc, k0 / block, (kc + block - 1) / block, block, blocks, B + n0 * blocks * (block / 2),
             scales + n0 * blocks, zp ? zp + n0 * zb : NULL, scratch);
      const float *b = k0 ? NULL : b8, *a = A + k0;
      float *y = Y + n0;
      size_t m = 0;
      for (; m + WISP_GEMM_MR <= M; m += WISP_GEMM_MR)
        uk(WISP_GEMM_MR, nc, (int)kc, a + m * lda, (ptrdiff_t)lda, scratch, b, y + m * ldy,
           (ptrdiff_t)ldy, -INFINITY, INFINITY);
      if (M - m >= 2)
        uk((int)(M - m), nc, (int)kc, a + m * lda, (ptrdiff_t)lda, scratch, b, y + m * ldy,
           (ptrdiff_t)ldy, -INFINITY, INFINITY);
      else if (M - m == 1)
        uk1(1, nc, (int)kc, a + m * lda, (ptrdiff_t)lda, scratch, b, y + m * ldy, (ptrdiff_t)ldy,
            -INFINITY, INFINITY);
    }
  }
}

void wisp_q4_gemm(size_t M, size_t N, size_t K, size_t block, const float *A, size_t lda,
                  const uint8_t *B, const float *scales, const uint8_t *zp, const float *bias,
                  float *Y, size_t ldy, float *scratch) {
  const wisp_kernel_set *ks = wisp_kernels();
  wisp_q4_gemm_with(ks->q4_unpack, ks->f32_gemm.gemm, ks->f32_gemm.gemm_1row, M, N, K, block, A,
                    lda, B, scales, zp, bias, Y, ldy, scratch);
}
