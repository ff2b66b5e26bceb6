/* Scalar twin of f32_dwconv_rows__wasmsimd. */
#include "dwconv.h"

void f32_dwconv_rows__scalar(int oh_n, int ow_n, int taps, int kw_n, int stride, int dilation,
                             const float *base, ptrdiff_t row_step, const ptrdiff_t *tap,
                             const float *w, float bias, float lo, float hi, float *out) {
  for (int oh = 0; oh < oh_n; oh++, base += row_step, out += ow_n)
    for (int ow = 0; ow < ow_n; ow++) {
      float acc = bias;
      for (int t = 0; t < taps; t++)
        for (int kw = 0; kw < kw_n; kw++)
          acc += w[t * kw_n + kw] * base[tap[t] + ow * stride + kw * dilation];
      out[ow] = acc < lo ? lo : acc > hi ? hi : acc;
    }
}
