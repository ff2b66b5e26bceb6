/* copy.h — moving floats for convolutions.
 *
 * copy_rows: rows of a plane into a larger one (the zero-padded copy of an input),
 *   dst[r·dst_stride + c] = src[r·src_stride + c]   for r < rows, c < cols;
 * src and dst do not overlap. Not memcpy, because wasm's memory.copy is a call into the engine:
 * on the short rows of small planes (MobileNet's 7×7 to 56×56 depthwise convolutions) one per
 * row cost more than the convolution's row itself.
 *
 * pack_cols8: the f32 im2col of 8 output pixels evenly spaced in the image (stride 1 or 2 along
 * a row), as one panel of gemm.h's layout: b[8k + j] = x[off[k] + j·stride] for k < K, off[k]
 * being where value k of a window sits relative to the window's start. Reads nothing past the
 * last pixel's value (x may be the input itself, unpadded). */
#ifndef WISP_KERNELS_COPY_H
#define WISP_KERNELS_COPY_H

#include <stddef.h>

typedef void (*wisp_f32_copy_rows_fn)(size_t rows, size_t cols, const float *src,
                                      ptrdiff_t src_stride, float *dst, ptrdiff_t dst_stride);
typedef void (*wisp_f32_pack_cols8_fn)(size_t K, const float *x, const ptrdiff_t *off, int stride,
                                       float *b);

void f32_copy_rows__scalar(size_t rows, size_t cols, const float *src, ptrdiff_t src_stride,
                           float *dst, ptrdiff_t dst_stride);
void f32_pack_cols8__scalar(size_t K, const float *x, const ptrdiff_t *off, int stride, float *b);
#ifdef __wasm_simd128__
void f32_copy_rows__wasmsimd(size_t rows, size_t cols, const float *src, ptrdiff_t src_stride,
                             float *dst, ptrdiff_t dst_stride);
void f32_pack_cols8__wasmsimd(size_t K, const float *x, const ptrdiff_t *off, int stride, float *b);
#endif

#endif
