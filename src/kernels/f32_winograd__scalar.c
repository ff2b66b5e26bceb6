/* Winograd F(2×2, 3×3) transforms, one tile at a time (the reference twins, and the ragged
 * tiles at the end of a tile row). */
#include "winograd.h"

void wisp_f32_wino_weights(const float *g, float *u, ptrdiff_t ustride) {
  float t[4][3]; /* G g: rows of G are (1,0,0), (½,½,½), (½,-½,½), (0,0,1) */
  for (int j = 0; j < 3; j++) {
    float g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
    t[0][j] = g0, t[1][j] = 0.5f * (g0 + g1 + g2), t[2][j] = 0.5f * (g0 - g1 + g2), t[3][j] = g2;
  }
  for (int i = 0; i < 4; i++) { /* (G g) Gᵀ */
    float a = t[i][0], b = t[i][1], c = t[i][2];
    float *r = u + 4 * i * ustride;
    r[0] = a, r[ustride] = 0.5f * (a + b + c), r[2 * ustride] = 0.5f * (a - b + c),
    r[3 * ustride] = c;
  }
}

void f32_wino_input1__scalar(const float *x, ptrdiff_t stride, float *out, ptrdiff_t ostride) {
  float a[4][4]; /* d B, row by row: Bᵀ's rows are (1,0,-1,0), (0,1,1,0), (0,-1,1,0), (0,1,0,-1) */
  for (int i = 0; i < 4; i++) {
    const float *d = x + i * stride;
    a[i][0] = d[0] - d[2], a[i][1] = d[1] + d[2], a[i][2] = d[2] - d[1], a[i][3] = d[1] - d[3];
  }
  for (int j = 0; j < 4; j++) { /* Bᵀ (d B) */
    out[(0 + j) * ostride] = a[0][j] - a[2][j];
    out[(4 + j) * ostride] = a[1][j] + a[2][j];
    out[(8 + j) * ostride] = a[2][j] - a[1][j];
    out[(12 + j) * ostride] = a[1][j] - a[3][j];
  }
}

void f32_wino_output1__scalar(const float *m, ptrdiff_t mstride, float bias, float lo, float hi,
                              float *y, ptrdiff_t ystride, int rows, int cols) {
  float s[2][4]; /* Aᵀ m: Aᵀ's rows are (1,1,1,0), (0,1,-1,-1) */
  for (int j = 0; j < 4; j++) {
    float m0 = m[j * mstride], m1 = m[(4 + j) * mstride], m2 = m[(8 + j) * mstride],
          m3 = m[(12 + j) * mstride];
    s[0][j] = m0 + (m1 + m2), s[1][j] = m1 - m2 - m3; /* the SIMD twin's order */
  }
  for (int i = 0; i < rows; i++) { /* (Aᵀ m) A */
    float v[2] = {s[i][0] + (s[i][1] + s[i][2]) + bias, s[i][1] - s[i][2] - s[i][3] + bias};
    for (int j = 0; j < cols; j++) y[i * ystride + j] = v[j] < lo ? lo : v[j] > hi ? hi : v[j];
  }
}

void f32_wino_input4__scalar(const float *x, ptrdiff_t stride, float *out, ptrdiff_t ostride) {
  for (int i = 0; i < 4; i++) f32_wino_input1__scalar(x + 2 * i, stride, out + i, ostride);
}

void f32_wino_output4__scalar(const float *m, ptrdiff_t mstride, float bias, float lo, float hi,
                              float *y, ptrdiff_t ystride) {
  for (int i = 0; i < 4; i++)
    f32_wino_output1__scalar(m + i, mstride, bias, lo, hi, y + 2 * i, ystride, 2, 2);
}
