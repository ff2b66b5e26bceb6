/* Depthwise rows for WASM SIMD128: 4 output pixels per step with the accumulator kept in a
 * register across all taps (one store per 4 outputs instead of one per tap). Stride 2 reads 8
 * inputs and keeps the even lanes with a constant shuffle (cheap, unlike i8x16.swizzle).
 * 3×3 undilated kernels, nearly all depthwise convs in practice, keep their 9 weights splatted
 * in registers for the whole channel and run with no inner loops. 5×5 and 7×7 (EfficientNet,
 * ConvNeXt) run rows unrolled for their width, 8 outputs per step so each weight splat serves
 * two accumulators; at stride 2 one pair of loads gives the inputs of two adjacent taps. */
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "dwconv.h"
#include "store__wasmsimd.h"

/* built twice, like the GEMM tiles: relaxed_madd in the relaxed kernels module */
#define MADD(acc, w, x) WISP_F32X4_MULADD(w, x, acc)

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

/* One kernel row of kn taps (a constant once inlined) for outputs [0, 4) and [4, 8) (n8) or
 * [0, 4): r is the row's first input. */
static inline void wide_row(v128_t *acc0, v128_t *acc1, int n8, const float *r, const float *w,
                            int kn, int stride) {
  for (int kw = 0; kw < kn; kw += stride) {
    const v128_t wa = wasm_v128_load32_splat(w + kw);
    if (stride == 1) {
      *acc0 = MADD(*acc0, wa, wasm_v128_load(r + kw));
      if (n8) *acc1 = MADD(*acc1, wa, wasm_v128_load(r + kw + 4));
      continue;
    }
    const v128_t wb = kw + 1 < kn ? wasm_v128_load32_splat(w + kw + 1) : wasm_f32x4_splat(0);
    v128_t a = wasm_v128_load(r + kw), b = wasm_v128_load(r + kw + 4);
    *acc0 = MADD(*acc0, wa, wasm_i32x4_shuffle(a, b, 0, 2, 4, 6));
    if (kw + 1 < kn) *acc0 = MADD(*acc0, wb, wasm_i32x4_shuffle(a, b, 1, 3, 5, 7));
    if (n8) {
      v128_t c = wasm_v128_load(r + kw + 8), d = wasm_v128_load(r + kw + 12);
      *acc1 = MADD(*acc1, wa, wasm_i32x4_shuffle(c, d, 0, 2, 4, 6));
      if (kw + 1 < kn) *acc1 = MADD(*acc1, wb, wasm_i32x4_shuffle(c, d, 1, 3, 5, 7));
    }
  }
}

/* Where the next 4 outputs of a row of ow_n start, after those before ow: ow itself while 4 fit;
 * then, if some are left, the row's last 4 (recomputing a few: the same sums in the same order,
 * so the same values), which beats a scalar tail of up to 3 outputs × taps on small planes
 * (MobileNet's 7×7 and 14×14); -1 when the row is done or narrower than 4. */
static inline int next4(int ow, int ow_n) {
  return ow + 4 <= ow_n ? ow : ow < ow_n && ow_n >= 4 ? ow_n - 4 : -1;
}

/* Row oh's outputs of a kn×kn undilated window, 8 a step while 8 fit; returns where it stopped
 * (ow_n unless the row is narrower than 4). */
static inline int wide_rows(int ow_n, int kn, int stride, const float *base, const ptrdiff_t *tap,
                            const float *w, v128_t vb, v128_t vlo, v128_t vhi, float *out) {
  int ow = 0;
  for (int o; (o = next4(ow, ow_n)) >= 0; ow = o + (o + 8 <= ow_n ? 8 : 4)) {
    int n8 = o + 8 <= ow_n;
    v128_t acc0 = vb, acc1 = vb;
    for (int t = 0; t < kn; t++)
      wide_row(&acc0, &acc1, n8, base + tap[t] + o * stride, w + t * kn, kn, stride);
    wasm_v128_store(out + o, wasm_f32x4_pmin(wasm_f32x4_pmax(acc0, vlo), vhi));
    if (n8) wasm_v128_store(out + o + 4, wasm_f32x4_pmin(wasm_f32x4_pmax(acc1, vlo), vhi));
  }
  return ow;
}

