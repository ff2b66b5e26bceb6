/* dmath.h — double-precision exp, log, pow, sin and cos for the core's few double paths
 * (ReduceLogSum(Exp), Pow on non-float types, Pillow's resampling filters).
 *
 * musl's versions carry ~10 KB gzip of lookup tables, 7% of the core .wasm that every visitor
 * downloads; these use range reduction and polynomials only. Accuracy against glibc
 * (tests/c/test_dmath.c): exp and log within 2 ulp; sin and cos within 1 ulp of 1 (absolute),
 * for |x| < 2^20; pow exact where x and y are integers and the result is a double exactly,
 * otherwise within 2·(2 + |y·log x|) ulp (e to a rounded product). The extra module
 * (web/wisp_extra.wasm) links musl's own for its ops. */
#ifndef WISP_DMATH_H
#define WISP_DMATH_H

double wisp_exp(double x);
double wisp_log(double x);
double wisp_pow(double x, double y);
double wisp_sin(double x);
double wisp_cos(double x);

#endif
