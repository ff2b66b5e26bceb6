/* matmul_integer_to_float.c — onnxruntime's saved q8 form: DynamicQuantizeLinear(x) →
 * com.microsoft MatMulIntegerToFloat(x_q, W, x_scale, W_scale, x_zp, W_zp?, b?) is
 * DynamicQuantizeMatMul(x, W, W_scale, W_zp, b). Static QDQ (qdq_matmul.c's output):
 * QuantizeLinear(x, x_scale, x_zp) → MatMulIntegerToFloat(x_q, ..., x_scale, ..., x_zp, ...)
 * becomes MatMulIntegerToFloat(x, ...) marked wisp_quantize_a: it quantizes x itself, in the
 * pass that lays A out for the int8 GEMM (quant_matmul.c), instead of a pass of its own. */
#include "fuser.h"

static wisp_status quantize_into(wisp_fuser *f, wisp_node *n) {
  wisp_node *q = fuse_made_by(f, n->in[0], "QuantizeLinear");
  /* the same scale and zero point values (QDQ exporters share them between Q and DQ) */
  if (!q || q->n_in != 3 || q->in[0] < 0 || q->in[1] != n->in[2] || q->in[2] != n->in[4] ||
      wisp_attr_int(q, "saturate", 1) != 1 || wisp_attr_int(q, "block_size", 0) != 0)
    return WISP_OK;
  int in[7];
  for (int i = 0; i < n->n_in; i++) in[i] = n->in[i];
  in[0] = q->in[0];
  if (--f->uses[q->out[0]]) f->uses[q->in[0]]++; /* x gains a reader while Q still has some */
  else fuse_kill(f, q);
  const wisp_attr mark = {.name = "wisp_quantize_a", .type = WISP_ATTR_INT, .i = 1};
  return fuse_become(f, n, "com.microsoft", "MatMulIntegerToFloat", in, n->n_in, n->out[0], &mark,
                     1);
}

wisp_status fuse_matmul_integer_to_float(wisp_fuser *f, wisp_node *n) {
  if (!fuse_is_ms_op(n, "MatMulIntegerToFloat") || n->n_in < 5 || n->n_in > 7) return WISP_OK;
  if (fuse_made_by(f, n->in[0], "QuantizeLinear")) return quantize_into(f, n);
  wisp_node *dql = fuse_made_by(f, n->in[0], "DynamicQuantizeLinear");
  if (!dql || dql->n_out != 3 || dql->out[0] != n->in[0] || dql->out[1] != n->in[2] ||
      dql->out[2] != n->in[4])
    return WISP_OK;
  int in[5] = {dql->in[0], n->in[1], n->in[3], n->n_in > 5 ? n->in[5] : -1,
               n->n_in > 6 ? n->in[6] : -1};
  int n_in = in[4] >= 0 ? 5 : in[3] >= 0 ? 4 : 3;
  f->uses[dql->out[0]]--, f->uses[dql->out[1]]--, f->uses[dql->out[2]]--;
  if (!f->uses[dql->out[0]] && !f->uses[dql->out[1]] && !f->uses[dql->out[2]]) fuse_kill(f, dql);
  return fuse_become(f, n, "com.microsoft", "DynamicQuantizeMatMul", in, n_in, n->out[0], NULL, 0);
}
