/* Packing B into 8-column panels and the GEMM loop over microkernel tiles. */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "config.h"
#include "gemm.h"
#include "../threads.h"

uint64_t wisp_f32_gemm_packed_size(int K, int N) {
  uint64_t panels = ((uint64_t)N + WISP_GEMM_NR - 1) / WISP_GEMM_NR;
  return panels * ((uint64_t)K + 1) * WISP_GEMM_NR;
}

void wisp_f32_gemm_pack(int K, int N, const float *B, ptrdiff_t stride_k, ptrdiff_t stride_n,
                        const float *bias, float *packed) {
  for (int n0 = 0; n0 < N; n0 += WISP_GEMM_NR) {
    int nc = N - n0 < WISP_GEMM_NR ? N - n0 : WISP_GEMM_NR;
    float *w = packed;
    for (int j = 0; j < WISP_GEMM_NR; j++) w[j] = bias && j < nc ? bias[n0 + j] : 0.0f;
    w += WISP_GEMM_NR;
    const float *b = B + n0 * stride_n;
    if (nc == WISP_GEMM_NR && stride_n == 1) /* a row of 8 is one copy (most of a model's load) */
      for (int k = 0; k < K; k++, w += WISP_GEMM_NR)
        memcpy(w, b + k * stride_k, WISP_GEMM_NR * sizeof *w);
    else
      for (int k = 0; k < K; k++, w += WISP_GEMM_NR)
        for (int j = 0; j < WISP_GEMM_NR; j++)
          w[j] = j < nc ? b[k * stride_k + j * stride_n] : 0.0f;
    packed += (size_t)(K + 1) * WISP_GEMM_NR;
  }
}

size_t wisp_gemm_column_span(size_t M, size_t N, size_t K) {
  size_t panels = (N + WISP_GEMM_NR - 1) / WISP_GEMM_NR, per = (size_t)wisp_threads() * 4;
  if (wisp_threads() == 1 || (double)M * N * K < 65536) return N;
  return (panels + per - 1) / per * WISP_GEMM_NR;
}

void wisp_f32_gemm_rows(const wisp_f32_gemm_tiles *t, int M, int nc, int kc, const float *A,
                        ptrdiff_t lda, const float *w, const float *bias, float *C, ptrdiff_t ldc,
                        float min, float max) {
  int mr = t->mr, m0 = 0, rest = M % mr;
  if (t->gemm_4row && rest == 2 && M > mr) rest += mr; /* 4 + 4 (gemm.h) */
  for (; m0 < M - rest; m0 += mr)
    t->gemm(mr, nc, kc, A + m0 * lda, lda, w, bias, C + m0 * ldc, ldc, min, max);
  while (rest > 0) {
    int rows = rest;
    wisp_f32_gemm_ukernel uk = t->gemm;
    if (rest == 1) uk = t->gemm_1row;
    else if (t->gemm_4row && rest != 5) uk = t->gemm_4row, rows = rest > 4 ? 4 : rest;
    uk(rows, nc, kc, A + m0 * lda, lda, w, bias, C + m0 * ldc, ldc, min, max);
    m0 += rows, rest -= rows;
  }
}

/* Rows [0, M) × columns [0, N) of one tile (the whole matrix with one thread). */
static void gemm_tile(const wisp_f32_gemm_tiles *t, int M, int N, int K, const float *A,
                      ptrdiff_t lda, const float *packed, float *C, ptrdiff_t ldc, float min,
                      float max) {
  size_t panel_size = ((size_t)K + 1) * WISP_GEMM_NR;
  int k0 = 0;
  do { /* K blocks (at least one, so K = 0 still writes the bias) */
    int kc = K - k0 < WISP_GEMM_KC ? K - k0 : WISP_GEMM_KC, last = k0 + kc == K;
    float lo = last ? min : -INFINITY, hi = last ? max : INFINITY;
    /* column panels outside: one block of a panel stays in L1 while all rows pass */
    for (int n0 = 0; n0 < N; n0 += WISP_GEMM_NR) {
      int nc = N - n0 < WISP_GEMM_NR ? N - n0 : WISP_GEMM_NR;
      const float *panel = packed + (size_t)(n0 / WISP_GEMM_NR) * panel_size;
      const float *bias = k0 ? NULL : panel, *w = panel + WISP_GEMM_NR * (1 + (size_t)k0);
      wisp_f32_gemm_rows(t, M, nc, kc, A + k0, lda, w, bias, C + n0, ldc, lo, hi);
    }
    k0 += kc;
  } while (k0 < K);
}

