/* conv_winograd.c — the Winograd F(2×2, 3×3) driver: pad the image once, then for each block of
 * tiles transform the input patches into the GEMM's packed panels, run one GEMM per transformed
 * position (U_ξ (M × C) · V_ξ (C × tiles)), and transform the products back into pixels. */
#include "conv_winograd.h"

#include <math.h>
#include <string.h>

#include "../kernels/config.h"
#include "../threads.h"

#define NR WISP_GEMM_NR

void wisp_wino_geometry(wisp_wino_geom *g, int C, int M, int H, int W, int OH, int OW, int top,
                        int left) {
  g->C = C, g->M = M, g->H = H, g->W = W, g->OH = OH, g->OW = OW, g->top = top, g->left = left;
  g->TH = (OH + 1) / 2, g->TW = (OW + 1) / 2;
  g->Hp = 2 * g->TH + 2, g->Wp = 2 * g->TW + 2;
  /* about 512 KB of transformed input per block, so it and the products stay in L2 */
  int block = 8192 / C / NR * NR, tiles = (g->TH * g->TW + NR - 1) / NR * NR;
  block = block < NR ? NR : block;
  g->block = block < tiles ? block : tiles;
}

uint64_t wisp_wino_weights_bytes(int M, int C) { return (uint64_t)16 * M * C * sizeof(float); }

void wisp_wino_weights(int M, int C, const float *w, float *u) {
  size_t plane = (size_t)M * C;
  for (size_t mc = 0; mc < plane; mc++) wisp_f32_wino_weights(w + 9 * mc, u + mc, (ptrdiff_t)plane);
}

static size_t panels_floats(const wisp_wino_geom *g) {
  return wisp_kernels()->f32_gemm.packed_size(g->C, g->block);
}

/* 64-bit: the caller rejects sizes a 32-bit size_t cannot hold */
uint64_t wisp_wino_scratch_bytes(const wisp_wino_geom *g) {
  uint64_t padded = (uint64_t)g->C * g->Hp * g->Wp;
  uint64_t v = (uint64_t)16 * ((uint64_t)g->block / NR) * ((uint64_t)g->C + 1) * NR;
  uint64_t products = (uint64_t)16 * g->M * g->block;
  return (padded + v + products) * sizeof(float) + 3 * 64;
}

static float *align64(void *p) { return (float *)(((size_t)p + 63) / 64 * 64); }

/* One block of tiles [t0, t0 + nb): the state its three parallel steps share. */
typedef struct {
  const wisp_wino_geom *g;
  const float *xp, *u, *bias;
  float *v, *prod, *y, lo, hi;
  size_t plane, vsz, panel;
  int t0, nb;
} wino_block;

/* Channels [c, c + nc): their transformed patches, into every position's panels. */
static void wino_input(void *ctx, int thread, size_t c0, size_t j0, size_t nc, size_t nj) {
  const wino_block *k = ctx;
  const wisp_wino_geom *g = k->g;
  const wisp_kernel_set *ks = wisp_kernels();
  for (size_t c = c0; c < c0 + nc; c++)
    for (int j = 0; j < k->nb;) {
      int t = k->t0 + j, ty = t / g->TW, tx = t % g->TW;
      const float *patch = k->xp + c * k->plane + (size_t)2 * ty * g->Wp + 2 * tx;
      float *out = k->v + (j / NR) * k->panel + NR * (1 + c) + j % NR;
      if (j % 4 == 0 && j + 4 <= k->nb && tx + 4 <= g->TW) { /* 4 tiles in one row and panel */
        ks->winograd.input4(patch, g->Wp, out, (ptrdiff_t)k->vsz);
        j += 4;
      } else {
        f32_wino_input1__scalar(patch, g->Wp, out, (ptrdiff_t)k->vsz);
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
  const wisp_kernel_set *ks = wisp_kernels();
  const int M = g->M, nb = k->nb, TW = g->TW;
  for (size_t m = m0; m < m0 + nm; m++) {
    const float *pm = k->prod + m * nb;
    float *ym = k->y + m * g->OH * g->OW, b = k->bias ? k->bias[m] : 0.0f;
    for (int j = 0; j < nb;) {
      int t = k->t0 + j, ty = t / TW, tx = t % TW, rows = g->OH - 2 * ty, cols = g->OW - 2 * tx;
      float *yt = ym + (size_t)2 * ty * g->OW + 2 * tx;
      if (j + 4 <= nb && tx + 4 <= TW && rows >= 2 && 2 * (tx + 4) <= g->OW) {
        ks->winograd.output4(pm + j, (ptrdiff_t)M * nb, b, k->lo, k->hi, yt, g->OW);
        j += 4;
      } else {
        f32_wino_output1__scalar(pm + j, (ptrdiff_t)M * nb, b, k->lo, k->hi, yt, g->OW,
                                 rows < 2 ? rows : 2, cols < 2 ? cols : 2);
        j++;
      }
    }
  }
}

/* Each block's three steps are parallel-fors: transforms over channels, the 16 GEMMs over
 * (position, rows of 4), so one wake-up of the threads covers all 16. */
void wisp_wino_conv(const wisp_wino_geom *g, const float *x, const float *u, const float *bias,
                    float lo, float hi, void *scratch, float *y) {
  const int C = g->C, M = g->M, T = g->TH * g->TW;
  wino_block k = {g,
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
  k.xp = xp, k.v = align64(xp + C * k.plane), k.prod = align64(k.v + 16 * k.vsz);
  memset(xp, 0, C * k.plane * sizeof *xp);
  for (int c = 0; c < C; c++)
    for (int r = 0; r < g->H; r++)
      memcpy(xp + c * k.plane + (size_t)(r + g->top) * g->Wp + g->left,
             x + ((size_t)c * g->H + r) * g->W, (size_t)g->W * sizeof *x);
  size_t per = (size_t)wisp_threads() * 4, tc = (C + per - 1) / per, tm = (M + per - 1) / per;
  size_t tg = ((size_t)M * 16 + per - 1) / per;          /* rows of the 16 GEMMs per tile */
  const size_t mr = (size_t)wisp_kernels()->f32_gemm.mr; /* whole tiles: bit for bit */
  tg = tg < (size_t)M ? (tg + mr - 1) / mr * mr : (size_t)M;
  for (int t0 = 0; t0 < T; t0 += g->block) {
    int nb = T - t0 < g->block ? T - t0 : g->block, npanels = (nb + NR - 1) / NR;
    float *v = k.v;
    for (int xi = 0; xi < 16; xi++) { /* zero bias slots, and the last panel if it is partial */
      for (int q = 0; q < npanels; q++) memset(v + xi * k.vsz + q * k.panel, 0, NR * sizeof *v);
      if (nb % NR) memset(v + xi * k.vsz + (npanels - 1) * k.panel, 0, k.panel * sizeof *v);
    }
    k.t0 = t0, k.nb = nb;
    wisp_parallel_2d((size_t)C, 1, tc, 1, wino_input, &k);
    wisp_parallel_2d(16, (size_t)M, 1, tg, wino_gemm, &k);
    wisp_parallel_2d((size_t)M, 1, tm, 1, wino_output, &k);
  }
}
