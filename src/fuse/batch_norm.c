/* batch_norm.c — Conv(W, B constant) → BatchNormalization(constant parameters) becomes one Conv
 * with scaled weights and shifted bias (new constants). */
#include <math.h>

#include "fuser.h"

wisp_status fuse_batch_norm(wisp_fuser *f, wisp_node *bn) {
  wisp_tensor w, b = {0}, scale, shift, mean, var;
  if (!fuse_is_op(bn, "BatchNormalization") || bn->n_in != 5 || bn->n_out != 1 ||
      wisp_attr_int(bn, "training_mode", 0))
    return WISP_OK;
  wisp_node *conv = fuse_made_by(f, bn->in[0], "Conv");
  if (!conv || fuse_only_use(f, bn->in[0], "BatchNormalization") != bn || conv->n_in < 2 ||
      !fuse_constant(f, conv->in[1], &w) || w.dtype != WISP_DT_FLOAT || w.shape.ndim < 3)
    return WISP_OK;
  int64_t M = w.shape.dims[0], per = M ? wisp_shape_numel(&w.shape) / M : 0;
  int has_b = conv->n_in > 2 && conv->in[2] >= 0;
  if (has_b && !fuse_constant(f, conv->in[2], &b)) return WISP_OK;
  wisp_tensor *params[] = {&scale, &shift, &mean, &var};
  for (int k = 0; k < 4; k++)
    if (!fuse_constant(f, bn->in[k + 1], params[k]) || params[k]->dtype != WISP_DT_FLOAT ||
        wisp_shape_numel(&params[k]->shape) != M)
      return WISP_OK;
  if (has_b && (b.dtype != WISP_DT_FLOAT || wisp_shape_numel(&b.shape) != M)) return WISP_OK;
  float eps = wisp_attr_float(bn, "epsilon", 1e-5f);
  void *w2v, *b2v;
  wisp_shape bshape = {1, {M}};
  int wv = fuse_new_constant(f, "wisp.bn_folded_weights", WISP_DT_FLOAT, &w.shape, &w2v);
  int bv = wv < 0 ? -1 : fuse_new_constant(f, "wisp.bn_folded_bias", WISP_DT_FLOAT, &bshape, &b2v);
  WISP_CHECK(bv >= 0, WISP_ERR_NO_MEMORY, "out of memory folding BatchNormalization");
  float *w2 = w2v, *b2 = b2v;
  const float *wd = w.data, *bd = b.data, *gamma = scale.data, *beta = shift.data, *mu = mean.data,
              *v = var.data;
  for (int64_t m = 0; m < M; m++) { /* y = a·(conv + b - mean) + β, a = γ / √(var + ε) */
    float a = gamma[m] / sqrtf(v[m] + eps);
    for (int64_t i = 0; i < per; i++) w2[m * per + i] = wd[m * per + i] * a;
    b2[m] = ((has_b ? bd[m] : 0.0f) - mu[m]) * a + beta[m];
  }
  int in[3] = {conv->in[0], wv, bv};
  const wisp_attr *attrs = conv->attrs;
  int n_attr = conv->n_attr, out = bn->out[0];
  fuse_kill(f, bn);
  return fuse_become(f, conv, "", "Conv", in, 3, out, attrs, n_attr);
}
