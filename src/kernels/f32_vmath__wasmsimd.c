/* exp, erf and max four at a time (see vmath.h for the method). Clamping uses pmin/pmax, which V8
 * lowers to one instruction each; tails use lane loads and stores, not a stack temporary (the
 * relaxed kernels module shares the core's memory and has no stack). Built twice, as the GEMM
 * tiles are (store__wasmsimd.h): for SIMD128, and for the relaxed kernels module, where each
 * polynomial step and range reduction is one relaxed_madd. The SIMD128 build's a·b + c rounds
 * as the plain mul and add did. */
#ifdef __wasm_simd128__
#include <math.h>
#include <wasm_simd128.h>

#include "store__wasmsimd.h"
#include "vmath.h"

#define SPLAT wisp_f32x4_splat_hoisted /* constants are used in loops */
#define MADD(a, b, c) WISP_F32X4_MULADD(a, SPLAT(b), c)

/* e^r for |r| <= ln2/2 */
static inline v128_t exp_poly4(v128_t r) {
  v128_t p = SPLAT(WISP_EXP_P0);
  p = WISP_F32X4_MULADD(p, r, SPLAT(WISP_EXP_P1));
  p = WISP_F32X4_MULADD(p, r, SPLAT(WISP_EXP_P2));
  p = WISP_F32X4_MULADD(p, r, SPLAT(WISP_EXP_P3));
  p = WISP_F32X4_MULADD(p, r, SPLAT(WISP_EXP_P4));
  p = WISP_F32X4_MULADD(p, r, SPLAT(WISP_EXP_P5));
  return wasm_f32x4_add(WISP_F32X4_MULADD(p, wasm_f32x4_mul(r, r), r), SPLAT(1.0f));
}

/* exp(z) for z <= 0 (or NaN): exp4's polynomial, with n rounded by adding a magic number that
 * also leaves n + 127 in the low mantissa bits, shifted from there into the exponent — no floor
 * and no float-to-int conversion (which V8 lowers to several instructions). SiLU spends most of
 * its time here. */
static inline v128_t exp_neg4(v128_t z) {
  z = wasm_f32x4_pmax(z, SPLAT(WISP_EXP_MIN));
  v128_t v = MADD(z, WISP_LOG2E, SPLAT(WISP_EXP_MAGIC));
  v128_t n = wasm_f32x4_sub(v, SPLAT(WISP_EXP_MAGIC));
  v128_t r = MADD(n, -WISP_LN2_LO, MADD(n, -WISP_LN2_HI, z)); /* z - n·ln2 in two parts */
  v128_t p = exp_poly4(r);
  return wasm_f32x4_mul(p, wasm_i32x4_shl(v, 23));
}

static inline v128_t erf4(v128_t x) {
  x = wasm_f32x4_pmax(wasm_f32x4_pmin(x, SPLAT(WISP_ERF_CLAMP)), SPLAT(-WISP_ERF_CLAMP));
  const v128_t x2 = wasm_f32x4_mul(x, x);
#define STEP(acc, c) acc = WISP_F32X4_MULADD(acc, x2, SPLAT(c))
  v128_t p = SPLAT(WISP_ERF_P6);
  STEP(p, WISP_ERF_P5), STEP(p, WISP_ERF_P4), STEP(p, WISP_ERF_P3), STEP(p, WISP_ERF_P2);
  STEP(p, WISP_ERF_P1), STEP(p, WISP_ERF_P0);
  v128_t q = SPLAT(WISP_ERF_Q4);
  STEP(q, WISP_ERF_Q3), STEP(q, WISP_ERF_Q2), STEP(q, WISP_ERF_Q1), STEP(q, WISP_ERF_Q0);
#undef STEP
  return wasm_f32x4_div(wasm_f32x4_mul(x, p), q);
}

