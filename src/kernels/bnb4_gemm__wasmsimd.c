/* bnb4_gemm__wasmsimd.c — bnb4_gemm.h for WASM SIMD128: the table decode of bnb4_gemm.h, then
 * f32_dot4__wasmsimd.h's dot products (decoding is once per column chunk, the dots M times). */
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "bnb4_gemm.h"
#include "f32_dot4__wasmsimd.h"

void bnb4_gemm__wasmsimd(size_t M, size_t N, size_t K, size_t block, const float *code,
                         const float *A, size_t lda, const uint8_t *B, const float *absmax,
                         float *Y, size_t ldy) {
  float w[4 * WISP_BNB4_MAX_BLOCK] __attribute__((aligned(16)));
  for (size_t m = 0; m < M; m++)
    for (size_t n = 0; n < N; n++) Y[m * ldy + n] = 0.0f;
  for (size_t n0 = 0; n0 < N; n0 += 4) {
    size_t nc = N - n0 < 4 ? N - n0 : 4;
    for (size_t k0 = 0; k0 < K; k0 += block) {
      size_t kc = K - k0 < block ? K - k0 : block;
      for (size_t j = 0; j < 4; j++) {
        if (j < nc) wisp_bnb4_decode(B, absmax, code, block, (n0 + j) * K + k0, kc, w + j * block);
        else /* missing columns: zeros, computed and dropped */
          for (size_t k = 0; k < kc; k++) w[j * block + k] = 0.0f;
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
