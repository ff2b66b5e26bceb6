/* qs8_gemm.h — int8 GEMM for q8 models (DynamicQuantizeLinear → MatMulInteger → Cast → Mul,
 * fused by src/fuse/ into com.microsoft DynamicQuantizeMatMul, quant_matmul.c).
 *
 * Both sides are widened to int16 with their zero points already subtracted, so the kernel needs
 * no zero-point correction terms: A holds x_q - x_zp ∈ [-255, 255], the weights w - w_zp. K is
 * taken in pairs (K rounded up to even, the pad is 0): one `i32x4.dot_i16x8_s` (one x86
 * vpmaddwd) multiplies a pair of A values, splat as one 32-bit lane, by the same pair of 4 weight
 * columns and sums each pair — 8 multiply-adds per instruction, 4 rows × 8 columns per tile.
 * Weights are packed once into 8-column panels laid out
 *   [scale: 8 floats][bias: 8 floats][k pair 0: 8 columns × 2 int16][k pair 1]…
 * (zero-padded past N), and the epilogue is C = (float)acc · (a_scale · scale[n]) + bias[n] —
 * the product of the scales computed first, as the Mul nodes of the q8 graph do.
 * int32 accumulators hold K · 255 · 255 exactly for K < 33000. */
#ifndef WISP_KERNELS_QS8_GEMM_H
#define WISP_KERNELS_QS8_GEMM_H

#include <stddef.h>
#include <stdint.h>

#define WISP_QS8_MR 4
#define WISP_QS8_NR 8

/* Bytes of a packed K×N weight matrix. */
uint64_t wisp_qs8_gemm_packed_size(int K, int N);
/* Packs W (K×N row-major, int8 when w_signed else uint8) minus zp[n], with per-column scale[n]
 * and bias[n] (NULL for 0). Returns 0 (the config's packing functions may refuse weights). */
int wisp_qs8_gemm_pack(int K, int N, const void *W, int w_signed, const int32_t *zp,
                       const float *scale, const float *bias, void *packed);

/* One tile: rows mr ≤ 4, columns nc ≤ 8; kp pairs of K; A rows are int16 with stride lda
 * (elements, even), each 2·kp long. */
typedef void (*wisp_qs8_gemm_ukernel)(int mr, int nc, int kp, const int16_t *A, ptrdiff_t lda,
                                      const void *w, float a_scale, float *C, ptrdiff_t ldc);
void qs8_gemm_4x8c2__scalar(int mr, int nc, int kp, const int16_t *A, ptrdiff_t lda, const void *w,
                            float a_scale, float *C, ptrdiff_t ldc);
#ifdef __wasm_simd128__
void qs8_gemm_4x8c2__wasmsimd(int mr, int nc, int kp, const int16_t *A, ptrdiff_t lda,
                              const void *w, float a_scale, float *C, ptrdiff_t ldc);
#endif

/* Dynamic quantization of activations to int16 (uint8 value minus zero point), as onnxruntime's
 * DynamicQuantizeLinear: minmax gives min and max of x[0..n) (n ≥ 1); quantize writes
 * rint(clamp(x / scale, -zp, 255 - zp)) (half to even). */
typedef void (*wisp_f32_minmax_fn)(size_t n, const float *x, float *min, float *max);
typedef void (*wisp_qd16_quantize_fn)(size_t n, const float *x, float scale, int32_t zp,
                                      int16_t *y);
/* The int8 conv's im2col for 8 output pixels evenly spaced in the image (stride 1 or 2 along
 * a row): value k of pixel j is x[off[k] + j·stride]; written as the int16-pair panel rows of
 * wisp_qs8_gemm_pack's layout, b[16q + 2j + t] = value 2q + t of pixel j (0 past K), q < kp.
 * Stride 2 reads one value past the last pixel's. */
typedef void (*wisp_qd16_pack_cols8_fn)(size_t kp, size_t K, const int16_t *x, const ptrdiff_t *off,
                                        int stride, int16_t *b);
void f32_minmax__scalar(size_t n, const float *x, float *min, float *max);
void qd16_quantize__scalar(size_t n, const float *x, float scale, int32_t zp, int16_t *y);
void qd16_pack_cols8__scalar(size_t kp, size_t K, const int16_t *x, const ptrdiff_t *off,
                             int stride, int16_t *b);