float WISP_SIMD(f32_vexp)(size_t n, const float *x, float sub, float *y) {
  const v128_t vsub = SPLAT(sub);
  v128_t sum = SPLAT(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t e = exp_neg4(wasm_f32x4_sub(wasm_v128_load(x + i), vsub));
    wasm_v128_store(y + i, e);
    sum = wasm_f32x4_add(sum, e);
  }
  float total = wasm_f32x4_extract_lane(sum, 0) + wasm_f32x4_extract_lane(sum, 1) +
                wasm_f32x4_extract_lane(sum, 2) + wasm_f32x4_extract_lane(sum, 3);
  if (i < n) { /* 1-3 left: lane loads and stores */
    int left = (int)(n - i);
    v128_t e = exp_neg4(wasm_f32x4_sub(wisp_load_upto4__wasmsimd(x + i, left), vsub));
    wisp_store_row8__wasmsimd(y + i, left, e, e);
    total += wasm_f32x4_extract_lane(e, 0);
    if (left > 1) total += wasm_f32x4_extract_lane(e, 1);
    if (left > 2) total += wasm_f32x4_extract_lane(e, 2);
  }
  return total;
}

float WISP_SIMD(f32_vaddmax)(size_t n, const float *x, const float *b, float *y) {
  v128_t best = SPLAT(-INFINITY);
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
  v128_t e = erf4(wasm_f32x4_mul(x, SPLAT(WISP_SQRT1_2)));
  return wasm_f32x4_mul(wasm_f32x4_mul(SPLAT(0.5f), x), wasm_f32x4_add(SPLAT(1.0f), e));
}

/* y = f(x) four at a time; the last 1-3 zero-padded by lane loads, so nothing reads past x. */
static inline void map4(size_t n, const float *x, float *y, v128_t (*f)(v128_t)) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, f(wasm_v128_load(x + i)));
  if (i < n) {
    v128_t v = f(wisp_load_upto4__wasmsimd(x + i, (int)(n - i)));
    wisp_store_row8__wasmsimd(y + i, (int)(n - i), v, v);
  }
}

void WISP_SIMD(f32_vgelu)(size_t n, const float *x, float *y) { map4(n, x, y, gelu4); }

void WISP_SIMD(f32_verf)(size_t n, const float *x, float *y) { map4(n, x, y, erf4); }

static inline v128_t sigmoid4(v128_t x) {
  v128_t e = exp_neg4(wasm_f32x4_neg(wasm_f32x4_abs(x)));
  v128_t r = wasm_f32x4_div(SPLAT(1.0f), wasm_f32x4_add(SPLAT(1.0f), e));
  return wasm_v128_bitselect(r, wasm_f32x4_mul(e, r), wasm_f32x4_ge(x, SPLAT(0.0f)));
}

static inline v128_t silu4(v128_t x) { return wasm_f32x4_mul(x, sigmoid4(x)); }

void WISP_SIMD(f32_vsigmoid)(size_t n, const float *x, float *y) { map4(n, x, y, sigmoid4); }

void WISP_SIMD(f32_vsilu)(size_t n, const float *x, float *y) { map4(n, x, y, silu4); }

/* x·clamp(x/6 + 1/2, 0, 1): pmin/pmax keep a NaN as the scalar compares do (a plain mul and add
 * even in the relaxed build, to round as the HardSwish and HardSigmoid loops do) */
static inline v128_t hswish4(v128_t x) {
  v128_t g = wasm_f32x4_add(wasm_f32x4_mul(x, SPLAT(WISP_HSWISH_A)), SPLAT(WISP_HSWISH_B));
  return wasm_f32x4_mul(x, wasm_f32x4_pmax(wasm_f32x4_pmin(g, SPLAT(1.0f)), SPLAT(0.0f)));
}

void WISP_SIMD(f32_vhswish)(size_t n, const float *x, float *y) { map4(n, x, y, hswish4); }

/* pmax(v, lo) is `v < lo ? lo : v` and pmin(v, hi) `hi < v ? hi : v`: the scalar twin's
 * compares, NaN included */
void WISP_SIMD(f32_vaffine)(size_t n, const float *x, float a, float b, float lo, float hi,
                            float *y) {
  const v128_t va = SPLAT(a), vb = SPLAT(b), vlo = SPLAT(lo), vhi = SPLAT(hi);
#define AFFINE4(v) \
  wasm_f32x4_pmin(wasm_f32x4_pmax(wasm_f32x4_add(wasm_f32x4_mul(v, va), vb), vlo), vhi)
  size_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, AFFINE4(wasm_v128_load(x + i)));
  if (i < n) { /* the last 1-3 by lane loads and stores, as map4 */
    v128_t v = AFFINE4(wisp_load_upto4__wasmsimd(x + i, (int)(n - i)));
    wisp_store_row8__wasmsimd(y + i, (int)(n - i), v, v);
  }
#undef AFFINE4
}
#endif
