/* store__wasmsimd.h — rows of up to 8 floats held in two vectors: partial load and store. */
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

/* Loads the first nc floats of c (the rest zero) without reading past them. */
static inline void wisp_load_row8__wasmsimd(const float *c, int nc, v128_t *lo, v128_t *hi) {
  if (nc == 8) {
    *lo = wasm_v128_load(c), *hi = wasm_v128_load(c + 4);
    return;
  }
  float tmp[8] = {0};
  for (int j = 0; j < nc; j++) tmp[j] = c[j];
  *lo = wasm_v128_load(tmp), *hi = wasm_v128_load(tmp + 4);
}

#endif
