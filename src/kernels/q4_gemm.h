/* q4_gemm.h — float32 A times 4-bit block-quantized weights (com.microsoft MatMulNBits, bits 4).
 *
 * Y (M×N, row stride ldy) = A (M×K, row stride lda) · W (+ bias[n]), W never held as float32
 * whole: column n's block b (K split in blocks of `block` values, the last zero-padded) is
 * block/2 bytes at B + (n·blocks + b)·block/2, value k in the low nibble of byte k/2 when k is
 * even and in the high nibble when odd; W[k][n] = (q − z) · scales[n·blocks + b], z the nibble b
 * of zp + n·ceil(blocks/2) (same order), or 8 when zp is NULL. block is a power of two in
 * [16, 256]. The driver unpacks WISP_Q4_KC rows of 8 columns at a time into a panel in the f32
 * GEMM's layout (gemm.h, 16 KB: stays in L1) and runs the f32 GEMM's 4×8 tiles over every row of
 * A with it, so the unpacking is paid once per M rows. */
#ifndef WISP_KERNELS_Q4_GEMM_H
#define WISP_KERNELS_Q4_GEMM_H

#include <stddef.h>
#include <stdint.h>

#include "gemm.h"

#define WISP_Q4_MAX_BLOCK 256
#define WISP_Q4_KC 512 /* a multiple of every block size */

/* Unpacks `nblocks` blocks from block b0 of columns [0, nc) (nc ≤ 8; B, scales and zp point at
 * the first column's data, columns blocks·block/2, blocks and zb = ceil(blocks/2) bytes or
 * floats apart) into w: nblocks·block rows of 8 floats, columns past nc zero. */
typedef void (*wisp_q4_unpack_fn)(int nc, size_t b0, size_t nblocks, size_t block, size_t blocks,
                                  const uint8_t *B, const float *scales, const uint8_t *zp,
                                  float *w);
void q4_unpack_8__scalar(int nc, size_t b0, size_t nblocks, size_t block, size_t blocks,
                         const uint8_t *B, const float *scales, const uint8_t *zp, float *w);
#ifdef __wasm_simd128__
void q4_unpack_8__wasmsimd(int nc, size_t b0, size_t nblocks, size_t block, size_t blocks,
                           const uint8_t *B, const float *scales, const uint8_t *zp, float *w);
#endif

/* Floats of scratch the driver needs per thread (wisp_threads(): a panel each). */
#define WISP_Q4_SCRATCH_FLOATS (WISP_Q4_KC * WISP_GEMM_NR)

/* The GEMM with the given unpacker and f32 tiles. */
void wisp_q4_gemm_with(wisp_q4_unpack_fn unpack, const wisp_f32_gemm_tiles *tiles, size_t M,
                       size_t N, size_t K, size_t block, const float *A, size_t lda,
                       const uint8_t *B, const float *scales, const uint8_t *zp, const float *bias,
                       float *Y, size_t ldy, float *scratch);
/* The same with the kernels config.c chose. */
void wisp_q4_gemm(size_t M, size_t N, size_t K, size_t block, const float *A, size_t lda,
                  const uint8_t *B, const float *scales, const uint8_t *zp, const float *bias,
                  float *Y, size_t ldy, float *scratch);

#endif
