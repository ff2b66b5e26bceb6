/* 6×8 tile of the int8-quad layout (qs8_gemm.h, KR = 4) for relaxed SIMD, built only into the
 * relaxed kernels module and used only where wisp_relaxed_usdot_exact(): per group of 4 k, each
 * A row's 4 uint8 splat as one 32-bit lane, and two weight vectors (columns 0-3, 4-7); each
 * i32x4.relaxed_dot_i8x16_i7x16_add_s does 16 multiply-adds (one vpdpbusd). Six rows, not four:
 * vpdpbusd's latency (5 cycles) times its throughput (2 a cycle) needs 10 independent
 * accumulators in flight; 8 held its tile loop at 79% of the instruction's native rate, 12 reach
 * it (bench/peak.c, bench/gemm_relaxed.js). 12 accumulators, 2 weight vectors and a splat fill
 * the 15 XMM registers V8 allocates on x86. */
#ifdef __wasm_relaxed_simd__
#include <assert.h>
#include <wasm_simd128.h>

#include "qs8_gemm.h"
#include "store__wasmsimd.h"

#define DOT(c, w, a) c = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w, a, c)

void qs8_gemm_6x8c4__wasmrelaxed(int mr, int nc, int kg, const uint8_t *A, ptrdiff_t lda,
                                 const void *w, float a_scale, float *C, ptrdiff_t ldc) {
  assert(mr >= 1 && mr <= WISP_QS8C4_MR && nc >= 1 && nc <= 8);
  /* rows past mr alias the last real row: computed, never stored */
  const uint8_t *a[WISP_QS8C4_MR];
  a[0] = A;
  for (int i = 1; i < WISP_QS8C4_MR; i++) a[i] = i < mr ? a[i - 1] + lda : a[i - 1];
  const uint8_t *a0 = a[0] + 8, *a1 = a[1] + 8, *a2 = a[2] + 8, *a3 = a[3] + 8, *a4 = a[4] + 8,
                *a5 = a[5] + 8;
  const float *head = w;
  const int8_t *b = (const int8_t *)(head + 32);
  v128_t c[2 * WISP_QS8C4_MR];
  for (int i = 0; i < 2 * WISP_QS8C4_MR; i++) c[i] = wasm_i32x4_const_splat(0);
  for (int g = 0; g < kg; g++, b += 32) {
    const v128_t wl = wasm_v128_load(b), wh = wasm_v128_load(b + 16);
    v128_t v = wasm_v128_load32_splat(a0 + 4 * g);
    DOT(c[0], wl, v), DOT(c[1], wh, v);
    v = wasm_v128_load32_splat(a1 + 4 * g);
    DOT(c[2], wl, v), DOT(c[3], wh, v);
    v = wasm_v128_load32_splat(a2 + 4 * g);
    DOT(c[4], wl, v), DOT(c[5], wh, v);
    v = wasm_v128_load32_splat(a3 + 4 * g);
    DOT(c[6], wl, v), DOT(c[7], wh, v);
    v = wasm_v128_load32_splat(a4 + 4 * g);
    DOT(c[8], wl, v), DOT(c[9], wh, v);
    v = wasm_v128_load32_splat(a5 + 4 * g);
    DOT(c[10], wl, v), DOT(c[11], wh, v);
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
  for (int i = 0; i < WISP_QS8C4_MR; i++) /* a fixed count: unrolled, no array in memory */
    if (i < mr)
      wisp_store_row8__wasmsimd(C + i * ldc, nc, OUT(FIX(c[2 * i], sl, ol, a[i]), fl, bl),
                                OUT(FIX(c[2 * i + 1], sh, oh, a[i]), fh, bh));
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
