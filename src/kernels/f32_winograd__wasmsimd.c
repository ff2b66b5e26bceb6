/* Winograd F(2×2, 3×3) and F(4×4, 3×3) transforms for WASM SIMD128: four tiles of a tile row at
 * once, one tile per lane. F(2×2) patches start 2 columns apart, so each patch column is a
 * stride-2 gather, done as two loads and a constant shuffle. The F(4×4) ones are built twice,
 * like the GEMM tiles: relaxed_madd for their multiplies in the relaxed kernels module. */
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "store__wasmsimd.h"
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

/* ---- F(4×4, 3×3): patches 4 columns apart, so a patch column is a 4×4 transpose ----
 * In the core their loops stay rolled: unrolled, the two kernels took 6.7 KB more of the download
 * and ran ResNet-18 no faster (bench/ab.js: rolled 0.992 of unrolled). The relaxed module has no
 * stack, so there they unroll, which turns their arrays into locals. */
#ifdef __wasm_relaxed_simd__
#define WINO_LOOP _Pragma("clang loop unroll(full)")
#else
#define WINO_LOOP _Pragma("clang loop unroll(disable)")
#endif

#define ADD wasm_f32x4_add
#define SUB wasm_f32x4_sub
#define MADD(k, v, acc) WISP_F32X4_MULADD(wisp_f32x4_splat_hoisted(k), v, acc) /* acc + k·v */

/* Bᵀ x, as the scalar twin's bt6 (a - k·v there is a + (-k)·v here: the same bits unfused). */
static inline void bt6(const v128_t x[6], v128_t b[6]) {
  v128_t v = SUB(x[3], x[1]), u = SUB(x[4], x[2]);
  b[0] = MADD(-2, x[2], MADD(1.5f, v, ADD(x[0], x[4])));
  b[1] = MADD(-2.5f, x[2], MADD(0.5f, x[3], ADD(x[1], x[4])));
  b[2] = MADD(2.5f, x[3], MADD(0.5f, x[2], SUB(x[4], x[1])));
  b[3] = MADD(2, v, u), b[4] = MADD(-0.5f, v, u);
  b[5] = MADD(-2, x[3], MADD(1.5f, u, ADD(x[1], x[5])));
}

/* Aᵀ m, as the scalar twin's at6. */
static inline void at6(const v128_t m[6], v128_t s[4]) {
  v128_t p = ADD(m[1], m[2]), d = SUB(m[2], m[1]);
  s[0] = ADD(ADD(ADD(m[0], p), m[3]), m[4]);
  s[1] = MADD(-2, m[4], MADD(0.5f, m[3], d));
  s[2] = MADD(4, m[4], MADD(0.25f, m[3], p));
  s[3] = ADD(MADD(-8, m[4], MADD(0.125f, m[3], d)), m[5]);
}

void WISP_SIMD(f32_wino43_input4)(const float *x, ptrdiff_t stride, float *out, ptrdiff_t ostride) {
  v128_t a[6][6]; /* d B per patch row, lanes = tiles */
  WINO_LOOP
  for (int i = 0; i < 6; i++) {
    const float *r = x + i * stride;
    /* tile t's column j is r[4t + j]: columns 0-3 transpose r[0..16), 4-5 come from r[4..18) */
    v128_t v0 = wasm_v128_load(r), v1 = wasm_v128_load(r + 4), v2 = wasm_v128_load(r + 8);
    v128_t v3 = wasm_v128_load(r + 12), v4 = wasm_v128_load(r + 14);
    v128_t t0 = wasm_i32x4_shuffle(v0, v1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(v2, v3, 0, 4, 1, 5);
    v128_t t2 = wasm_i32x4_shuffle(v0, v1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(v2, v3, 2, 6, 3, 7);
    v128_t u0 = wasm_i32x4_shuffle(v1, v2, 0, 4, 1, 5), u1 = wasm_i32x4_shuffle(v3, v4, 0, 6, 1, 7);
    v128_t c[6] = {wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5), wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7),
                   wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5), wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7),
                   wasm_i32x4_shuffle(u0, u1, 0, 1, 4, 5), wasm_i32x4_shuffle(u0, u1, 2, 3, 6, 7)};
    bt6(c, a[i]);
  }
  WINO_LOOP
  for (int j = 0; j < 6; j++) { /* Bᵀ (d B) */
    v128_t col[6] = {a[0][j], a[1][j], a[2][j], a[3][j], a[4][j], a[5][j]}, b[6];
    bt6(col, b);
    for (int i = 0; i < 6; i++) wasm_v128_store(out + (6 * i + j) * ostride, b[i]);
  }
}

void WISP_SIMD(f32_wino43_output4)(const float *m, ptrdiff_t mstride, float bias, float lo,
                                   float hi, float *y, ptrdiff_t ystride) {
  v128_t s[6][4]; /* Aᵀ m per column of positions, lanes = tiles */
  WINO_LOOP
  for (int j = 0; j < 6; j++) {
    v128_t col[6];
    for (int i = 0; i < 6; i++) col[i] = wasm_v128_load(m + (6 * i + j) * mstride);
    at6(col, s[j]);
  }
  const v128_t vb = wasm_f32x4_splat(bias), vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
  WINO_LOOP
  for (int r = 0; r < 4; r++) {
    v128_t row[6] = {s[0][r], s[1][r], s[2][r], s[3][r], s[4][r], s[5][r]}, v[4];
    at6(row, v);
    for (int c = 0; c < 4; c++) v[c] = wasm_f32x4_pmin(wasm_f32x4_pmax(ADD(v[c], vb), vlo), vhi);
    /* lanes are tiles, v[c] column c: transposed, each tile's 4 pixels of row r */
    v128_t t0 = wasm_i32x4_shuffle(v[0], v[1], 0, 4, 1, 5),
           t1 = wasm_i32x4_shuffle(v[2], v[3], 0, 4, 1, 5);
    v128_t t2 = wasm_i32x4_shuffle(v[0], v[1], 2, 6, 3, 7),
           t3 = wasm_i32x4_shuffle(v[2], v[3], 2, 6, 3, 7);
    float *yr = y + r * ystride;
    wasm_v128_store(yr, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
    wasm_v128_store(yr + 4, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
    wasm_v128_store(yr + 8, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
    wasm_v128_store(yr + 12, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
  }
}
#undef ADD
#undef SUB
#undef MADD
#undef WINO_LOOP
#endif
