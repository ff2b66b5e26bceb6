/* bnb4_gemm.h — float32 A times bitsandbytes 4-bit weights (MatMulBnb4, FP4/NF4).
 *
 * Y (M×N, row stride ldy) = A (M×K, row stride lda) · Wᵀ, W [N, K] never held as float32 whole:
 * W's values in row-major order are one flat run of N·K 4-bit codes, two per byte of B, the even
 * flat index in the high nibble; flat index f has the value code[c] · absmax[f / block] (code:
 * the 16 values of FP4 or NF4). Blocks run over the flat index, so with K not a multiple of
 * block one block spans two columns of Y. As the 4-bit GEMM of q4_gemm.h does, the driver decodes
 * WISP_BNB4_KC rows of 8 columns at a time (through a 16-entry table, code · absmax, per block)
 * into a panel in the f32 GEMM's layout (gemm.h, 16 KB: stays in L1) and runs the f32 GEMM's 4×8
 * tiles over every row of A with it, so decoding is paid once per M rows. block is a power of two
 * in [16, 256]. */
#ifndef WISP_KERNELS_BNB4_GEMM_H
#define WISP_KERNELS_BNB4_GEMM_H

#include <stddef.h>
#include <stdint.h>

#include "gemm.h"

#define WISP_BNB4_MAX_BLOCK 256
#define WISP_BNB4_KC 512
/* Floats of scratch the driver needs per thread (wisp_threads(): a panel each). */
#define WISP_BNB4_SCRATCH_FLOATS (WISP_BNB4_KC * WISP_GEMM_NR)

/* The GEMM with the given f32 tiles. */
void wisp_bnb4_gemm_with(const wisp_f32_gemm_tiles *tiles, size_t M, size_t N, size_t K,
                         size_t block, const float *code, const float *A, size_t lda,
                         const uint8_t *B, const float *absmax, float *Y, size_t ldy,
                         float *scratch);
/* The same with the tiles config.c chose. */
void wisp_bnb4_gemm(size_t M, size_t N, size_t K, size_t block, const float *code, const float *A,
                    size_t lda, const uint8_t *B, const float *absmax, float *Y, size_t ldy,
                    float *scratch);

#endif
