/* q4_gemm.c — the 4-bit GEMM driver (q4_gemm.h): unpack a panel, run the f32 tiles over it. */
#include "q4_gemm.h"

#include <math.h>

#include "../threads.h"
#include "config.h"

typedef struct {
  wisp_q4_unpack_fn unpack;
  const wisp_f32_gemm_tiles *tiles;
  size_t M, N, K, block, lda, ldy;
  const float *A, *scales, *bias;
  const uint8_t *B, *zp;
  float *Y, *scratch;
} q4_job;

/* Columns [n_first, n_first + n) (whole panels of 8) of every row, with this thread's panel of scratch. */
static void q4_columns(void *ctx, int thread, size_t i, size_t n_first, size_t ni, size_t n) {
  const q4_job *g = ctx;
  wisp_q4_unpack_fn unpack = g->unpack;
  size_t M = g->M, N = n_first + n, K = g->K, block = g->block, lda = g->lda, ldy = g->ldy;
  const float *A = g->A, *scales = g->scales, *bias = g->bias;
  const uint8_t *B = g->B, *zp = g->zp;
  float *Y = g->Y, *scratch = g->scratch + (size_t)thread * WISP_Q4_SCRATCH_FLOATS;
  size_t blocks = (K + block - 1) / block, zb = (blocks + 1) / 2;
  for (size_t n0 = n_first; n0 < N; n0 += WISP_GEMM_NR) {
    int nc = N - n0 < WISP_GEMM_NR ? (int)(N - n0) : WISP_GEMM_NR;
    float b8[WISP_GEMM_NR] = {0};
    for (int j = 0; j < nc; j++) b8[j] = bias ? bias[n0 + j] : 0.0f;
    for (size_t k0 = 0; k0 < K; k0 += WISP_Q4_KC) { /* K ≥ 1 */
      size_t kc = K - k0 < WISP_Q4_KC ? K - k0 : WISP_Q4_KC;
      unpack(nc, k0 / block, (kc + block - 1) / block, block, blocks, B + n0 * blocks * (block / 2),
             scales + n0 * blocks, zp ? zp + n0 * zb : NULL, scratch);
      wisp_f32_gemm_rows(g->tiles, (int)M, nc, (int)kc, A + k0, (ptrdiff_t)lda, scratch,
                         k0 ? NULL : b8, Y + n0, (ptrdiff_t)ldy, -INFINITY, INFINITY);
    }
  }
}

void wisp_q4_gemm_with(wisp_q4_unpack_fn unpack, const wisp_f32_gemm_tiles *tiles, size_t M,
                       size_t N, size_t K, size_t block, const float *A, size_t lda,
                       const uint8_t *B, const float *scales, const uint8_t *zp, const float *bias,
                       float *Y, size_t ldy, float *scratch) {
  q4_job g = {unpack, tiles, M, N, K, block, lda, ldy, A, scales, bias, B, zp, Y, scratch};
  /* columns only, so each panel is unpacked once */
  if (N) wisp_parallel_2d(1, N, 1, wisp_gemm_column_span(M, N, K), q4_columns, &g);
}

void wisp_q4_gemm(size_t M, size_t N, size_t K, size_t block, const float *A, size_t lda,
                  const uint8_t *B, const float *scales, const uint8_t *zp, const float *bias,
                  float *Y, size_t ldy, float *scratch) {
  const wisp_kernel_set *ks = wisp_kernels();
  wisp_q4_gemm_with(ks->q4_unpack, &ks->f32_gemm.tiles, M, N, K, block, A, lda, B, scales, zp, bias,
                    Y, ldy, scratch);
}
