/* Depthwise rows for WASM SIMD128: 4 output pixels per step with the accumulator kept in a
 * register across all taps (one store per 4 outputs instead of one per tap). Stride 2 reads 8
 * inputs and keeps the even lanes with a constant shuffle (cheap, unlike i8x16.swizzle).
 * 3×3 undilated kernels, nearly all depthwise convs in practice, keep their 9 weights splatted
 * in registers for the whole channel and run with no inner loops. */
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "dwconv.h"

#define MADD(acc, w, x) wasm_f32x4_add(acc, wasm_f32x4_mul(w, x))

/* One kernel row of a 3-tap stride-2 window for 4 outputs: taps 0 and 1 are the even and odd
 * lanes of 8 inputs, tap 2 the even lanes of the 8 inputs 2 further on (one float past the last
 * tap: see dwconv.h). */
static inline v128_t s2_row(v128_t acc, const float *r, v128_t wa, v128_t wb, v128_t wc) {
  v128_t a = wasm_v128_load(r), b = wasm_v128_load(r + 4);
  v128_t a2 = wasm_v128_load(r + 2), b2 = wasm_v128_load(r + 6);
  acc = MADD(acc, wa, wasm_i32x4_shuffle(a, b, 0, 2, 4, 6));
  acc = MADD(acc, wb, wasm_i32x4_shuffle(a, b, 1, 3, 5, 7));
  return MADD(acc, wc, wasm_i32x4_shuffle(a2, b2, 0, 2, 4, 6));
}

/* One kernel row of a 3-tap stride-1 window for 4 outputs. */
static inline v128_t s1_row(v128_t acc, const float *r, v128_t wa, v128_t wb, v128_t wc) {
  acc = MADD(acc, wa, wasm_v128_load(r));
  acc = MADD(acc, wb, wasm_v128_load(r + 1));
  return MADD(acc, wc, wasm_v128_load(r + 2));
}

void f32_dwconv_rows__wasmsimd(int oh_n, int ow_n, int taps, int kw_n, int stride, int dilation,
                               const float *base, ptrdiff_t row_step, const ptrdiff_t *tap,
                               const float *w, float bias, float lo, float hi, float *out) {
  const v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi), vb = wasm_f32x4_splat(bias);
  const int k3x3 = taps == 3 && kw_n == 3 && dilation == 1 && (stride == 1 || stride == 2);
  v128_t wv[9];
  for (int i = 0; k3x3 && i < 9; i++) wv[i] = wasm_f32x4_splat(w[i]);
  for (int oh = 0; oh < oh_n; oh++, base += row_step, out += ow_n) {
    int ow = 0;
    if (k3x3) {
      const float *r0 = base + tap[0], *r1 = base + tap[1], *r2 = base + tap[2];
      if (stride == 1)
        for (; ow + 4 <= ow_n; ow += 4) {
          v128_t acc = s1_row(vb, r0 + ow, wv[0], wv[1], wv[2]);
          acc = s1_row(acc, r1 + ow, wv[3], wv[4], wv[5]);
          acc = s1_row(acc, r2 + ow, wv[6], wv[7], wv[8]);
          wasm_v128_store(out + ow, wasm_f32x4_pmin(wasm_f32x4_pmax(acc, vlo), vhi));
        }
      else
        for (; ow + 4 <= ow_n; ow += 4) {
          v128_t acc = s2_row(vb, r0 + 2 * ow, wv[0], wv[1], wv[2]);
          acc = s2_row(acc, r1 + 2 * ow, wv[3], wv[4], wv[5]);
          acc = s2_row(acc, r2 + 2 * ow, wv[6], wv[7], wv[8]);
          wasm_v128_store(out + ow, wasm_f32x4_pmin(wasm_f32x4_pmax(acc, vlo), vhi));
        }
    } else if (stride == 1 || stride == 2) {
      for (; ow + 4 <= ow_n; ow += 4) {
        v128_t acc = vb;
        for (int t = 0; t < taps; t++) {
          const float *r = base + tap[t] + ow * stride;
          for (int kw = 0; kw < kw_n; kw++) {
            const float *p = r + kw * dilation;
            v128_t x = stride == 1 ? wasm_v128_load(p)
                                   : wasm_i32x4_shuffle(wasm_v128_load(p), wasm_v128_load(p + 4), 0, 2, 4, 6);
            acc = MADD(acc, wasm_f32x4_splat(w[t * kw_n + kw]), x);
          }
        }
        wasm_v128_store(out + ow, wasm_f32x4_pmin(wasm_f32x4_pmax(acc, vlo), vhi));
      }
    }
    for (; ow < ow_n; ow++) { /* tail, and other strides */
      float acc = bias;
      for (int t = 0; t < taps; t++)
        for (int kw = 0; kw < kw_n; kw++)
          acc += w[t * kw_n + kw] * base[tap[t] + ow * stride + kw * dilation];
      out[ow] = acc < lo ? lo : acc > hi ? hi : acc;
    }
  }
}
#endif
