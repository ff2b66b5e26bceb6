/* norm.c — BatchNormalization, inference form: y = x·a + b per channel, with
 * a = scale / sqrt(var + epsilon) and b = B - mean·a. When the four parameter tensors are
 * constant (the usual case) a and b are computed once at infer into ctx->state; otherwise into
 * scratch on every run. Training mode (batch statistics, running-stat outputs) is not supported. */
#include <math.h>

#include "op.h"

typedef struct {
  float eps;
  int64_t N, C, inner; /* x viewed as (N, C, inner) */
  int folded;          /* a, b in ctx->state */
  int64_t state_c;     /* channels ctx->state was allocated for */
} bn_params;

static wisp_status bn_parse(wisp_op_ctx *ctx) {
  bn_params *p = ctx->params;
  p->eps = wisp_attr_float(ctx->node, "epsilon", 1e-5f);
  if (wisp_attr_int(ctx->node, "training_mode", 0))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "training_mode=1 is not supported");
  if (ctx->node->opset < 9 && !wisp_attr_int(ctx->node, "spatial", 1))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "spatial=0 (per-element statistics) is not supported");
  for (int i = 1; i < ctx->n_out; i++)
    if (ctx->node->out[i] >= 0)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                          "outputs beyond Y (running or saved statistics: training) are not supported");
  return WISP_OK;
}

/* a, b (C) from scale, B, mean, var (C). */
static void bn_coeffs(wisp_op_ctx *ctx, float *a, float *b) {
  const bn_params *p = ctx->params;
  const float *scale = ctx->in[1]->data, *bias = ctx->in[2]->data;
  const float *mean = ctx->in[3]->data, *var = ctx->in[4]->data;
  for (int64_t c = 0; c < p->C; c++) {
    a[c] = scale[c] / sqrtf(var[c] + p->eps);
    b[c] = bias[c] - mean[c] * a[c];
  }
}

static wisp_status bn_infer(wisp_op_ctx *ctx) {
  bn_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 5, 5));
  for (int i = 0; i < 5; i++) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape;
  if (xs->ndim < 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "X has rank %d, needs (N, C, ...)", xs->ndim);
  /* x is (N, C, D1, D2, ...); scale, B, mean, var are (C) */
  p->N = xs->dims[0], p->C = xs->dims[1], p->inner = 1;
  if (p->C > (int64_t)(WISP_MAX_TENSOR_BYTES / (2 * sizeof(float))))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "too many channels (%lld)", (long long)p->C);
  if (wisp_shape_numel(xs) == 0) p->N = 0; /* run nothing (inner could overflow) */
  for (int i = 2; i < xs->ndim && p->N; i++) p->inner *= xs->dims[i];
  static const char *names[] = {"", "scale", "B", "mean", "var"};
  for (int i = 1; i < 5; i++) {
    const wisp_shape *s = &ctx->in[i]->shape;
    if (s->ndim != 1 || s->dims[0] != p->C)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "%s must be (%lld), one per channel",
                          names[i], (long long)p->C);
  }
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  p->folded = ctx->in[1]->data && ctx->in[2]->data && ctx->in[3]->data && ctx->in[4]->data;
  if (!p->folded) {
    ctx->scratch_bytes = 2 * (uint64_t)p->C * sizeof(float);
    return WISP_OK;
  }
  if (ctx->state && p->state_c != p->C) wisp_aligned_free(ctx->state), ctx->state = NULL;
  if (!ctx->state) {
    ctx->state = wisp_aligned_alloc(2 * (size_t)p->C * sizeof(float));
    if (!ctx->state) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory");
    p->state_c = p->C;
  }
  bn_coeffs(ctx, ctx->state, (float *)ctx->state + p->C); /* constants may change between plans */
  return WISP_OK;
}

static wisp_status bn_exec(wisp_op_ctx *ctx) {
  const bn_params *p = ctx->params;
  float *a = p->folded ? ctx->state : ctx->scratch;
  if (!p->folded) bn_coeffs(ctx, a, a + p->C);
  const float *b = a + p->C, *x = ctx->in[0]->data;
  float *y = ctx->out[0]->data;
  for (int64_t n = 0; n < p->N; n++)
    for (int64_t c = 0; c < p->C; c++, x += p->inner, y += p->inner) {
      float ac = a[c], bc = b[c];
      for (int64_t i = 0; i < p->inner; i++) y[i] = x[i] * ac + bc;
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_BatchNormalization = {"", "BatchNormalization", sizeof(bn_params),
                                                bn_parse, bn_infer, bn_exec, 0};
