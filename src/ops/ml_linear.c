/* ml_linear.c — LinearClassifier and LinearRegressor (ai.onnx.ml 1):
 *
 *   scores (N, C) = X (N, F) · coefficients (C, F)ᵀ + intercepts (C)
 *
 * then the post-transform, and for the classifier a label per row: the arg-max class, or, with
 * one score column, classlabels[1] when the score is > 0 and classlabels[0] otherwise.
 *
 * As onnxruntime: the class count is the number of intercepts (the number of labels when there
 * are none); one score column with two labels gives two score columns [1 - s, s]; a
 * regressor's intercepts are used only when there is one per target. One deliberate difference:
 * with one score column, LOGISTIC and PROBIT are applied before [1 - p, p] is formed (onnxruntime
 * skips LOGISTIC there and writes PROBIT over a half-filled buffer). Sums are taken in double. */
#include <string.h>

#include "ml_common.h"

typedef struct {
  int classifier;
  int C; /* score columns (classes or targets) */
  int n_coef;
  const float *coef;
  const float *intercepts; /* NULL when unused */
  ml_post post;
  ml_labels labels;
  int two_columns; /* classifier: one score column, two labels */
  int64_t F;       /* set by infer */
} linear_params;

static wisp_status linear_parse(wisp_op_ctx *ctx, int classifier) {
  linear_params *p = ctx->params;
  int n_int;
  p->classifier = classifier;
  WISP_TRY(ml_attr_floats(ctx, "coefficients", &p->coef, &p->n_coef));
  WISP_TRY(ml_attr_floats(ctx, "intercepts", &p->intercepts, &n_int));
  WISP_TRY(ml_parse_post(ctx, &p->post));
  if (!p->n_coef) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "has no coefficients");
  if (classifier) {
    WISP_TRY(ml_parse_labels(ctx, "classlabels_ints", &p->labels));
    p->C = n_int ? n_int : p->labels.n;
    if (!n_int) p->intercepts = NULL;
    if (p->C == 1) p->two_columns = p->labels.n == 2;
    else if (p->labels.n != p->C)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%d classes (intercepts) but %d labels",
                          p->C, p->labels.n);
  } else {
    int64_t t = wisp_attr_int(ctx->node, "targets", 1);
    if (t < 1 || t > p->n_coef)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "targets is %lld for %d coefficients",
                          (long long)t, p->n_coef);
    p->C = (int)t;
    if (n_int != p->C) p->intercepts = NULL;
  }
  if (p->n_coef % p->C)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%d coefficients do not split into %d rows",
                        p->n_coef, p->C);
  return WISP_OK;
}

static wisp_status linear_classifier_parse(wisp_op_ctx *ctx) { return linear_parse(ctx, 1); }
static wisp_status linear_regressor_parse(wisp_op_ctx *ctx) { return linear_parse(ctx, 0); }

static wisp_status linear_infer(wisp_op_ctx *ctx) {
  linear_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(ml_expect_numeric(ctx, 0));
  int64_t n;
  WISP_TRY(ml_rows(ctx, ctx->in[0], &n, &p->F));
  if (p->F * p->C != p->n_coef)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "input has %lld features; the %d coefficients "
                        "are for %d",
                        (long long)p->F, p->n_coef, p->n_coef / p->C);
  if (p->classifier) {
    if (ctx->n_out > 2)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "has %d outputs", ctx->n_out);
    if (ctx->out[0]) {
      ctx->out[0]->dtype = p->labels.ints ? WISP_DT_INT64 : WISP_DT_STRING;
      ctx->out[0]->shape = (wisp_shape){1, {n}};
    }
    if (ctx->n_out > 1 && ctx->out[1]) {
      ctx->out[1]->dtype = WISP_DT_FLOAT;
      ctx->out[1]->shape = (wisp_shape){2, {n, p->two_columns ? 2 : p->C}};
    }
    ctx->scratch_bytes = (uint64_t)(p->C + 2) * sizeof(float);
  } else {
    if (ctx->n_out > 1)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "has %d outputs", ctx->n_out);
    ctx->out[0]->dtype = WISP_DT_FLOAT;
    ctx->out[0]->shape = (wisp_shape){2, {n, p->C}};
  }
  return WISP_OK;
}

static float transform1(ml_post post, float s) {
  return post == ML_POST_LOGISTIC ? ml_logistic(s) : post == ML_POST_PROBIT ? ml_probit(s) : s;
}

static wisp_status linear_exec(wisp_op_ctx *ctx) {
  const linear_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  const int64_t F = p->F, n = wisp_shape_numel(&x->shape) / (F ? F : 1);
  const int C = p->C;
  wisp_tensor *label = p->classifier ? ctx->out[0] : NULL;
  wisp_tensor *z = p->classifier ? (ctx->n_out > 1 ? ctx->out[1] : NULL) : ctx->out[0];
  static const char *const one = "1", *const zero = "0";
  for (int64_t r = 0; r < n; r++) {
    /* s (C) = x · Wᵀ + b */
    float *s = z ? (float *)z->data + r * (p->two_columns ? 2 : C) : ctx->scratch;
    for (int c = 0; c < C; c++) {
      double acc = 0;
      const float *w = p->coef + (int64_t)c * F;
      for (int64_t j = 0; j < F; j++) acc += ml_get_f64(x, r * F + j) * w[j];
      s[c] = (float)(acc + (p->intercepts ? p->intercepts[c] : 0));
    }
    if (label) {
      if (C == 1) {
        int pos = s[0] > 0;
        if (p->labels.n == 2) ml_write_label(&p->labels, pos, label, r);
        else if (p->labels.ints) ((int64_t *)label->data)[r] = pos;
        else ((const char **)label->data)[r] = pos ? one : zero;
      } else {
        int best = 0;
        for (int c = 1; c < C; c++)
          if (s[c] > s[best]) best = c;
        ml_write_label(&p->labels, best, label, r);
      }
    }
    if (C > 1) ml_post_apply(p->post, s, C);
    else if (p->two_columns) s[1] = transform1(p->post, s[0]), s[0] = 1 - s[1];
    else s[0] = p->classifier || p->post == ML_POST_PROBIT ? transform1(p->post, s[0]) : s[0];
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_ml_LinearClassifier = {ML_DOMAIN,
                                                 "LinearClassifier",
                                                 sizeof(linear_params),
                                                 linear_classifier_parse,
                                                 linear_infer,
                                                 linear_exec,
                                                 0};
const wisp_op_def wisp_op_ml_LinearRegressor = {ML_DOMAIN,
                                                "LinearRegressor",
                                                sizeof(linear_params),
                                                linear_regressor_parse,
                                                linear_infer,
                                                linear_exec,
                                                0};
