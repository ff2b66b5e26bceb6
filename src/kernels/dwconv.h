/* dwconv.h — one output row of a depthwise convolution over a zero-padded input plane.
 *
 *   out[ow] = clamp(bias + Σ_kh Σ_kw w[kh·kw_n + kw] · rows[kh][ow·stride + kw·dilation], lo, hi)
 *
 * rows[kh] points at the padded input row under kernel row kh; every read is in bounds by
 * construction (the caller pads), so kernels have no edge cases. Kernels may read up to 4 floats
 * past a row's last tap, so the caller leaves that much room after its padded plane. */
#ifndef WISP_KERNELS_DWCONV_H
#define WISP_KERNELS_DWCONV_H

typedef void (*wisp_f32_dwconv_row_fn)(int ow_n, int kh_n, int kw_n, int stride, int dilation,
                                       const float *const *rows, const float *w, float bias,
                                       float lo, float hi, float *out);

void f32_dwconv_row__scalar(int ow_n, int kh_n, int kw_n, int stride, int dilation,
                            const float *const *rows, const float *w, float bias, float lo,
                            float hi, float *out);
#ifdef __wasm_simd128__
void f32_dwconv_row__wasmsimd(int ow_n, int kh_n, int kw_n, int stride, int dilation,
                              const float *const *rows, const float *w, float bias, float lo,
                              float hi, float *out);
#endif

#endif
