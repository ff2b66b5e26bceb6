/* q4_gemm__wasmsimd.c — q4_gemm.h for WASM SIMD128. Dequantizing: 8 bytes give 16 nibbles,
 * interleaved back into k order by one shuffle, widened to 32 bits and OR'd into the mantissa
 * of 2^23, so subtracting 2^23 + z in float gives q − z exactly (no int→float convert), then
 * one multiply by the block's scale. The dot products are f32_dot4__wasmsimd.h's. */
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "f32_dot4__wasmsimd.h"
#include "q4_gemm.h"

static void dequant_block(const uint8_t *q, size_t block, int z, float s, float *w) {
  const v128_t mask = wasm_i8x16_splat(15), bits = wasm_i32x4_splat(0x4B000000);
  const v128_t off = wasm_f32x4_splat(8388608.0f + (float)z), vs = wasm_f32x4_splat(s);
  for (size_t k = 0; k < block; k += 16) {
    v128_t v = wasm_v128_load64_zero(q + k / 2);
    v128_t lo = wasm_v128_and(v, mask), hi = wasm_u8x16_shr(v, 4);
    v128_t x = wasm_i8x16_shuffle(lo, hi, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v128_t x0 = wasm_u16x8_extend_low_u8x16(x), x1 = wasm_u16x8_extend_high_u8x16(x);
    v128_t q0 = wasm_u32x4_extend_low_u16x8(x0), q1 = wasm_u32x4_extend_high_u16x8(x0);
    v128_t q2 = wasm_u32x4_extend_low_u16x8(x1), q3 = wasm_u32x4_extend_high_u16x8(x1);
    wasm_v128_store(w + k, wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_or(q0, bits), off), vs));
    wasm_v128_store(w + k + 4, wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_or(q1, bits), off), vs));
    wasm_v128_store(w + k + 8, wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_or(q2, bits), off), vs));
    wasm_v128_store(w + k + 12, wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_or(q3, bits), off), vs));
  }
}

void q4_gemm__wasmsimd(size_t M, size_t N, size_t K, size_t block, const float *A, size_t lda,
                       const uint8_t *B, const float *scales, const uint8_t *zp,
                       const float *bias, float *Y, size_t ldy) {
  size_t blocks = (K + block - 1) / block, zb = (blocks + 1) / 2;
  float w[4 * WISP_Q4_MAX_BLOCK] __attribute__((aligned(16)));
  for (size_t m = 0; m < M; m++)
    for (size_t n = 0; n < N; n++) Y[m * ldy + n] = bias ? bias[n] : 0.0f;
  for (size_t n0 = 0; n0 < N; n0 += 4) {
    size_t nc = N - n0 < 4 ? N - n0 : 4;
    for (size_t b = 0; b < blocks; b++) {
      size_t k0 = b * block, kc = K - k0 < block ? K - k0 : block;
      for (size_t j = 0; j < 4; j++) {
        if (j >= nc) { /* missing columns: zeros, computed and dropped */
          for (size_t k = 0; k < block; k++) w[j * block + k] = 0.0f;
          continue;
        }
        size_t nb = (n0 + j) * blocks + b;
        int z = zp ? zp[(n0 + j) * zb + b / 2] >> (b & 1) * 4 & 15 : 8;
        dequant_block(B + nb * (block / 2), block, z, scales[nb], w + j * block);
      }
      size_t m = 0;
      for (; m + 2 <= M; m += 2)
        add_2rows(A + m * lda + k0, A + (m + 1) * lda + k0, w, block, kc, nc, Y + m * ldy + n0,
                  Y + (m + 1) * ldy + n0);
      if (m < M) add_row(A + m * lda + k0, w, block, kc, nc, Y + m * ldy + n0);
    }
  }
}
#endif
