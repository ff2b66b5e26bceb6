/* dynamic_quant_conv.c — the dynamic int8 conv of onnxruntime's quantize_dynamic (what Hugging
 * Face / Transformers.js q8 exports of CNNs hold):
 *   DynamicQuantizeLinear(x) → x_q, x_scale, x_zp
 *   ConvInteger(x_q, W constant, x_zp, W_zp?) → Cast(float) → Mul(·, Mul(x_scale, W_scale))
 *   (→ Add of the bias shaped (M, 1, …))
 * becomes ConvInteger marked wisp_to_float (quant_conv.c) with inputs (x_q, W, x_zp, W_zp,
 * x_scale, W_scale[, B]): the scales and the bias go into the GEMM's epilogue instead of three
 * passes over the int32 and float outputs. x_scale and x_zp stay run-time values; W_scale, W_zp
 * and B must be constants. A following Relu or Clip folds in later (activation.c). */
#include <stdlib.h>

#include "fuser.h"

/* The constant bias of an Add after a conv with M output channels in rank-nd outputs, shaped
 * (1…, M, 1…) with M on the channel axis: v, or -1. */
static int channel_bias(const wisp_fuser *f, int v, int64_t M, int nd) {
  wisp_tensor t;
  if (!fuse_constant(f, v, &t) || t.dtype != WISP_DT_FLOAT || wisp_shape_numel(&t.shape) != M ||
      t.shape.ndim > nd)
    return -1;
  for (int d = 0; d < t.shape.ndim; d++) /* dim d lines up with output axis d + nd - ndim */
    if (t.shape.dims[d] != (d + nd - t.shape.ndim == 1 ? M : 1)) return -1;
  return v;
}

wisp_status fuse_dynamic_quant_conv(wisp_fuser *f, wisp_node *ci) {
  if (!fuse_is_op(ci, "ConvInteger") || ci->n_in < 3 || ci->n_in > 4 ||
      wisp_attr_int(ci, "wisp_to_float", 0))
    return WISP_OK;
  wisp_node *dql = fuse_made_by(f, ci->in[0], "DynamicQuantizeLinear");
  int w_zp = ci->n_in > 3 ? ci->in[3] : -1;
  wisp_tensor w, t;
  if (!dql || dql->n_out != 3 || dql->out[0] != ci->in[0] || dql->out[2] != ci->in[2] ||
      dql->out[1] < 0 || !fuse_constant(f, ci->in[1], &w) || w.shape.ndim < 3 || w.shape.ndim > 5 ||
      (w_zp >= 0 && !fuse_constant(f, w_zp, &t)))
    return WISP_OK;
  int64_t M = w.shape.dims[0];
  if (M < 1 || wisp_shape_numel(&w.shape) / M > 30000) /* the int8 GEMM's K limit (quant_conv.c) */
    return WISP_OK;
  /* int32 sums → Cast(float) → Mul by Mul(x_scale, W_scale constant) */
  wisp_node *cast = fuse_only_use(f, ci->out[0], "Cast");
  if (!cast || wisp_attr_int(cast, "to", 0) != WISP_DT_FLOAT) return WISP_OK;
  wisp_node *mul = fuse_only_use(f, cast->out[0], "Mul");
  wisp_node *scales = mul ? fuse_made_by(f, fuse_other_input(mul, cast->out[0]), "Mul") : NULL;
  int x_scale = dql->out[1], w_scale = scales ? fuse_other_input(scales, x_scale) : -2;
  int64_t ns = w_scale >= 0 && fuse_constant(f, w_scale, &t) && t.dtype == WISP_DT_FLOAT
                   ? wisp_shape_numel(&t.shape)
                   : 0;
  if (ns != 1 && !(ns == M && t.shape.ndim == 1)) return WISP_OK;
  /* the bias Add, when there is one */
  wisp_node *add = fuse_only_use(f, mul->out[0], "Add");
  int b = add ? channel_bias(f, fuse_other_input(add, mul->out[0]), M, w.shape.ndim) : -1;
  if (b < 0) add = NULL;
  int in[7] = {ci->in[0], ci->in[1], ci->in[2], w_zp, x_scale, w_scale, b};
  wisp_attr *attrs = malloc(sizeof(wisp_attr) * (size_t)(ci->n_attr + 1));
  WISP_CHECK(attrs, WISP_ERR_NO_MEMORY, "out of memory");
  for (int i = 0; i < ci->n_attr; i++) attrs[i] = ci->attrs[i];
  attrs[ci->n_attr] = (wisp_attr){.name = "wisp_to_float", .type = WISP_ATTR_INT, .i = 1};
  /* the conv now reads both scales; the scale product goes when nothing else reads it */
  if (--f->uses[scales->out[0]]) f->uses[x_scale]++, f->uses[w_scale]++;
  else fuse_kill(f, scales);
  fuse_kill(f, cast), fuse_kill(f, mul);
  if (add) fuse_kill(f, add);
  wisp_status s = fuse_become(f, ci, "", "ConvInteger", in, b >= 0 ? 7 : 6,
                              add ? add->out[0] : mul->out[0], attrs, ci->n_attr + 1);
  free(attrs);
  return s;
}
