/* vmath.h — vectorised exp, erf, GELU, sigmoid, SiLU and HardSwish for softmax, Erf, Gelu,
 * Sigmoid, HardSwish and the Conv epilogues x·sigmoid(x) and x·hardsigmoid(x), the
 * add-and-max pass before a softmax, and the clamped affine map of BatchNormalization.
 *
 * exp: x = n·ln2 + r (|r| ≤ ln2/2), a degree-6 polynomial for e^r (Cephes' expf), 2^n built in
 * the exponent bits; relative error ~2e-7 over [-87.3, 0] (inputs are clamped there: softmax,
 * its only user, asks for x - max <= 0).
 * erf: a rational approximation on x clamped to [-4, 4] (erf is 1 to float precision beyond):
 * erf(x) = x·P(x²) / Q(x²), P of degree 6, Q of degree 4 — one division and no exp; absolute
 * error ≤ 4e-7 in float.
 * sigmoid: e = exp(-|x|), then 1 / (1 + e) for x ≥ 0 and e / (1 + e) below, so nothing overflows.
 * exp of x ≤ 0 rounds n by adding WISP_EXP_MAGIC (1.5·2^23 + 127): the sum's low mantissa bits
 * are then n + 127, which a shift by 23 turns into 2^n (no floor, no float-to-int conversion).
 * The scalar twins compute the same formulas step for step. */
#ifndef WISP_KERNELS_VMATH_H
#define WISP_KERNELS_VMATH_H

#include <stddef.h>

/* y[i] = exp(x[i] - sub) for x[i] <= sub (sub is the row's max); returns Σ y (softmax's
 * exponent-and-sum pass). y may alias x. */
typedef float (*wisp_f32_vexp_fn)(size_t n, const float *x, float sub, float *y);
/* y[i] = x[i] + b[i], returning the largest y; with b NULL only the largest x (y unused). The
 * max is `v > best ? v : best` from -INFINITY on (f32x4.pmax), so NaNs are skipped. y may
 * alias x. */
typedef float (*wisp_f32_vaddmax_fn)(size_t n, const float *x, const float *b, float *y);
/* y[i] = erf(x[i]); gelu: y[i] = 0.5·x[i]·(1 + erf(x[i]/√2)), in one pass. y may alias x. */
typedef void (*wisp_f32_verf_fn)(size_t n, const float *x, float *y);
/* y[i] = sigmoid(x[i]); silu: y[i] = x[i]·sigmoid(x[i]); hswish: y[i] = x[i]·clamp(x[i]·(1/6) +
 * 1/2, 0, 1), rounding as HardSwish's and HardSigmoid(1/6, 1/2)'s loops do. y may alias x. */
typedef void (*wisp_f32_vunary_fn)(size_t n, const float *x, float *y);
/* y[i] = clamp(x[i]·a + b, lo, hi) (a multiply, then an add: the same rounding in every build;
 * a NaN stays). y may alias x. */
typedef void (*wisp_f32_vaffine_fn)(size_t n, const float *x, float a, float b, float lo, float hi,
                                    float *y);

float f32_vexp__scalar(size_t n, const float *x, float sub, float *y);
float f32_vaddmax__scalar(size_t n, const float *x, const float *b, float *y);
void f32_verf__scalar(size_t n, const float *x, float *y);
void f32_vgelu__scalar(size_t n, const float *x, float *y);
void f32_vsigmoid__scalar(size_t n, const float *x, float *y);
void f32_vsilu__scalar(size_t n, const float *x, float *y);
void f32_vhswish__scalar(size_t n, const float *x, float *y);
void f32_vaffine__scalar(size_t n, const float *x, float a, float b, float lo, float hi, float *y);
#ifdef __wasm_simd128__
float f32_vexp__wasmsimd(size_t n, const float *x, float sub, float *y);
float f32_vaddmax__wasmsimd(size_t n, const float *x, const float *b, float *y);
void f32_verf__wasmsimd(size_t n, const float *x, float *y);
void f32_vgelu__wasmsimd(size_t n, const float *x, float *y);
void f32_vsigmoid__wasmsimd(size_t n, const float *x, float *y);
void f32_vsilu__wasmsimd(size_t n, const float *x, float *y);
void f32_vhswish__wasmsimd(size_t n, const float *x, float *y);
void f32_vaffine__wasmsimd(size_t n, const float *x, float a, float b, float lo, float hi,
                           float *y);
#endif

/* the constants both twins use */
#define WISP_EXP_MIN -87.33654f
#define WISP_LOG2E 1.44269504088896341f
#define WISP_EXP_MAGIC 12583039.0f /* 1.5·2^23 + 127 */
#define WISP_LN2_HI 0.693359375f
#define WISP_LN2_LO -2.12194440e-4f
#define WISP_EXP_P0 1.9875691500e-4f
#define WISP_EXP_P1 1.3981999507e-3f
#define WISP_EXP_P2 8.3334519073e-3f
#define WISP_EXP_P3 4.1665795894e-2f
#define WISP_EXP_P4 1.6666665459e-1f
#define WISP_EXP_P5 5.0000001201e-1f
#define WISP_HSWISH_A (1.0f / 6.0f)
#define WISP_HSWISH_B 0.5f
#define WISP_ERF_CLAMP 4.0f
#define WISP_SQRT1_2 0.70710678118654752f
#define WISP_ERF_P6 -2.72614225801306e-10f
#define WISP_ERF_P5 2.77068142495902e-08f
#define WISP_ERF_P4 -2.10102402082508e-06f
#define WISP_ERF_P3 -5.69250639462346e-05f
#define WISP_ERF_P2 -7.34990630326855e-04f
#define WISP_ERF_P1 -2.95459980854025e-03f
#define WISP_ERF_P0 -1.60960333262415e-02f
#define WISP_ERF_Q4 -1.45660718464996e-05f
#define WISP_ERF_Q3 -2.13374055278905e-04f
#define WISP_ERF_Q2 -1.68282697438203e-03f
#define WISP_ERF_Q1 -7.37332916720468e-03f
#define WISP_ERF_Q0 -1.42647390514189e-02f

#endif
