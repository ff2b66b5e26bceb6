/* softmax.c — Softmax, LogSoftmax and Hardmax. Opset < 13 flattens the input to 2-D at `axis`
 * (default 1); opset 13+ normalises along one axis (default -1). */
#include <math.h>

#include "../kernels/config.h"
#include "op.h"
#include "../threads.h"

typedef struct {
  int log; /* LogSoftmax */
  int64_t axis;
  int64_t outer, n, inner; /* x viewed as (outer, n, inner), softmax over n */
} softmax_params;

WISP_COLD static wisp_status softmax_parse_common(wisp_op_ctx *ctx, int log) {
  softmax_params *p = ctx->params;
  p->log = log;
  p->axis = wisp_attr_int(ctx->node, "axis", ctx->node->opset >= 13 ? -1 : 1);
  return WISP_OK;
}
static wisp_status softmax_parse(wisp_op_ctx *ctx) { return softmax_parse_common(ctx, 0); }
static wisp_status log_softmax_parse(wisp_op_ctx *ctx) { return softmax_parse_common(ctx, 1); }

WISP_COLD static wisp_status softmax_infer(wisp_op_ctx *ctx) {
  softmax_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  const wisp_shape *s = &ctx->in[0]->shape;
  int axis;
  WISP_TRY(wisp_op_axis(ctx, p->axis, s->ndim, &axis));
  p->outer = p->n = p->inner = 1;
  for (int d = 0; d < s->ndim; d++) {
    if (d < axis) p->outer *= s->dims[d];
    else if (d == axis || ctx->node->opset < 13) p->n *= s->dims[d];
    else p->inner *= s->dims[d];
  }
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

typedef struct {
  const softmax_params *p;
  const float *x;
  float *y;
} softmax_job;

/* Rows [r0, r0 + nr) of the outer × inner rows (a thread's chunk). */
static void softmax_rows(void *ctx, int thread, size_t r0, size_t j, size_t nr, size_t nj) {
  const softmax_job *s = ctx;
  const softmax_params *p = s->p;
  int64_t n = p->n, inner = p->inner;
  const wisp_vmath_config *vm = &wisp_kernels()->vmath;
  float row[64];
  for (int64_t r = (int64_t)r0; r < (int64_t)(r0 + nr); r++) {
    int64_t o = r / inner, i = r % inner;
    const float *xr = s->x + o * n * inner + i;
    float *yr = s->y + o * n * inner + i;
    float max = -INFINITY;
    if (inner == 1) max = vm->addmax((size_t)n, xr, NULL, NULL);
    else
      for (int64_t k = 0; k < n; k++) max = xr[k * inner] > max ? xr[k * inner] : max;
    float sum = 0;
    if (inner == 1) { /* contiguous (the common last-axis case): exp and sum in one pass */
      sum = vm->exp((size_t)n, xr, max, yr);
    } else {
      for (int64_t k0 = 0; k0 < n; k0 += 64) { /* strided: gather a chunk, exp, scatter */
        int64_t len = n - k0 < 64 ? n - k0 : 64;
        for (int64_t k = 0; k < len; k++) row[k] = xr[(k0 + k) * inner];
        sum += vm->exp((size_t)len, row, max, row);
        for (int64_t k = 0; k < len; k++) yr[(k0 + k) * inner] = row[k];
      }
    }
    if (p->log) {
      float lse = max + logf(sum);
      for (int64_t k = 0; k < n; k++) yr[k * inner] = xr[k * inner] - lse;
    } else {
      float inv = 1.0f / sum;
      if (inner == 1)
        for (int64_t k = 0; k < n; k++) yr[k] *= inv;
      else
        for (int64_t k = 0; k < n; k++) yr[k * inner] *= inv;
    }
  }
}

static wisp_status softmax_exec(wisp_op_ctx *ctx) {
  const softmax_params *p = ctx->params;
  softmax_job s = {p, ctx->in[0]->data, ctx->out[0]->data};
  wisp_parallel_rows((size_t)(p->outer * p->inner), (size_t)p->n * 4, softmax_rows, &s);
  return WISP_OK;
}

const wisp_op_def wisp_op_Softmax = {
    "", "Softmax", sizeof(softmax_params), softmax_parse, softmax_infer, softmax_exec, 0};
const wisp_op_def wisp_op_LogSoftmax = {
    "", "LogSoftmax", sizeof(softmax_params), log_softmax_parse, softmax_infer, softmax_exec, 0};

/* Hardmax: 1 at the first maximum along n, 0 elsewhere. */
static wisp_status hardmax_exec(wisp_op_ctx *ctx) {
  const softmax_params *p = ctx->params;
  const float *x = ctx->in[0]->data;
  float *y = ctx->out[0]->data;
  int64_t n = p->n, inner = p->inner;
  for (int64_t o = 0; o < p->outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      const float *xr = x + o * n * inner + i;
      float *yr = y + o * n * inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < n; k++)
        if (xr[k * inner] > xr[best * inner]) best = k;
      for (int64_t k = 0; k < n; k++) yr[k * inner] = k == best ? 1.0f : 0.0f;
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_Hardmax = {
    "", "Hardmax", sizeof(softmax_params), softmax_parse, softmax_infer, hardmax_exec, 0};
