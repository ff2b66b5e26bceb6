/* qs8_gemm_pack.c — packing for the int16-pair GEMM, and its tile loop (qs8_gemm.h). */
#include <assert.h>
#include <string.h>

#include "config.h"

uint64_t wisp_qs8_gemm_packed_size(int K, int N) {
  uint64_t panels = ((uint64_t)N + WISP_QS8_NR - 1) / WISP_QS8_NR, kp = ((uint64_t)K + 1) / 2;
  return panels * (2 * WISP_QS8_NR * sizeof(float) + kp * 2 * WISP_QS8_NR * sizeof(int16_t));
}

int wisp_qs8_gemm_pack(int K, int N, const void *W, int w_signed, const int32_t *zp,
                       const float *scale, const float *bias, void *packed) {
  int kp = (K + 1) / 2;
  char *out = packed;
  for (int n0 = 0; n0 < N; n0 += WISP_QS8_NR) {
    float *head = (float *)out;
    int16_t *w = (int16_t *)(head + 2 * WISP_QS8_NR);
    for (int j = 0; j < WISP_QS8_NR; j++) {
      int n = n0 + j;
      head[j] = n < N ? scale[n] : 0.0f;
      head[WISP_QS8_NR + j] = n < N && bias ? bias[n] : 0.0f;
      for (int p = 0; p < kp; p++)
        for (int h = 0; h < 2; h++) {
          int k = 2 * p + h;
          int v = 0;
          if (n < N && k < K) {
            size_t i = (size_t)k * N + n;
            v = (w_signed ? ((const int8_t *)W)[i] : ((const uint8_t *)W)[i]) - zp[n];
          }
          w[(size_t)p * 2 * WISP_QS8_NR + 2 * j + h] = (int16_t)v;
        }
    }
    out = (char *)(w + (size_t)kp * 2 * WISP_QS8_NR);
  }
  return 0;
}

void wisp_qs8_gemm_with(wisp_qs8_gemm_ukernel uk, int M, int N, int K, const int16_t *A,
                        ptrdiff_t lda, const void *packed, float a_scale, float *C, ptrdiff_t ldc) {
  int kp = (K + 1) / 2;
  size_t panel = 2 * WISP_QS8_NR * sizeof(float) + (size_t)kp * 2 * WISP_QS8_NR * sizeof(int16_t);
  /* rows outside: four A rows stay in L1 while the weight panels stream past */
  for (int m0 = 0; m0 < M; m0 += WISP_QS8_MR) {
    int mr = M - m0 < WISP_QS8_MR ? M - m0 : WISP_QS8_MR;
    for (int n0 = 0; n0 < N; n0 += WISP_QS8_NR)
      uk(mr, N - n0 < WISP_QS8_NR ? N - n0 : WISP_QS8_NR, kp, A + m0 * lda, lda,
         (const char *)packed + (size_t)(n0 / WISP_QS8_NR) * panel, a_scale, C + m0 * ldc + n0,
         ldc);
  }
}

void wisp_qs8_gemm(int M, int N, int K, const int16_t *A, ptrdiff_t lda, const void *packed,
                   float a_scale, float *C, ptrdiff_t ldc) {
  wisp_qs8_gemm_with(wisp_kernels()->qs8_gemm.gemm, M, N, K, A, lda, packed, a_scale, C, ldc);
}
