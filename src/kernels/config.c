#include "config.h"

#include "../status.h"

#ifdef __wasm_simd128__
#define K(name) name##__wasmsimd
#define ISA "wasmsimd"
#else
#define K(name) name##__scalar
#define ISA "scalar"
#endif

static wisp_kernel_set kernels = {
    {{K(f32_gemm_4x8), NULL, K(f32_gemm_1x8), WISP_GEMM_MR},
     K(f32_gemm_rowbias_4x8),
     WISP_GEMM_NR,
     1,
     wisp_f32_gemm_packed_size,
     wisp_f32_gemm_pack},
    {K(qs8_gemm_4x8c2), NULL, WISP_QS8_MR, WISP_QS8_NR, 2, wisp_qs8_gemm_packed_size,
     wisp_qs8_gemm_pack, K(f32_minmax), K(qd16_quantize), NULL, K(qd16_pack_cols8)},
    {K(qs8_gemm_4x8c2), NULL, WISP_QS8_MR, WISP_QS8_NR, 2, wisp_qs8_gemm_packed_size,
     wisp_qs8_gemm_pack, K(f32_minmax), K(qd16_quantize), NULL, K(qd16_pack_cols8)},
    {K(f32_dwconv_rows)},
    {K(f32_vmax_rows), K(f32_hmax), K(f32_vsum)},
    {K(f32_vexp), K(f32_vaddmax), K(f32_verf), K(f32_vgelu), K(f32_vsigmoid), K(f32_vsilu),
     K(f32_vhswish), K(f32_vaffine)},
    {K(f32_wino_input4), K(f32_wino_output4), K(f32_wino43_input4), K(f32_wino43_output4)},
    K(q4_unpack_8),
    {K(f32_copy_rows), K(f32_pack_cols8)},
    "f32_gemm=f32_gemm_4x8__" ISA ",f32_gemm_1x8__" ISA ",f32_gemm_rowbias_4x8__" ISA
    " f32_dwconv=f32_dwconv_rows__" ISA " pool=f32_vmax_rows__" ISA ",f32_hmax__" ISA
    ",f32_vsum__" ISA " vmath=f32_vexp__" ISA ",f32_vaddmax__" ISA ",f32_verf__" ISA
    ",f32_vgelu__" ISA ",f32_vsigmoid__" ISA ",f32_vsilu__" ISA ",f32_vhswish__" ISA
    ",f32_vaffine__" ISA " qs8_gemm=qs8_gemm_4x8c2__" ISA " qd16=f32_minmax__" ISA
    ",qd16_quantize__" ISA ",qd16_pack_cols8__" ISA " winograd=f32_wino_input4__" ISA
    ",f32_wino_output4__" ISA ",f32_wino43_input4__" ISA ",f32_wino43_output4__" ISA
    " q4_unpack=q4_unpack_8__" ISA " copy=f32_copy_rows__" ISA ",f32_pack_cols8__" ISA,
};

const wisp_kernel_set *wisp_kernels(void) { return &kernels; }

void wisp_kernels_install(const wisp_kernel_set *ks) { kernels = *ks; }

const char *wisp_kernels_describe(void) { return kernels.description; }

#ifdef __wasm_simd128__
#define RELAXED_REST \
  " f32_dwconv=f32_dwconv_rows__wasmrelaxed pool=f32_vmax_rows__" ISA ",f32_hmax__" ISA \
  ",f32_vsum__" ISA " vmath=f32_vexp__wasmrelaxed,f32_vaddmax__" ISA \
  ",f32_verf__wasmrelaxed" \
  ",f32_vgelu__wasmrelaxed,f32_vsigmoid__wasmrelaxed,f32_vsilu__wasmrelaxed,f32_vhswish__" ISA \
  ",f32_vaffine__" ISA " qd16=f32_minmax__" ISA ",qd16_quantize__" ISA ",qd16_pack_cols8__" ISA \
  " winograd=f32_wino_input4__" ISA ",f32_wino_output4__" ISA \
  ",f32_wino43_input4__wasmrelaxed" \
  ",f32_wino43_output4__wasmrelaxed q4_unpack=q4_unpack_8__" ISA " copy=f32_copy_rows__" ISA \
  ",f32_pack_cols8__" ISA

void wisp_kernels_use_relaxed(const wisp_f32_gemm_tiles *f32_tiles,
                              wisp_f32_gemm_rowbias_ukernel rowbias, wisp_qs8c4_gemm_ukernel qs8,
                              wisp_f32_dwconv_rows_fn dwconv, const wisp_vmath_config *vmath,
                              const wisp_winograd_config *winograd) {
  kernels.f32_gemm.tiles = *f32_tiles;
  kernels.f32_gemm.rowbias = rowbias;
  kernels.dwconv.rows = dwconv;
  kernels.vmath = *vmath;
  kernels.winograd = *winograd;
  /* the int8 one only where the engine's relaxed dot is exact on uint8 (web/wasm.js checks) */
  if (qs8)
    kernels.qs8_gemm = (wisp_qs8_gemm_config){NULL,
                                              qs8,
                                              WISP_QS8C4_MR,
                                              WISP_QS8_NR,
                                              4,
                                              wisp_qs8c4_gemm_packed_size,
                                              wisp_qs8c4_gemm_pack,
                                              f32_minmax__wasmsimd,
                                              NULL,
                                              qd8c4_quantize_rows__wasmsimd,
                                              NULL};
  static char description[1024]; /* the tile height and the int8 kernel vary; the rest not */
  wisp_snprintf(description, sizeof description,
                "f32_gemm=f32_gemm_%dx8__wasmrelaxed,%sf32_gemm_1x8__wasmrelaxed,"
                "f32_gemm_rowbias_4x8__wasmrelaxed qs8_gemm=%s" RELAXED_REST,
                f32_tiles->mr, f32_tiles->gemm_4row ? "f32_gemm_4x8__wasmrelaxed," : "",
                qs8 ? "qs8_gemm_6x8c4__wasmrelaxed,qs8_gemm_4x8c2__" ISA
                      " qd8c4=qd8c4_quantize_rows__" ISA
                    : "qs8_gemm_4x8c2__" ISA);
  kernels.description = description;
}
#endif
