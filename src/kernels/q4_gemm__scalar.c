/* q4_gemm__scalar.c — the portable twin of q4_unpack_8__wasmsimd (q4_gemm.h). */
#include "q4_gemm.h"

void q4_unpack_8__scalar(int nc, size_t b0, size_t nblocks, size_t block, size_t blocks,
                         const uint8_t *B, const float *scales, const uint8_t *zp, float *w) {
  size_t zb = (blocks + 1) / 2;
  for (size_t i = 0; i < nblocks; i++, w += block * 8) {
    size_t b = b0 + i;
    for (int j = 0; j < 8; j++) {
      if (j >= nc) {
        for (size_t k = 0; k < block; k++) w[k * 8 + j] = 0.0f;
        continue;
      }
      const uint8_t *q = B + (j * blocks + b) * (block / 2);
      int z = zp ? zp[j * zb + b / 2] >> (b & 1) * 4 & 15 : 8;
      float s = scales[j * blocks + b];
      for (size_t k = 0; k < block; k++)
        w[k * 8 + j] = (float)((q[k / 2] >> (k & 1) * 4 & 15) - z) * s;
    }
  }
}
