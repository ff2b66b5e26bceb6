#include "dmath.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* ln 2 and π/2 split as in fdlibm: the high parts have trailing zero bits, so k·HI is exact for
 * the k these functions use and the low part carries the rest. */
static const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
static const double PIO2_HI = 1.57079632673412561417e+00, PIO2_LO = 6.07710050650619224932e-11;

/* 1/n! (the compiler rounds each once) */
static const double INV_FACT[18] = {1.0,
                                    1.0,
                                    1.0 / 2,
                                    1.0 / 6,
                                    1.0 / 24,
                                    1.0 / 120,
                                    1.0 / 720,
                                    1.0 / 5040,
                                    1.0 / 40320,
                                    1.0 / 362880,
                                    1.0 / 3628800,
                                    1.0 / 39916800,
                                    1.0 / 479001600,
                                    1.0 / 6227020800.0,
                                    1.0 / 87178291200.0,
                                    1.0 / 1307674368000.0,
                                    1.0 / 20922789888000.0,
                                    1.0 / 355687428096000.0};

double wisp_exp(double x) {
  if (isnan(x)) return x;
  if (x > 709.782712893383973096) return INFINITY;
  if (x < -745.13321910194110842) return 0.0;
  /* e^x = 2^k · e^r, |r| ≤ ln2/2; Taylor to r^13 leaves under 2^-60 */
  double k = rint(x * 1.44269504088896338700);
  double r = (x - k * LN2_HI) - k * LN2_LO, p = 0;
  for (int n = 13; n >= 0; n--) p = p * r + INV_FACT[n];
  return scalbn(p, (int)k);
}

double wisp_log(double x) {
  if (isnan(x) || x == INFINITY) return x;
  if (x == 0) return -INFINITY;
  if (x < 0) return NAN;
  int k = 0;
  if (x < 0x1p-1022) x *= 0x1p54, k = -54; /* subnormal: normalise first */
  uint64_t bits;
  memcpy(&bits, &x, sizeof bits);
  k += (int)(bits >> 52) - 1023;
  bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
  double m;
  memcpy(&m, &bits, sizeof m);
  if (m > 1.41421356237309504880) m *= 0.5, k++;
  /* log(1 + f) = f - hfsq + s·(hfsq + R), s = f / (2 + f), R = Σ 2·s^2i / (2i + 1): fdlibm's
   * arrangement with Taylor coefficients; |s| ≤ 0.172, so eleven terms leave under 2^-60 */
  double f = m - 1.0, s = f / (2.0 + f), z = s * s, hfsq = 0.5 * f * f, R = 0;
  for (int i = 11; i >= 1; i--) R = (R + 2.0 / (2 * i + 1)) * z;
  double dk = k;
  return dk * LN2_HI + ((f - (hfsq - s * (hfsq + R))) + dk * LN2_LO);
}

/* The C99 (Annex F) special cases, then x^y by repeated squaring for small integer y (within
 * |y|/2 ulp; exact for integer x, as integer Pow needs), otherwise e^(y·log|x|) with the sign
 * of an odd power. */
double wisp_pow(double x, double y) {
  if (y == 0 || x == 1) return 1.0;
  if (isnan(x) || isnan(y)) return NAN;
  double ax = fabs(x);
  if (isinf(y)) return ax == 1 ? 1.0 : (ax > 1) == (y > 0) ? INFINITY : 0.0;
  int y_int = y == floor(y), y_odd = y_int && fabs(y) < 0x1p53 && ((int64_t)y & 1);
  if (x == 0 || isinf(x)) { /* 0^y and ±inf^y: 0 or inf, negative only for odd y */
    double r = (x == 0) == (y < 0) ? INFINITY : 0.0;
    return y_odd && signbit(x) ? -r : r;
  }
  if (x < 0 && !y_int) return NAN;
  double r;
  if (y_int && (fabs(y) <= 8 || (fabs(y) <= 64 && x == floor(x)))) {
    r = 1.0;
    double b = ax;
    for (int64_t n = (int64_t)fabs(y); n; n >>= 1, b *= b)
      if (n & 1) r *= b;
    if (y < 0) r = 1.0 / r;
  } else {
    r = wisp_exp(y * wisp_log(ax));
  }
  return x < 0 && y_odd ? -r : r;
}

/* x = k·π/2 + r, |r| ≤ π/4 (+ rounding), for |x| < 2^20 where k·PIO2_HI is exact. */
static double reduce_pio2(double x, int *quadrant) {
  double k = rint(x * 6.36619772367581382433e-01);
  *quadrant = (int)((int64_t)k & 3);
  return (x - k * PIO2_HI) - k * PIO2_LO;
}

/* Taylor on |r| ≤ π/4: sin to r^17, cos to r^16, each leaving under 2^-58 */
static double sin_poly(double r) {
  double z = r * r, p = 0;
  for (int n = 17; n >= 3; n -= 2) p = (p + (n % 4 == 1 ? INV_FACT[n] : -INV_FACT[n])) * z;
  return r + r * p;
}

static double cos_poly(double r) {
  double z = r * r, p = 0;
  for (int n = 16; n >= 2; n -= 2) p = (p + (n % 4 == 0 ? INV_FACT[n] : -INV_FACT[n])) * z;
  return 1.0 + p;
}

double wisp_sin(double x) {
  if (!isfinite(x)) return x - x;
  int q;
  double r = reduce_pio2(x, &q);
  double v = q & 1 ? cos_poly(r) : sin_poly(r);
  return q & 2 ? -v : v;
}

double wisp_cos(double x) {
  if (!isfinite(x)) return x - x;
  int q;
  double r = reduce_pio2(x, &q);
  double v = q & 1 ? sin_poly(r) : cos_poly(r);
  return (q + 1) & 2 ? -v : v;
}
