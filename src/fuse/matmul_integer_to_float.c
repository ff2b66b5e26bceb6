/* matmul_integer_to_float.c — onnxruntime's saved q8 form: DynamicQuantizeLinear(x) →
 * com.microsoft MatMulIntegerToFloat(x_q, W, x_scale, W_scale, x_zp, W_zp?, b?) is
 * DynamicQuantizeMatMul(x, W, W_scale, W_zp, b). */
#include "fuser.h"

wisp_status fuse_matmul_integer_to_float(wisp_fuser *f, wisp_node *n) {
  if (!fuse_is_ms_op(n, "MatMulIntegerToFloat") || n->n_in < 5) return WISP_OK;
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
