/* store__wasmsimd.h — writes the first nc (1..8) floats of a row held in two vectors. */
#ifndef WISP_KERNELS_STORE_WASMSIMD_H
#define WISP_KERNELS_STORE_WASMSIMD_H

#include <wasm_simd128.h>

static inline void wisp_store_row8__wasmsimd(float *c, int nc, v128_t lo, v128_t hi) {
  if (nc == 8) {
    wasm_v128_store(c, lo);
    wasm_v128_store(c + 4, hi);
    return;
  }
  float tmp[8];
  wasm_v128_store(tmp, lo);
  wasm_v128_store(tmp + 4, hi);
  for (int j = 0; j < nc; j++) c[j] = tmp[j];
}

#endif
