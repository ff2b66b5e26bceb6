/* activation.c — Conv / Gemm / MatMul (and the QDQ conv, qdq_conv.c) → Relu | Clip(constant bounds) becomes one node that
 * clamps in its GEMM epilogue (MobileNet's ReLU6, ResNet's ReLU); so does an inference
 * BatchNormalization, in its one pass (DenseNet's BN → ReLU → Conv, where BN follows a Concat
 * and cannot fold into a Conv). */
#include <float.h>
#include <math.h>

#include "fuser.h"

static int activation_bounds(const wisp_fuser *f, const wisp_node *n, float *lo, float *hi) {
  if (fuse_is_op(n, "Relu")) {
    *lo = 0.0f, *hi = INFINITY;
    return 1;
  }
  if (n->opset < 11) { /* bounds as attributes */
    *lo = wisp_attr_float(n, "min", -FLT_MAX), *hi = wisp_attr_float(n, "max", FLT_MAX);
    return 1;
  }
  float bound[2] = {-INFINITY, INFINITY};
  for (int k = 1; k <= 2 && k < n->n_in; k++)
    if (n->in[k] >= 0 && !fuse_constant_scalar(f, n->in[k], &bound[k - 1])) return 0;
  *lo = bound[0], *hi = bound[1];
  return 1;
}

wisp_status fuse_activation(wisp_fuser *f, wisp_node *act) {
  if (!(fuse_is_op(act, "Relu") || fuse_is_op(act, "Clip")) || act->n_in < 1) return WISP_OK;
  int v = act->in[0];
  wisp_node *prod = fuse_made_by(f, v, "Conv");
  if (!prod) prod = fuse_made_by(f, v, "Gemm");
  if (!prod) prod = fuse_made_by(f, v, "MatMul");
  if (!prod && (prod = fuse_made_by(f, v, "ConvInteger")) &&
      !wisp_attr_int(prod, "wisp_to_float", 0))
    prod = NULL; /* only the QDQ conv's float output (qdq_conv.c) clamps */
  if (!prod && (prod = fuse_made_by(f, v, "BatchNormalization")) &&
      (prod->n_out != 1 || (prod->opset >= 14 && wisp_attr_int(prod, "training_mode", 0))))
    prod = NULL; /* training mode updates statistics too */
  float lo, hi;
  if (!prod || f->uses[v] != 1 || wisp_node_epilogue(prod)->gate ||
      isfinite(wisp_node_epilogue(prod)->lo) || isfinite(wisp_node_epilogue(prod)->hi) ||
      !activation_bounds(f, act, &lo, &hi))
    return WISP_OK;
  wisp_epilogue *e = fuse_epilogue(f, prod);
  WISP_CHECK(e, WISP_ERR_NO_MEMORY, "out of memory");
  e->lo = lo, e->hi = hi;
  fuse_take_output(f, prod, act->out[0]); /* the producer now writes the activation's output */
  fuse_kill(f, act);
  return WISP_OK;
}
