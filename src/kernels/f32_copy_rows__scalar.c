/* Scalar twin of f32_copy_rows__wasmsimd. */
#include <string.h>

#include "copy.h"

void f32_copy_rows__scalar(size_t rows, size_t cols, const float *src, ptrdiff_t src_stride,
                           float *dst, ptrdiff_t dst_stride) {
  for (size_t r = 0; r < rows; r++, src += src_stride, dst += dst_stride)
    memcpy(dst, src, cols * sizeof *dst);
}
