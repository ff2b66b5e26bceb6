/* f32_dot4__wasmsimd.h — the dot products of the block-dequantizing GEMMs (q4_gemm, bnb4_gemm):
 * one or two rows of A against four columns of W decoded into a buffer (column j at w + j·block),
 * two rows at a time: 8 accumulators, 2 A loads and 4 W loads per 8 multiply-adds. */
#ifndef WISP_KERNELS_F32_DOT4_WASMSIMD_H
#define WISP_KERNELS_F32_DOT4_WASMSIMD_H

#include <stddef.h>
#include <wasm_simd128.h>

/* [sum(a), sum(b), sum(c), sum(d)] */
static inline v128_t hsum4(v128_t a, v128_t b, v128_t c, v128_t d) {
  v128_t ab =
      wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  v128_t cd =
      wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5),
                        wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

/* Adds the four dot products of row a (kc values) with w's four columns to y[0..nc). */
static inline void add_row(const float *a, const float *w, size_t block, size_t kc, size_t nc,
                           float *y) {
  v128_t c0 = wasm_f32x4_splat(0), c1 = c0, c2 = c0, c3 = c0;
  size_t k = 0;
  for (; k + 4 <= kc; k += 4) {
    v128_t va = wasm_v128_load(a + k);
    c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(va, wasm_v128_load(w + k)));
    c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(va, wasm_v128_load(w + block + k)));
    c2 = wasm_f32x4_add(c2, wasm_f32x4_mul(va, wasm_v128_load(w + 2 * block + k)));
    c3 = wasm_f32x4_add(c3, wasm_f32x4_mul(va, wasm_v128_load(w + 3 * block + k)));
  }
  float r[4];
  wasm_v128_store(r, hsum4(c0, c1, c2, c3));
  for (; k < kc; k++)
    for (size_t j = 0; j < 4; j++) r[j] += a[k] * w[j * block + k];
  for (size_t j = 0; j < nc; j++) y[j] += r[j];
}

/* The same for two rows sharing the W loads. */
static inline void add_2rows(const float *a0, const float *a1, const float *w, size_t block,
                             size_t kc, size_t nc, float *y0, float *y1) {
  v128_t c0 = wasm_f32x4_splat(0), c1 = c0, c2 = c0, c3 = c0, d0 = c0, d1 = c0, d2 = c0, d3 = c0;
  size_t k = 0;
  for (; k + 4 <= kc; k += 4) {
    v128_t va = wasm_v128_load(a0 + k), vb = wasm_v128_load(a1 + k);
    v128_t w0 = wasm_v128_load(w + k), w1 = wasm_v128_load(w + block + k);
    v128_t w2 = wasm_v128_load(w + 2 * block + k), w3 = wasm_v128_load(w + 3 * block + k);
    c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(va, w0)),
    d0 = wasm_f32x4_add(d0, wasm_f32x4_mul(vb, w0));
    c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(va, w1)),
    d1 = wasm_f32x4_add(d1, wasm_f32x4_mul(vb, w1));
    c2 = wasm_f32x4_add(c2, wasm_f32x4_mul(va, w2)),
    d2 = wasm_f32x4_add(d2, wasm_f32x4_mul(vb, w2));
    c3 = wasm_f32x4_add(c3, wasm_f32x4_mul(va, w3)),
    d3 = wasm_f32x4_add(d3, wasm_f32x4_mul(vb, w3));
  }
  float r[4], t[4];
  wasm_v128_store(r, hsum4(c0, c1, c2, c3));
  wasm_v128_store(t, hsum4(d0, d1, d2, d3));
  for (; k < kc; k++)
    for (size_t j = 0; j < 4; j++)
      r[j] += a0[k] * w[j * block + k], t[j] += a1[k] * w[j * block + k];
  for (size_t j = 0; j < nc; j++) y0[j] += r[j], y1[j] += t[j];
}

#endif
