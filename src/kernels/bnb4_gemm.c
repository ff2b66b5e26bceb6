/* bnb4_gemm.c — the bitsandbytes 4-bit GEMM driver (bnb4_gemm.h): decode a panel, run the f32
 * tiles over it. */
#include "bnb4_gemm.h"

#include <math.h>

#include "../threads.h"
#include "config.h"

/* Rows [k0, k0 + kc) of columns [n0, n0 + nc) of Wᵀ into w (kc rows of 8, columns past nc
 * zero): column j is the flat run from (n0 + j)·K + k0, one table per block it touches. */
static void decode_panel(size_t n0, int nc, size_t K, size_t k0, size_t kc, size_t block,
                         const float *code, const uint8_t *B, const float *absmax, float *w) {
  for (int j = 0; j < WISP_GEMM_NR; j++) {
    float *col = w + j;
    if (j >= nc) {
      for (size_t k = 0; k < kc; k++) col[k * WISP_GEMM_NR] = 0.0f;
      continue;
    }
    for (size_t f = (n0 + (size_t)j) * K + k0, left = kc; left;) {
      size_t blk = f / block, seg = (blk + 1) * block - f;
      if (seg > left) seg = left;
      float lut[16], s = absmax[blk];
      for (int i = 0; i < 16; i++) lut[i] = code[i] * s;
      for (size_t i = 0; i < seg; i++, f++, col += WISP_GEMM_NR)
        *col = lut[f & 1 ? B[f >> 1] & 15 : B[f >> 1] >> 4];
      left -= seg;
    }
  }
}

typedef struct {
  const wisp_f32_gemm_tiles *tiles;
  size_t M, K, block, lda, ldy;
  const float *code, *A, *absmax;
  const uint8_t *B;
  float *Y, *scratch;
} bnb4_job;

/* Columns [n_first, n_first + n) (whole panels of 8) of every row, with this thread's panel. */
static void bnb4_columns(void *ctx, int thread, size_t i, size_t n_first, size_t ni, size_t n) {
  const bnb4_job *g = ctx;
  size_t M = g->M, N = n_first + n, K = g->K, lda = g->lda, ldy = g->ldy;
  float *panel = g->scratch + (size_t)thread * WISP_BNB4_SCRATCH_FLOATS;
  static const float zeros[WISP_GEMM_NR];
  for (size_t n0 = n_first; n0 < N; n0 += WISP_GEMM_NR) {
    int nc = N - n0 < WISP_GEMM_NR ? (int)(N - n0) : WISP_GEMM_NR;
    for (size_t k0 = 0; k0 < K; k0 += WISP_BNB4_KC) { /* K ≥ 1 */
      size_t kc = K - k0 < WISP_BNB4_KC ? K - k0 : WISP_BNB4_KC;
      decode_panel(n0, nc, K, k0, kc, g->block, g->code, g->B, g->absmax, panel);
      /* the first K block starts from 0 */
      wisp_f32_gemm_rows(g->tiles, (int)M, nc, (int)kc, g->A + k0, (ptrdiff_t)lda, panel,
                         k0 ? NULL : zeros, g->Y + n0, (ptrdiff_t)ldy, -INFINITY, INFINITY);
    }
  }
}

void wisp_bnb4_gemm_with(const wisp_f32_gemm_tiles *tiles, size_t M, size_t N, size_t K,
                         size_t block, const float *code, const float *A, size_t lda,
                         const uint8_t *B, const float *absmax, float *Y, size_t ldy,
                         float *scratch) {
  bnb4_job g = {tiles, M, K, block, lda, ldy, code, A, absmax, B, Y, scratch};
  /* columns only, so each panel is decoded once */
  if (N) wisp_parallel_2d(1, N, 1, wisp_gemm_column_span(M, N, K), bnb4_columns, &g);
}

void wisp_bnb4_gemm(size_t M, size_t N, size_t K, size_t block, const float *code, const float *A,
                    size_t lda, const uint8_t *B, const float *absmax, float *Y, size_t ldy,
                    float *scratch) {
  wisp_bnb4_gemm_with(&wisp_kernels()->f32_gemm.tiles, M, N, K, block, code, A, lda, B, absmax, Y,
                      ldy, scratch);
}
