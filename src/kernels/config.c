#include "config.h"

static const wisp_kernel_set kernels = {
#ifdef __wasm_simd128__
    f32_gemm_4x8__wasmsimd, f32_gemm_1x8__wasmsimd, f32_gemm_rowbias_4x8__wasmsimd,
    f32_dwconv_rows__wasmsimd, f32_vexp__wasmsimd, f32_verf__wasmsimd, f32_vgelu__wasmsimd,
    qs8_gemm_4x8c2__wasmsimd, f32_minmax__wasmsimd, qd16_quantize__wasmsimd,
    f32_wino_input4__wasmsimd, f32_wino_output4__wasmsimd,
    "f32_gemm=f32_gemm_4x8__wasmsimd,f32_gemm_1x8__wasmsimd,f32_gemm_rowbias_4x8__wasmsimd "
    "f32_dwconv=f32_dwconv_rows__wasmsimd "
    "vmath=f32_vexp__wasmsimd,f32_verf__wasmsimd,f32_vgelu__wasmsimd qs8_gemm=qs8_gemm_4x8c2__wasmsimd "
    "qd16=f32_minmax__wasmsimd,qd16_quantize__wasmsimd "
    "winograd=f32_wino_input4__wasmsimd,f32_wino_output4__wasmsimd q4_gemm=q4_gemm__wasmsimd",
    q4_gemm__wasmsimd,
#else
    f32_gemm_4x8__scalar, f32_gemm_1x8__scalar, f32_gemm_rowbias_4x8__scalar,
    f32_dwconv_rows__scalar, f32_vexp__scalar, f32_verf__scalar, f32_vgelu__scalar,
    qs8_gemm_4x8c2__scalar, f32_minmax__scalar, qd16_quantize__scalar,
    f32_wino_input4__scalar, f32_wino_output4__scalar,
    "f32_gemm=f32_gemm_4x8__scalar,f32_gemm_1x8__scalar,f32_gemm_rowbias_4x8__scalar "
    "f32_dwconv=f32_dwconv_rows__scalar "
    "vmath=f32_vexp__scalar,f32_verf__scalar,f32_vgelu__scalar qs8_gemm=qs8_gemm_4x8c2__scalar "
    "qd16=f32_minmax__scalar,qd16_quantize__scalar "
    "winograd=f32_wino_input4__scalar,f32_wino_output4__scalar q4_gemm=q4_gemm__scalar",
    q4_gemm__scalar,
#endif
};

const wisp_kernel_set *wisp_kernels(void) { return &kernels; }

const char *wisp_kernels_describe(void) { return kernels.description; }
