/* pool.h — pooling kernels. Global average pooling sums each plane (vsum). A 2-D max pool
 * without dilation is done separably: for each output row, the max down the kernel's rows into
 * a row buffer (vmax_rows), then the max across each window of that row (hmax). The caller pads the row buffer on both sides with -INFINITY, so hmax has no edge
 * cases; every window must hold at least one input column.
 *
 * Both take the max as `x > best ? x : best` from the first element on (f32x4.pmax), so a NaN
 * counts only where it comes first, as in pool.c's general loop. */
#ifndef WISP_KERNELS_POOL_H
#define WISP_KERNELS_POOL_H

#include <stddef.h>

/* out[i] = max over r < rows of x[r·stride + i], for i < n (rows ≥ 1). */
typedef void (*wisp_f32_vmax_rows_fn)(int n, int rows, const float *x, ptrdiff_t stride,
                                      float *out);
/* out[o] = max over j < k of t[o·s + j], for o < n. May read up to 8 floats past the last
 * window: the caller leaves that room after t's right padding. */
typedef void (*wisp_f32_hmax_fn)(int n, int k, int s, const float *t, float *out);
/* Σ x[i] for i < n, in 16 interleaved partial sums (so not one long chain of dependent adds). */
typedef float (*wisp_f32_vsum_fn)(size_t n, const float *x);

void f32_vmax_rows__scalar(int n, int rows, const float *x, ptrdiff_t stride, float *out);
void f32_hmax__scalar(int n, int k, int s, const float *t, float *out);
float f32_vsum__scalar(size_t n, const float *x);
#ifdef __wasm_simd128__
void f32_vmax_rows__wasmsimd(int n, int rows, const float *x, ptrdiff_t stride, float *out);
void f32_hmax__wasmsimd(int n, int k, int s, const float *t, float *out);
float f32_vsum__wasmsimd(size_t n, const float *x);
#endif

#endif