#ifdef __wasm_simd128__
void f32_minmax__wasmsimd(size_t n, const float *x, float *min, float *max);
void qd16_quantize__wasmsimd(size_t n, const float *x, float scale, int32_t zp, int16_t *y);
void qd16_pack_cols8__wasmsimd(size_t kp, size_t K, const int16_t *x, const ptrdiff_t *off,
                               int stride, int16_t *b);
#endif

/* The relaxed-SIMD layout (KR = 4), for i32x4.relaxed_dot_i8x16_i7x16_add_s. Its result is
 * defined for a 7-bit second operand only; beyond that engines differ. Where the engine computes
 * the exact unsigned × signed product (x86 VNNI `vpdpbusd`: Chromium here; wisp_relaxed_usdot_exact
 * tells), one instruction does 16 multiply-adds of uint8 activations by int8 weights, twice what
 * the int16 pairs above do. Elsewhere (V8 in Node 22 lowers it to the saturating `pmaddubsw`, ARM
 * to a signed `sdot`) web/wasm.js keeps the int16-pair layout. Any 8-bit weight column fits int8
 * once shifted: w - zp[n] = w' + o[n] with o[n] = min_k (w - zp[n]) + 128. Then, exactly,
 *   Σ_k (x_q - x_zp)·(w' + o) = Σ_k x_q·w' + o·(Σ_k x_q - K·x_zp) - x_zp·Σ_k w'.
 * A rows (lda bytes, a multiple of 4): [int32 x_zp][int32 Σ_k x_q - K·x_zp][x_q: K uint8,
 * 0-padded to 4]. Weight panels of 8 columns: [scale 8 f32][bias 8 f32][Σ_k w' 8 i32][o 8 i32]
 * then per group of 4 k: [w': 8 columns × 4 k int8]. Tiles are 6 rows × 8 columns (the
 * kernel says why). */
#define WISP_QS8C4_MR 6
typedef void (*wisp_qs8c4_gemm_ukernel)(int mr, int nc, int kg, const uint8_t *A, ptrdiff_t lda,
                                        const void *w, float a_scale, float *C, ptrdiff_t ldc);
uint64_t wisp_qs8c4_gemm_packed_size(int K, int N);
int wisp_qs8c4_gemm_pack(int K, int N, const void *W, int w_signed, const int32_t *zp,
                         const float *scale, const float *bias, void *packed);
/* Bytes of one A row; and the rows of A (M×K floats, contiguous) quantized into that layout
 * as qd16_quantize does, keeping x_q as uint8 (the kernel config's quantize_c4). */
size_t wisp_qs8c4_row_bytes(int K);
typedef void (*wisp_qd8c4_quantize_rows_fn)(int M, int K, const float *x, float scale, int32_t zp,
                                            uint8_t *A);
void qd8c4_quantize_rows__scalar(int M, int K, const float *x, float scale, int32_t zp, uint8_t *A);
#ifdef __wasm_simd128__
void qd8c4_quantize_rows__wasmsimd(int M, int K, const float *x, float scale, int32_t zp,
                                   uint8_t *A);
#endif
void qs8_gemm_6x8c4__scalar(int mr, int nc, int kg, const uint8_t *A, ptrdiff_t lda, const void *w,
                            float a_scale, float *C, ptrdiff_t ldc);
#ifdef __wasm_relaxed_simd__
void qs8_gemm_6x8c4__wasmrelaxed(int mr, int nc, int kg, const uint8_t *A, ptrdiff_t lda,
                                 const void *w, float a_scale, float *C, ptrdiff_t ldc);
/* 1 where this engine's relaxed dot multiplies its second operand as uint8, exactly; JS calls it
 * with (-128, 127, 255). */
int wisp_relaxed_usdot_exact(int lo, int hi, int top);
#endif
void wisp_qs8c4_gemm_with(wisp_qs8c4_gemm_ukernel uk, int M, int N, int K, const uint8_t *A,
                          const void *packed, float a_scale, float *C, ptrdiff_t ldc);

/* C (M×N) over all tiles with the kernel chosen by config.c, or a given one. */
void wisp_qs8_gemm(int M, int N, int K, const int16_t *A, ptrdiff_t lda, const void *packed,
                   float a_scale, float *C, ptrdiff_t ldc);
void wisp_qs8_gemm_with(wisp_qs8_gemm_ukernel uk, int M, int N, int K, const int16_t *A,
                        ptrdiff_t lda, const void *packed, float a_scale, float *C, ptrdiff_t ldc);

#endif
