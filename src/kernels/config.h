/* config.h — the one place that picks kernels for this build. */
#ifndef WISP_KERNELS_CONFIG_H
#define WISP_KERNELS_CONFIG_H

#include "dwconv.h"
#include "gemm.h"
#include "q4_gemm.h"
#include "qs8_gemm.h"
#include "vmath.h"
#include "winograd.h"

typedef struct {
  wisp_f32_gemm_ukernel f32_gemm;      /* 4×8 tiles */
  wisp_f32_gemm_ukernel f32_gemm_1row; /* 1×8: row tails, M = 1 */
  wisp_f32_gemm_rowbias_ukernel f32_gemm_rowbias; /* 4×8 over unpacked B: 1×1 convs */
  wisp_f32_dwconv_rows_fn f32_dwconv_rows;
  wisp_f32_vexp_fn f32_vexp;
  wisp_f32_verf_fn f32_verf;
  wisp_f32_verf_fn f32_vgelu;
  wisp_qs8_gemm_ukernel qs8_gemm;        /* 4×8 int16-pair tiles (q8 models) */
  wisp_f32_minmax_fn f32_minmax;         /* dynamic quantization of activations */
  wisp_qd16_quantize_fn qd16_quantize;
  wisp_f32_wino_input4_fn f32_wino_input4; /* Winograd F(2×2, 3×3), 4 tiles at a time */
  wisp_f32_wino_output4_fn f32_wino_output4;
  const char *description;
  wisp_q4_gemm_fn q4_gemm; /* MatMulNBits, bits 4 */
} wisp_kernel_set;

const wisp_kernel_set *wisp_kernels(void);
/* e.g. "f32_gemm=f32_gemm_4x8__wasmsimd,f32_gemm_1x8__wasmsimd f32_dwconv=..." */
const char *wisp_kernels_describe(void);

#endif
