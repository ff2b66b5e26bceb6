/* conv_winograd.c — the Winograd F(2×2, 3×3) driver: pad the image once, then for each block of
 * tiles transform the input patches into the GEMM's packed panels, run one GEMM per transformed
 * position (U_ξ (M × C) · V_ξ (C × tiles)), and transform the products back into pixels. */
#include "conv_winograd.h"

#include <math.h>
#include <string.h>

#include "../kernels/config.h"

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

void wisp_wino_conv(const wisp_wino_geom *g, const float *x, const float *u, const float *bias,
                    float lo, float hi, void *scratch, float *y) {
  const wisp_kernel_set *ks = wisp_kernels();
  const int C = g->C, M = g->M, TW = g->TW, T = g->TH * g->TW;
  const size_t plane = (size_t)g->Hp * g->Wp, vsz = panels_floats(g), panel = ((size_t)C + 1) * NR;
  float *xp = align64(scratch);
  float *v = align64(xp + C * plane);
  float *prod = align64(v + 16 * vsz);
  memset(xp, 0, C * plane * sizeof *xp);
  for (int c = 0; c < C; c++)
    for (int r = 0; r < g->H; r++)
      memcpy(xp + c * plane + (size_t)(r + g->top) * g->Wp + g->left,
             x + ((size_t)c * g->H + r) * g->W, (size_t)g->W * sizeof *x);
  for (int t0 = 0; t0 < T; t0 += g->block) {
    int nb = T - t0 < g->block ? T - t0 : g->block, npanels = (nb + NR - 1) / NR;
    for (int xi = 0; xi < 16; xi++) { /* zero bias slots, and the last panel if it is partial */
      for (int q = 0; q < npanels; q++) memset(v + xi * vsz + q * panel, 0, NR * sizeof *v);
      if (nb % NR) memset(v + xi * vsz + (npanels - 1) * panel, 0, panel * sizeof *v);
    }
    for (int c = 0; c < C; c++)
      for (int j = 0; j < nb;) {
        int t = t0 + j, ty = t / TW, tx = t % TW;
        const float *patch = xp + c * plane + (size_t)2 * ty * g->Wp + 2 * tx;
        float *out = v + (j / NR) * panel + NR * (1 + (size_t)c) + j % NR;
        if (j % 4 == 0 && j + 4 <= nb && tx + 4 <= TW) { /* 4 tiles in one row and one panel */
          ks->winograd.input4(patch, g->Wp, out, (ptrdiff_t)vsz);
          j += 4;
        } else {
          f32_wino_input1__scalar(patch, g->Wp, out, (ptrdiff_t)vsz);
          j++;
        }
      }
    for (int xi = 0; xi < 16; xi++)
      wisp_f32_gemm(M, nb, C, u + (size_t)xi * M * C, C, v + xi * vsz, prod + (size_t)xi * M * nb,
                    nb, -INFINITY, INFINITY);
    for (int m = 0; m < M; m++) {
      const float *pm = prod + (size_t)m * nb;
      float *ym = y + (size_t)m * g->OH * g->OW, b = bias ? bias[m] : 0.0f;
      for (int j = 0; j < nb;) {
        int t = t0 + j, ty = t / TW, tx = t % TW, rows = g->OH - 2 * ty, cols = g->OW - 2 * tx;
        float *yt = ym + (size_t)2 * ty * g->OW + 2 * tx;
        if (j + 4 <= nb && tx + 4 <= TW && rows >= 2 && 2 * (tx + 4) <= g->OW) {
          ks->winograd.output4(pm + j, (ptrdiff_t)M * nb, b, lo, hi, yt, g->OW);
          j += 4;
        } else {
          f32_wino_output1__scalar(pm + j, (ptrdiff_t)M * nb, b, lo, hi, yt, g->OW,
                                   rows < 2 ? rows : 2, cols < 2 ? cols : 2);
          j++;
        }
      }
    }
  }
}
