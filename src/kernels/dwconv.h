/* dwconv.h — the output rows of one channel of a depthwise convolution over a zero-padded input
 * plane:
 *
 *   out[oh·ow_n + ow] = clamp(bias + Σ_t Σ_kw w[t·kw_n + kw] ·
 *                             base[oh·row_step + tap[t] + ow·stride + kw·dilation], lo, hi)
 *
 * for oh < oh_n, ow < ow_n; t runs over the kernel's `taps` rows (kd, kh), tap[t] being where
 * each starts in the padded input. Every read is in bounds by construction (the caller pads), so
 * kernels have no edge cases; they may read up to 4 floats past a row's last tap, so the caller
 * leaves that much room after its padded plane. One call per channel keeps the weights in
 * registers across all its rows. */
#ifndef WISP_KERNELS_DWCONV_H
#define WISP_KERNELS_DWCONV_H

#include <stddef.h>

typedef void (*wisp_f32_dwconv_rows_fn)(int oh_n, int ow_n, int taps, int kw_n, int stride,
                                        int dilation, const float *base, ptrdiff_t row_step,
                                        const ptrdiff_t *tap, const float *w, float bias, float lo,
                                        float hi, float *out);

void f32_dwconv_rows__scalar(int oh_n, int ow_n, int taps, int kw_n, int stride, int dilation,
                             const float *base, ptrdiff_t row_step, const ptrdiff_t *tap,
                             const float *w, float bias, float lo, float hi, float *out);
#ifdef __wasm_simd128__
void f32_dwconv_rows__wasmsimd(int oh_n, int ow_n, int taps, int kw_n, int stride, int dilation,
                               const float *base, ptrdiff_t row_step, const ptrdiff_t *tap,
                               const float *w, float bias, float lo, float hi, float *out);
#endif

#endif
