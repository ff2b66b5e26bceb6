/* 4×8 tile of the int8-quad layout (qs8_gemm.h, KR = 4) for relaxed SIMD, built only into the
 * relaxed kernels module and used only where wisp_relaxed_usdot_exact(): per group of 4 k, each
 * A row's 4 uint8 splat as one 32-bit lane, and two weight vectors (columns 0-3, 4-7); each
 * i32x4.relaxed_dot_i8x16_i7x16_add_s does 16 multiply-adds (one vpdpbusd). */
#ifdef __wasm_relaxed_simd__
#include <assert.h>
#include <wasm_simd128.h>

#include "qs8_gemm.h"
#include "store__wasmsimd.h"

#define DOT(c, w, a) c = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w, a, c)

void qs8_gemm_4x8c4__wasmrelaxed(int mr, int nc, int kg, const uint8_t *A, ptrdiff_t lda,
                                 const void *w, float a_scale, float *C, ptrdiff_t ldc) {
  assert(mr >= 1 && mr <= 4 && nc >= 1 && nc <= 8);
  /* rows past mr alias the last real row: computed, never stored */
  const uint8_t *a0 = A;
  const uint8_t *a1 = mr > 1 ? a0 + lda : a0;
  const uint8_t *a2 = mr > 2 ? a1 + lda : a1;
  const uint8_t *a3 = mr > 3 ? a2 + lda : a2;
  const float *head = w;
  const int8_t *b = (const int8_t *)(head + 32);
  v128_t c0l = wasm_i32x4_const_splat(0), c0h = c0l, c1l = c0l, c1h = c0l, c2l = c0l, c2h = c0l,
         c3l = c0l, c3h = c0l;
  for (int g = 0; g < kg; g++, b += 32) {
    const v128_t wl = wasm_v128_load(b), wh = wasm_v128_load(b + 16);
    const v128_t v0 = wasm_v128_load32_splat(a0 + 8 + 4 * g);
    const v128_t v1 = wasm_v128_load32_splat(a1 + 8 + 4 * g);
    const v128_t v2 = wasm_v128_load32_splat(a2 + 8 + 4 * g);
    const v128_t v3 = wasm_v128_load32_splat(a3 + 8 + 4 * g);
    DOT(c0l, wl, v0), DOT(c0h, wh, v0), DOT(c1l, wl, v1), DOT(c1h, wh, v1);
    DOT(c2l, wl, v2), DOT(c2h, wh, v2), DOT(c3l, wl, v3), DOT(c3h, wh, v3);
  }
  /* + o·(Σ_k x_q - K·x_zp) - x_zp·Σ_k w', then the float epilogue */
  const v128_t sl = wasm_v128_load(head + 16), sh = wasm_v128_load(head + 20);
  const v128_t ol = wasm_v128_load(head + 24), oh = wasm_v128_load(head + 28);
  const v128_t as = wasm_f32x4_splat(a_scale);
  const v128_t fl = wasm_f32x4_mul(as, wasm_v128_load(head)),
               fh = wasm_f32x4_mul(as, wasm_v128_load(head + 4));
  const v128_t bl = wasm_v128_load(head + 8), bh = wasm_v128_load(head + 12);
#define FIX(c, s, o, a) \
  wasm_i32x4_add(c, wasm_i32x4_sub(wasm_i32x4_mul(o, wasm_v128_load32_splat(a + 4)), \
                                   wasm_i32x4_mul(s, wasm_v128_load32_splat(a))))
#define OUT(c, f, bb) wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(c), f), bb)
  wisp_store_row8__wasmsimd(C, nc, OUT(FIX(c0l, sl, ol, a0), fl, bl),
                            OUT(FIX(c0h, sh, oh, a0), fh, bh));
  if (mr > 1)
    wisp_store_row8__wasmsimd(C + ldc, nc, OUT(FIX(c1l, sl, ol, a1), fl, bl),
                              OUT(FIX(c1h, sh, oh, a1), fh, bh));
  if (mr > 2)
    wisp_store_row8__wasmsimd(C + 2 * ldc, nc, OUT(FIX(c2l, sl, ol, a2), fl, bl),
                              OUT(FIX(c2h, sh, oh, a2), fh, bh));
  if (mr > 3)
    wisp_store_row8__wasmsimd(C + 3 * ldc, nc, OUT(FIX(c3l, sl, ol, a3), fl, bl),
                              OUT(FIX(c3h, sh, oh, a3), fh, bh));
#undef FIX
#undef OUT
}

/* Called with (-128, 127, 255), which the compiler cannot fold (arguments, not volatile locals:
 * the module has no stack). 4·255·(-128) and 4·255·127 come out exactly only where the second
 * operand is read as uint8 and nothing saturates (a pmaddubsw lowering gives ±65536-ish, a signed
 * one 512 and -508). */
int wisp_relaxed_usdot_exact(int lo, int hi, int top) {
  const v128_t a = wasm_u8x16_splat((uint8_t)top), zero = wasm_i32x4_const_splat(0);
  const v128_t neg = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(wasm_i8x16_splat((int8_t)lo), a, zero);
  const v128_t pos = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(wasm_i8x16_splat((int8_t)hi), a, zero);
  return wasm_i32x4_extract_lane(neg, 0) == -130560 && wasm_i32x4_extract_lane(pos, 3) == 129540;
}
#endif
