/* vmath.h — vectorised exp and erf for softmax, Erf and GELU.
 *
 * exp: x = n·ln2 + r (|r| ≤ ln2/2), a degree-6 polynomial for e^r (Cephes' expf), 2^n built in
 * the exponent bits; relative error ~2e-7 over [-87.3, 88] (inputs are clamped there; softmax and erf
 * only ever ask for x <= 0).
 * erf: Abramowitz & Stegun 7.1.26, erf(x) = 1 - t·P(t)·e^{-x²}, t = 1/(1 + 0.3275911·|x|),
 * absolute error ≤ 1.5e-7 plus exp's. The scalar twins compute the same formulas step for step. */
#ifndef WISP_KERNELS_VMATH_H
#define WISP_KERNELS_VMATH_H

#include <stddef.h>

/* y[i] = exp(x[i] - sub); returns Σ y (softmax's exponent-and-sum pass). y may alias x. */
typedef float (*wisp_f32_vexp_fn)(size_t n, const float *x, float sub, float *y);
/* y[i] = erf(x[i]). y may alias x. */
typedef void (*wisp_f32_verf_fn)(size_t n, const float *x, float *y);

float f32_vexp__scalar(size_t n, const float *x, float sub, float *y);
void f32_verf__scalar(size_t n, const float *x, float *y);
#ifdef __wasm_simd128__
float f32_vexp__wasmsimd(size_t n, const float *x, float sub, float *y);
void f32_verf__wasmsimd(size_t n, const float *x, float *y);
#endif

/* the constants both twins use */
#define WISP_EXP_MAX 88.0f /* keeps 2^n finite: n <= 127 */
#define WISP_EXP_MIN -87.33654f
#define WISP_LOG2E 1.44269504088896341f
#define WISP_LN2_HI 0.693359375f
#define WISP_LN2_LO -2.12194440e-4f
#define WISP_EXP_P0 1.9875691500e-4f
#define WISP_EXP_P1 1.3981999507e-3f
#define WISP_EXP_P2 8.3334519073e-3f
#define WISP_EXP_P3 4.1665795894e-2f
#define WISP_EXP_P4 1.6666665459e-1f
#define WISP_EXP_P5 5.0000001201e-1f
#define WISP_ERF_P 0.3275911f
#define WISP_ERF_A1 0.254829592f
#define WISP_ERF_A2 -0.284496736f
#define WISP_ERF_A3 1.421413741f
#define WISP_ERF_A4 -1.453152027f
#define WISP_ERF_A5 1.061405429f

#endif
