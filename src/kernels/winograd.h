/* winograd.h — the transforms of Winograd F(2×2, 3×3) and F(4×4, 3×3) for 3×3 stride-1
 * convolution.
 *
 * Each output tile of 2×2 pixels reads a 4×4 input patch d; with U = G g Gᵀ made once from the
 * 3×3 weights, Y = Aᵀ [Σ_c U ⊙ (Bᵀ d B)] A. The Σ_c is 16 GEMMs (one per position ξ of the
 * 4×4 transformed tile), which do 16 multiplies per tile and channel where direct convolution
 * does 36 (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015).
 *
 * Input kernels transform tiles whose patches start 2 columns apart in a row of the padded input
 * (row stride `stride`) and write transformed value ξ of tile i to out[ξ·ostride + i].
 * Output kernels read m[ξ·mstride + i] for tile i, add the bias, clamp, and write each tile's
 * 2×2 pixels at y + 2i (row stride ystride). The 4-tile kernels read and write nothing past
 * the four tiles. */
#ifndef WISP_KERNELS_WINOGRAD_H
#define WISP_KERNELS_WINOGRAD_H

#include <stddef.h>

typedef void (*wisp_f32_wino_input4_fn)(const float *x, ptrdiff_t stride, float *out,
                                        ptrdiff_t ostride);
typedef void (*wisp_f32_wino_output4_fn)(const float *m, ptrdiff_t mstride, float bias, float lo,
                                         float hi, float *y, ptrdiff_t ystride);
/* One tile: the scalar ones below, for the tiles the 4-tile kernels cannot take. */
typedef void (*wisp_f32_wino_input1_fn)(const float *x, ptrdiff_t stride, float *out,
                                        ptrdiff_t ostride);
typedef void (*wisp_f32_wino_output1_fn)(const float *m, ptrdiff_t mstride, float bias, float lo,
                                         float hi, float *y, ptrdiff_t ystride, int rows, int cols);

/* U (16 × 1 per 3×3 kernel): U[ξ·ustride] = (G g Gᵀ)[ξ / 4][ξ % 4]. */
void wisp_f32_wino_weights(const float *g, float *u, ptrdiff_t ustride);

/* One tile; the output tile is clipped to rows × cols (1 or 2 each) at the image's edge. */
void f32_wino_input1__scalar(const float *x, ptrdiff_t stride, float *out, ptrdiff_t ostride);
void f32_wino_output1__scalar(const float *m, ptrdiff_t mstride, float bias, float lo, float hi,
                              float *y, ptrdiff_t ystride, int rows, int cols);

/* Four neighbouring tiles of one tile row. */
void f32_wino_input4__scalar(const float *x, ptrdiff_t stride, float *out, ptrdiff_t ostride);
void f32_wino_output4__scalar(const float *m, ptrdiff_t mstride, float bias, float lo, float hi,
                              float *y, ptrdiff_t ystride);
#ifdef __wasm_simd128__
void f32_wino_input4__wasmsimd(const float *x, ptrdiff_t stride, float *out, ptrdiff_t ostride);
void f32_wino_output4__wasmsimd(const float *m, ptrdiff_t mstride, float bias, float lo, float hi,
                                float *y, ptrdiff_t ystride);
#endif

/* F(4×4, 3×3) (the same paper): 6×6 patches 4 columns apart, 4×4 output tiles and 36 positions,
 * 2.25 multiplies per output pixel and channel where F(2×2, 3×3) does 4, at the price of larger
 * transform constants (rounding grows with them). Same layout and contracts as above. */
void wisp_f32_wino43_weights(const float *g, float *u, ptrdiff_t ustride);
void f32_wino43_input1__scalar(const float *x, ptrdiff_t stride, float *out, ptrdiff_t ostride);
void f32_wino43_output1__scalar(const float *m, ptrdiff_t mstride, float bias, float lo, float hi,
                                float *y, ptrdiff_t ystride, int rows, int cols);
void f32_wino43_input4__scalar(const float *x, ptrdiff_t stride, float *out, ptrdiff_t ostride);
void f32_wino43_output4__scalar(const float *m, ptrdiff_t mstride, float bias, float lo, float hi,
                                float *y, ptrdiff_t ystride);
#ifdef __wasm_simd128__
void f32_wino43_input4__wasmsimd(const float *x, ptrdiff_t stride, float *out, ptrdiff_t ostride);
void f32_wino43_output4__wasmsimd(const float *m, ptrdiff_t mstride, float bias, float lo, float hi,
                                  float *y, ptrdiff_t ystride);
#endif

#endif
