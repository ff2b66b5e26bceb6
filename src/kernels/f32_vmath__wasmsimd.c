/* exp and erf four at a time (see vmath.h for the method). Clamping uses pmin/pmax, which V8
 * lowers to one instruction each; tails go through a zero-padded temporary. */
#ifdef __wasm_simd128__
#include <string.h>
#include <wasm_simd128.h>

#include "vmath.h"

static inline v128_t exp4(v128_t x) {
  x = wasm_f32x4_pmax(wasm_f32x4_pmin(x, wasm_f32x4_splat(WISP_EXP_MAX)), wasm_f32x4_splat(WISP_EXP_MIN));
  v128_t n = wasm_f32x4_floor(wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(WISP_LOG2E)),
                                             wasm_f32x4_splat(0.5f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(WISP_LN2_HI)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(WISP_LN2_LO)));
  v128_t p = wasm_f32x4_splat(WISP_EXP_P0);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(WISP_EXP_P1));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(WISP_EXP_P2));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(WISP_EXP_P3));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(WISP_EXP_P4));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(WISP_EXP_P5));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, wasm_f32x4_mul(r, r)), r), wasm_f32x4_splat(1.0f));
  v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, scale);
}

static inline v128_t erf4(v128_t x) {
  v128_t a = wasm_f32x4_abs(x);
  v128_t t = wasm_f32x4_div(wasm_f32x4_splat(1.0f),
                            wasm_f32x4_add(wasm_f32x4_splat(1.0f), wasm_f32x4_mul(wasm_f32x4_splat(WISP_ERF_P), a)));
  v128_t p = wasm_f32x4_splat(WISP_ERF_A5);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(WISP_ERF_A4));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(WISP_ERF_A3));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(WISP_ERF_A2));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(WISP_ERF_A1));
  v128_t e = exp4(wasm_f32x4_neg(wasm_f32x4_mul(a, a)));
  v128_t y = wasm_f32x4_sub(wasm_f32x4_splat(1.0f), wasm_f32x4_mul(wasm_f32x4_mul(p, t), e));
  /* copy x's sign onto y */
  const v128_t sign = wasm_i32x4_splat((int32_t)0x80000000u);
  return wasm_v128_or(wasm_v128_andnot(y, sign), wasm_v128_and(x, sign));
}

float f32_vexp__wasmsimd(size_t n, const float *x, float sub, float *y) {
  const v128_t vsub = wasm_f32x4_splat(sub);
  v128_t sum = wasm_f32x4_splat(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t e = exp4(wasm_f32x4_sub(wasm_v128_load(x + i), vsub));
    wasm_v128_store(y + i, e);
    sum = wasm_f32x4_add(sum, e);
  }
  float total = wasm_f32x4_extract_lane(sum, 0) + wasm_f32x4_extract_lane(sum, 1) +
                wasm_f32x4_extract_lane(sum, 2) + wasm_f32x4_extract_lane(sum, 3);
  if (i < n) {
    float tmp[4] = {0};
    memcpy(tmp, x + i, (n - i) * sizeof *x);
    v128_t e = exp4(wasm_f32x4_sub(wasm_v128_load(tmp), vsub));
    wasm_v128_store(tmp, e);
    for (size_t j = 0; j < n - i; j++) total += y[i + j] = tmp[j];
  }
  return total;
}

void f32_verf__wasmsimd(size_t n, const float *x, float *y) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, erf4(wasm_v128_load(x + i)));
  if (i < n) {
    float tmp[4] = {0};
    memcpy(tmp, x + i, (n - i) * sizeof *x);
    wasm_v128_store(tmp, erf4(wasm_v128_load(tmp)));
    memcpy(y + i, tmp, (n - i) * sizeof *y);
  }
}
#endif
