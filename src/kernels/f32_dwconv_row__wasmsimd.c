/* Depthwise row for WASM SIMD128: 4 output pixels per step with the accumulator kept in a
 * register across all taps (one store per 4 outputs instead of one per tap). Stride 2 reads 8
 * inputs and keeps the even lanes with a constant shuffle (cheap, unlike i8x16.swizzle). */
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "dwconv.h"

void f32_dwconv_row__wasmsimd(int ow_n, int kh_n, int kw_n, int stride, int dilation,
                              const float *const *rows, const float *w, float bias, float lo,
                              float hi, float *out) {
  const v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
  int ow = 0;
  if (stride == 1 || stride == 2) {
    for (; ow + 4 <= ow_n; ow += 4) {
      v128_t acc = wasm_f32x4_splat(bias);
      for (int kh = 0; kh < kh_n; kh++) {
        const float *r = rows[kh] + ow * stride;
        for (int kw = 0; kw < kw_n; kw++) {
          const float *p = r + kw * dilation;
          v128_t x = stride == 1 ? wasm_v128_load(p)
                                 : wasm_i32x4_shuffle(wasm_v128_load(p), wasm_v128_load(p + 4), 0, 2, 4, 6);
          acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(w[kh * kw_n + kw]), x));
        }
      }
      wasm_v128_store(out + ow, wasm_f32x4_pmin(wasm_f32x4_pmax(acc, vlo), vhi));
    }
  }
  for (; ow < ow_n; ow++) { /* tail, and other strides */
    float acc = bias;
    for (int kh = 0; kh < kh_n; kh++)
      for (int kw = 0; kw < kw_n; kw++)
        acc += w[kh * kw_n + kw] * rows[kh][ow * stride + kw * dilation];
    out[ow] = acc < lo ? lo : acc > hi ? hi : acc;
  }
}
#endif
