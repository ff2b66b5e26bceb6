/* Rows copied 4 floats a move, inline; a row's last 4 end exactly at its end (overlapping the
 * previous move, with the same values), so only rows under 4 floats go one by one. The im2col
 * panel at stride 2 keeps the even lanes of 4 loads by two shuffles, the last load starting one
 * float early so nothing past the 8th pixel is read. */
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

void f32_pack_cols8__wasmsimd(size_t K, const float *x, const ptrdiff_t *off, int stride,
                              float *b) {
  if (stride == 1)
    for (size_t k = 0; k < K; k++, b += 8) {
      const float *r = x + off[k];
      wasm_v128_store(b, wasm_v128_load(r));
      wasm_v128_store(b + 4, wasm_v128_load(r + 4));
    }
  else
    for (size_t k = 0; k < K; k++, b += 8) {
      const float *r = x + off[k]; /* pixels at r[0], r[2], …, r[14] */
      v128_t a = wasm_v128_load(r), c = wasm_v128_load(r + 4);
      v128_t e = wasm_v128_load(r + 8), f = wasm_v128_load(r + 11);
      wasm_v128_store(b, wasm_i32x4_shuffle(a, c, 0, 2, 4, 6));
      wasm_v128_store(b + 4, wasm_i32x4_shuffle(e, f, 0, 2, 5, 7));
    }
}
#endif
