/* gemm_tile.c — the f32 GEMM of one kernel build against a tile loop of its own instructions,
 * built twice by bench/gemm_relaxed.sh (clang-19 -msimd128, and with -mrelaxed-simd) so
 * bench/gemm_relaxed.js can time both builds back to back in one process. The tile loop is the
 * 4×8 tile's inner loop (2 B loads, 4 A splats, 8 multiply-adds per k) over a 64-row panel that
 * stays in L1: the most this instruction mix retires per second. */
#include <math.h>
#include <wasm_simd128.h>

#include "../src/kernels/gemm.h"
#include "../src/kernels/store__wasmsimd.h"

void WISP_SIMD(f32_gemm_4x8)(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                             const float *bias, float *C, ptrdiff_t ldc, float min, float max);
void WISP_SIMD(f32_gemm_1x8)(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                             const float *bias, float *C, ptrdiff_t ldc, float min, float max);

__attribute__((export_name("tile_loop"))) float tile_loop(const float *a, const float *b,
                                                          int iters) {
  v128_t c0, c1, c2, c3, c4, c5, c6, c7;
  c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = wasm_f32x4_splat(0.0f);
  for (int n = 0; n < iters; n++)
    for (int k = 0; k < 64; k++) {
      const v128_t bl = wasm_v128_load(b + 8 * k), bh = wasm_v128_load(b + 8 * k + 4);
      const v128_t v0 = wasm_v128_load32_splat(a + k), v1 = wasm_v128_load32_splat(a + 64 + k);
      const v128_t v2 = wasm_v128_load32_splat(a + 128 + k),
                   v3 = wasm_v128_load32_splat(a + 192 + k);
      c0 = WISP_F32X4_MULADD(v0, bl, c0), c1 = WISP_F32X4_MULADD(v0, bh, c1);
      c2 = WISP_F32X4_MULADD(v1, bl, c2), c3 = WISP_F32X4_MULADD(v1, bh, c3);
      c4 = WISP_F32X4_MULADD(v2, bl, c4), c5 = WISP_F32X4_MULADD(v2, bh, c5);
      c6 = WISP_F32X4_MULADD(v3, bl, c6), c7 = WISP_F32X4_MULADD(v3, bh, c7);
    }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(c0, c1), wasm_f32x4_add(c2, c3)),
                            wasm_f32x4_add(wasm_f32x4_add(c4, c5), wasm_f32x4_add(c6, c7)));
  return wasm_f32x4_extract_lane(s, 0);
}

/* wisp_f32_gemm_with over this build's tiles (f32_gemm_pack.c, linked in). */
__attribute__((export_name("gemm"))) void gemm(int M, int N, int K, const float *A,
                                               const float *packed, float *C) {
  wisp_f32_gemm_with(WISP_SIMD(f32_gemm_4x8), WISP_SIMD(f32_gemm_1x8), M, N, K, A, K, packed, C, N,
                     -INFINITY, INFINITY);
}

__attribute__((export_name("pack"))) void pack(int K, int N, const float *B, float *packed) {
  wisp_f32_gemm_pack(K, N, B, N, 1, NULL, packed);
}
