/* Dynamic quantization of activations (qs8_gemm.h) for WASM SIMD128, to int16 and to the relaxed
 * int8 layout's uint8 rows: divide (as onnxruntime does, not a reciprocal multiply), clamp, round
 * half to even, narrow. */
#ifdef __wasm_simd128__
#include <math.h>
#include <string.h>
#include <wasm_simd128.h>

#include "qs8_gemm.h"

void f32_minmax__wasmsimd(size_t n, const float *x, float *min, float *max) {
  float lo = x[0], hi = x[0];
  size_t i = 0;
  if (n >= 16) { /* four independent pairs: one pair's chain of pmin / pmax is latency-bound */
    v128_t l0 = wasm_v128_load(x), l1 = wasm_v128_load(x + 4), l2 = wasm_v128_load(x + 8),
           l3 = wasm_v128_load(x + 12), h0 = l0, h1 = l1, h2 = l2, h3 = l3;
    for (i = 16; i + 16 <= n; i += 16) {
      v128_t v0 = wasm_v128_load(x + i), v1 = wasm_v128_load(x + i + 4);
      v128_t v2 = wasm_v128_load(x + i + 8), v3 = wasm_v128_load(x + i + 12);
      l0 = wasm_f32x4_pmin(v0, l0), h0 = wasm_f32x4_pmax(v0, h0);
      l1 = wasm_f32x4_pmin(v1, l1), h1 = wasm_f32x4_pmax(v1, h1);
      l2 = wasm_f32x4_pmin(v2, l2), h2 = wasm_f32x4_pmax(v2, h2);
      l3 = wasm_f32x4_pmin(v3, l3), h3 = wasm_f32x4_pmax(v3, h3);
    }
    v128_t vlo = wasm_f32x4_pmin(wasm_f32x4_pmin(l0, l1), wasm_f32x4_pmin(l2, l3));
    v128_t vhi = wasm_f32x4_pmax(wasm_f32x4_pmax(h0, h1), wasm_f32x4_pmax(h2, h3));
    float l[4], h[4];
    wasm_v128_store(l, vlo), wasm_v128_store(h, vhi);
    for (int j = 0; j < 4; j++) lo = l[j] < lo ? l[j] : lo, hi = h[j] > hi ? h[j] : hi;
  }
  for (; i < n; i++) lo = x[i] < lo ? x[i] : lo, hi = x[i] > hi ? x[i] : hi;
  *min = lo, *max = hi;
}

void qd16_quantize__wasmsimd(size_t n, const float *x, float scale, int32_t zp, int16_t *y) {
  const float flo = (float)-zp, fhi = (float)(255 - zp);
  const v128_t s = wasm_f32x4_splat(scale), lo = wasm_f32x4_splat(flo), hi = wasm_f32x4_splat(fhi);
  size_t i = 0;
  /* v + 1.5·2^23 rounds v (|v| ≤ 255) to an integer, half to even, into the low mantissa bits:
   * one add and one integer subtract instead of f32x4.nearest and i32x4.trunc_sat_f32x4, which
   * V8 expands into several x86 instructions each */
  const v128_t magic = wasm_f32x4_splat(12582912.0f), magic_bits = wasm_i32x4_splat(0x4B400000);
  for (; i + 8 <= n; i += 8) {
    v128_t a = wasm_f32x4_div(wasm_v128_load(x + i), s),
           b = wasm_f32x4_div(wasm_v128_load(x + i + 4), s);
    a = wasm_f32x4_add(wasm_f32x4_pmin(hi, wasm_f32x4_pmax(lo, a)), magic); /* NaN -> lo */
    b = wasm_f32x4_add(wasm_f32x4_pmin(hi, wasm_f32x4_pmax(lo, b)), magic);
    wasm_v128_store(y + i, wasm_i16x8_narrow_i32x4(wasm_i32x4_sub(a, magic_bits),
                                                   wasm_i32x4_sub(b, magic_bits)));
  }
  for (; i < n; i++) {
    float v = x[i] / scale;
    v = v >= flo ? (v <= fhi ? v : fhi) : flo;
    y[i] = (int16_t)rintf(v);
  }
}

