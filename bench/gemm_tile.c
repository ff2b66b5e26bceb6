/* gemm_tile.c — the f32 GEMM of one kernel build against a tile loop of its own instructions,
 * built twice by bench/gemm_relaxed.sh (clang-19 -msimd128, and with -mrelaxed-simd) so
 * bench/gemm_relaxed.js can time both builds back to back in one process. The tile loop is the
 * tile's inner loop (2 B loads, a splat of A per row, 2 multiply-adds per row and k) over a
 * 64-row panel that stays in L1: the most this instruction mix retires per second. */
#include <math.h>
#include <wasm_simd128.h>

#include "../src/kernels/gemm.h"
#include "../src/kernels/store__wasmsimd.h"

void WISP_SIMD(f32_gemm_4x8)(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                             const float *bias, float *C, ptrdiff_t ldc, float min, float max);
void WISP_SIMD(f32_gemm_1x8)(int mr, int nc, int kc, const float *A, ptrdiff_t lda, const float *w,
                             const float *bias, float *C, ptrdiff_t ldc, float min, float max);

/* The f32 tile's inner loop over a 64-step panel in L1 for ROWS rows: 2 B loads, a splat of A
 * per row and 2 multiply-adds per row a step. */
#define F32_TILE_LOOP(name, ROWS) \
  __attribute__((export_name(#name))) float name(const float *a, const float *b, int iters) { \
    v128_t c[2 * ROWS]; \
    for (int i = 0; i < 2 * ROWS; i++) c[i] = wasm_f32x4_splat(0.0f); \
    for (int n = 0; n < iters; n++) { \
      const float *w = b; \
      for (int k = 0; k < 64; k++, w += 8) { \
        const v128_t bl = wasm_v128_load(w), bh = wasm_v128_load(w + 4); \
        v128_t v[ROWS]; \
        for (int i = 0; i < ROWS; i++) v[i] = wasm_v128_load32_splat(a + 64 * i + k); \
        for (int i = 0; i < ROWS; i++) \
          c[2 * i] = WISP_F32X4_MULADD(v[i], bl, c[2 * i]), \
                c[2 * i + 1] = WISP_F32X4_MULADD(v[i], bh, c[2 * i + 1]); \
      } \
    } \
    v128_t s = c[0]; \
    for (int i = 1; i < 2 * ROWS; i++) s = wasm_f32x4_add(s, c[i]); \
    return wasm_f32x4_extract_lane(s, 0); \
  }
F32_TILE_LOOP(tile_loop, 4)

/* wisp_f32_gemm_with over this build's tiles (f32_gemm_pack.c, linked in). */
__attribute__((export_name("gemm"))) void gemm(int M, int N, int K, const float *A,
                                               const float *packed, float *C) {
  const wisp_f32_gemm_tiles t = {WISP_SIMD(f32_gemm_4x8), NULL, WISP_SIMD(f32_gemm_1x8), 4};
  wisp_f32_gemm_with(&t, M, N, K, A, K, packed, C, N, -INFINITY, INFINITY);
}

#ifdef __wasm_relaxed_simd__
/* The relaxed build's 6-row f32 tile (4-row past it), which web/wasm.js takes where V8 is 13+. */
F32_TILE_LOOP(tile_loop6, 6)
__attribute__((export_name("gemm6"))) void gemm6(int M, int N, int K, const float *A,
                                                 const float *packed, float *C) {
  const wisp_f32_gemm_tiles t = {f32_gemm_6x8__wasmrelaxed, f32_gemm_4x8__wasmrelaxed,
                                 f32_gemm_1x8__wasmrelaxed, 6};
  wisp_f32_gemm_with(&t, M, N, K, A, K, packed, C, N, -INFINITY, INFINITY);
}
#endif

__attribute__((export_name("pack"))) void pack(int K, int N, const float *B, float *packed) {
  wisp_f32_gemm_pack(K, N, B, N, 1, NULL, packed);
}

/* ---- int8: the build's own int8 GEMM against a tile loop of its own dot instruction ---- */
#include "../src/kernels/qs8_gemm.h"

/* The int8 tile's inner loop over a 64-step panel in L1: per step 2 weight loads, a splat of A
 * per row and 2 dots per row — 4 rows of i32x4.dot_i16x8_s + add (64 multiply-adds a step) in
 * the SIMD128 build, 6 rows (WISP_QS8C4_MR) of the relaxed dot (192 a step, one vpdpbusd each
 * where VNNI lowers it) in the relaxed one. */
#ifdef __wasm_relaxed_simd__
#define QTILE_MR WISP_QS8C4_MR
#define QTILE_DEPTH 4
#define QDOT(c, w, x) c = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w, x, c)
#else
#define QTILE_MR WISP_QS8_MR
#define QTILE_DEPTH 2
#define QDOT(c, w, x) c = wasm_i32x4_add(c, wasm_i32x4_dot_i16x8(x, w))
#endif
__attribute__((export_name("qtile_loop"))) int qtile_loop(const int8_t *a, const int8_t *b,
                                                          int iters) {
  v128_t c[2 * QTILE_MR];
  for (int i = 0; i < 2 * QTILE_MR; i++) c[i] = wasm_i32x4_splat(0);
  for (int n = 0; n < iters; n++) {
    const int8_t *w = b;
    for (int k = 0; k < 64; k++, w += 32) {
      const v128_t bl = wasm_v128_load(w), bh = wasm_v128_load(w + 16);
      v128_t v[QTILE_MR];
      for (int i = 0; i < QTILE_MR; i++) v[i] = wasm_v128_load32_splat(a + 256 * i + 4 * k);
      for (int i = 0; i < QTILE_MR; i++) QDOT(c[2 * i], bl, v[i]), QDOT(c[2 * i + 1], bh, v[i]);
    }
  }
  v128_t s = c[0];
  for (int i = 1; i < 2 * QTILE_MR; i++) s = wasm_i32x4_add(s, c[i]);
  return wasm_i32x4_extract_lane(s, 0);
}
#undef QDOT

/* Multiply-adds of one qtile_loop step: rows × 8 columns × the dot's depth. */
__attribute__((export_name("qtile_macs"))) int qtile_macs(void) {
  return QTILE_MR * 8 * QTILE_DEPTH;
}

/* Bytes of A's quantized rows and of the packed weights (K×N int8, zero point 0, scale 1). */
__attribute__((export_name("qsizes"))) int qsizes(int M, int K, int N, int which) {
#ifdef __wasm_relaxed_simd__
  return (int)(which ? wisp_qs8c4_gemm_packed_size(K, N) : (size_t)M * wisp_qs8c4_row_bytes(K));
#else
  return (int)(which ? wisp_qs8_gemm_packed_size(K, N) : (size_t)M * (size_t)((K + 1) & ~1) * 2);
#endif
}

__attribute__((export_name("qpack"))) void qpack(int K, int N, const int8_t *W, int32_t *zp,
                                                 float *scale, void *packed) {
  for (int n = 0; n < N; n++) zp[n] = 0, scale[n] = 1.0f;
#ifdef __wasm_relaxed_simd__
  wisp_qs8c4_gemm_pack(K, N, W, 1, zp, scale, NULL, packed);
#else
  wisp_qs8_gemm_pack(K, N, W, 1, zp, scale, NULL, packed);
#endif
}

/* Quantizes x (M×K) as DynamicQuantizeLinear would with scale 1/64, zero point 128, into A. */
__attribute__((export_name("qquantize"))) void qquantize(int M, int K, const float *x, void *A) {
#ifdef __wasm_relaxed_simd__
  qd8c4_quantize_rows__scalar(M, K, x, 1.0f / 64, 128, A);
#else
  int16_t *a = A;
  int lda = (K + 1) & ~1;
  for (int m = 0; m < M; m++) {
    qd16_quantize__scalar((size_t)K, x + (size_t)m * K, 1.0f / 64, 128, a + (size_t)m * lda);
    if (K % 2) a[(size_t)m * lda + K] = 0;
  }
#endif
}

/* The GEMM alone (A already quantized) over this build's int8 tiles. */
__attribute__((export_name("qgemm"))) void qgemm(int M, int N, int K, const void *A,
                                                 const void *packed, float *C) {
#ifdef __wasm_relaxed_simd__
  wisp_qs8c4_gemm_with(qs8_gemm_6x8c4__wasmrelaxed, M, N, K, A, packed, 1.0f, C, N);
#else
  wisp_qs8_gemm_with(qs8_gemm_4x8c2__wasmsimd, M, N, K, A, (K + 1) & ~1, packed, 1.0f, C, N);
#endif
}
