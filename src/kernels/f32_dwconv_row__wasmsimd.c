/* Depthwise row for WASM SIMD128: 4 output pixels per step with the accumulator kept in a
 * register across all taps (one store per 4 outputs instead of one per tap). Stride 2 reads 8
 * inputs and keeps the even lanes with a constant shuffle (cheap, unlike i8x16.swizzle).
 * 3×3 undilated kernels, nearly all depthwise convs in practice, keep their 9 weights splatted
 * in registers and run with no inner loops. */
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "dwconv.h"

/* One kernel row of a 3-tap stride-2 window for 4 outputs: taps 0 and 1 are the even and odd
 * lanes of 8 inputs, tap 2 the even lanes of the 8 inputs 2 further on (one float past the last
 * tap: see dwconv.h). */
static inline v128_t s2_row(v128_t acc, const float *r, v128_t wa, v128_t wb, v128_t wc) {
  v128_t a = wasm_v128_load(r), b = wasm_v128_load(r + 4);
  v128_t a2 = wasm_v128_load(r + 2), b2 = wasm_v128_load(r + 6);
  acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wa, wasm_i32x4_shuffle(a, b, 0, 2, 4, 6)));
  acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wb, wasm_i32x4_shuffle(a, b, 1, 3, 5, 7)));
  return wasm_f32x4_add(acc, wasm_f32x4_mul(wc, wasm_i32x4_shuffle(a2, b2, 0, 2, 4, 6)));
}

void f32_dwconv_row__wasmsimd(int ow_n, int kh_n, int kw_n, int stride, int dilation,
                              const float *const *rows, const float *w, float bias, float lo,
                              float hi, float *out) {
  const v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
  int ow = 0;
  if (kh_n == 3 && kw_n == 3 && dilation == 1 && (stride == 1 || stride == 2)) {
    const v128_t w0 = wasm_f32x4_splat(w[0]), w1 = wasm_f32x4_splat(w[1]), w2 = wasm_f32x4_splat(w[2]);
    const v128_t w3 = wasm_f32x4_splat(w[3]), w4 = wasm_f32x4_splat(w[4]), w5 = wasm_f32x4_splat(w[5]);
    const v128_t w6 = wasm_f32x4_splat(w[6]), w7 = wasm_f32x4_splat(w[7]), w8 = wasm_f32x4_splat(w[8]);
    const v128_t vb = wasm_f32x4_splat(bias);
    const float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2];
    if (stride == 1) {
      for (; ow + 4 <= ow_n; ow += 4) {
        v128_t acc = wasm_f32x4_add(vb, wasm_f32x4_mul(w0, wasm_v128_load(r0 + ow)));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(w1, wasm_v128_load(r0 + ow + 1)));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(w2, wasm_v128_load(r0 + ow + 2)));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(w3, wasm_v128_load(r1 + ow)));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(w4, wasm_v128_load(r1 + ow + 1)));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(w5, wasm_v128_load(r1 + ow + 2)));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(w6, wasm_v128_load(r2 + ow)));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(w7, wasm_v128_load(r2 + ow + 1)));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(w8, wasm_v128_load(r2 + ow + 2)));
        wasm_v128_store(out + ow, wasm_f32x4_pmin(wasm_f32x4_pmax(acc, vlo), vhi));
      }
    } else {
      for (; ow + 4 <= ow_n; ow += 4) {
        v128_t acc = s2_row(vb, r0 + 2 * ow, w0, w1, w2);
        acc = s2_row(acc, r1 + 2 * ow, w3, w4, w5);
        acc = s2_row(acc, r2 + 2 * ow, w6, w7, w8);
        wasm_v128_store(out + ow, wasm_f32x4_pmin(wasm_f32x4_pmax(acc, vlo), vhi));
      }
    }
  } else if (stride == 1 || stride == 2) {
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
