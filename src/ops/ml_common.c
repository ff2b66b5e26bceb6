/* ml_common.c — post-transforms, attribute readers and label helpers for the ai.onnx.ml ops. */
#include "ml_common.h"

#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT2
#define M_SQRT2 1.41421356237309504880
#endif

/* ---- post transforms (float, as onnxruntime's ml_common.h) ------------------------------- */

wisp_status ml_parse_post(const wisp_op_ctx *ctx, ml_post *out) {
  const char *s;
  WISP_TRY(ml_attr_string(ctx, "post_transform", "NONE", &s));
  static const char *names[] = {"NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"};
  for (int i = 0; i < 5; i++)
    if (!strcmp(s, names[i])) {
      *out = (ml_post)i;
      return WISP_OK;
    }
  return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "unknown post_transform '%s'", s);
}

float ml_logistic(float x) {
  float v = 1.0f / (1.0f + expf(-fabsf(x)));
  return x < 0 ? 1.0f - v : v;
}

/* Winitzki's approximation of erfinv (a = 0.147), as onnxruntime uses it. */
static float erfinv_approx(float x) {
  float sgn = x < 0 ? -1.0f : 1.0f;
  x = (1 - x) * (1 + x);
  float lg = logf(x);
  float v = 2 / ((float)M_PI * 0.147f) + 0.5f * lg;
  float v2 = 1 / 0.147f * lg;
  float v3 = -v + sqrtf(v * v - v2);
  return sgn * sqrtf(v3);
}

float ml_probit(float x) { return (float)M_SQRT2 * erfinv_approx(2 * x - 1); }

void ml_softmax(float *v, int n) {
  float vmax = -FLT_MAX, sum = 0;
  for (int i = 0; i < n; i++)
    if (v[i] > vmax) vmax = v[i];
  for (int i = 0; i < n; i++) sum += v[i] = expf(v[i] - vmax);
  for (int i = 0; i < n; i++) v[i] /= sum;
}

void ml_softmax_zero(float *v, int n) {
  float vmax = -FLT_MAX, sum = 0;
  for (int i = 0; i < n; i++)
    if (v[i] > vmax) vmax = v[i];
  float exp_neg_max = expf(-vmax);
  for (int i = 0; i < n; i++) {
    if (v[i] > 0.0000001f || v[i] < -0.0000001f) sum += v[i] = expf(v[i] - vmax);
    else v[i] *= exp_neg_max;
  }
  for (int i = 0; i < n; i++) v[i] /= sum;
}

void ml_post_apply(ml_post post, float *v, int n) {
  switch (post) {
    case ML_POST_LOGISTIC:
      for (int i = 0; i < n; i++) v[i] = ml_logistic(v[i]);
      break;
    case ML_POST_PROBIT:
      for (int i = 0; i < n; i++) v[i] = ml_probit(v[i]);
      break;
    case ML_POST_SOFTMAX: ml_softmax(v, n); break;
    case ML_POST_SOFTMAX_ZERO: ml_softmax_zero(v, n); break;
    case ML_POST_NONE: break;
  }
}

/* ---- attributes ------------------------------------------------------------------------- */

static wisp_status attr_of_kind(const wisp_op_ctx *ctx, const char *name, wisp_attr_type kind,
                                const char *kind_name, const wisp_attr **out) {
  const wisp_attr *a = wisp_node_attr(ctx->node, name);
  if (a && a->type != kind)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "attribute '%s' must be %s", name, kind_name);
  *out = a;
  return WISP_OK;
}

wisp_status ml_attr_ints(const wisp_op_ctx *ctx, const char *name, const int64_t **v, int *n) {
  const wisp_attr *a = NULL;
  WISP_TRY(attr_of_kind(ctx, name, WISP_ATTR_INTS, "a list of ints", &a));
  *v = a ? a->ints : NULL;
  *n = a ? a->count : 0;
  return WISP_OK;
}

wisp_status ml_attr_floats(const wisp_op_ctx *ctx, const char *name, const float **v, int *n) {
  const wisp_attr *a = NULL;
  WISP_TRY(attr_of_kind(ctx, name, WISP_ATTR_FLOATS, "a list of floats", &a));
  *v = a ? a->floats : NULL;
  *n = a ? a->count : 0;
  return WISP_OK;
}

wisp_status ml_attr_strings(const wisp_op_ctx *ctx, const char *name, const wisp_bytes **v,
                            int *n) {
  const wisp_attr *a = NULL;
  WISP_TRY(attr_of_kind(ctx, name, WISP_ATTR_STRINGS, "a list of strings", &a));
  *v = a ? a->strings : NULL;
  *n = a ? a->count : 0;
  return WISP_OK;
}