/* Tile sides for a parallel-for over an M × N output in blocks of mr × nr: whole blocks, so
 * every element meets the same microkernel call whatever the tiling (N threads = 1 thread, bit
 * for bit). About 16 tiles a thread: threads claim tiles as they go, so one that starts late or
 * runs slower costs at most about a tile at the end; but none under GEMM_TILE_MIN multiply-adds,
 * where the claim would cost too much. One thread or little work: one tile. */
#define GEMM_TILE_MIN 32768
void wisp_gemm_tiles(int M, int N, int K, int mr, int nr, size_t *tile_m, size_t *tile_n) {
  size_t bm = ((size_t)M + mr - 1) / mr, bn = ((size_t)N + nr - 1) / nr, tm = bm, tn = bn;
  double work = (double)M * N * K;
  size_t want = (size_t)wisp_threads() * 16;
  if (want > work / GEMM_TILE_MIN) want = (size_t)(work / GEMM_TILE_MIN);
  if (wisp_threads() > 1 && want >= 2)
    while (((bm + tm - 1) / tm) * ((bn + tn - 1) / tn) < want && (tm > 1 || tn > 1)) {
      if (tn >= tm) tn = (tn + 1) / 2;
      else tm = (tm + 1) / 2;
    }
  *tile_m = tm * mr, *tile_n = tn * nr;
}

typedef struct {
  const wisp_f32_gemm_tiles *tiles;
  int K;
  const float *A, *packed;
  ptrdiff_t lda, ldc;
  float *C, min, max;
} gemm_job;

static void gemm_job_tile(void *ctx, int thread, size_t i, size_t j, size_t ni, size_t nj) {
  const gemm_job *g = ctx;
  size_t panel_size = ((size_t)g->K + 1) * WISP_GEMM_NR;
  gemm_tile(g->tiles, (int)ni, (int)nj, g->K, g->A + i * g->lda, g->lda,
            g->packed + j / WISP_GEMM_NR * panel_size, g->C + i * g->ldc + j, g->ldc, g->min,
            g->max);
}

void wisp_f32_gemm_with(const wisp_f32_gemm_tiles *t, int M, int N, int K, const float *A,
                        ptrdiff_t lda, const float *packed, float *C, ptrdiff_t ldc, float min,
                        float max) {
  assert(M >= 0 && N >= 0 && K >= 0);
  size_t tm, tn;
  wisp_gemm_tiles(M, N, K, t->mr, WISP_GEMM_NR, &tm, &tn);
  if (tm >= (size_t)M && tn >= (size_t)N) { /* one tile */
    gemm_tile(t, M, N, K, A, lda, packed, C, ldc, min, max);
    return;
  }
  gemm_job g = {t, K, A, packed, lda, ldc, C, min, max};
  wisp_parallel_2d((size_t)M, (size_t)N, tm, tn, gemm_job_tile, &g);
}

void wisp_f32_gemm(int M, int N, int K, const float *A, ptrdiff_t lda, const float *packed,
                   float *C, ptrdiff_t ldc, float min, float max) {
  wisp_f32_gemm_with(&wisp_kernels()->f32_gemm.tiles, M, N, K, A, lda, packed, C, ldc, min, max);
}

/* K blocks of 256 rows; columns in blocks of about 16 KB of B, which stays in L1 while every
 * row of 4 passes over it (one kernel call per block and row of 4). */
#define ROWBIAS_KC 256

