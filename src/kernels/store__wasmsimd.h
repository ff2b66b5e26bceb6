/* store__wasmsimd.h — rows of up to 8 floats held in two vectors: partial load and store. */
#ifndef WISP_KERNELS_STORE_WASMSIMD_H
#define WISP_KERNELS_STORE_WASMSIMD_H

#include <wasm_simd128.h>

/* Stores the first nc floats of lo:hi; lane stores, so no stack (the relaxed kernels module
 * shares the core's memory and has no stack of its own). */
static inline void wisp_store_row8__wasmsimd(float *c, int nc, v128_t lo, v128_t hi) {
  if (nc >= 4) {
    wasm_v128_store(c, lo);
    if (nc == 8) {
      wasm_v128_store(c + 4, hi);
      return;
    }
    c += 4, nc -= 4, lo = hi;
  }
  if (nc >= 2) {
    wasm_v128_store64_lane(c, lo, 0);
    lo = wasm_i64x2_shuffle(lo, lo, 1, 1);
    c += 2, nc -= 2;
  }
  if (nc) wasm_v128_store32_lane(c, lo, 0);
}

/* Splats of constants for loops. V8 13 and later (Chromium 130+, Node 24) rebuild a v128.const
 * at every use, as three x86 instructions (movabs, movq, punpcklqdq), and do not hoist them out
 * of loops. In the relaxed kernels module, a splat of a value clang cannot fold (the empty asm)
 * stays a local made once before the loop (its vector math: MiniLM q8 0.900× its time,
 * EfficientNet-B0 0.906× under Node 24). The core gets plain splats: emcc's wasm-opt folds such
 * locals back into v128.const inside the loops anyway. */
#ifdef __wasm_relaxed_simd__
static inline v128_t wisp_f32x4_splat_hoisted(float c) {
  __asm__("" : "+r"(c));
  return wasm_f32x4_splat(c);
}
#else
#define wisp_f32x4_splat_hoisted wasm_f32x4_splat
#endif

/* The first n ≤ 4 floats of c, the rest zero, reading nothing past them. */
static inline v128_t wisp_load_upto4__wasmsimd(const float *c, int n) {
  if (n >= 4) return wasm_v128_load(c);
  if (n <= 0) return wasm_f32x4_const_splat(0.0f);
  if (n == 1) return wasm_v128_load32_zero(c);
  v128_t v = wasm_v128_load64_zero(c);
  return n == 3 ? wasm_v128_load32_lane(c + 2, v, 2) : v;
}

/* Loads the first nc floats of c (the rest zero) without reading past them. */
static inline void wisp_load_row8__wasmsimd(const float *c, int nc, v128_t *lo, v128_t *hi) {
  *lo = wisp_load_upto4__wasmsimd(c, nc);
  *hi = wisp_load_upto4__wasmsimd(c + 4, nc - 4);
}

/* Kernels built twice: for SIMD128 (the core) and, with -mrelaxed-simd, for the relaxed kernels
 * module (web/wisp_relaxed.wasm), where a multiply-add is one fused (or not) relaxed_madd. */
#ifdef __wasm_relaxed_simd__
#define WISP_SIMD(name) name##__wasmrelaxed
#define WISP_F32X4_MULADD(a, b, c) wasm_f32x4_relaxed_madd(a, b, c)
#else
#define WISP_SIMD(name) name##__wasmsimd
#define WISP_F32X4_MULADD(a, b, c) wasm_f32x4_add(c, wasm_f32x4_mul(a, b))
#endif

#endif
