/* loss.c — NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (opset 12+).
 *
 * Input (N, C, d1..dk), target (N, d1..dk) of class indices, optional weight (C). Per element
 * loss = -weight[t] · input[n, t, d] with t = target[n, d]; elements whose target equals
 * ignore_index give 0 and count no weight. reduction "none" keeps the target's shape, "sum"
 * adds, "mean" divides the sum by the total weight of the elements counted.
 * SoftmaxCrossEntropyLoss takes the same loss of LogSoftmax(scores) over axis 1, and outputs
 * that log-probability as its optional second output. Arithmetic is in double. */
#include <math.h>
#include <string.h>

#include "op.h"

enum { RED_NONE, RED_SUM, RED_MEAN };

typedef struct {
  int reduction;
  int has_ignore;
  int64_t ignore_index;
  int softmax;         /* SoftmaxCrossEntropyLoss */
  int64_t n, c, inner; /* input viewed as (n, c, inner) */
} loss_params;

static wisp_status loss_parse_common(wisp_op_ctx *ctx, int softmax) {
  loss_params *p = ctx->params;
  p->softmax = softmax;
  const char *r = wisp_attr_string(ctx->node, "reduction", "mean");
  if (!strcmp(r, "none")) p->reduction = RED_NONE;
  else if (!strcmp(r, "sum")) p->reduction = RED_SUM;
  else if (!strcmp(r, "mean")) p->reduction = RED_MEAN;
  else return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "unknown reduction '%s'", r);
  p->has_ignore = wisp_node_attr(ctx->node, "ignore_index") != NULL;
  p->ignore_index = wisp_attr_int(ctx->node, "ignore_index", 0);
  return WISP_OK;
}
static wisp_status nll_parse(wisp_op_ctx *ctx) { return loss_parse_common(ctx, 0); }
static wisp_status sce_parse(wisp_op_ctx *ctx) { return loss_parse_common(ctx, 1); }

static wisp_status loss_infer(wisp_op_ctx *ctx) {
  loss_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 3));
  const wisp_tensor *x = ctx->in[0], *t = ctx->in[1], *w = ctx->n_in > 2 ? ctx->in[2] : NULL;
  if (x->dtype != WISP_DT_FLOAT && x->dtype != WISP_DT_DOUBLE)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "input is %s, wisp supports float and double",
                        wisp_dtype_name(x->dtype));
  if (t->dtype != WISP_DT_INT32 && t->dtype != WISP_DT_INT64)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "target must be int32 or int64, is %s",
                        wisp_dtype_name(t->dtype));
  const wisp_shape *xs = &x->shape, *ts = &t->shape;
  if (xs->ndim < 2 || ts->ndim != xs->ndim - 1 || ts->dims[0] != xs->dims[0])
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "input must be (N, C, d1..dk) and target (N, d1..dk)");
  p->n = xs->dims[0], p->c = xs->dims[1], p->inner = 1;
  for (int d = 2; d < xs->ndim; d++) {
    if (ts->dims[d - 1] != xs->dims[d])
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "target dim %d is %lld, input has %lld", d - 1,
                          (long long)ts->dims[d - 1], (long long)xs->dims[d]);
    p->inner *= xs->dims[d];
  }
  if (w && (w->dtype != x->dtype || w->shape.ndim != 1 || w->shape.dims[0] != p->c))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "weight must be (C) of the input's dtype");
  ctx->out[0]->dtype = x->dtype;
  if (p->reduction == RED_NONE) ctx->out[0]->shape = *ts;
  else ctx->out[0]->shape.ndim = 0;
  if (p->softmax && ctx->n_out > 1 && ctx->out[1]) wisp_op_same_as(ctx->out[1], x);
  else if (ctx->n_out > 1 && ctx->out[1])
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "has one output");
  /* SoftmaxCrossEntropyLoss without its log_prob output keeps it in scratch */
  if (p->softmax && (ctx->n_out < 2 || !ctx->out[1])) ctx->scratch_bytes = wisp_tensor_bytes(x);
  return WISP_OK;
}

static double get(const void *data, wisp_dtype dt, int64_t i) {
  return dt == WISP_DT_FLOAT ? ((const float *)data)[i] : ((const double *)data)[i];
}
static void set(void *data, wisp_dtype dt, int64_t i, double v) {
  if (dt == WISP_DT_FLOAT) ((float *)data)[i] = (float)v;
  else ((double *)data)[i] = v;
}

/* LogSoftmax over the class axis of x (n, c, inner) into lp. */
static void log_softmax(const loss_params *p, wisp_dtype dt, const void *x, void *lp) {
  int64_t c = p->c, inner = p->inner;
  for (int64_t n = 0; n < p->n; n++)
    for (int64_t i = 0; i < inner; i++) {
      int64_t base = n * c * inner + i;
      double max = -INFINITY, sum = 0;
      for (int64_t k = 0; k < c; k++) max = fmax(max, get(x, dt, base + k * inner));
      for (int64_t k = 0; k < c; k++) sum += exp(get(x, dt, base + k * inner) - max);
      double lse = max + log(sum);
      for (int64_t k = 0; k < c; k++)
        set(lp, dt, base + k * inner, get(x, dt, base + k * inner) - lse);
    }
}

static wisp_status loss_exec(wisp_op_ctx *ctx) {
  const loss_params *p = ctx->params;
  wisp_dtype dt = ctx->in[0]->dtype;
  const wisp_tensor *t = ctx->in[1], *w = ctx->n_in > 2 ? ctx->in[2] : NULL;
  const void *x = ctx->in[0]->data;
  if (p->softmax) {
    void *lp = ctx->n_out > 1 && ctx->out[1] ? ctx->out[1]->data : ctx->scratch;
    log_softmax(p, dt, x, lp);
    x = lp;
  }
  void *y = ctx->out[0]->data;
  double total = 0, weight_sum = 0;
  for (int64_t n = 0; n < p->n; n++)
    for (int64_t i = 0; i < p->inner; i++) {
      int64_t j = n * p->inner + i, cls = wisp_tensor_get_int(t, j);
      double loss = 0;
      if (!(p->has_ignore && cls == p->ignore_index)) {
        if (cls < 0 || cls >= p->c)
          return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "target %lld is not a class in [0, %lld)",
                              (long long)cls, (long long)p->c);
        double wt = w ? get(w->data, dt, cls) : 1.0;
        loss = -wt * get(x, dt, (n * p->c + cls) * p->inner + i);
        weight_sum += wt;
      }
      if (p->reduction == RED_NONE) set(y, dt, j, loss);
      total += loss;
    }
  if (p->reduction == RED_SUM) set(y, dt, 0, total);
  else if (p->reduction == RED_MEAN) set(y, dt, 0, total / weight_sum);
  return WISP_OK;
}

const wisp_op_def wisp_op_NegativeLogLikelihoodLoss = {
    "", "NegativeLogLikelihoodLoss", sizeof(loss_params), nll_parse, loss_infer, loss_exec, 0};
const wisp_op_def wisp_op_SoftmaxCrossEntropyLoss = {
    "", "SoftmaxCrossEntropyLoss", sizeof(loss_params), sce_parse, loss_infer, loss_exec, 0};
