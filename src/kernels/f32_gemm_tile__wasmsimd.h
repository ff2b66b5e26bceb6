/* f32_gemm_tile__wasmsimd.h — the 4×8 register tile both f32 GEMM kernels share: splat one A
 * value per row, two B vectors per k, eight accumulators (11 of the 15 XMM registers V8 leaves
 * usable on x86, DESIGN.md §2), then a clamp and the stores. Inlined, the accumulators stay in
 * registers. */
#ifndef WISP_KERNELS_F32_GEMM_TILE_WASMSIMD_H
#define WISP_KERNELS_F32_GEMM_TILE_WASMSIMD_H

#include <stddef.h>
#include <wasm_simd128.h>

#include "store__wasmsimd.h"

/* c[2i], c[2i+1] hold row i's columns 0-3 and 4-7 as started (bias or C); adds
 * Σ_k A[i][k] · B[k][0..8) over kc rows of B (ldb apart), clamps to [min, max] and stores rows
 * [0, mr) × columns [0, nc) of C. Rows past mr alias the last real row: computed, never stored. */
static inline void wisp_f32_tile4x8__wasmsimd(v128_t c[8], int mr, int nc, int kc, const float *A,
                                              ptrdiff_t lda, const float *B, ptrdiff_t ldb,
                                              float *C, ptrdiff_t ldc, float min, float max) {
  const float *a0 = A;
  const float *a1 = mr > 1 ? a0 + lda : a0;
  const float *a2 = mr > 2 ? a1 + lda : a1;
  const float *a3 = mr > 3 ? a2 + lda : a2;
  for (int k = 0; k < kc; k++, B += ldb) {
    const v128_t bl = wasm_v128_load(B), bh = wasm_v128_load(B + 4);
    const v128_t v0 = wasm_v128_load32_splat(a0 + k);
    const v128_t v1 = wasm_v128_load32_splat(a1 + k);
    const v128_t v2 = wasm_v128_load32_splat(a2 + k);
    const v128_t v3 = wasm_v128_load32_splat(a3 + k);
    c[0] = WISP_F32X4_MULADD(v0, bl, c[0]);
    c[1] = WISP_F32X4_MULADD(v0, bh, c[1]);
    c[2] = WISP_F32X4_MULADD(v1, bl, c[2]);
    c[3] = WISP_F32X4_MULADD(v1, bh, c[3]);
    c[4] = WISP_F32X4_MULADD(v2, bl, c[4]);
    c[5] = WISP_F32X4_MULADD(v2, bh, c[5]);
    c[6] = WISP_F32X4_MULADD(v3, bl, c[6]);
    c[7] = WISP_F32X4_MULADD(v3, bh, c[7]);
  }
  /* clamp with pmin/pmax: one x86 instruction each, unlike f32x4.min/max */
  const v128_t lo = wasm_f32x4_splat(min), hi = wasm_f32x4_splat(max);
  for (int i = 0; i < 8; i++) c[i] = wasm_f32x4_pmin(wasm_f32x4_pmax(c[i], lo), hi);
  for (int i = 0; i < mr && i < 4; i++)
    wisp_store_row8__wasmsimd(C + i * ldc, nc, c[2 * i], c[2 * i + 1]);
}

/* Starts c from C (a later K block); rows past mr reload the last real row. */
static inline void wisp_f32_tile4x8_load__wasmsimd(v128_t c[8], int mr, int nc, const float *C,
                                                   ptrdiff_t ldc) {
  for (int i = 0; i < 4; i++)
    wisp_load_row8__wasmsimd(C + (i < mr ? i : mr - 1) * ldc, nc, &c[2 * i], &c[2 * i + 1]);
}

#endif
