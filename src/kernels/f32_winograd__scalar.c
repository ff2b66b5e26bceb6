/* Winograd F(2×2, 3×3) and F(4×4, 3×3) transforms, one tile at a time (the reference twins, and
 * the ragged tiles at the end of a tile row). */
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

/* ---- F(4×4, 3×3): 6×6 patches, 4×4 output tiles, 36 positions ---- */

/* Points 0, -1, 1, ½, -2 and ∞. Against the usual 0, ±1, ±2, the sums over channels in the
 * transformed domain cancel less in Aᵀ: in a float32 simulation of whole tiles
 * (bench/winograd_points.py) the worst error fell 2.8×, for 5 more adds and multiplies in each
 * of bt6 and at6.
 *
 * G g for one column (g0, g1, g2) of a 3×3 kernel: G's rows are (1,0,0), (-1,1,-1)/3,
 * (1,1,1)/3, -(16,8,4)/15, (1,-2,4)/15, (0,0,1). In double: U is made once per weight, so it is
 * rounded once. */
static void wino43_g(double g0, double g1, double g2, double *t, ptrdiff_t ts) {
  t[0] = g0, t[ts] = (g1 - g0 - g2) / 3, t[2 * ts] = (g0 + g1 + g2) / 3;
  t[3 * ts] = -(16 * g0 + 8 * g1 + 4 * g2) / 15, t[4 * ts] = (g0 - 2 * g1 + 4 * g2) / 15;
  t[5 * ts] = g2;
}

void wisp_f32_wino43_weights(const float *g, float *u, ptrdiff_t ustride) {
  double t[6][3], r[6]; /* G g, then one row of (G g) Gᵀ */
  for (int j = 0; j < 3; j++) wino43_g(g[j], g[3 + j], g[6 + j], &t[0][j], 3);
  for (int i = 0; i < 6; i++) {
    wino43_g(t[i][0], t[i][1], t[i][2], r, 1);
    for (int k = 0; k < 6; k++) u[(6 * i + k) * ustride] = (float)r[k];
  }
}

/* Bᵀ x, Bᵀ's rows (1,-3/2,-2,3/2,1,0), (0,1,-5/2,1/2,1,0), (0,-1,1/2,5/2,1,0), (0,-2,-1,2,1,0),
 * (0,1/2,-1,-1/2,1,0), (0,1,-3/2,-2,3/2,1), in the order the SIMD twin's bt6 computes it. */
static void bt6(const float x[6], float b[6]) {
  float v = x[3] - x[1], u = x[4] - x[2];
  b[0] = ((x[0] + x[4]) + 1.5f * v) - 2 * x[2];
  b[1] = ((x[1] + x[4]) + 0.5f * x[3]) - 2.5f * x[2];
  b[2] = ((x[4] - x[1]) + 0.5f * x[2]) + 2.5f * x[3];
  b[3] = u + 2 * v, b[4] = u - 0.5f * v;
  b[5] = ((x[1] + x[5]) + 1.5f * u) - 2 * x[3];
}

void f32_wino43_input1__scalar(const float *x, ptrdiff_t stride, float *out, ptrdiff_t ostride) {
  float a[6][6]; /* d B, row by row */
  for (int i = 0; i < 6; i++) bt6(x + i * stride, a[i]);
  for (int j = 0; j < 6; j++) { /* Bᵀ (d B) */
    float col[6] = {a[0][j], a[1][j], a[2][j], a[3][j], a[4][j], a[5][j]}, b[6];
    bt6(col, b);
    for (int i = 0; i < 6; i++) out[(6 * i + j) * ostride] = b[i];
  }
}

/* Aᵀ m, Aᵀ's rows (1,1,1,1,1,0), (0,-1,1,1/2,-2,0), (0,1,1,1/4,4,0), (0,-1,1,1/8,-8,1), as at6. */
static void at6(const float m[6], float s[4]) {
  float p = m[1] + m[2], d = m[2] - m[1];
  s[0] = ((m[0] + p) + m[3]) + m[4];
  s[1] = (d + 0.5f * m[3]) - 2 * m[4];
  s[2] = (p + 0.25f * m[3]) + 4 * m[4];
  s[3] = ((d + 0.125f * m[3]) - 8 * m[4]) + m[5];
}

void f32_wino43_output1__scalar(const float *m, ptrdiff_t mstride, float bias, float lo, float hi,
                                float *y, ptrdiff_t ystride, int rows, int cols) {
  float s[6][4]; /* Aᵀ m, one column of positions at a time */
  for (int j = 0; j < 6; j++) {
    float col[6];
    for (int i = 0; i < 6; i++) col[i] = m[(6 * i + j) * mstride];
    at6(col, s[j]);
  }
  for (int i = 0; i < rows; i++) { /* (Aᵀ m) A */
    float row[6] = {s[0][i], s[1][i], s[2][i], s[3][i], s[4][i], s[5][i]}, v[4];
    at6(row, v);
    for (int j = 0; j < cols; j++) {
      float o = v[j] + bias;
      y[i * ystride + j] = o < lo ? lo : o > hi ? hi : o;
    }
  }
}

void f32_wino43_input4__scalar(const float *x, ptrdiff_t stride, float *out, ptrdiff_t ostride) {
  for (int i = 0; i < 4; i++) f32_wino43_input1__scalar(x + 4 * i, stride, out + i, ostride);
}

void f32_wino43_output4__scalar(const float *m, ptrdiff_t mstride, float bias, float lo, float hi,
                                float *y, ptrdiff_t ystride) {
  for (int i = 0; i < 4; i++)
    f32_wino43_output1__scalar(m + i, mstride, bias, lo, hi, y + 4 * i, ystride, 4, 4);
}
