/* gemm.h — f32 GEMM over weights packed once into 8-column panels.
 *
 * C (M×N) = clamp(A (M×K) · B (K×N) + bias, min, max): the clamp is a fused ReLU / ReLU6 / Clip
 * (±INFINITY for none). B is packed by wisp_f32_gemm_pack into
 * ceil(N/8) panels laid out [bias 8][k=0: 8 columns][k=1: 8 columns]…, zero-padded past N, so a
 * microkernel streams its panel linearly (the XNNPACK layout). Microkernels compute up to mr
 * rows (WISP_GEMM_MR = 4; 6 for the relaxed build's 6×8 tile where V8 keeps it, the config's mr)
 * × NR=8 columns of C over kc of the K rows; they see only pointers, sizes and strides.
 * The driver splits K into blocks of WISP_GEMM_KC so one block of a panel and of mr A rows stay in
 * L1 (ResNet's K reaches 4609): the first block starts from the bias, later ones from C, and
 * only the last one clamps. */
#ifndef WISP_KERNELS_GEMM_H
#define WISP_KERNELS_GEMM_H

#include <stddef.h>
#include <stdint.h>

#include "vmath.h"

#define WISP_GEMM_MR 4
#define WISP_GEMM_NR 8
#define WISP_GEMM_KC 512

/* Floats needed to pack a K×N matrix. */
uint64_t wisp_f32_gemm_packed_size(int K, int N);
/* Packs B where element (k, n) is at B[k*stride_k + n*stride_n] (so B or Bᵀ), with bias[N]
 * (may be NULL for zeros). */
void wisp_f32_gemm_pack(int K, int N, const float *B, ptrdiff_t stride_k, ptrdiff_t stride_n,
                        const float *bias, float *packed);

/* One tile: rows mr ≤ the kernel's (4, or 6 for f32_gemm_6x8), columns nc ≤ 8 of
 * C = A (mr × kc, stride lda) · w (kc rows of 8), starting from bias[8] when given, else from C
 * (accumulating a later K block); then clamped. */
typedef void (*wisp_f32_gemm_ukernel)(int mr, int nc, int kc, const float *A, ptrdiff_t lda,
                                      const float *w, const float *bias, float *C, ptrdiff_t ldc,
                                      float min, float max);

void f32_gemm_4x8__scalar(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                          const float *bias, float *C, ptrdiff_t ldc, float min, float max);
/* One row only (mr == 1): row tails and M = 1. */
void f32_gemm_1x8__scalar(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                          const float *bias, float *C, ptrdiff_t ldc, float min, float max);
/* Twin of the relaxed-SIMD build's 6×8 tile (f32_gemm_6x8__wasmrelaxed.c). */
void f32_gemm_6x8__scalar(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                          const float *bias, float *C, ptrdiff_t ldc, float min, float max);
#ifdef __wasm_simd128__
void f32_gemm_4x8__wasmsimd(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                            const float *bias, float *C, ptrdiff_t ldc, float min, float max);
void f32_gemm_1x8__wasmsimd(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                            const float *bias, float *C, ptrdiff_t ldc, float min, float max);
#endif
#ifdef __wasm_relaxed_simd__
void f32_gemm_6x8__wasmrelaxed(int mr, int nc, int kc, const float *A, ptrdiff_t lda,
                               const float *w, const float *bias, float *C, ptrdiff_t ldc,
                               float min, float max);
#endif

/* The same tiles over B as it lies in memory (k rows ldb apart), for columns [0, n) of one row
 * of 4 (8 at a time; B is read in whole rows of 8, so a ragged end must be a copy), starting
 * from a bias per row of C (row_bias[mr], or C itself when NULL): a 1×1 convolution in NCHW,
 * where B is the input planes and needs no packing. */
typedef void (*wisp_f32_gemm_rowbias_ukernel)(int mr, int n, int kc, const float *A, ptrdiff_t lda,
                                              const float *B, ptrdiff_t ldb, const float *row_bias,
                                              float *C, ptrdiff_t ldc, float min, float max);
void f32_gemm_rowbias_4x8__scalar(int mr, int n, int kc, const float *A, ptrdiff_t lda,
                                  const float *B, ptrdiff_t ldb, const float *row_bias, float *C,
                                  ptrdiff_t ldc, float min, float max);
#ifdef __wasm_simd128__
void f32_gemm_rowbias_4x8__wasmsimd(int mr, int n, int kc, const float *A, ptrdiff_t lda,
                                    const float *B, ptrdiff_t ldb, const float *row_bias, float *C,
                                    ptrdiff_t ldc, float min, float max);
#endif
/* C (M×N) = post(clamp(A (M×K) · B (K×N, rows ldb apart) + row_bias, min, max)), post (NULL
 * for none) run in place over each block of columns once it is final, while it is in cache.
 * The last N % 8 columns are copied into `tail` (K × 8 floats) first, so no kernel reads past
 * B's last row. */
void wisp_f32_gemm_rowbias(int M, int N, int K, const float *A, ptrdiff_t lda, const float *B,
                           ptrdiff_t ldb, const float *row_bias, float *C, ptrdiff_t ldc, float min,
                           float max, wisp_f32_vunary_fn post, float *tail);

/* The tiles one GEMM runs (config.h holds this instance's): `gemm` for tiles of mr rows; where mr
 * is 6, `gemm_4row` (else NULL), a tile of 4 (8 accumulators keep the FMA units busy) for the 2-4
 * rows past the 6-row tiles, which a 6-row tile would compute in full: a remainder of 2 goes as
 * 4 + 4 with the last full tile's rows (M = 128: 20 tiles of 6 and 2 of 4, in the time of 21⅓
 * tiles of 6, not 22); `gemm_1row` for a single row. `gemm` and `gemm_4row` must compute a row
 * alike, bit for bit (the 1-row tile may sum in another order: a single last row always goes to
 * it), so results do not depend on how rows are split over threads. */
typedef struct {
  wisp_f32_gemm_ukernel gemm, gemm_4row, gemm_1row;
  int mr;
} wisp_f32_gemm_tiles;

/* Tile sides (multiples of mr and nr) for spreading an M × N output over wisp_threads(). */
void wisp_gemm_tiles(int M, int N, int K, int mr, int nr, size_t *tile_m, size_t *tile_n);
/* Full GEMM with the microkernels chosen by config.c, on wisp_threads() threads. */
void wisp_f32_gemm(int M, int N, int K, const float *A, ptrdiff_t lda, const float *packed,
                   float *C, ptrdiff_t ldc, float min, float max);
/* Columns per span of a parallel-for over N for the drivers that unpack each panel of 8 once
 * (q4_gemm.h, bnb4_gemm.h): whole panels, about 4 spans a thread; all of N on one thread or
 * when M·N·K is too small to share. */
size_t wisp_gemm_column_span(size_t M, size_t N, size_t K);
/* Every row of A (M rows, lda apart, kc columns) times one panel w (kc rows of 8, nc ≤ 8 real
 * columns) into those columns of C, on the tiles t (a tail of 2 or more rows on a part-filled
 * tile, a single row on the 1-row one); bias as the tiles take it. */
void wisp_f32_gemm_rows(const wisp_f32_gemm_tiles *t, int M, int nc, int kc, const float *A,
                        ptrdiff_t lda, const float *w, const float *bias, float *C, ptrdiff_t ldc,
                        float min, float max);
/* The full GEMM on given tiles. */
void wisp_f32_gemm_with(const wisp_f32_gemm_tiles *t, int M, int N, int K, const float *A,
                        ptrdiff_t lda, const float *packed, float *C, ptrdiff_t ldc, float min,
                        float max);

#endif
