/* src/dmath.c against the C library: special cases exactly, sweeps within the error bounds
 * dmath.h states (in ulp: the number of doubles between the two results). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../../src/dmath.h"
#include "check.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next_u64(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}
static double uniform(double lo, double hi) {
  return lo + (hi - lo) * (double)(next_u64() >> 11) * 0x1p-53;
}

/* doubles between a and b, counted on the ordered integer line (0 and -0 coincide) */
static double ulps(double a, double b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b) ? 0 : INFINITY;
  int64_t ia, ib;
  memcpy(&ia, &a, sizeof ia), memcpy(&ib, &b, sizeof ib);
  if (ia < 0) ia = INT64_MIN - ia;
  if (ib < 0) ib = INT64_MIN - ib;
  return (double)(ia > ib ? (uint64_t)ia - (uint64_t)ib : (uint64_t)ib - (uint64_t)ia);
}

static int same(double a, double b) { /* bit for bit, any NaN equal to any NaN */
  return isnan(a) ? isnan(b) : memcmp(&a, &b, sizeof a) == 0;
}

static void test_exp_log(void) {
  double worst_exp = 0, worst_log = 0;
  for (int i = 0; i < 200000; i++) {
    double x = uniform(-745.2, 709.8);
    double e = ulps(wisp_exp(x), exp(x));
    if (e > worst_exp) worst_exp = e;
    uint64_t bits = next_u64() >> 1; /* any positive double, subnormals included */
    double y;
    memcpy(&y, &bits, sizeof y);
    if (!isfinite(y) || y == 0) continue;
    double l = ulps(wisp_log(y), log(y));
    if (l > worst_log) worst_log = l;
    double near_one = uniform(0.5, 2.0), l1 = ulps(wisp_log(near_one), log(near_one));
    if (l1 > worst_log) worst_log = l1;
  }
  printf("exp: worst %.0f ulp, log: worst %.0f ulp\n", worst_exp, worst_log);
  CHECK(worst_exp <= 2 && worst_log <= 2);
  const double specials[] = {0.0, -0.0,  1.0,    -1.0,      INFINITY, -INFINITY,
                             NAN, 710.0, -746.0, 0x1p-1074, -1021.0,  1e-300};
  for (size_t i = 0; i < sizeof specials / sizeof *specials; i++) {
    double x = specials[i];
    CHECK(same(wisp_exp(x), exp(x)) || ulps(wisp_exp(x), exp(x)) <= 1);
    CHECK(same(wisp_log(x), log(x)));
  }
  CHECK(wisp_log(1.0) == 0 && wisp_exp(0.0) == 1);
}

static void test_pow(void) {
  const double v[] = {0.0,  -0.0, 1.0,  -1.0,     2.0,       -2.0, 0.5,   -0.5,   3.0,
                      -3.0, 2.5,  -2.5, INFINITY, -INFINITY, NAN,  1e300, -1e300, 1e-300};
  size_t n = sizeof v / sizeof *v;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double want = pow(v[i], v[j]), got = wisp_pow(v[i], v[j]);
      if (!(same(got, want) || ulps(got, want) <= 2 * (2 + fabs(v[j] * log(fabs(v[i])))))) {
        fprintf(stderr, "pow(%g, %g) = %g, libm %g\n", v[i], v[j], got, want);
        CHECK(0);
      }
    }
  /* integer bases and exponents: exact wherever the result is a double exactly */
  for (int b = -20; b <= 20; b++)
    for (int e = -20; e <= 64; e++) {
      double want = pow(b, e);
      if (fabs(want) < 0x1p53 && want == floor(want)) CHECK(wisp_pow(b, e) == want);
    }
  double worst = 0;
  for (int i = 0; i < 100000; i++) {
    double x = uniform(0, 100), y = uniform(-60, 60), want = pow(x, y);
    if (!isfinite(want) || want == 0) continue;
    double u = ulps(wisp_pow(x, y), want) / (2 + fabs(y * log(x)));
    if (u > worst) worst = u;
    double xn = -x, yi = floor(y); /* negative bases, integer exponents: the sign of odd powers */
    double un = ulps(wisp_pow(xn, yi), pow(xn, yi)) / (2 + fabs(yi * log(x)));
    if (un > worst) worst = un;
  }
  printf("pow: worst %.2f ulp per (2 + |y log x|)\n", worst);
  CHECK(worst <= 2);
}

static void test_sin_cos(void) {
  double worst = 0;
  for (int i = 0; i < 200000; i++) {
    double x = uniform(-40, 40);
    /* absolute error, in ulp of 1: near a zero of sin or cos the relative error says little */
    double es = fabs(wisp_sin(x) - sin(x)) * 0x1p52, ec = fabs(wisp_cos(x) - cos(x)) * 0x1p52;
    if (es > worst) worst = es;
    if (ec > worst) worst = ec;
  }
  printf("sin, cos: worst %.2f ulp of 1\n", worst);
  CHECK(worst <= 1);
  CHECK(wisp_sin(0.0) == 0 && wisp_cos(0.0) == 1 && isnan(wisp_sin(INFINITY)) &&
        isnan(wisp_cos(NAN)));
  CHECK(ulps(wisp_sin(1e-5), sin(1e-5)) <= 1 && ulps(wisp_cos(M_PI), -1.0) <= 1);
}

int main(void) {
  test_exp_log();
  test_pow();
  test_sin_cos();
  return check_report("dmath");
}
