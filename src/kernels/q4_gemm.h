/* q4_gemm.h — float32 A times 4-bit block-quantized weights (com.microsoft MatMulNBits, bits 4).
 *
 * Y (M×N, row stride ldy) = A (M×K, row stride lda) · W (+ bias[n]), W never held as float32:
 * column n's block b (K split in blocks of `block` values, the last zero-padded) is block/2
 * bytes at B + (n·blocks + b)·block/2, value k in the low nibble of byte k/2 when k is even and
 * in the high nibble when odd; W[k][n] = (q − z) · scales[n·blocks + b], z the nibble b of
 * zp + n·ceil(blocks/2) (same order), or 8 when zp is NULL. Columns go four at a time: their
 * four blocks are dequantized into a stack buffer (≤ 4 KB, L1) which every row then reads, and
 * each row's four block dot products are added to Y. block is a power of two in [16, 256]. */
#ifndef WISP_KERNELS_Q4_GEMM_H
#define WISP_KERNELS_Q4_GEMM_H

#include <stddef.h>
#include <stdint.h>

#define WISP_Q4_MAX_BLOCK 256

typedef void (*wisp_q4_gemm_fn)(size_t M, size_t N, size_t K, size_t block, const float *A,
                                size_t lda, const uint8_t *B, const float *scales,
                                const uint8_t *zp, const float *bias, float *Y, size_t ldy);
void q4_gemm__scalar(size_t M, size_t N, size_t K, size_t block, const float *A, size_t lda,
                     const uint8_t *B, const float *scales, const uint8_t *zp, const float *bias,
                     float *Y, size_t ldy);
#ifdef __wasm_simd128__
void q4_gemm__wasmsimd(size_t M, size_t N, size_t K, size_t block, const float *A, size_t lda,
                       const uint8_t *B, const float *scales, const uint8_t *zp,
                       const float *bias, float *Y, size_t ldy);
#endif

#endif
