/* Dynamic quantization of activations to int16, and to the relaxed int8 layout's uint8 rows
 * (qs8_gemm.h), plain C: the twins of the SIMD ones. */
#include <math.h>
#include <string.h>

#include "qs8_gemm.h"

void f32_minmax__scalar(size_t n, const float *x, float *min, float *max) {
  float lo = x[0], hi = x[0];
  for (size_t i = 1; i < n; i++) lo = x[i] < lo ? x[i] : lo, hi = x[i] > hi ? x[i] : hi;
  *min = lo, *max = hi;
}

void qd16_quantize__scalar(size_t n, const float *x, float scale, int32_t zp, int16_t *y) {
  float lo = (float)-zp, hi = (float)(255 - zp);
  for (size_t i = 0; i < n; i++) {
    float v = x[i] / scale;
    v = v >= lo ? (v <= hi ? v : hi) : lo; /* NaN -> lo */
    y[i] = (int16_t)rintf(v);
  }
}

void qd16_pack_cols8__scalar(size_t kp, size_t K, const int16_t *x, const ptrdiff_t *off,
                             int stride, int16_t *b) {
  for (size_t q = 0; q < kp; q++, b += 16)
    for (int j = 0; j < 8; j++) {
      b[2 * j] = x[off[2 * q] + j * stride];
      b[2 * j + 1] = 2 * q + 1 < K ? x[off[2 * q + 1] + j * stride] : 0;
    }
}

void qd8c4_quantize_rows__scalar(int M, int K, const float *x, float scale, int32_t zp,
                                 uint8_t *A) {
  size_t row = wisp_qs8c4_row_bytes(K);
  float lo = (float)-zp, hi = (float)(255 - zp);
  for (int m = 0; m < M; m++, A += row, x += K) {
    uint8_t *a = A + 8;
    int32_t sum = 0;
    for (int k = 0; k < K; k++) {
      float v = x[k] / scale;
      v = v >= lo ? (v <= hi ? v : hi) : lo; /* NaN -> lo */
      a[k] = (uint8_t)((int)rintf(v) + zp);
      sum += a[k];
    }
    memset(a + K, 0, row - 8 - K);
    int32_t head[2] = {zp, sum - K * zp};
    memcpy(A, head, sizeof head);
  }
}
