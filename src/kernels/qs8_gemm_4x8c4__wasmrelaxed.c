/* 4×8 tile of the int8-quad layout (qs8_gemm.h, KR = 4) for relaxed SIMD, built only into the
 * relaxed kernels module: per group of 4 k, each A row's 4 int8 splat as one 32-bit lane, and
 * four weight vectors (v1, v2 × columns 0-3, 4-7); each i32x4.relaxed_dot_i8x16_i7x16_add_s does
 * 16 multiply-adds into its accumulator (one vpdpbusd where the CPU has VNNI). */
#ifdef __wasm_relaxed_simd__
#include <assert.h>
#include <wasm_simd128.h>

#include "qs8_gemm.h"
#include "store__wasmsimd.h"

#define DOT2(c, a, p, q) \
  c = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(a, q, wasm_i32x4_relaxed_dot_i8x16_i7x16_add(a, p, c))

void qs8_gemm_4x8c4__wasmrelaxed(int mr, int nc, int kg, const int8_t *A, ptrdiff_t lda,
                                 const void *w, float a_scale, float *C, ptrdiff_t ldc) {
  assert(mr >= 1 && mr <= 4 && nc >= 1 && nc <= 8);
  /* rows past mr alias the last real row: computed, never stored */
  const int8_t *a0 = A;
  const int8_t *a1 = mr > 1 ? a0 + lda : a0;
  const int8_t *a2 = mr > 2 ? a1 + lda : a1;
  const int8_t *a3 = mr > 3 ? a2 + lda : a2;
  const float *head = w;
  const int8_t *b = (const int8_t *)(head + 32);
  v128_t c0l = wasm_i32x4_const_splat(0), c0h = c0l, c1l = c0l, c1h = c0l, c2l = c0l, c2h = c0l,
         c3l = c0l, c3h = c0l;
  for (int g = 0; g < kg; g++, b += 64) {
    const v128_t pl = wasm_v128_load(b), ph = wasm_v128_load(b + 16);
    const v128_t ql = wasm_v128_load(b + 32), qh = wasm_v128_load(b + 48);
    const v128_t v0 = wasm_v128_load32_splat(a0 + 8 + 4 * g);
    const v128_t v1 = wasm_v128_load32_splat(a1 + 8 + 4 * g);
    const v128_t v2 = wasm_v128_load32_splat(a2 + 8 + 4 * g);
    const v128_t v3 = wasm_v128_load32_splat(a3 + 8 + 4 * g);
    DOT2(c0l, v0, pl, ql), DOT2(c0h, v0, ph, qh);
    DOT2(c1l, v1, pl, ql), DOT2(c1h, v1, ph, qh);
    DOT2(c2l, v2, pl, ql), DOT2(c2h, v2, ph, qh);
    DOT2(c3l, v3, pl, ql), DOT2(c3h, v3, ph, qh);
  }
  /* + o·Σa + Σw'·(128 - x_zp), then the float epilogue */
  const v128_t ol = wasm_v128_load(head + 16), oh = wasm_v128_load(head + 20);
  const v128_t sl = wasm_v128_load(head + 24), sh = wasm_v128_load(head + 28);
  const v128_t as = wasm_f32x4_splat(a_scale);
  const v128_t fl = wasm_f32x4_mul(as, wasm_v128_load(head)),
               fh = wasm_f32x4_mul(as, wasm_v128_load(head + 4));
  const v128_t bl = wasm_v128_load(head + 8), bh = wasm_v128_load(head + 12);
#define FIX(c, o, s, a) \
  wasm_i32x4_add(c, wasm_i32x4_add(wasm_i32x4_mul(o, wasm_v128_load32_splat(a)), \
                                   wasm_i32x4_mul(s, wasm_v128_load32_splat(a + 4))))
#define OUT(c, f, bb) wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(c), f), bb)
  wisp_store_row8__wasmsimd(C, nc, OUT(FIX(c0l, ol, sl, a0), fl, bl),
                            OUT(FIX(c0h, oh, sh, a0), fh, bh));
  if (mr > 1)
    wisp_store_row8__wasmsimd(C + ldc, nc, OUT(FIX(c1l, ol, sl, a1), fl, bl),
                              OUT(FIX(c1h, oh, sh, a1), fh, bh));
  if (mr > 2)
    wisp_store_row8__wasmsimd(C + 2 * ldc, nc, OUT(FIX(c2l, ol, sl, a2), fl, bl),
                              OUT(FIX(c2h, oh, sh, a2), fh, bh));
  if (mr > 3)
    wisp_store_row8__wasmsimd(C + 3 * ldc, nc, OUT(FIX(c3l, ol, sl, a3), fl, bl),
                              OUT(FIX(c3h, oh, sh, a3), fh, bh));
#undef FIX
#undef OUT
}
#endif
