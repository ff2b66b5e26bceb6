/* Scalar twins of f32_vmath__wasmsimd.c: the same exp, erf, sigmoid and max, one value at a time. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "vmath.h"

static float exp_poly1(float r) { /* e^r for |r| <= ln2/2 */
  float p = WISP_EXP_P0;
  p = p * r + WISP_EXP_P1;
  p = p * r + WISP_EXP_P2;
  p = p * r + WISP_EXP_P3;
  p = p * r + WISP_EXP_P4;
  p = p * r + WISP_EXP_P5;
  p = p * (r * r) + r + 1.0f;
  return p;
}

static float exp_neg1(float z) {
  z = z < WISP_EXP_MIN ? WISP_EXP_MIN : z; /* a NaN stays */
  float v = z * WISP_LOG2E + WISP_EXP_MAGIC, n = v - WISP_EXP_MAGIC;
  float r = z - n * WISP_LN2_HI - n * WISP_LN2_LO;
  float p = exp_poly1(r);
  uint32_t bits;
  memcpy(&bits, &v, 4);
  bits <<= 23; /* n + 127 from the low mantissa bits into the exponent: 2^n */
  float scale;
  memcpy(&scale, &bits, 4);
  return p * scale;
}

static float erf1(float x) {
  if (x != x) return x;
  x = x < -WISP_ERF_CLAMP ? -WISP_ERF_CLAMP : x > WISP_ERF_CLAMP ? WISP_ERF_CLAMP : x;
  float x2 = x * x;
  float p = WISP_ERF_P6;
  p = p * x2 + WISP_ERF_P5;
  p = p * x2 + WISP_ERF_P4;
  p = p * x2 + WISP_ERF_P3;
  p = p * x2 + WISP_ERF_P2;
  p = p * x2 + WISP_ERF_P1;
  p = p * x2 + WISP_ERF_P0;
  float q = WISP_ERF_Q4;
  q = q * x2 + WISP_ERF_Q3;
  q = q * x2 + WISP_ERF_Q2;
  q = q * x2 + WISP_ERF_Q1;
  q = q * x2 + WISP_ERF_Q0;
  return x * p / q;
}

float f32_vexp__scalar(size_t n, const float *x, float sub, float *y) {
  float sum = 0;
  for (size_t i = 0; i < n; i++) sum += y[i] = exp_neg1(x[i] - sub);
  return sum;
}

float f32_vaddmax__scalar(size_t n, const float *x, const float *b, float *y) {
  float best = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    float v = b ? (y[i] = x[i] + b[i]) : x[i];
    best = v > best ? v : best;
  }
  return best;
}

void f32_verf__scalar(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = erf1(x[i]);
}

void f32_vgelu__scalar(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erf1(x[i] * WISP_SQRT1_2));
}

static float sigmoid1(float x) {
  float e = exp_neg1(-fabsf(x)), r = 1.0f / (1.0f + e);
  return x >= 0 ? r : e * r;
}

void f32_vsigmoid__scalar(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = sigmoid1(x[i]);
}

void f32_vsilu__scalar(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = x[i] * sigmoid1(x[i]);
}

void f32_vhswish__scalar(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) {
    float v = x[i], g = v * WISP_HSWISH_A + WISP_HSWISH_B;
    y[i] = v * (g < 0.0f ? 0.0f : g > 1.0f ? 1.0f : g); /* a NaN stays */
  }
}

void f32_vaffine__scalar(size_t n, const float *x, float a, float b, float lo, float hi, float *y) {
  for (size_t i = 0; i < n; i++) {
    float v = x[i] * a + b;
    v = v < lo ? lo : v;
    y[i] = v > hi ? hi : v;
  }
}
