/* conv_winograd.c — the Winograd driver, F(2×2, 3×3) or F(4×4, 3×3) (kernels/winograd.h): pad
 * the image once, then for each block of tiles transform the input patches into the GEMM's
 * packed panels, run one GEMM per transformed position (U_ξ (M × C) · V_ξ (C × tiles)), and
 * transform the products back into pixels. */
#include "conv_winograd.h"

#include <math.h>
#include <string.h>

#include "../kernels/config.h"
#include "../threads.h"

#define NR WISP_GEMM_NR

int wisp_wino_tile(int C, int M) { return (int64_t)C * M <= WISP_WINO43_MAX_CM ? 4 : 2; }

/* Positions of the transformed tile: (m + 2)². */
static int positions(int m) { return (m + 2) * (m + 2); }

void wisp_wino_geometry(wisp_wino_geom *g, int m, int C, int M, int H, int W, int OH, int OW,
                        int top, int left) {
  g->m = m, g->C = C, g->M = M, g->H = H, g->W = W, g->OH = OH, g->OW = OW, g->top = top;
  g->left = left;
  g->TH = (OH + m - 1) / m, g->TW = (OW + m - 1) / m;
  g->Hp = m * g->TH + 2, g->Wp = m * g->TW + 2;
  /* about 512 KB of transformed input per block, so it and the products stay in L2; 1 MB for
   * F(4×4), so that fewer blocks each read all 36 of its U matrices */
  int block = (m == 2 ? 8192 : 2 * 8192 * 16 / 36) / C / NR * NR;
  int tiles = (g->TH * g->TW + NR - 1) / NR * NR;
  block = block < NR ? NR : block;
  g->block = block < tiles ? block : tiles;
}

uint64_t wisp_wino_weights_bytes(int m, int M, int C) {
  return (uint64_t)positions(m) * M * C * sizeof(float);
}

void wisp_wino_weights(int m, int M, int C, const float *w, float *u) {
  size_t plane = (size_t)M * C;
  for (size_t mc = 0; mc < plane; mc++)
    (m == 2 ? wisp_f32_wino_weights : wisp_f32_wino43_weights)(w + 9 * mc, u + mc,
                                                               (ptrdiff_t)plane);
}

static size_t panels_floats(const wisp_wino_geom *g) {
  return wisp_kernels()->f32_gemm.packed_size(g->C, g->block);
}

/* 64-bit: the caller rejects sizes a 32-bit size_t cannot hold */
uint64_t wisp_wino_scratch_bytes(const wisp_wino_geom *g) {
  uint64_t P = (uint64_t)positions(g->m);
  uint64_t padded = (uint64_t)g->C * g->Hp * g->Wp;
  uint64_t v = P * ((uint64_t)g->block / NR) * ((uint64_t)g->C + 1) * NR;
  uint64_t products = P * g->M * g->block;
  return (padded + v + products) * sizeof(float) + 3 * 64;
}

static float *align64(void *p) { return (float *)(((size_t)p + 63) / 64 * 64); }

/* One block of tiles [t0, t0 + nb): the state its three parallel steps share. */
typedef struct {
  const wisp_wino_geom *g;
  const float *x, *xp, *u, *bias;
  float *v, *prod, *y, lo, hi;
  size_t plane, vsz, panel;
  int t0, nb;
} wino_block;

/* Channels [c, c + nc) of the image, zero-padded into xp. */
static void wino_pad(void *ctx, int thread, size_t c0, size_t j0, size_t nc, size_t nj) {
  const wino_block *k = ctx;
  const wisp_wino_geom *g = k->g;
  float *xp = (float *)k->xp + c0 * k->plane;
  memset(xp, 0, nc * k->plane * sizeof *xp);
  for (size_t c = c0; c < c0 + nc; c++, xp += k->plane)
    wisp_kernels()->copy.rows((size_t)g->H, (size_t)g->W, k->x + c * g->H * g->W, g->W,
                              xp + (size_t)g->top * g->Wp + g->left, g->Wp);
}

/* Channels [c, c + nc): their transformed patches, into every position's panels. */
static void wino_input(void *ctx, int thread, size_t c0, size_t j0, size_t nc, size_t nj) {
  const wino_block *k = ctx;
  const wisp_wino_geom *g = k->g;
  const wisp_winograd_config *wc = &wisp_kernels()->winograd;
  const int m = g->m;
  wisp_f32_wino_input4_fn in4 = m == 2 ? wc->input4 : wc->input4_43;
  wisp_f32_wino_input1_fn in1 = m == 2 ? f32_wino_input1__scalar : f32_wino43_input1__scalar;
  for (size_t c = c0; c < c0 + nc; c++)
    for (int j = 0; j < k->nb;) {
      int t = k->t0 + j, ty = t / g->TW, tx = t % g->TW;
      const float *patch = k->xp + c * k->plane + (size_t)m * ty * g->Wp + m * tx;
      float *out = k->v + (j / NR) * k->panel + NR * (1 + c) + j % NR;
      if (j % NR <= NR - 4 && j + 4 <= k->nb && tx + 4 <= g->TW) { /* 4 in one row and panel */
        in4(patch, g->Wp, out, (ptrdiff_t)k->vsz);
        j += 4;
      } else {
        in1(patch, g->Wp, out, (ptrdiff_t)k->vsz);
        j++;
      }
    }
}

