/* Scalar twins of f32_vmax_rows__wasmsimd and f32_hmax__wasmsimd. */
#include "maxpool.h"

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
