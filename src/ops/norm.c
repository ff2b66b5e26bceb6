/* norm.c — BatchNormalization, InstanceNormalization, GroupNormalization and LRN.
 *
 * BatchNormalization, inference form: y = x·a + b per channel, with a = scale / sqrt(var +
 * epsilon) and b = B - mean·a. When the four parameter tensors are constant (the usual case) a and
 * b are computed once at infer into ctx->state; otherwise into scratch on every run. With
 * training_mode=1 (opset 14+) the statistics are the batch's own (biased variance) and the
 * optional outputs are the running mean and variance updated by momentum.
 * Instance and group normalization share one loop: statistics per (image, group of channels)
 * over the group's channels and spatial positions, in double (two passes: mean, then variance),
 * then a per-channel scale and bias. */
#include <math.h>

#include "../kernels/config.h"
#include "op.h"

typedef struct {
  float eps, momentum;
  float lo, hi; /* a fused Relu / Clip (src/fuse/activation.c), inference only */
  int training;
  int64_t N, C, inner; /* x viewed as (N, C, inner) */
  int folded;          /* a, b in ctx->state */
  int64_t state_c;     /* channels ctx->state was allocated for */
} bn_params;

static wisp_status bn_parse(wisp_op_ctx *ctx) {
  bn_params *p = ctx->params;
  p->eps = wisp_attr_float(ctx->node, "epsilon", 1e-5f);
  p->momentum = wisp_attr_float(ctx->node, "momentum", 0.9f);
  p->training = ctx->node->opset >= 14 && wisp_attr_int(ctx->node, "training_mode", 0);
  p->lo = wisp_node_epilogue(ctx->node)->lo, p->hi = wisp_node_epilogue(ctx->node)->hi;
  if (ctx->node->opset < 9 && !wisp_attr_int(ctx->node, "spatial", 1))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "spatial=0 (per-element statistics) is not supported");
  if (ctx->n_out > 3 || (p->training && ctx->n_out > 1 && ctx->n_out != 3))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "training mode has outputs Y, running_mean, running_var");
  for (int i = 1; i < ctx->n_out && !p->training; i++)
    if (ctx->node->out[i] >= 0)
      return WISP_OP_FAIL(
          ctx, WISP_ERR_UNSUPPORTED,
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
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "%s must be (%lld), one per channel", names[i],
                          (long long)p->C);
  }
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  if (p->training) {
    for (int i = 1; i < ctx->n_out; i++)
      if (ctx->out[i]) wisp_op_same_as(ctx->out[i], ctx->in[3]);
    ctx->scratch_bytes = 2 * (size_t)p->C * sizeof(double);
    return WISP_OK;
  }
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

/* Batch statistics per channel over (N, inner), in double: mean, then biased variance. */
static void bn_batch_stats(const bn_params *p, const float *x, double *mean, double *var) {
  double count = (double)p->N * (double)p->inner;
  for (int64_t c = 0; c < p->C; c++) {
    double s = 0, q = 0;
    for (int64_t n = 0; n < p->N; n++) {
      const float *xc = x + (n * p->C + c) * p->inner;
      for (int64_t i = 0; i < p->inner; i++) s += xc[i];
    }
    mean[c] = count ? s / count : 0;
    for (int64_t n = 0; n < p->N; n++) {
      const float *xc = x + (n * p->C + c) * p->inner;
      for (int64_t i = 0; i < p->inner; i++) q += (xc[i] - mean[c]) * (xc[i] - mean[c]);
    }
    var[c] = count ? q / count : 0;
  }
}

