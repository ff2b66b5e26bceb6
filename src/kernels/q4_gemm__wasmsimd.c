/* q4_gemm__wasmsimd.c — q4_unpack_8 (q4_gemm.h) for WASM SIMD128. Per column: 8 bytes give 16
 * nibbles, interleaved back into k order by one shuffle, widened to 32 bits and OR'd into the
 * mantissa of 2^23, so subtracting 2^23 + z in float gives q − z exactly (no int→float convert),
 * then one multiply by the block's scale. Then 4×4 transposes put them in the panel's k-major
 * rows of 8. */
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

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

void q4_unpack_8__wasmsimd(int nc, size_t b0, size_t nblocks, size_t block, size_t blocks,
                           const uint8_t *B, const float *scales, const uint8_t *zp, float *w) {
  size_t zb = (blocks + 1) / 2;
  float t[8][WISP_Q4_MAX_BLOCK] __attribute__((aligned(16)));
  for (int j = nc; j < 8; j++) /* missing columns: zeros */
    for (size_t k = 0; k < block; k++) t[j][k] = 0.0f;
  for (size_t i = 0; i < nblocks; i++, w += block * 8) {
    size_t b = b0 + i;
    for (int j = 0; j < nc; j++) {
      int z = zp ? zp[j * zb + b / 2] >> (b & 1) * 4 & 15 : 8;
      dequant_block(B + (j * blocks + b) * (block / 2), block, z, scales[j * blocks + b], t[j]);
    }
    for (size_t k = 0; k < block; k += 4)
      for (int g = 0; g < 8; g += 4) {
        v128_t r0 = wasm_v128_load(&t[g][k]), r1 = wasm_v128_load(&t[g + 1][k]);
        v128_t r2 = wasm_v128_load(&t[g + 2][k]), r3 = wasm_v128_load(&t[g + 3][k]);
        v128_t u0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5),
               u1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
        v128_t u2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7),
               u3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
        float *o = w + k * 8 + g;
        wasm_v128_store(o, wasm_i32x4_shuffle(u0, u1, 0, 1, 4, 5));
        wasm_v128_store(o + 8, wasm_i32x4_shuffle(u0, u1, 2, 3, 6, 7));
        wasm_v128_store(o + 16, wasm_i32x4_shuffle(u2, u3, 0, 1, 4, 5));
        wasm_v128_store(o + 24, wasm_i32x4_shuffle(u2, u3, 2, 3, 6, 7));
      }
  }
}
#endif