wisp_status ml_attr_string(const wisp_op_ctx *ctx, const char *name, const char *dflt,
                           const char **out) {
  const wisp_attr *a = NULL;
  WISP_TRY(attr_of_kind(ctx, name, WISP_ATTR_STRING, "a string", &a));
  *out = a ? a->s.data : dflt;
  return WISP_OK;
}

/* The "<name>_as_tensor" attribute, checked: a float or double tensor (any shape). */
static wisp_status tensor_form(const wisp_op_ctx *ctx, const char *name, const wisp_tensor **t) {
  char tname[96];
  snprintf(tname, sizeof tname, "%s_as_tensor", name);
  const wisp_attr *a = NULL;
  WISP_TRY(attr_of_kind(ctx, tname, WISP_ATTR_TENSOR, "a tensor", &a));
  *t = a ? a->t : NULL;
  if (*t && (*t)->dtype != WISP_DT_FLOAT && (*t)->dtype != WISP_DT_DOUBLE)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "attribute '%s' must be a float or double tensor", tname);
  return WISP_OK;
}

wisp_status ml_attr_reals_count(const wisp_op_ctx *ctx, const char *name, int *n) {
  const float *f;
  int nf;
  const wisp_tensor *t;
  WISP_TRY(ml_attr_floats(ctx, name, &f, &nf));
  WISP_TRY(tensor_form(ctx, name, &t));
  if (f && t)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "both '%s' and '%s_as_tensor' are given", name,
                        name);
  int64_t count = t ? wisp_shape_numel(&t->shape) : nf;
  if (count > INT32_MAX / 16)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "attribute '%s' is too long", name);
  *n = (int)count;
  return WISP_OK;
}

wisp_status ml_attr_reals(const wisp_op_ctx *ctx, const char *name, double *dst, int cap, int *n) {
  WISP_TRY(ml_attr_reals_count(ctx, name, n));
  if (*n > cap)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "attribute '%s' is too long", name);
  const float *f;
  int nf;
  const wisp_tensor *t;
  WISP_TRY(ml_attr_floats(ctx, name, &f, &nf));
  WISP_TRY(tensor_form(ctx, name, &t));
  for (int i = 0; i < *n; i++)
    dst[i] = t ? (t->dtype == WISP_DT_DOUBLE ? ((const double *)t->data)[i]
                                             : ((const float *)t->data)[i])
               : f[i];
  return WISP_OK;
}

/* ---- labels ----------------------------------------------------------------------------- */

wisp_status ml_parse_labels(const wisp_op_ctx *ctx, const char *ints_name, ml_labels *out) {
  int ni, ns;
  memset(out, 0, sizeof *out);
  WISP_TRY(ml_attr_ints(ctx, ints_name, &out->ints, &ni));
  WISP_TRY(ml_attr_strings(ctx, "classlabels_strings", &out->strings, &ns));
  if ((ni > 0) == (ns > 0))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "needs exactly one of '%s' and "
                        "'classlabels_strings'",
                        ints_name);
  if (ni) out->strings = NULL;
  else out->ints = NULL;
  out->n = ni ? ni : ns;
  return WISP_OK;
}

void ml_write_label(const ml_labels *l, int k, wisp_tensor *out, int64_t i) {
  if (l->ints) ((int64_t *)out->data)[i] = l->ints[k];
  else ((const char **)out->data)[i] = l->strings[k].data;
}

/* ---- inputs ----------------------------------------------------------------------------- */

int ml_is_numeric(wisp_dtype dt) {
  return dt == WISP_DT_FLOAT || dt == WISP_DT_DOUBLE || dt == WISP_DT_INT64 || dt == WISP_DT_INT32;
}

wisp_status ml_expect_numeric(const wisp_op_ctx *ctx, int input) {
  if (!ml_is_numeric(ctx->in[input]->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "input %d is %s; float, double, int64 or int32 "
                        "expected",
                        input, wisp_dtype_name(ctx->in[input]->dtype));
  return WISP_OK;
}

wisp_status ml_rows(const wisp_op_ctx *ctx, const wisp_tensor *x, int64_t *n, int64_t *f) {
  if (x->shape.ndim == 1) *n = 1, *f = x->shape.dims[0];
  else if (x->shape.ndim == 2) *n = x->shape.dims[0], *f = x->shape.dims[1];
  else
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input must be (N, F) or (F), got rank %d",
                        x->shape.ndim);
  return WISP_OK;
}
