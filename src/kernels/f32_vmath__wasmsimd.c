/* exp, erf and max four at a time (see vmath.h for the method). Clamping uses pmin/pmax, which V8
 * lowers to one instruction each; tails go through a zero-padded temporary. */
#ifdef __wasm_simd128__
#include <math.h>
#include <string.h>
#include <wasm_simd128.h>

#include "vmath.h"

/* e^r for |r| <= ln2/2 */
static inline v128_t exp_poly4(v128_t r) {
  v128_t p = wasm_f32x4_splat(WISP_EXP_P0);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(WISP_EXP_P1));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(WISP_EXP_P2));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(WISP_EXP_P3));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(WISP_EXP_P4));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(WISP_EXP_P5));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(p, wasm_f32x4_mul(r, r)), r),
                     wasm_f32x4_splat(1.0f));
  return p;
}

/* exp(z) for z <= 0 (or NaN): exp4's polynomial, with n rounded by adding a magic number that
 * also leaves n + 127 in the low mantissa bits, shifted from there into the exponent — no floor
 * and no float-to-int conversion (which V8 lowers to several instructions). SiLU spends most of
 * its time here. */
static inline v128_t exp_neg4(v128_t z) {
  z = wasm_f32x4_pmax(z, wasm_f32x4_splat(WISP_EXP_MIN));
  v128_t v = wasm_f32x4_add(wasm_f32x4_mul(z, wasm_f32x4_splat(WISP_LOG2E)),
                            wasm_f32x4_splat(WISP_EXP_MAGIC));
  v128_t n = wasm_f32x4_sub(v, wasm_f32x4_splat(WISP_EXP_MAGIC));
  v128_t r = wasm_f32x4_sub(z, wasm_f32x4_mul(n, wasm_f32x4_splat(WISP_LN2_HI)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(WISP_LN2_LO)));
  v128_t p = exp_poly4(r);
  return wasm_f32x4_mul(p, wasm_i32x4_shl(v, 23));
}

static inline v128_t erf4(v128_t x) {
  x = wasm_f32x4_pmax(wasm_f32x4_pmin(x, wasm_f32x4_splat(WISP_ERF_CLAMP)),
                      wasm_f32x4_splat(-WISP_ERF_CLAMP));
  const v128_t x2 = wasm_f32x4_mul(x, x);
#define STEP(acc, c) acc = wasm_f32x4_add(wasm_f32x4_mul(acc, x2), wasm_f32x4_splat(c))
  v128_t p = wasm_f32x4_splat(WISP_ERF_P6);
  STEP(p, WISP_ERF_P5), STEP(p, WISP_ERF_P4), STEP(p, WISP_ERF_P3), STEP(p, WISP_ERF_P2);
  STEP(p, WISP_ERF_P1), STEP(p, WISP_ERF_P0);
  v128_t q = wasm_f32x4_splat(WISP_ERF_Q4);
  STEP(q, WISP_ERF_Q3), STEP(q, WISP_ERF_Q2), STEP(q, WISP_ERF_Q1), STEP(q, WISP_ERF_Q0);
#undef STEP
  return wasm_f32x4_div(wasm_f32x4_mul(x, p), q);
}

float f32_vexp__wasmsimd(size_t n, const float *x, float sub, float *y) {
  const v128_t vsub = wasm_f32x4_splat(sub);
  v128_t sum = wasm_f32x4_splat(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t e = exp_neg4(wasm_f32x4_sub(wasm_v128_load(x + i), vsub));
    wasm_v128_store(y + i, e);
    sum = wasm_f32x4_add(sum, e);
  }
  float total = wasm_f32x4_extract_lane(sum, 0) + wasm_f32x4_extract_lane(sum, 1) +
                wasm_f32x4_extract_lane(sum, 2) + wasm_f32x4_extract_lane(sum, 3);
  if (i < n) {
    float tmp[4] = {0};
    memcpy(tmp, x + i, (n - i) * sizeof *x);
    v128_t e = exp_neg4(wasm_f32x4_sub(wasm_v128_load(tmp), vsub));
    wasm_v128_store(tmp, e);
    for (size_t j = 0; j < n - i; j++) total += y[i + j] = tmp[j];
  }
  return total;
}

float f32_vaddmax__wasmsimd(size_t n, const float *x, const float *b, float *y) {
  v128_t best = wasm_f32x4_splat(-INFINITY);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    if (b) wasm_v128_store(y + i, v = wasm_f32x4_add(v, wasm_v128_load(b + i)));
    best = wasm_f32x4_pmax(best, v);
  }
  float m0 = wasm_f32x4_extract_lane(best, 0), m1 = wasm_f32x4_extract_lane(best, 1);
  float m2 = wasm_f32x4_extract_lane(best, 2), m3 = wasm_f32x4_extract_lane(best, 3);
  m0 = m1 > m0 ? m1 : m0, m2 = m3 > m2 ? m3 : m2;
  float m = m2 > m0 ? m2 : m0;
  for (; i < n; i++) {
    float v = b ? (y[i] = x[i] + b[i]) : x[i];
    m = v > m ? v : m;
  }
  return m;
}

static inline v128_t gelu4(v128_t x) {
  v128_t e = erf4(wasm_f32x4_mul(x, wasm_f32x4_splat(WISP_SQRT1_2)));
  return wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_splat(0.5f), x),
                        wasm_f32x4_add(wasm_f32x4_splat(1.0f), e));
}

/* y = f(x) four at a time; the last 1-3 go through a zero-padded copy so nothing reads past x. */
static inline void map4(size_t n, const float *x, float *y, v128_t (*f)(v128_t)) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, f(wasm_v128_load(x + i)));
  if (i < n) {
    float tmp[4] = {0};
    memcpy(tmp, x + i, (n - i) * sizeof *x);
    wasm_v128_store(tmp, f(wasm_v128_load(tmp)));
    memcpy(y + i, tmp, (n - i) * sizeof *y);
  }
}

void f32_vgelu__wasmsimd(size_t n, const float *x, float *y) { map4(n, x, y, gelu4); }

void f32_verf__wasmsimd(size_t n, const float *x, float *y) { map4(n, x, y, erf4); }

static inline v128_t sigmoid4(v128_t x) {
  v128_t e = exp_neg4(wasm_f32x4_neg(wasm_f32x4_abs(x)));
  v128_t r = wasm_f32x4_div(wasm_f32x4_splat(1.0f), wasm_f32x4_add(wasm_f32x4_splat(1.0f), e));
  return wasm_v128_bitselect(r, wasm_f32x4_mul(e, r), wasm_f32x4_ge(x, wasm_f32x4_splat(0.0f)));
}

static inline v128_t silu4(v128_t x) { return wasm_f32x4_mul(x, sigmoid4(x)); }

void f32_vsigmoid__wasmsimd(size_t n, const float *x, float *y) { map4(n, x, y, sigmoid4); }

void f32_vsilu__wasmsimd(size_t n, const float *x, float *y) { map4(n, x, y, silu4); }
#endif
