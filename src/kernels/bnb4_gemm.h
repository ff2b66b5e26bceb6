/* bnb4_gemm.h — float32 A times bitsandbytes 4-bit weights (MatMulBnb4, FP4/NF4).
 *
 * Y (M×N, row stride ldy) = A (M×K, row stride lda) · Wᵀ, W [N, K] never held as float32 whole:
 * W's values in row-major order are one flat run of N·K 4-bit codes, two per byte of B, the even
 * flat index in the high nibble; flat index f has the value code[c] · absmax[f / block] (code:
 * the 16 values of FP4 or NF4). Blocks run over the flat index, so with K not a multiple of
 * block one block spans two columns of Y. Columns go four at a time over K chunks of `block`
 * values: each chunk is decoded through a 16-entry table (code · that block's absmax) into a
 * stack buffer (≤ 4 KB) that every row then reads. block is a power of two in [16, 256]. */
#ifndef WISP_KERNELS_BNB4_GEMM_H
#define WISP_KERNELS_BNB4_GEMM_H

#include <stddef.h>
#include <stdint.h>

#define WISP_BNB4_MAX_BLOCK 256

typedef void (*wisp_bnb4_gemm_fn)(size_t M, size_t N, size_t K, size_t block, const float *code,
                                  const float *A, size_t lda, const uint8_t *B, const float *absmax,
                                  float *Y, size_t ldy);
void bnb4_gemm__scalar(size_t M, size_t N, size_t K, size_t block, const float *code,
                       const float *A, size_t lda, const uint8_t *B, const float *absmax, float *Y,
                       size_t ldy);
#ifdef __wasm_simd128__
void bnb4_gemm__wasmsimd(size_t M, size_t N, size_t K, size_t block, const float *code,
                         const float *A, size_t lda, const uint8_t *B, const float *absmax,
                         float *Y, size_t ldy);
#endif

/* Decodes len values from flat index f on into w: one table of 16 per block touched. Shared by
 * both kernels (table loads; their SIMD part is the dot products). */
static inline void wisp_bnb4_decode(const uint8_t *B, const float *absmax, const float *code,
                                    size_t block, size_t f, size_t len, float *w) {
  while (len) {
    size_t blk = f / block, seg = (blk + 1) * block - f;
    if (seg > len) seg = len;
    float lut[16], s = absmax[blk];
    for (int i = 0; i < 16; i++) lut[i] = code[i] * s;
    size_t i = 0;
    if (f & 1) w[i++] = lut[B[f >> 1] & 15];
    for (; i + 2 <= seg; i += 2) {
      uint8_t b = B[(f + i) >> 1];
      w[i] = lut[b >> 4], w[i + 1] = lut[b & 15];
    }
    if (i < seg) w[i] = lut[B[(f + i) >> 1] >> 4];
    f += seg, w += seg, len -= seg;
  }
}

#endif
