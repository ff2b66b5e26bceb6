/* Rows copied 4 floats a move, inline; a row's last 4 end exactly at its end (overlapping the
 * previous move, with the same values), so only rows under 4 floats go one by one. */
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "copy.h"

void f32_copy_rows__wasmsimd(size_t rows, size_t cols, const float *src, ptrdiff_t src_stride,
                             float *dst, ptrdiff_t dst_stride) {
  for (size_t r = 0; r < rows; r++, src += src_stride, dst += dst_stride) {
    if (cols < 4) {
      for (size_t c = 0; c < cols; c++) dst[c] = src[c];
      continue;
    }
    for (size_t c = 0; c + 4 < cols; c += 4) wasm_v128_store(dst + c, wasm_v128_load(src + c));
    wasm_v128_store(dst + cols - 4, wasm_v128_load(src + cols - 4));
  }
}
#endif
