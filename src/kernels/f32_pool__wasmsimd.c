/* Plane sums and separable max pool rows, 4 outputs per vector. hmax vectorises strides 1 and 2 (the CNN pools:
 * 3×3 stride 2, and stride 1 in SPP-style blocks); other strides take the scalar loop. */
#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#include "pool.h"

void f32_vmax_rows__wasmsimd(int n, int rows, const float *x, ptrdiff_t stride, float *out) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t best = wasm_v128_load(x + i);
    for (int r = 1; r < rows; r++) best = wasm_f32x4_pmax(best, wasm_v128_load(x + r * stride + i));
    wasm_v128_store(out + i, best);
  }
  f32_vmax_rows__scalar(n - i, rows, x + i, stride, out + i);
}

void f32_hmax__wasmsimd(int n, int k, int s, const float *t, float *out) {
  int o = 0;
  if (s == 1)
    for (; o + 4 <= n; o += 4) {
      v128_t best = wasm_v128_load(t + o);
      for (int j = 1; j < k; j++) best = wasm_f32x4_pmax(best, wasm_v128_load(t + o + j));
      wasm_v128_store(out + o, best);
    }
  else if (s == 2)
    for (; o + 4 <= n; o += 4) { /* tap j of outputs o..o+3: the even lanes of t[2o + j ..] */
      const float *w = t + 2 * o;
      v128_t best = wasm_i32x4_shuffle(wasm_v128_load(w), wasm_v128_load(w + 4), 0, 2, 4, 6);
      for (int j = 1; j < k; j++)
        best = wasm_f32x4_pmax(
            best, wasm_i32x4_shuffle(wasm_v128_load(w + j), wasm_v128_load(w + j + 4), 0, 2, 4, 6));
      wasm_v128_store(out + o, best);
    }
  f32_hmax__scalar(n - o, k, s, t + (ptrdiff_t)o * s, out + o);
}

float f32_vsum__wasmsimd(size_t n, const float *x) {
  v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = wasm_f32x4_add(a0, wasm_v128_load(x + i));
    a1 = wasm_f32x4_add(a1, wasm_v128_load(x + i + 4));
    a2 = wasm_f32x4_add(a2, wasm_v128_load(x + i + 8));
    a3 = wasm_f32x4_add(a3, wasm_v128_load(x + i + 12));
  }
  v128_t a = wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3));
  float sum = (wasm_f32x4_extract_lane(a, 0) + wasm_f32x4_extract_lane(a, 2)) +
              (wasm_f32x4_extract_lane(a, 1) + wasm_f32x4_extract_lane(a, 3));
  for (; i < n; i++) sum += x[i];
  return sum;
}
#endif
