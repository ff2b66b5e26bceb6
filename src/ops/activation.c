/* activation.c — Clip, PRelu, and parameterised float activations: HardSigmoid, HardSwish,
 * LeakyRelu, Elu, Selu, Celu, ThresholdedRelu, Shrink, Softplus, Softsign, Gelu (exact or
 * tanh). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "../threads.h"
#include "../kernels/config.h"
#include "op.h"

/* ---- unary activations: attributes read once at parse, one loop per kind ------------------ */

typedef enum {
  ACT_HARD_SIGMOID,
  ACT_HARD_SWISH,
  ACT_LEAKY_RELU,
  ACT_ELU,
  ACT_SELU,
  ACT_SOFTPLUS,
  ACT_SOFTSIGN,
  ACT_GELU,
  ACT_GELU_TANH,
  ACT_CELU,
  ACT_THRESHOLDED_RELU,
  ACT_SHRINK
} act_kind;

typedef struct {
  act_kind kind;
  float alpha, beta, gamma;
  float lambd, bias; /* Shrink */
} act_params;

static wisp_status act_parse(wisp_op_ctx *ctx, act_kind kind, float alpha, float beta) {
  act_params *p = ctx->params;
  p->kind = kind;
  p->alpha = wisp_attr_float(ctx->node, "alpha", alpha);
  p->beta = wisp_attr_float(ctx->node, "beta", beta);
  p->gamma = wisp_attr_float(ctx->node, "gamma", 1.05070102214813232421875f); /* Selu */
  p->lambd = wisp_attr_float(ctx->node, "lambd", 0.5f);
  p->bias = wisp_attr_float(ctx->node, "bias", 0.0f);
  if (kind == ACT_CELU && p->alpha == 0.0f)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "alpha must not be 0");
  if (kind == ACT_GELU) {
    const char *approx = wisp_attr_string(ctx->node, "approximate", "none");
    if (!strcmp(approx, "tanh")) p->kind = ACT_GELU_TANH;
    else if (strcmp(approx, "none"))
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "approximate must be none or tanh, not '%s'",
                          approx);
  }
  return WISP_OK;
}

static wisp_status act_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

#define ACT_LOOP(EXPR) \
  for (int64_t i = 0; i < n; i++) { \
    float v = x[i]; \
    y[i] = (EXPR); \
  } \
  break;

/* clamp to [0, 1] keeping NaN (fminf/fmaxf would turn it into a bound) */
static inline float unit_clamp(float v) { return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v; }

static wisp_status act_exec(wisp_op_ctx *ctx) {
  const act_params *p = ctx->params;
  const float *x = ctx->in[0]->data;
  float *y = ctx->out[0]->data;
  int64_t n = wisp_shape_numel(&ctx->out[0]->shape);
  const float a = p->alpha, b = p->beta, g = p->gamma;
  const float k_tanh = 0.7978845608028654f; /* sqrt(2 / pi) */
  switch (p->kind) {
    case ACT_HARD_SIGMOID: ACT_LOOP(unit_clamp(a * v + b))
    case ACT_HARD_SWISH: wisp_parallel_map(wisp_kernels()->vmath.hswish, (size_t)n, x, y); break;
    case ACT_LEAKY_RELU: ACT_LOOP(v < 0.0f ? a * v : v)
    case ACT_ELU: ACT_LOOP(v < 0.0f ? a * expm1f(v) : v)
    case ACT_SELU: ACT_LOOP(v <= 0.0f ? g * a * expm1f(v) : g * v)
    /* log(1 + e^v) without overflow for large v */
    case ACT_SOFTPLUS: ACT_LOOP(v > 0.0f ? v + log1pf(expf(-v)) : log1pf(expf(v)))
    case ACT_SOFTSIGN: ACT_LOOP(v / (1.0f + fabsf(v)))
    case ACT_GELU: wisp_parallel_map(wisp_kernels()->vmath.gelu, (size_t)n, x, y); break;
    case ACT_GELU_TANH: ACT_LOOP(0.5f * v * (1.0f + tanhf(k_tanh * (v + 0.044715f * v * v * v))))
    case ACT_CELU: ACT_LOOP(v > 0.0f ? v : a * expm1f(v / a))
    case ACT_THRESHOLDED_RELU: ACT_LOOP(v > a ? v : 0.0f)
    case ACT_SHRINK: ACT_LOOP(v < -p->lambd ? v + p->bias : v > p->lambd ? v - p->bias : 0.0f)
  }
  return WISP_OK;
}

