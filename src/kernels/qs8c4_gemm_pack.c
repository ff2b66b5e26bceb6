/* The relaxed-SIMD int8 layout of qs8_gemm.h (KR = 4): packing, activation rows, the driver. */
#include <string.h>

#include "qs8_gemm.h"

#define NR WISP_QS8_NR
#define HEAD_BYTES (4 * NR * 4) /* scale, bias, Σ_k w', o */

uint64_t wisp_qs8c4_gemm_packed_size(int K, int N) {
  uint64_t panels = ((uint64_t)N + NR - 1) / NR, groups = ((uint64_t)K + 3) / 4;
  return panels * (HEAD_BYTES + groups * NR * 4);
}

int wisp_qs8c4_gemm_pack(int K, int N, const void *W, int w_signed, const int32_t *zp,
                         const float *scale, const float *bias, void *packed) {
  size_t groups = ((size_t)K + 3) / 4;
  char *out = packed;
#define WEIGHT(k, n) \
  ((w_signed ? ((const int8_t *)W)[(size_t)(k)*N + (n)] \
             : ((const uint8_t *)W)[(size_t)(k)*N + (n)]) - \
   zp[n])
  for (int n0 = 0; n0 < N; n0 += NR) {
    float *head = (float *)out;
    int32_t *colsum = (int32_t *)(head + 2 * NR), *off = colsum + NR;
    int8_t *v = (int8_t *)(off + NR);
    memset(v, 0, groups * NR * 4);
    for (int j = 0; j < NR; j++) {
      int n = n0 + j, lo = 0;
      head[j] = n < N ? scale[n] : 0.0f;
      head[NR + j] = n < N && bias ? bias[n] : 0.0f;
      for (int k = 0; n < N && k < K; k++) lo = k == 0 || WEIGHT(k, n) < lo ? WEIGHT(k, n) : lo;
      off[j] = lo + 128, colsum[j] = 0;
      for (int k = 0; n < N && k < K; k++) {
        int w = WEIGHT(k, n) - off[j]; /* 8-bit weights span at most 255: w ≤ 127 */
        colsum[j] += w;
        v[(size_t)(k / 4) * NR * 4 + j * 4 + k % 4] = (int8_t)w;
      }
    }
    out = (char *)(v + groups * NR * 4);
  }
#undef WEIGHT
  return 0;
}

size_t wisp_qs8c4_row_bytes(int K) { return 8 + ((size_t)K + 3) / 4 * 4; }

void wisp_qs8c4_gemm_with(wisp_qs8c4_gemm_ukernel uk, int M, int N, int K, const uint8_t *A,
                          const void *packed, float a_scale, float *C, ptrdiff_t ldc) {
  int kg = (K + 3) / 4;
  size_t panel = wisp_qs8c4_gemm_packed_size(K, NR), lda = wisp_qs8c4_row_bytes(K);
  for (int m0 = 0; m0 < M; m0 += WISP_QS8C4_MR) {
    int mr = M - m0 < WISP_QS8C4_MR ? M - m0 : WISP_QS8C4_MR;
    for (int n0 = 0; n0 < N; n0 += NR)
      uk(mr, N - n0 < NR ? N - n0 : NR, kg, A + m0 * lda, (ptrdiff_t)lda,
         (const char *)packed + (size_t)(n0 / NR) * panel, a_scale, C + m0 * ldc + n0, ldc);
  }
}
