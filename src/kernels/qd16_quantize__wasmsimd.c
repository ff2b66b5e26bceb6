/* Dynamic quantization of activations to int16 (qs8_gemm.h) for WASM SIMD128: 8 floats per step,
 * divide (as onnxruntime does, not a reciprocal multiply), clamp, round half to even, narrow. */
#ifdef __wasm_simd128__
#include <math.h>
#include <wasm_simd128.h>

#include "qs8_gemm.h"

void f32_minmax__wasmsimd(size_t n, const float *x, float *min, float *max) {
  float lo = x[0], hi = x[0];
  size_t i = 0;
  if (n >= 4) {
    v128_t vlo = wasm_v128_load(x), vhi = vlo;
    for (i = 4; i + 4 <= n; i += 4) {
      v128_t v = wasm_v128_load(x + i);
      vlo = wasm_f32x4_pmin(v, vlo), vhi = wasm_f32x4_pmax(v, vhi);
    }
    float l[4], h[4];
    wasm_v128_store(l, vlo), wasm_v128_store(h, vhi);
    for (int j = 0; j < 4; j++) lo = l[j] < lo ? l[j] : lo, hi = h[j] > hi ? h[j] : hi;
  }
  for (; i < n; i++) lo = x[i] < lo ? x[i] : lo, hi = x[i] > hi ? x[i] : hi;
  *min = lo, *max = hi;
}

void qd16_quantize__wasmsimd(size_t n, const float *x, float scale, int32_t zp, int16_t *y) {
  const float flo = (float)-zp, fhi = (float)(255 - zp);
  const v128_t s = wasm_f32x4_splat(scale), lo = wasm_f32x4_splat(flo), hi = wasm_f32x4_splat(fhi);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    v128_t a = wasm_f32x4_div(wasm_v128_load(x + i), s), b = wasm_f32x4_div(wasm_v128_load(x + i + 4), s);
    a = wasm_f32x4_nearest(wasm_f32x4_pmin(hi, wasm_f32x4_pmax(lo, a))); /* NaN -> lo */
    b = wasm_f32x4_nearest(wasm_f32x4_pmin(hi, wasm_f32x4_pmax(lo, b)));
    wasm_v128_store(y + i, wasm_i16x8_narrow_i32x4(wasm_i32x4_trunc_sat_f32x4(a),
                                                   wasm_i32x4_trunc_sat_f32x4(b)));
  }
  for (; i < n; i++) {
    float v = x[i] / scale;
    v = v >= flo ? (v <= fhi ? v : fhi) : flo;
    y[i] = (int16_t)rintf(v);
  }
}
#endif
