/* transformer.c — ops that transformer encoders need beyond the generic families.
 *
 * LayerNormalization (opset 17): X viewed as (outer, D) where D is the product of X's dims from
 * `axis` on; each row is normalised by its own mean and variance,
 *     mean = sum(x) / D,  var = sum((x - mean)^2) / D,  inv = 1 / sqrt(var + epsilon)
 *     y = (x - mean) * inv * Scale + B
 * with Scale and the optional B broadcast (numpy-style, from the right) to X's dims [axis:].
 * The optional outputs Mean and InvStdDev are (d0, ..., d_axis-1, 1, ..., 1). Two passes per
 * row (mean, then squared deviations) rather than sum and sum of squares: no cancellation when
 * |mean| >> std, which the additive residual stream of a transformer does produce. Only float
 * data; stash_type must be 1 (float), the only value the spec defines.
 *
 * onnxruntime defines this op in the ONNX domain from opset 1 and its optimiser writes it into
 * opset < 17 models: those run here too. The row normaliser is shared with the contrib norms
 * (contrib_norm.c). */
#include <math.h>
#include <string.h>

#include "transformer.h"
#include "../threads.h"

typedef struct {
  int64_t axis;
  float eps;
  int64_t outer, D;          /* X viewed as (outer, D) */
  int scale_full, bias_full; /* Scale / B hold D elements in X's order: used in place */
  int has_bias;
  int64_t strides[2][WISP_MAX_DIMS]; /* Scale, B strides over the normalised dims when broadcast */
  wisp_shape norm;                   /* X's dims [axis:] */
} layer_norm_params;

WISP_COLD static wisp_status layer_norm_parse(wisp_op_ctx *ctx) {
  layer_norm_params *p = ctx->params;
  p->axis = wisp_attr_int(ctx->node, "axis", -1);
  p->eps = wisp_attr_float(ctx->node, "epsilon", 1e-5f);
  int64_t stash = wisp_attr_int(ctx->node, "stash_type", 1);
  if (stash != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "stash_type %lld is not supported (only 1, float)", (long long)stash);
  return WISP_OK;
}

/* Checks that `s` broadcasts onto the normalised shape (never widening it); sets its strides
 * over those dims and whether it is already the full (D) tensor. */
WISP_COLD static wisp_status layer_norm_param_shape(wisp_op_ctx *ctx, const wisp_shape *s,
                                                    const char *what, int64_t *strides, int *full) {
  layer_norm_params *p = ctx->params;
  const wisp_shape *n = &p->norm;
  /* leading 1s beyond the normalised rank are harmless: (1, 1, D) for D */
  int skip = 0;
  while (s->ndim - skip > n->ndim && s->dims[skip] == 1) skip++;
  wisp_shape t = {s->ndim - skip, {0}};
  for (int i = 0; i < t.ndim; i++) t.dims[i] = s->dims[skip + i];
  int ok = t.ndim <= n->ndim;
  for (int i = 0; ok && i < t.ndim; i++) {
    int64_t d = t.dims[i], want = n->dims[n->ndim - t.ndim + i];
    ok = d == want || d == 1;
  }
  if (!ok) {
    char a[96], b[96];
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "%s %s does not broadcast to the normalised shape %s", what,
                        wisp_shape_str(s, a, sizeof a), wisp_shape_str(n, b, sizeof b));
  }
  wisp_broadcast_strides(&t, n, strides);
  *full = wisp_shape_numel(&t) == p->D;
  return WISP_OK;
}

WISP_COLD static wisp_status layer_norm_infer(wisp_op_ctx *ctx) {
  layer_norm_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 3));
  for (int i = 0; i < ctx->n_in; i++)
    if (ctx->in[i]) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape;
  int axis;
  WISP_TRY(wisp_op_axis(ctx, p->axis, xs->ndim, &axis));
  p->outer = p->D = 1;
  p->norm.ndim = xs->ndim - axis;
  for (int d = 0; d < xs->ndim; d++) {
    if (d < axis) p->outer *= xs->dims[d];
    else p->D *= xs->dims[d], p->norm.dims[d - axis] = xs->dims[d];
  }
  WISP_TRY(layer_norm_param_shape(ctx, &ctx->in[1]->shape, "Scale", p->strides[0], &p->scale_full));
  p->has_bias = ctx->n_in > 2 && ctx->in[2];
  p->bias_full = 1;
  if (p->has_bias)
    WISP_TRY(layer_norm_param_shape(ctx, &ctx->in[2]->shape, "B", p->strides[1], &p->bias_full));
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  for (int k = 1; k < ctx->n_out && k < 3; k++) {
    if (!ctx->out[k]) continue;
    ctx->out[k]->dtype = WISP_DT_FLOAT;
    ctx->out[k]->shape = *xs;
    for (int d = axis; d < xs->ndim; d++) ctx->out[k]->shape.dims[d] = 1;
  }
  /* broadcast Scale / B are expanded to D floats each at the start of a run */
  if (!p->scale_full || !p->bias_full) ctx->scratch_bytes = 2 * (uint64_t)p->D * sizeof(float);
  return WISP_OK;
}