#define ACT_OP(NAME, KIND, ALPHA, BETA) \
  static wisp_status NAME##_parse(wisp_op_ctx *ctx) { return act_parse(ctx, KIND, ALPHA, BETA); } \
  const wisp_op_def wisp_op_##NAME = { \
      "", #NAME, sizeof(act_params), NAME##_parse, act_infer, act_exec, 0};
ACT_OP(HardSigmoid, ACT_HARD_SIGMOID, 0.2f, 0.5f)
ACT_OP(HardSwish, ACT_HARD_SWISH, 0, 0)
ACT_OP(LeakyRelu, ACT_LEAKY_RELU, 0.01f, 0)
ACT_OP(Elu, ACT_ELU, 1.0f, 0)
ACT_OP(Selu, ACT_SELU, 1.67326319217681884765625f, 0)
ACT_OP(Softplus, ACT_SOFTPLUS, 0, 0)
ACT_OP(Softsign, ACT_SOFTSIGN, 0, 0)
ACT_OP(Gelu, ACT_GELU, 0, 0)
ACT_OP(Celu, ACT_CELU, 1.0f, 0)
ACT_OP(ThresholdedRelu, ACT_THRESHOLDED_RELU, 1.0f, 0)
ACT_OP(Shrink, ACT_SHRINK, 0, 0)

/* ---- Clip: bounds are attributes before opset 11, optional scalar inputs from 11 ---------- */

typedef struct {
  float lo, hi; /* float bounds from attributes (opset < 11), else ±inf */
} clip_params;

static wisp_status clip_parse(wisp_op_ctx *ctx) {
  clip_params *p = ctx->params;
  int attrs = ctx->node->opset < 11;
  p->lo = attrs ? wisp_attr_float(ctx->node, "min", -INFINITY) : -INFINITY;
  p->hi = attrs ? wisp_attr_float(ctx->node, "max", INFINITY) : INFINITY;
  return WISP_OK;
}

static wisp_status clip_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 3));
  wisp_dtype dt = ctx->in[0]->dtype;
  if (dt != WISP_DT_FLOAT && dt != WISP_DT_INT8 && dt != WISP_DT_UINT8 && dt != WISP_DT_INT32 &&
      dt != WISP_DT_INT64)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "input type %s is not supported",
                        wisp_dtype_name(dt));
  for (int i = 1; i < ctx->n_in; i++) {
    const wisp_tensor *t = ctx->in[i];
    if (!t) continue;
    if (t->dtype != dt)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%s is %s, X is %s", i == 1 ? "min" : "max",
                          wisp_dtype_name(t->dtype), wisp_dtype_name(dt));
    if (wisp_shape_numel(&t->shape) != 1)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "%s must be a scalar", i == 1 ? "min" : "max");
  }
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

/* Bounds from inputs 1 and 2 when present (read here: they may be computed at run time).
 * lo is applied first, so lo > hi gives hi everywhere (numpy.clip); NaN passes through. */
#define CLIP_CASE(DT, T, LOWEST, HIGHEST) \
  case DT: { \
    const T *x = ctx->in[0]->data; \
    T *y = ctx->out[0]->data; \
    T lo = mn ? *(const T *)mn->data : (LOWEST); \
    T hi = mx ? *(const T *)mx->data : (HIGHEST); \
    for (int64_t i = 0; i < n; i++) { \
      T v = x[i] < lo ? lo : x[i]; \
      y[i] = v > hi ? hi : v; \
    } \
    break; \
  }