/* Positions [xi, xi + n) × output channels [m, m + nm): U_ξ · V_ξ (a tile of it: whole rows). */
static void wino_gemm(void *ctx, int thread, size_t xi0, size_t m0, size_t n, size_t nm) {
  const wino_block *k = ctx;
  const int M = k->g->M, C = k->g->C;
  for (size_t xi = xi0; xi < xi0 + n; xi++)
    wisp_f32_gemm((int)nm, k->nb, C, k->u + (xi * M + m0) * C, C, k->v + xi * k->vsz,
                  k->prod + (xi * M + m0) * k->nb, k->nb, -INFINITY, INFINITY);
}

/* Output channels [m, m + nm): the products back into pixels. */
static void wino_output(void *ctx, int thread, size_t m0, size_t j0, size_t nm, size_t nj) {
  const wino_block *k = ctx;
  const wisp_wino_geom *g = k->g;
  const wisp_winograd_config *wc = &wisp_kernels()->winograd;
  const int M = g->M, nb = k->nb, TW = g->TW, s = g->m;
  wisp_f32_wino_output4_fn out4 = s == 2 ? wc->output4 : wc->output4_43;
  wisp_f32_wino_output1_fn out1 = s == 2 ? f32_wino_output1__scalar : f32_wino43_output1__scalar;
  for (size_t m = m0; m < m0 + nm; m++) {
    const float *pm = k->prod + m * nb;
    float *ym = k->y + m * g->OH * g->OW, b = k->bias ? k->bias[m] : 0.0f;
    for (int j = 0; j < nb;) {
      int t = k->t0 + j, ty = t / TW, tx = t % TW, rows = g->OH - s * ty, cols = g->OW - s * tx;
      float *yt = ym + (size_t)s * ty * g->OW + s * tx;
      if (j + 4 <= nb && tx + 4 <= TW && rows >= s && s * (tx + 4) <= g->OW) {
        out4(pm + j, (ptrdiff_t)M * nb, b, k->lo, k->hi, yt, g->OW);
        j += 4;
      } else {
        out1(pm + j, (ptrdiff_t)M * nb, b, k->lo, k->hi, yt, g->OW, rows < s ? rows : s,
             cols < s ? cols : s);
        j++;
      }
    }
  }
}

/* Each block's three steps are parallel-fors: transforms over channels, the GEMMs over
 * (position, rows of the tile height), so one wake-up of the threads covers all of them. */
void wisp_wino_conv(const wisp_wino_geom *g, const float *x, const float *u, const float *bias,
                    float lo, float hi, void *scratch, float *y) {
  const int C = g->C, M = g->M, T = g->TH * g->TW, P = positions(g->m);
  wino_block k = {g,
                  x,
                  NULL,
                  u,
                  bias,
                  NULL,
                  NULL,
                  y,
                  lo,
                  hi,
                  (size_t)g->Hp * g->Wp,
                  panels_floats(g),
                  ((size_t)C + 1) * NR,
                  0,
                  0};
  float *xp = align64(scratch);
  k.xp = xp, k.v = align64(xp + C * k.plane), k.prod = align64(k.v + P * k.vsz);
  size_t per = (size_t)wisp_threads() * 4, tc = (C + per - 1) / per, tm = (M + per - 1) / per;
  wisp_parallel_2d((size_t)C, 1, tc, 1, wino_pad, &k);
  size_t tg = ((size_t)M * P + per - 1) / per;                 /* rows of the P GEMMs per tile */
  const size_t mr = (size_t)wisp_kernels()->f32_gemm.tiles.mr; /* whole tiles: bit for bit */
  tg = tg < (size_t)M ? (tg + mr - 1) / mr * mr : (size_t)M;
  for (int t0 = 0; t0 < T; t0 += g->block) {
    int nb = T - t0 < g->block ? T - t0 : g->block, npanels = (nb + NR - 1) / NR;
    float *v = k.v;
    for (int xi = 0; xi < P; xi++) { /* zero bias slots, and the last panel if it is partial */
      for (int q = 0; q < npanels; q++) memset(v + xi * k.vsz + q * k.panel, 0, NR * sizeof *v);
      if (nb % NR) memset(v + xi * k.vsz + (npanels - 1) * k.panel, 0, k.panel * sizeof *v);
    }
    k.t0 = t0, k.nb = nb;
    wisp_parallel_2d((size_t)C, 1, tc, 1, wino_input, &k);
    wisp_parallel_2d((size_t)P, (size_t)M, 1, tg, wino_gemm, &k);
    wisp_parallel_2d((size_t)M, 1, tm, 1, wino_output, &k);
  }
}