/* x_q = rint(clamp(x / scale, -zp, 255 - zp)) + zp for 4 floats, rounded as qd16_quantize__wasmsimd
 * does, the zero point riding along in the integer subtract: bits_zp = bits(1.5·2^23) - zp. */
static inline v128_t quantize_u8x4(const float *x, v128_t scale, v128_t lo, v128_t hi, v128_t magic,
                                   v128_t bits_zp) {
  v128_t v = wasm_f32x4_div(wasm_v128_load(x), scale);
  v = wasm_f32x4_add(wasm_f32x4_pmin(hi, wasm_f32x4_pmax(lo, v)), magic); /* NaN -> lo */
  return wasm_i32x4_sub(v, bits_zp);
}

/* 16 at a time: x_q ∈ [0, 255] summed as int32 and narrowed twice (both saturating, neither
 * binding). */
void qd8c4_quantize_rows__wasmsimd(int M, int K, const float *x, float scale, int32_t zp,
                                   uint8_t *A) {
  const size_t row = wisp_qs8c4_row_bytes(K);
  const float flo = (float)-zp, fhi = (float)(255 - zp);
  const v128_t s = wasm_f32x4_splat(scale), lo = wasm_f32x4_splat(flo), hi = wasm_f32x4_splat(fhi);
  const v128_t magic = wasm_f32x4_splat(12582912.0f), bits_zp = wasm_i32x4_splat(0x4B400000 - zp);
  for (int m = 0; m < M; m++, A += row, x += K) {
    uint8_t *a = A + 8;
    v128_t vsum = wasm_i32x4_splat(0);
    int k = 0;
    for (; k + 16 <= K; k += 16) {
      const v128_t q0 = quantize_u8x4(x + k, s, lo, hi, magic, bits_zp);
      const v128_t q1 = quantize_u8x4(x + k + 4, s, lo, hi, magic, bits_zp);
      const v128_t q2 = quantize_u8x4(x + k + 8, s, lo, hi, magic, bits_zp);
      const v128_t q3 = quantize_u8x4(x + k + 12, s, lo, hi, magic, bits_zp);
      vsum = wasm_i32x4_add(vsum, wasm_i32x4_add(wasm_i32x4_add(q0, q1), wasm_i32x4_add(q2, q3)));
      wasm_v128_store(a + k, wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(q0, q1),
                                                     wasm_i16x8_narrow_i32x4(q2, q3)));
    }
    int32_t sum = wasm_i32x4_extract_lane(vsum, 0) + wasm_i32x4_extract_lane(vsum, 1) +
                  wasm_i32x4_extract_lane(vsum, 2) + wasm_i32x4_extract_lane(vsum, 3);
    for (; k < K; k++) {
      float v = x[k] / scale;
      v = v >= flo ? (v <= fhi ? v : fhi) : flo;
      a[k] = (uint8_t)((int)rintf(v) + zp);
      sum += a[k];
    }
    memset(a + K, 0, row - 8 - K);
    int32_t head[2] = {zp, sum - K * zp};
    memcpy(A, head, sizeof head);
  }
}

/* 8 pixels: one load (stride 1) or two and the even lanes (stride 2) */
static inline v128_t pixels8(const int16_t *x, int stride) {
  if (stride == 1) return wasm_v128_load(x);
  return wasm_i16x8_shuffle(wasm_v128_load(x), wasm_v128_load(x + 8), 0, 2, 4, 6, 8, 10, 12, 14);
}

/* two rows of 8 pixels interleaved into pairs: one shuffle per 4 pixels */
void qd16_pack_cols8__wasmsimd(size_t kp, size_t K, const int16_t *x, const ptrdiff_t *off,
                               int stride, int16_t *b) {
  for (size_t q = 0; q < kp; q++, b += 16) {
    v128_t v0 = pixels8(x + off[2 * q], stride);
    v128_t v1 = 2 * q + 1 < K ? pixels8(x + off[2 * q + 1], stride) : wasm_i16x8_splat(0);
    wasm_v128_store(b, wasm_i16x8_shuffle(v0, v1, 0, 8, 1, 9, 2, 10, 3, 11));
    wasm_v128_store(b + 8, wasm_i16x8_shuffle(v0, v1, 4, 12, 5, 13, 6, 14, 7, 15));
  }
}
#endif
