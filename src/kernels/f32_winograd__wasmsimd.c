/* Winograd F(2×2, 3×3) transforms for WASM SIMD128: four tiles of a tile row at once, one tile
 * per lane. Patches start 2 columns apart, so each patch column is a stride-2 gather, done as
 * two loads and a constant shuffle. */
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "winograd.h"

void f32_wino_input4__wasmsimd(const float *x, ptrdiff_t stride, float *out, ptrdiff_t ostride) {
  v128_t a[4][4]; /* d B per patch row, lanes = tiles */
  for (int i = 0; i < 4; i++) {
    const float *r = x + i * stride;
    v128_t p0 = wasm_v128_load(r), p4 = wasm_v128_load(r + 4);
    v128_t p2 = wasm_v128_load(r + 2), p6 = wasm_v128_load(r + 6);
    v128_t d0 = wasm_i32x4_shuffle(p0, p4, 0, 2, 4, 6), d1 = wasm_i32x4_shuffle(p0, p4, 1, 3, 5, 7);
    v128_t d2 = wasm_i32x4_shuffle(p2, p6, 0, 2, 4, 6), d3 = wasm_i32x4_shuffle(p2, p6, 1, 3, 5, 7);
    a[i][0] = wasm_f32x4_sub(d0, d2), a[i][1] = wasm_f32x4_add(d1, d2);
    a[i][2] = wasm_f32x4_sub(d2, d1), a[i][3] = wasm_f32x4_sub(d1, d3);
  }
  for (int j = 0; j < 4; j++) {
    wasm_v128_store(out + (0 + j) * ostride, wasm_f32x4_sub(a[0][j], a[2][j]));
    wasm_v128_store(out + (4 + j) * ostride, wasm_f32x4_add(a[1][j], a[2][j]));
    wasm_v128_store(out + (8 + j) * ostride, wasm_f32x4_sub(a[2][j], a[1][j]));
    wasm_v128_store(out + (12 + j) * ostride, wasm_f32x4_sub(a[1][j], a[3][j]));
  }
}

void f32_wino_output4__wasmsimd(const float *m, ptrdiff_t mstride, float bias, float lo, float hi,
                                float *y, ptrdiff_t ystride) {
  v128_t s[2][4]; /* Aᵀ m, lanes = tiles */
  for (int j = 0; j < 4; j++) {
    v128_t m0 = wasm_v128_load(m + j * mstride), m1 = wasm_v128_load(m + (4 + j) * mstride);
    v128_t m2 = wasm_v128_load(m + (8 + j) * mstride), m3 = wasm_v128_load(m + (12 + j) * mstride);
    v128_t m12 = wasm_f32x4_add(m1, m2);
    s[0][j] = wasm_f32x4_add(m0, m12);
    s[1][j] = wasm_f32x4_sub(wasm_f32x4_sub(m1, m2), m3);
  }
  const v128_t vb = wasm_f32x4_splat(bias), vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
  for (int i = 0; i < 2; i++) {
    v128_t y0 = wasm_f32x4_add(wasm_f32x4_add(s[i][0], wasm_f32x4_add(s[i][1], s[i][2])), vb);
    v128_t y1 = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_sub(s[i][1], s[i][2]), s[i][3]), vb);
    y0 = wasm_f32x4_pmin(wasm_f32x4_pmax(y0, vlo), vhi);
    y1 = wasm_f32x4_pmin(wasm_f32x4_pmax(y1, vlo), vhi);
    /* lanes are tiles; a pixel row interleaves each tile's two columns */
    wasm_v128_store(y + i * ystride, wasm_i32x4_shuffle(y0, y1, 0, 4, 1, 5));
    wasm_v128_store(y + i * ystride + 4, wasm_i32x4_shuffle(y0, y1, 2, 6, 3, 7));
  }
}
#endif
