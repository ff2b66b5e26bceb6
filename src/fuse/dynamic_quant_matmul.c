/* dynamic_quant_matmul.c — the q8 MatMul of Hugging Face exports: DynamicQuantizeLinear(x) →
 * MatMulInteger(x_q, W constant, x_zp, W_zp) → Cast float → Mul(·, Mul(x_scale, W_scale
 * constant)) (→ Add b constant) becomes com.microsoft DynamicQuantizeMatMul(x, W, W_scale, W_zp,
 * b) (quant_matmul.c). The DynamicQuantizeLinear goes once every MatMulInteger it fed is fused
 * (Q, K, V share one). */
#include "fuser.h"

wisp_status fuse_dynamic_quant_matmul(wisp_fuser *f, wisp_node *mmi) {
  if (!fuse_is_op(mmi, "MatMulInteger") || mmi->n_in < 3 || mmi->in[2] < 0) return WISP_OK;
  wisp_node *dql = fuse_made_by(f, mmi->in[0], "DynamicQuantizeLinear");
  wisp_tensor w, t;
  if (!dql || dql->n_out != 3 || dql->out[0] != mmi->in[0] || dql->out[2] != mmi->in[2] ||
      !fuse_constant(f, mmi->in[1], &w) || w.shape.ndim != 2 ||
      (w.dtype != WISP_DT_INT8 && w.dtype != WISP_DT_UINT8))
    return WISP_OK;
  int wzp = mmi->n_in > 3 ? mmi->in[3] : -1;
  if (wzp >= 0 && !fuse_constant(f, wzp, &t)) return WISP_OK;
  wisp_node *cast = fuse_only_use(f, mmi->out[0], "Cast");
  if (!cast || wisp_attr_int(cast, "to", 0) != WISP_DT_FLOAT) return WISP_OK;
  wisp_node *mul = fuse_only_use(f, cast->out[0], "Mul");
  int sv = mul ? fuse_other_input(mul, cast->out[0]) : -2;
  wisp_node *smul = fuse_made_by(f, sv, "Mul");
  int ws = smul ? fuse_other_input(smul, dql->out[1]) : -2;
  if (!smul || f->uses[sv] != 1 || ws < 0 || !fuse_constant(f, ws, &t) || t.dtype != WISP_DT_FLOAT)
    return WISP_OK;
  wisp_node *add = fuse_only_use(f, mul->out[0], "Add");
  int b = add ? fuse_other_input(add, mul->out[0]) : -2;
  if (b >= 0 && (!fuse_constant(f, b, &t) || t.dtype != WISP_DT_FLOAT || t.shape.ndim != 1 ||
                 t.shape.dims[0] != w.shape.dims[1]))
    b = -2;
  int in[5] = {dql->in[0], mmi->in[1], ws, wzp, b >= 0 ? b : -1};
  int n_in = b >= 0 ? 5 : wzp >= 0 ? 4 : 3;
  f->uses[dql->out[0]]--, f->uses[dql->out[1]]--, f->uses[dql->out[2]]--;
  fuse_kill(f, cast), fuse_kill(f, mul), fuse_kill(f, smul);
  if (b >= 0) fuse_kill(f, add);
  if (!f->uses[dql->out[0]] && !f->uses[dql->out[1]] && !f->uses[dql->out[2]]) fuse_kill(f, dql);
  return fuse_become(f, mmi, "com.microsoft", "DynamicQuantizeMatMul", in, n_in,
                     (b >= 0 ? add : mul)->out[0], NULL, 0);
}