static wisp_status clip_exec(wisp_op_ctx *ctx) {
  const clip_params *p = ctx->params;
  const wisp_tensor *mn = ctx->n_in > 1 ? ctx->in[1] : NULL,
                    *mx = ctx->n_in > 2 ? ctx->in[2] : NULL;
  int64_t n = wisp_shape_numel(&ctx->out[0]->shape);
  switch (ctx->in[0]->dtype) {
    CLIP_CASE(WISP_DT_FLOAT, float, p->lo, p->hi)
    CLIP_CASE(WISP_DT_INT8, int8_t, INT8_MIN, INT8_MAX)
    CLIP_CASE(WISP_DT_UINT8, uint8_t, 0, UINT8_MAX)
    CLIP_CASE(WISP_DT_INT32, int32_t, INT32_MIN, INT32_MAX)
    CLIP_CASE(WISP_DT_INT64, int64_t, INT64_MIN, INT64_MAX)
    default: break;
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_Clip = {"",        "Clip", sizeof(clip_params), clip_parse, clip_infer,
                                  clip_exec, 0,      1u << 1 | 1u << 2};

/* ---- PRelu: y = x < 0 ? slope·x : x, slope broadcast to X's shape ------------------------- */

typedef struct {
  wisp_shape slope; /* the slope's shape as broadcast */
} prelu_params;

static wisp_status prelu_infer(wisp_op_ctx *ctx) {
  prelu_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  WISP_TRY(wisp_op_expect_dtype(ctx, 1, WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape, *ss = &p->slope;
  p->slope = ctx->in[1]->shape;
  /* before opset 7 a slope (C) is per channel of X (N, C, ...): view it as (C, 1, ...) */
  if (ctx->node->opset < 7 && ss->ndim == 1 && xs->ndim > 2 && ss->dims[0] == xs->dims[1])
    for (p->slope.ndim = 1; p->slope.ndim < xs->ndim - 1;) p->slope.dims[p->slope.ndim++] = 1;
  wisp_shape bs;
  WISP_TRY(wisp_broadcast_shape(xs, ss, &bs, "PRelu"));
  if (!wisp_shape_equal(&bs, xs)) {
    char a[96], b[96];
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "slope %s does not broadcast to X %s",
                        wisp_shape_str(ss, b, sizeof b), wisp_shape_str(xs, a, sizeof a));
  }
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

static wisp_status prelu_exec(wisp_op_ctx *ctx) {
  const wisp_shape *xs = &ctx->in[0]->shape;
  const float *x = ctx->in[0]->data, *slope = ctx->in[1]->data;
  float *y = ctx->out[0]->data;
  int64_t numel = wisp_shape_numel(xs), st[WISP_MAX_DIMS], idx[WISP_MAX_DIMS] = {0};
  int nd = xs->ndim;
  if (!numel) return WISP_OK;
  wisp_broadcast_strides(&((const prelu_params *)ctx->params)->slope, xs, st);
  /* rows along the last dim; the slope offset of each row from the outer index */
  int64_t inner = nd ? xs->dims[nd - 1] : 1, si = nd ? st[nd - 1] : 0;
  for (int64_t start = 0; start < numel; start += inner) {
    int64_t off = 0;
    for (int d = 0; d < nd - 1; d++) off += idx[d] * st[d];
    const float *s = slope + off;
    for (int64_t i = 0; i < inner; i++) {
      float v = x[start + i];
      y[start + i] = v < 0.0f ? s[i * si] * v : v;
    }
    for (int d = nd - 2; d >= 0; d--) {
      if (++idx[d] < xs->dims[d]) break;
      idx[d] = 0;
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_PRelu = {"",         "PRelu", sizeof(prelu_params), NULL, prelu_infer,
                                   prelu_exec, 0};
