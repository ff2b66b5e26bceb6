/* config.h — the kernels this instance runs, chosen once at start-up (XNNPACK-style): per op
 * class, the microkernels with the tile geometry and the packing function that go with them.
 * Ops pack weights and size their buffers through this, never through a kernel's own #defines:
 * a kernel set with another layout (the relaxed-SIMD module, web/wasm.js) swaps in whole. */
#ifndef WISP_KERNELS_CONFIG_H
#define WISP_KERNELS_CONFIG_H

#include "bnb4_gemm.h"
#include "copy.h"
#include "dwconv.h"
#include "gemm.h"
#include "pool.h"
#include "q4_gemm.h"
#include "qs8_gemm.h"
#include "vmath.h"
#include "winograd.h"

typedef struct {
  wisp_f32_gemm_tiles tiles;             /* mr × nr (and a 4-row and a 1-row tile) */
  wisp_f32_gemm_rowbias_ukernel rowbias; /* 4 × nr over unpacked B: 1×1 convs */
  int nr, kr;
  uint64_t (*packed_size)(int K, int N); /* floats */
  void (*pack)(int K, int N, const float *B, ptrdiff_t stride_k, ptrdiff_t stride_n,
               const float *bias, float *packed);
} wisp_f32_gemm_config;

typedef struct {
  wisp_qs8_gemm_ukernel gemm;      /* kr 2: int16 pairs */
  wisp_qs8c4_gemm_ukernel gemm_c4; /* kr 4: int8 quads (relaxed SIMD) */
  int mr, nr, kr;
  uint64_t (*packed_size)(int K, int N); /* bytes */
  /* nonzero: these weights do not fit the layout (use qs8_gemm_fallback) */
  int (*pack)(int K, int N, const void *W, int w_signed, const int32_t *zp, const float *scale,
              const float *bias, void *packed);
  wisp_f32_minmax_fn minmax;               /* dynamic quantization of activations */
  wisp_qd16_quantize_fn quantize;          /* kr 2 */
  wisp_qd8c4_quantize_rows_fn quantize_c4; /* kr 4 */
  wisp_qd16_pack_cols8_fn pack_cols8;      /* int8 convs: im2col of 8 pixels in a row */
} wisp_qs8_gemm_config;

typedef struct {
  wisp_f32_dwconv_rows_fn rows;
} wisp_dwconv_config;

typedef struct {
  wisp_f32_vmax_rows_fn vmax_rows;
  wisp_f32_hmax_fn hmax;
  wisp_f32_vsum_fn sum;
} wisp_pool_config;

typedef struct {
  wisp_f32_vexp_fn exp;
  wisp_f32_vaddmax_fn addmax;
  wisp_f32_verf_fn erf, gelu;
  wisp_f32_vunary_fn sigmoid, silu, hswish;
  wisp_f32_vaffine_fn affine;
} wisp_vmath_config;

typedef struct {
  wisp_f32_copy_rows_fn rows;        /* convolutions' zero-padded copies of their input */
  wisp_f32_pack_cols8_fn pack_cols8; /* f32 convolutions' im2col of 8 pixels in a row */
} wisp_copy_config;
typedef struct {
  wisp_f32_wino_input4_fn input4; /* Winograd F(2×2, 3×3), 4 tiles at a time */
  wisp_f32_wino_output4_fn output4;
  wisp_f32_wino_input4_fn input4_43; /* F(4×4, 3×3) */
  wisp_f32_wino_output4_fn output4_43;
} wisp_winograd_config;

typedef struct {
  wisp_f32_gemm_config f32_gemm;
  wisp_qs8_gemm_config qs8_gemm;
  wisp_qs8_gemm_config qs8_gemm_fallback; /* int16 pairs: refused weights, int8 convs */
  wisp_dwconv_config dwconv;
  wisp_pool_config pool;
  wisp_vmath_config vmath;
  wisp_winograd_config winograd;
  wisp_q4_unpack_fn q4_unpack; /* MatMulNBits, bits 4: unpacks panels for the f32 tiles */
  wisp_copy_config copy;
  const char *description;
} wisp_kernel_set;

const wisp_kernel_set *wisp_kernels(void);
/* Replaces the set: only at start-up, before any weights were packed with the old one. */
void wisp_kernels_install(const wisp_kernel_set *ks);
#ifdef __wasm_simd128__
/* The relaxed-SIMD kernels module's tiles (f32: the same panel layout, tiles of 4 or 6 rows;
 * int8: the KR = 4 one), depthwise rows, vector math and Winograd F(4×4) transforms, which
 * web/wasm.js puts in the core's function table when the engine validates relaxed SIMD; qs8 NULL
 * keeps the int16-pair int8 GEMM. */
void wisp_kernels_use_relaxed(const wisp_f32_gemm_tiles *f32_tiles,
                              wisp_f32_gemm_rowbias_ukernel rowbias, wisp_qs8c4_gemm_ukernel qs8,
                              wisp_f32_dwconv_rows_fn dwconv, const wisp_vmath_config *vmath,
                              const wisp_winograd_config *winograd);
#endif
/* e.g. "f32_gemm=f32_gemm_4x8__wasmsimd,f32_gemm_1x8__wasmsimd f32_dwconv=..." */
const char *wisp_kernels_describe(void);

#endif