void WISP_SIMD(f32_dwconv_rows)(int oh_n, int ow_n, int taps, int kw_n, int stride, int dilation,
                                const float *base, ptrdiff_t row_step, const ptrdiff_t *tap,
                                const float *w, float bias, float lo, float hi, float *out) {
  const v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi), vb = wasm_f32x4_splat(bias);
  const int k3x3 = taps == 3 && kw_n == 3 && dilation == 1 && (stride == 1 || stride == 2);
  v128_t wv[9];
  for (int i = 0; k3x3 && i < 9; i++) wv[i] = wasm_f32x4_splat(w[i]);
  for (int oh = 0; oh < oh_n; oh++, base += row_step, out += ow_n) {
    int ow = 0;
    const int wide = dilation == 1 && taps == kw_n && (kw_n == 5 || kw_n == 7);
    if (wide && kw_n == 5 && stride == 1)
      ow = wide_rows(ow_n, 5, 1, base, tap, w, vb, vlo, vhi, out);
    else if (wide && kw_n == 5 && stride == 2)
      ow = wide_rows(ow_n, 5, 2, base, tap, w, vb, vlo, vhi, out);
    else if (wide && kw_n == 7 && stride == 1)
      ow = wide_rows(ow_n, 7, 1, base, tap, w, vb, vlo, vhi, out);
    else if (wide && kw_n == 7 && stride == 2)
      ow = wide_rows(ow_n, 7, 2, base, tap, w, vb, vlo, vhi, out);
    else if (k3x3) {
      const float *r0 = base + tap[0], *r1 = base + tap[1], *r2 = base + tap[2];
      if (stride == 1)
        for (int o; (o = next4(ow, ow_n)) >= 0; ow = o + 4) {
          v128_t acc = s1_row(vb, r0 + o, wv[0], wv[1], wv[2]);
          acc = s1_row(acc, r1 + o, wv[3], wv[4], wv[5]);
          acc = s1_row(acc, r2 + o, wv[6], wv[7], wv[8]);
          wasm_v128_store(out + o, wasm_f32x4_pmin(wasm_f32x4_pmax(acc, vlo), vhi));
        }
      else
        for (int o; (o = next4(ow, ow_n)) >= 0; ow = o + 4) {
          v128_t acc = s2_row(vb, r0 + 2 * o, wv[0], wv[1], wv[2]);
          acc = s2_row(acc, r1 + 2 * o, wv[3], wv[4], wv[5]);
          acc = s2_row(acc, r2 + 2 * o, wv[6], wv[7], wv[8]);
          wasm_v128_store(out + o, wasm_f32x4_pmin(wasm_f32x4_pmax(acc, vlo), vhi));
        }
    } else if (stride == 1 || stride == 2) {
      for (int o; (o = next4(ow, ow_n)) >= 0; ow = o + 4) {
        v128_t acc = vb;
        for (int t = 0; t < taps; t++) {
          const float *r = base + tap[t] + o * stride;
          for (int kw = 0; kw < kw_n; kw++) {
            const float *p = r + kw * dilation;
            v128_t x = stride == 1 ? wasm_v128_load(p)
                                   : wasm_i32x4_shuffle(wasm_v128_load(p), wasm_v128_load(p + 4), 0,
                                                        2, 4, 6);
            acc = MADD(acc, wasm_f32x4_splat(w[t * kw_n + kw]), x);
          }
        }
        wasm_v128_store(out + o, wasm_f32x4_pmin(wasm_f32x4_pmax(acc, vlo), vhi));
      }
    }
    for (; ow < ow_n; ow++) { /* rows narrower than 4, and other strides */
      float acc = bias;
      for (int t = 0; t < taps; t++)
        for (int kw = 0; kw < kw_n; kw++)
          acc += w[t * kw_n + kw] * base[tap[t] + ow * stride + kw * dilation];
      out[ow] = acc < lo ? lo : acc > hi ? hi : acc;
    }
  }
}
#endif
