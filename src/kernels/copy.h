/* copy.h — rows of a plane into a larger one (a zero-padded copy for convolution):
 *
 *   dst[r·dst_stride + c] = src[r·src_stride + c]   for r < rows, c < cols
 *
 * src and dst do not overlap. Separate from memcpy because wasm's memory.copy is a call into the
 * engine: on the short rows of small planes (MobileNet's 7×7 to 56×56 depthwise convolutions)
 * one per row cost more than the convolution's row itself. */
#ifndef WISP_KERNELS_COPY_H
#define WISP_KERNELS_COPY_H

#include <stddef.h>

typedef void (*wisp_f32_copy_rows_fn)(size_t rows, size_t cols, const float *src,
                                      ptrdiff_t src_stride, float *dst, ptrdiff_t dst_stride);

void f32_copy_rows__scalar(size_t rows, size_t cols, const float *src, ptrdiff_t src_stride,
                           float *dst, ptrdiff_t dst_stride);
#ifdef __wasm_simd128__
void f32_copy_rows__wasmsimd(size_t rows, size_t cols, const float *src, ptrdiff_t src_stride,
                             float *dst, ptrdiff_t dst_stride);
#endif

#endif
