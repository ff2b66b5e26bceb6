/* The relaxed-SIMD int8 layout of qs8_gemm.h (KR = 4): packing, activation rows, the driver. */
#include <math.h>
#include <string.h>

#include "qs8_gemm.h"

#define NR WISP_QS8_NR

size_t wisp_qs8c4_gemm_packed_size(int K, int N) {
  size_t panels = ((size_t)N + NR - 1) / NR, groups = ((size_t)K + 3) / 4;
  return panels * (4 * NR * 4 + groups * 2 * NR * 4);
}

int wisp_qs8c4_gemm_pack(int K, int N, const void *W, int w_signed, const int32_t *zp,
                         const float *scale, const float *bias, void *packed) {
  size_t groups = ((size_t)K + 3) / 4;
  char *out = packed;
  for (int n0 = 0; n0 < N; n0 += NR) {
    float *head = (float *)out;
    int32_t *off = (int32_t *)(head + 2 * NR), *colsum = off + NR;
    int8_t *v = (int8_t *)(colsum + NR);
    memset(v, 0, groups * 2 * NR * 4);
    for (int j = 0; j < NR; j++) {
      int n = n0 + j;
      head[j] = n < N ? scale[n] : 0.0f;
      head[NR + j] = n < N && bias ? bias[n] : 0.0f;
      off[j] = colsum[j] = 0;
      if (n >= N) continue;
      int lo = 255, hi = -255, sum = 0;
      for (int k = 0; k < K; k++) {
        size_t i = (size_t)k * N + n;
        int w = (w_signed ? ((const int8_t *)W)[i] : ((const uint8_t *)W)[i]) - zp[n];
        lo = w < lo ? w : lo, hi = w > hi ? w : hi, sum += w;
      }
      if (K && hi - lo > 254) return -1;
      off[j] = K ? lo : 0, colsum[j] = sum;
      for (int k = 0; k < K; k++) {
        size_t i = (size_t)k * N + n;
        int w = (w_signed ? ((const int8_t *)W)[i] : ((const uint8_t *)W)[i]) - zp[n];
        int d = w - off[j], d1 = d < 127 ? d : 127;
        int8_t *g = v + (size_t)(k / 4) * 2 * NR * 4 + j * 4 + k % 4;
        g[0] = (int8_t)d1, g[NR * 4] = (int8_t)(d - d1);
      }
    }
    out = (char *)(v + groups * 2 * NR * 4);
  }
  return 0;
}

size_t wisp_qs8c4_row_bytes(int K) { return 8 + ((size_t)K + 3) / 4 * 4; }

/* As qd16_quantize (DynamicQuantizeLinear, half to even), then a = x_q - 128. */
void wisp_qs8c4_quantize_rows(int M, int K, const float *x, float scale, int32_t zp, int8_t *A) {
  size_t row = wisp_qs8c4_row_bytes(K);
  float lo = (float)-zp, hi = (float)(255 - zp);
  for (int m = 0; m < M; m++, A += row, x += K) {
    int8_t *a = A + 8;
    int32_t sum = 0;
    for (int k = 0; k < K; k++) {
      float v = x[k] / scale;
      v = v >= lo ? (v <= hi ? v : hi) : lo; /* NaN -> lo */
      a[k] = (int8_t)((int)rintf(v) + zp - 128);
      sum += a[k];
    }
    memset(a + K, 0, row - 8 - K);
    int32_t head[2] = {sum, 128 - zp};
    memcpy(A, head, sizeof head);
  }
}

void wisp_qs8c4_gemm_with(wisp_qs8c4_gemm_ukernel uk, int M, int N, int K, const int8_t *A,
                          const void *packed, float a_scale, float *C, ptrdiff_t ldc) {
  int kg = (K + 3) / 4;
  size_t panel = wisp_qs8c4_gemm_packed_size(K, NR), lda = wisp_qs8c4_row_bytes(K);
  for (int m0 = 0; m0 < M; m0 += WISP_QS8_MR) {
    int mr = M - m0 < WISP_QS8_MR ? M - m0 : WISP_QS8_MR;
    for (int n0 = 0; n0 < N; n0 += NR)
      uk(mr, N - n0 < NR ? N - n0 : NR, kg, A + m0 * lda, (ptrdiff_t)lda,
         (const char *)packed + (size_t)(n0 / NR) * panel, a_scale, C + m0 * ldc + n0, ldc);
  }
}
