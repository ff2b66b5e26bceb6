/* Scalar twins of f32_vmax_rows__wasmsimd, f32_hmax__wasmsimd and f32_vsum__wasmsimd. */
#include "pool.h"

void f32_vmax_rows__scalar(int n, int rows, const float *x, ptrdiff_t stride, float *out) {
  for (int i = 0; i < n; i++) {
    float best = x[i];
    for (int r = 1; r < rows; r++) best = x[r * stride + i] > best ? x[r * stride + i] : best;
    out[i] = best;
  }
}

void f32_hmax__scalar(int n, int k, int s, const float *t, float *out) {
  for (int o = 0; o < n; o++, t += s) {
    float best = t[0];
    for (int j = 1; j < k; j++) best = t[j] > best ? t[j] : best;
    out[o] = best;
  }
}

/* the SIMD kernel's order: 16 partial sums (4 vectors of 4), combined pairwise, then the tail */
float f32_vsum__scalar(size_t n, const float *x) {
  float acc[16] = {0};
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) acc[j] += x[i + j];
  for (int j = 0; j < 4; j++) acc[j] = (acc[j] + acc[j + 4]) + (acc[j + 8] + acc[j + 12]);
  float sum = (acc[0] + acc[2]) + (acc[1] + acc[3]);
  for (; i < n; i++) sum += x[i];
  return sum;
}