static wisp_status bn_exec(wisp_op_ctx *ctx) {
  const bn_params *p = ctx->params;
  if (p->training) {
    double *mean = ctx->scratch, *var = mean + p->C;
    const float *scale = ctx->in[1]->data, *bias = ctx->in[2]->data, *x = ctx->in[0]->data;
    const float *rmean = ctx->in[3]->data, *rvar = ctx->in[4]->data;
    float *y = ctx->out[0]->data;
    bn_batch_stats(p, x, mean, var);
    for (int64_t n = 0; n < p->N; n++)
      for (int64_t c = 0; c < p->C; c++, x += p->inner, y += p->inner) {
        float a = (float)(scale[c] / sqrt(var[c] + p->eps)), b = (float)(bias[c] - mean[c] * a);
        for (int64_t i = 0; i < p->inner; i++) y[i] = x[i] * a + b;
      }
    float *om = ctx->n_out > 1 && ctx->out[1] ? ctx->out[1]->data : NULL;
    float *ov = ctx->n_out > 2 && ctx->out[2] ? ctx->out[2]->data : NULL;
    for (int64_t c = 0; c < p->C; c++) {
      if (om) om[c] = (float)(rmean[c] * p->momentum + mean[c] * (1 - p->momentum));
      if (ov) ov[c] = (float)(rvar[c] * p->momentum + var[c] * (1 - p->momentum));
    }
    return WISP_OK;
  }
  float *a = p->folded ? ctx->state : ctx->scratch;
  if (!p->folded) bn_coeffs(ctx, a, a + p->C);
  const float *b = a + p->C, *x = ctx->in[0]->data;
  float *y = ctx->out[0]->data;
  wisp_f32_vaffine_fn affine = wisp_kernels()->vmath.affine;
  for (int64_t n = 0; n < p->N; n++)
    for (int64_t c = 0; c < p->C; c++, x += p->inner, y += p->inner)
      affine((size_t)p->inner, x, a[c], b[c], p->lo, p->hi, y);
  return WISP_OK;
}

const wisp_op_def wisp_op_BatchNormalization = {
    "", "BatchNormalization", sizeof(bn_params), bn_parse, bn_infer, bn_exec, 0};

/* ---- InstanceNormalization, GroupNormalization ---- */

typedef struct {
  float eps;
  int64_t groups;      /* GroupNormalization's num_groups; 0 for InstanceNormalization */
  int scale_per_group; /* GroupNormalization-18: scale and bias are (num_groups) */
  int64_t N, C, G, inner;
} gn_params;

static wisp_status in_parse(wisp_op_ctx *ctx) {
  gn_params *p = ctx->params;
  p->eps = wisp_attr_float(ctx->node, "epsilon", 1e-5f);
  return WISP_OK;
}

static wisp_status gn_parse(wisp_op_ctx *ctx) {
  gn_params *p = ctx->params;
  p->eps = wisp_attr_float(ctx->node, "epsilon", 1e-5f);
  p->groups = wisp_attr_int(ctx->node, "num_groups", 0);
  p->scale_per_group = ctx->node->opset < 21;
  if (p->groups < 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "num_groups must be given and positive");
  return WISP_OK;
}

static wisp_status gn_infer(wisp_op_ctx *ctx) {
  gn_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 3, 3));
  for (int i = 0; i < 3; i++) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape;
  if (xs->ndim < 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "X has rank %d, needs (N, C, ...)", xs->ndim);
  /* x is (N, C, D1, ...) viewed as (N, G, C/G · inner) */
  p->N = xs->dims[0], p->C = xs->dims[1], p->inner = 1;
  p->G = p->groups ? p->groups : p->C;
  if (p->G < 1 || p->C % p->G)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "%lld channels do not divide into %lld groups",
                        (long long)p->C, (long long)p->G);
  if (wisp_shape_numel(xs) == 0) p->N = 0; /* run nothing (inner could overflow) */
  for (int i = 2; i < xs->ndim && p->N; i++) p->inner *= xs->dims[i];
  int64_t want = p->groups && p->scale_per_group ? p->G : p->C;
  for (int i = 1; i < 3; i++) {
    const wisp_shape *s = &ctx->in[i]->shape;
    if (s->ndim != 1 || s->dims[0] != want)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "%s must be (%lld)", i == 1 ? "scale" : "B",
                          (long long)want);
  }
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