/* Columns [n0, n0 + n) of C for one K block, every row of 4; b is their first B element. */
static void rowbias_columns(wisp_f32_gemm_rowbias_ukernel uk, int M, int n0, int n, int k0, int kc,
                            const float *A, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                            const float *row_bias, float *C, ptrdiff_t ldc, float lo, float hi,
                            wisp_f32_vunary_fn post) {
  for (int m0 = 0; m0 < M; m0 += WISP_GEMM_MR) {
    int mr = M - m0 < WISP_GEMM_MR ? M - m0 : WISP_GEMM_MR;
    uk(mr, n, kc, A + m0 * lda + k0, lda, b, ldb,
       k0         ? NULL
       : row_bias ? row_bias + m0
                  : NULL,
       C + m0 * ldc + n0, ldc, lo, hi);
  }
  for (int m = 0; post && m < M; m++) post((size_t)n, C + m * ldc + n0, C + m * ldc + n0);
}

typedef struct {
  wisp_f32_gemm_rowbias_ukernel uk;
  int N, K, full;
  const float *A, *B, *row_bias, *tail;
  ptrdiff_t lda, ldb, ldc;
  float *C, min, max;
  wisp_f32_vunary_fn post; /* applied to each block of C once its last K block is in */
} rowbias_job;

/* Rows [i, i + ni) × columns [j, j + nj) of C, every K block (K inside the tile). */
static void rowbias_tile(void *ctx, int thread, size_t i, size_t j, size_t ni, size_t nj) {
  const rowbias_job *r = ctx;
  const float *A = r->A + i * r->lda, *row_bias = r->row_bias ? r->row_bias + i : NULL;
  float *C = r->C + i * r->ldc;
  int M = (int)ni, j0 = (int)j, j1 = (int)(j + nj), K = r->K;
  int full = j1 < r->full ? j1 : r->full;
  int k0 = 0;
  do {
    int kc = K - k0 < ROWBIAS_KC ? K - k0 : ROWBIAS_KC, last = k0 + kc == K;
    float lo = last ? r->min : -INFINITY, hi = last ? r->max : INFINITY;
    wisp_f32_vunary_fn post = last ? r->post : NULL;
    int block = 4096 / (kc ? kc : 1) / WISP_GEMM_NR * WISP_GEMM_NR;
    block = block < WISP_GEMM_NR ? WISP_GEMM_NR : block;
    for (int n0 = j0; n0 < full; n0 += block)
      rowbias_columns(r->uk, M, n0, full - n0 < block ? full - n0 : block, k0, kc, A, r->lda,
                      r->B + k0 * r->ldb + n0, r->ldb, row_bias, C, r->ldc, lo, hi, post);
    if (j1 > r->full)
      rowbias_columns(r->uk, M, r->full, r->N - r->full, k0, kc, A, r->lda,
                      r->tail + k0 * WISP_GEMM_NR, WISP_GEMM_NR, row_bias, C, r->ldc, lo, hi, post);
    k0 += kc;
  } while (k0 < K);
}

void wisp_f32_gemm_rowbias(int M, int N, int K, const float *A, ptrdiff_t lda, const float *B,
                           ptrdiff_t ldb, const float *row_bias, float *C, ptrdiff_t ldc, float min,
                           float max, wisp_f32_vunary_fn post, float *tail) {
  int full = N / WISP_GEMM_NR * WISP_GEMM_NR;
  if (full < N) /* the ragged last columns, zero-padded to a whole row of 8 */
    for (int k = 0; k < K; k++)
      for (int j = 0; j < WISP_GEMM_NR; j++)
        tail[k * WISP_GEMM_NR + j] = full + j < N ? B[k * ldb + full + j] : 0.0f;
  rowbias_job r = {wisp_kernels()->f32_gemm.rowbias,
                   N,
                   K,
                   full,
                   A,
                   B,
                   row_bias,
                   tail,
                   lda,
                   ldb,
                   ldc,
                   C,
                   min,
                   max,
                   post};
  size_t tm, tn;
  wisp_gemm_tiles(M, N, K, WISP_GEMM_MR, WISP_GEMM_NR, &tm, &tn);
  wisp_parallel_2d((size_t)M, (size_t)N, tm, tn, rowbias_tile, &r);
}
