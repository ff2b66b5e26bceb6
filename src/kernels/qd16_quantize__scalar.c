/* Dynamic quantization of activations to int16 (qs8_gemm.h), plain C: the twin of the SIMD one. */
#include <math.h>

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