static wisp_status gn_exec(wisp_op_ctx *ctx) {
  const gn_params *p = ctx->params;
  const float *x = ctx->in[0]->data, *scale = ctx->in[1]->data, *bias = ctx->in[2]->data;
  float *y = ctx->out[0]->data;
  int64_t cg = p->C / (p->G ? p->G : 1), len = cg * p->inner;
  int per_group = p->groups && p->scale_per_group;
  for (int64_t n = 0; n < p->N; n++)
    for (int64_t g = 0; g < p->G; g++, x += len, y += len) {
      double s = 0, q = 0;
      for (int64_t i = 0; i < len; i++) s += x[i];
      double mean = len ? s / (double)len : 0;
      for (int64_t i = 0; i < len; i++) q += (x[i] - mean) * (x[i] - mean);
      double inv = 1 / sqrt((len ? q / (double)len : 0) + p->eps);
      for (int64_t k = 0; k < cg; k++) {
        int64_t c = per_group ? g : g * cg + k;
        float a = (float)(scale[c] * inv), b = (float)(bias[c] - mean * scale[c] * inv);
        const float *xc = x + k * p->inner;
        float *yc = y + k * p->inner;
        for (int64_t i = 0; i < p->inner; i++) yc[i] = xc[i] * a + b;
      }
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_InstanceNormalization = {
    "", "InstanceNormalization", sizeof(gn_params), in_parse, gn_infer, gn_exec, 0};
const wisp_op_def wisp_op_GroupNormalization = {
    "", "GroupNormalization", sizeof(gn_params), gn_parse, gn_infer, gn_exec, 0};

/* ---- LRN: y = x / (bias + alpha / size · Σ x² over nearby channels)^beta ---- */

typedef struct {
  float alpha, beta, bias;
  int64_t size, N, C, inner;
} lrn_params;

static wisp_status lrn_parse(wisp_op_ctx *ctx) {
  lrn_params *p = ctx->params;
  p->alpha = wisp_attr_float(ctx->node, "alpha", 1e-4f);
  p->beta = wisp_attr_float(ctx->node, "beta", 0.75f);
  p->bias = wisp_attr_float(ctx->node, "bias", 1.0f);
  p->size = wisp_attr_int(ctx->node, "size", 0);
  if (p->size < 1 || p->size > INT32_MAX)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "size must be given and positive");
  return WISP_OK;
}

static wisp_status lrn_infer(wisp_op_ctx *ctx) {
  lrn_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape;
  if (xs->ndim < 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "X has rank %d, needs (N, C, ...)", xs->ndim);
  p->N = xs->dims[0], p->C = xs->dims[1], p->inner = 1;
  if (wisp_shape_numel(xs) == 0) p->N = 0;
  for (int i = 2; i < xs->ndim && p->N; i++) p->inner *= xs->dims[i];
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

static wisp_status lrn_exec(wisp_op_ctx *ctx) {
  const lrn_params *p = ctx->params;
  const float *x = ctx->in[0]->data;
  float *y = ctx->out[0]->data;
  int64_t before = (p->size - 1) / 2, after = p->size - 1 - before;
  float k = p->alpha / (float)p->size;
  for (int64_t n = 0; n < p->N; n++)
    for (int64_t c = 0; c < p->C; c++) {
      int64_t lo = c - before < 0 ? 0 : c - before, hi = c + after >= p->C ? p->C - 1 : c + after;
      const float *xn = x + n * p->C * p->inner;
      float *yc = y + (n * p->C + c) * p->inner;
      for (int64_t i = 0; i < p->inner; i++) {
        float sq = 0;
        for (int64_t j = lo; j <= hi; j++) sq += xn[j * p->inner + i] * xn[j * p->inner + i];
        yc[i] = xn[c * p->inner + i] / powf(p->bias + k * sq, p->beta);
      }
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_LRN = {"", "LRN", sizeof(lrn_params), lrn_parse, lrn_infer, lrn_exec, 0};
