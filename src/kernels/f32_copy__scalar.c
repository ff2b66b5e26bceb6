/* Scalar twins of f32_copy__wasmsimd.c. */
#include <string.h>

#include "copy.h"

void f32_copy_rows__scalar(size_t rows, size_t cols, const float *src, ptrdiff_t src_stride,
                           float *dst, ptrdiff_t dst_stride) {
  for (size_t r = 0; r < rows; r++, src += src_stride, dst += dst_stride)
    memcpy(dst, src, cols * sizeof *dst);
}

void f32_pack_cols8__scalar(size_t K, const float *x, const ptrdiff_t *off, int stride, float *b) {
  for (size_t k = 0; k < K; k++, b += 8)
    for (int j = 0; j < 8; j++) b[j] = x[off[k] + j * stride];
}
