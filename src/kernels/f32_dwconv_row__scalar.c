/* Scalar twin of f32_dwconv_row__wasmsimd. */
#include "dwconv.h"

void f32_dwconv_row__scalar(int ow_n, int kh_n, int kw_n, int stride, int dilation,
                            const float *const *rows, const float *w, float bias, float lo,
                            float hi, float *out) {
  for (int ow = 0; ow < ow_n; ow++) {
    float acc = bias;
    for (int kh = 0; kh < kh_n; kh++)
      for (int kw = 0; kw < kw_n; kw++)
        acc += w[kh * kw_n + kw] * rows[kh][ow * stride + kw * dilation];
    out[ow] = acc < lo ? lo : acc > hi ? hi : acc;
  }
}
