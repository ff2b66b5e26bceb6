/* qdq_matmul.c — static QDQ int8 / uint8 files: MatMul(DequantizeLinear(x_q, x_scale, x_zp),
 * DequantizeLinear(W_q constant (K, N), W_scale, W_zp, axis 1)) (→ Add b constant (N)) becomes
 * com.microsoft MatMulIntegerToFloat(x_q, W_q, x_scale, W_scale, x_zp, W_zp, b): the int8 GEMM
 * on the quantized operands instead of a float GEMM on dequantized copies (quant_matmul.c).
 * x_scale and x_zp (needed) per tensor, W_scale and W_zp per tensor or per output column. The
 * activation's DequantizeLinear goes once every MatMul it fed is fused (Q, K, V may share one).
 * Gemm(DequantizeLinear(x_q), DequantizeLinear(W_q)[, C (N)]) with alpha = beta = 1 and transA 0
 * likewise: with transB 1, W_q is (N, K) quantized per row (axis 0) and is transposed once. */
#include <stdlib.h>

#include "fuser.h"

/* W_q (N, K) as a new constant (K, N); -1 when out of memory. */
static int transposed(wisp_fuser *f, const wisp_tensor *w) {
  int64_t N = w->shape.dims[0], K = w->shape.dims[1];
  wisp_shape shape = {2, {K, N}};
  void *data;
  int v = fuse_new_constant(f, "wisp.qdq_gemm_weights", w->dtype, &shape, &data);
  if (v < 0) return -1;
  const uint8_t *src = w->data;
  uint8_t *dst = data;
  for (int64_t n = 0; n < N; n++)
    for (int64_t k = 0; k < K; k++) dst[k * N + n] = src[n * K + k];
  return v;
}

wisp_status fuse_qdq_matmul(wisp_fuser *f, wisp_node *mm) {
  int gemm = fuse_is_op(mm, "Gemm");
  if (!(gemm ? mm->n_in >= 2 && mm->n_in <= 3 : fuse_is_op(mm, "MatMul") && mm->n_in == 2))
    return WISP_OK;
  int trans_b = gemm ? (int)wisp_attr_int(mm, "transB", 0) : 0;
  if (gemm && (wisp_attr_int(mm, "transA", 0) != 0 || wisp_attr_float(mm, "alpha", 1.0f) != 1.0f ||
               wisp_attr_float(mm, "beta", 1.0f) != 1.0f || (trans_b != 0 && trans_b != 1)))
    return WISP_OK;
  fuse_qdq q;
  if (!fuse_qdq_operands(f, mm, &q) || q.w.shape.ndim != 2) return WISP_OK;
  /* A is a DequantizeLinear's output now, so a value (a missing input, "", is -1: fuzz_external
   * found this read before the operands were checked) */
  const wisp_value *a = &f->g->values[mm->in[0]];
  if (gemm && a->has_shape && a->shape.ndim != 2) return WISP_OK; /* Gemm refuses it */
  wisp_node *dqa = q.dqa, *dqw = q.dqw;
  wisp_tensor w = q.w, sw = q.sw, t;
  int za = q.za, zw = q.zw;
  /* the output channel is W's dim 1, or 0 when Gemm transposes it */
  int64_t N = w.shape.dims[1 - trans_b], ns = wisp_shape_numel(&sw.shape);
  int64_t axis = wisp_attr_int(dqw, "axis", 1);
  if (!(ns == 1 ||
        (ns == N && sw.shape.ndim == 1 && (axis == 1 - trans_b || axis == -1 - trans_b))))
    return WISP_OK;
  wisp_node *add = gemm ? NULL : fuse_only_use(f, mm->out[0], "Add");
  int b = gemm ? (mm->n_in > 2 ? mm->in[2] : -1) : add ? fuse_other_input(add, mm->out[0]) : -2;
  /* Gemm's C must be a bias the GEMM adds: (N) or (1, N); anything else keeps the float Gemm */
  if (gemm && b >= 0 &&
      (!fuse_constant(f, b, &t) || t.dtype != WISP_DT_FLOAT || t.shape.ndim < 1 ||
       t.shape.ndim > 2 || t.shape.dims[t.shape.ndim - 1] != N || wisp_shape_numel(&t.shape) != N))
    return WISP_OK;
  if (!gemm && b >= 0 &&
      (!fuse_constant(f, b, &t) || t.dtype != WISP_DT_FLOAT || t.shape.ndim != 1 ||
       t.shape.dims[0] != N))
    b = -2;
  int wq = dqw->in[0];
  if (trans_b && (wq = transposed(f, &w)) < 0)
    return wisp_fail(WISP_ERR_NO_MEMORY, "out of memory transposing '%s'", mm->name);
  int in[7] = {dqa->in[0], wq, dqa->in[1], dqw->in[1], za, zw, b >= 0 ? b : -1};
  int n_in = b >= 0 ? 7 : zw >= 0 ? 6 : 5;
  fuse_kill(f, dqw);
  if (!--f->uses[dqa->out[0]]) fuse_kill(f, dqa);
  else f->uses[dqa->in[0]]++; /* x_q gains a reader while the DequantizeLinear still has some */
  if (add && b >= 0) fuse_kill(f, add);
  return fuse_become(f, mm, "com.microsoft", "MatMulIntegerToFloat", in, n_in,
                     (add && b >= 0 ? add : mm)->out[0], NULL, 0);
}