/* dst (D) = src broadcast over the normalised shape with `strides`. */
static void expand_param(const layer_norm_params *p, const float *src, const int64_t *strides,
                         float *dst) {
  const wisp_shape *n = &p->norm;
  int64_t idx[WISP_MAX_DIMS] = {0};
  for (int64_t i = 0; i < p->D; i++) {
    int64_t off = 0;
    for (int d = 0; d < n->ndim; d++) off += idx[d] * strides[d];
    dst[i] = src[off];
    for (int d = n->ndim - 1; d >= 0 && ++idx[d] == n->dims[d]; d--) idx[d] = 0;
  }
}

void wisp_norm_row(const float *x, int64_t D, float eps, int rms, const float *scale,
                   const float *bias, float *y, float *mean_out, float *inv_out) {
  float mean = 0.0f;
  int64_t i = 0;
  if (!rms) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0; /* four chains: no loop-carried add latency */
    for (; i + 4 <= D; i += 4) s0 += x[i], s1 += x[i + 1], s2 += x[i + 2], s3 += x[i + 3];
    for (; i < D; i++) s0 += x[i];
    mean = ((s0 + s1) + (s2 + s3)) / (float)D;
  }
  float v0 = 0, v1 = 0, v2 = 0, v3 = 0;
  for (i = 0; i + 4 <= D; i += 4) {
    float a = x[i] - mean, b = x[i + 1] - mean, c = x[i + 2] - mean, d = x[i + 3] - mean;
    v0 += a * a, v1 += b * b, v2 += c * c, v3 += d * d;
  }
  for (; i < D; i++) v0 += (x[i] - mean) * (x[i] - mean);
  float var = ((v0 + v1) + (v2 + v3)) / (float)D;
  float inv = 1.0f / sqrtf(var + eps);
  if (bias)
    for (i = 0; i < D; i++) y[i] = (x[i] - mean) * inv * scale[i] + bias[i];
  else
    for (i = 0; i < D; i++) y[i] = (x[i] - mean) * inv * scale[i];
  *mean_out = mean, *inv_out = inv;
}

typedef struct {
  int64_t D;
  float eps;
  const float *x, *scale, *bias;
  float *y, *mean_out, *inv_out;
} norm_job;

/* x, y are (outer, D): rows [r0, r0 + nr) (a thread's chunk). */
static void norm_rows(void *ctx, int thread, size_t r0, size_t j, size_t nr, size_t nj) {
  const norm_job *n = ctx;
  for (int64_t r = (int64_t)r0; r < (int64_t)(r0 + nr); r++) {
    float mean = NAN, inv = NAN;
    if (n->D > 0)
      wisp_norm_row(n->x + r * n->D, n->D, n->eps, 0, n->scale, n->bias, n->y + r * n->D, &mean,
                    &inv);
    if (n->mean_out) n->mean_out[r] = mean;
    if (n->inv_out) n->inv_out[r] = inv;
  }
}

static wisp_status layer_norm_exec(wisp_op_ctx *ctx) {
  const layer_norm_params *p = ctx->params;
  const int64_t D = p->D;
  const float *x = ctx->in[0]->data;
  const float *scale = ctx->in[1]->data, *bias = p->has_bias ? ctx->in[2]->data : NULL;
  float *y = ctx->out[0]->data;
  float *mean_out = ctx->n_out > 1 && ctx->out[1] ? ctx->out[1]->data : NULL;
  float *inv_out = ctx->n_out > 2 && ctx->out[2] ? ctx->out[2]->data : NULL;
  if (!p->scale_full) {
    expand_param(p, scale, p->strides[0], ctx->scratch);
    scale = ctx->scratch;
  }
  if (bias && !p->bias_full) {
    expand_param(p, bias, p->strides[1], (float *)ctx->scratch + D);
    bias = (float *)ctx->scratch + D;
  }
  norm_job j = {D, p->eps, x, scale, bias, y, mean_out, inv_out};
  wisp_parallel_rows((size_t)p->outer, (size_t)D * 3, norm_rows, &j);
  return WISP_OK;
}

const wisp_op_def wisp_op_LayerNormalization = {"",
                                                "LayerNormalization",
                                                sizeof(layer_norm_params),
                                                layer_norm_parse,
                                                layer_norm_infer,
                                                layer_norm_exec,
                                                0};
