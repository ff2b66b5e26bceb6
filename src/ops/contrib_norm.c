/* contrib_norm.c — onnxruntime's com.microsoft layer norms, on LayerNormalization's row
 * normaliser (transformer.c); every one normalises the last dim (size D) of its input:
 *
 *   SimplifiedLayerNormalization(X, scale)           (ONNX domain) RMSNorm:
 *                                                     x / sqrt(mean(x²) + ε) · scale;
 *                                                     outputs Y, inv_std_var
 *   SkipLayerNormalization(X, skip, γ, β?, bias?)     LayerNorm(X + skip + bias) · γ + β;
 *                                                     outputs Y, mean, inv_std_var, X + skip + bias
 *   SkipSimplifiedLayerNormalization(X, skip, γ, bias?)  the RMSNorm of the same sum
 *   EmbedLayerNormalization(ids, segment_ids?, word, position, segment?, γ, β, mask?,
 *                           position_ids?)       LayerNorm(word[id] + position[pos]
 *                                                           + segment[seg]);
 *                                                outputs Y, mask_index (count of mask == 1 per
 *                                                row, int32), the embedding sum
 * skip is shaped like X or like X's last two dims (one for every batch); γ, β and bias are (D).
 * Only float data (stash_type 1). */
#include <math.h>
#include <string.h>

#include "transformer.h"

typedef struct {
  int rms, skip; /* the kind: RMSNorm; has a skip input */
  int64_t axis;
  float eps;
  int64_t rows, D;
  int64_t skip_rows;    /* rows of skip: all of them, or one batch's worth repeated */
  int beta_in, bias_in; /* input index of β and the bias (-1: none) */
} norm_params;

static wisp_status norm_setup(wisp_op_ctx *ctx, int rms, int skip) {
  norm_params *p = ctx->params;
  p->rms = rms, p->skip = skip;
  p->axis = wisp_attr_int(ctx->node, "axis", -1);
  p->eps = wisp_attr_float(ctx->node, "epsilon", skip ? 1e-12f : 1e-5f);
  if (wisp_attr_int(ctx->node, "stash_type", 1) != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "only stash_type 1 (float) is supported");
  /* inputs after γ: SkipLayerNormalization has β then bias, the simplified one only bias */
  p->beta_in = skip && !rms ? 3 : -1;
  p->bias_in = skip ? (rms ? 3 : 4) : -1;
  return WISP_OK;
}
static wisp_status simplified_parse(wisp_op_ctx *ctx) { return norm_setup(ctx, 1, 0); }
static wisp_status skip_parse(wisp_op_ctx *ctx) { return norm_setup(ctx, 0, 1); }
static wisp_status skip_simplified_parse(wisp_op_ctx *ctx) { return norm_setup(ctx, 1, 1); }

static const wisp_tensor *input(const wisp_op_ctx *ctx, int i) {
  return i >= 0 && i < ctx->n_in ? ctx->in[i] : NULL;
}

static wisp_status norm_infer(wisp_op_ctx *ctx) {
  norm_params *p = ctx->params;
  int n_required = p->skip ? 3 : 2;
  WISP_TRY(wisp_op_expect_inputs(ctx, n_required, p->skip ? (p->rms ? 4 : 5) : 2));
  for (int i = 0; i < ctx->n_in; i++)
    if (ctx->in[i]) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape;
  int axis;
  WISP_TRY(wisp_op_axis(ctx, p->axis, xs->ndim, &axis));
  if (p->skip && axis != xs->ndim - 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "normalises the last axis only");
  p->rows = p->D = 1;
  for (int d = 0; d < xs->ndim; d++) *(d < axis ? &p->rows : &p->D) *= xs->dims[d];
  if (p->skip) {
    const wisp_shape *ss = &ctx->in[1]->shape;
    int64_t sn = wisp_shape_numel(ss);
    int ok = wisp_shape_equal(ss, xs);
    if (!ok && xs->ndim == 3 && (ss->ndim == 2 || (ss->ndim == 3 && ss->dims[0] == 1)))
      ok = ss->dims[ss->ndim - 2] == xs->dims[1] && ss->dims[ss->ndim - 1] == xs->dims[2];
    if (!ok) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "skip must be shaped like input");
    p->skip_rows = p->D ? sn / p->D : 0;
  }
  int params[3] = {n_required - 1, p->beta_in, p->bias_in};
  for (int k = 0; k < 3; k++) {
    const wisp_tensor *t = input(ctx, params[k]);
    if (t && wisp_shape_numel(&t->shape) != p->D)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "%s must hold %lld values",
                          k == 0   ? "the scale"
                          : k == 1 ? "beta"
                                   : "bias",
                          (long long)p->D);
  }
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  /* the statistics are (rows) kept as X's dims with 1s from axis on; the sum is like X */
  for (int k = 1; k < ctx->n_out; k++) {
    if (!ctx->out[k]) continue;
    wisp_op_same_as(ctx->out[k], ctx->in[0]);
    int is_sum = p->skip && k == 3;
    for (int d = axis; d < xs->ndim && !is_sum; d++) ctx->out[k]->shape.dims[d] = 1;
  }
  if (p->skip && !(ctx->n_out > 3 && ctx->out[3]))
    ctx->scratch_bytes = (uint64_t)p->D * sizeof(float);
  return WISP_OK;
}

static wisp_status norm_exec(wisp_op_ctx *ctx) {
  const norm_params *p = ctx->params;
  const int64_t D = p->D;
  const float *x = ctx->in[0]->data, *skip = p->skip ? ctx->in[1]->data : NULL;
  const float *scale = ctx->in[p->skip ? 2 : 1]->data;
  const wisp_tensor *beta = input(ctx, p->beta_in), *bias = input(ctx, p->bias_in);
  float *y = ctx->out[0]->data;
  /* outputs: simplified has Y, inv_std_var; the skip ones Y, mean, inv_std_var, sum */
  int mean_k = p->skip ? 1 : -1, inv_k = p->skip ? 2 : 1;
  float *mean_out =
      mean_k > 0 && ctx->n_out > mean_k && ctx->out[mean_k] ? ctx->out[mean_k]->data : NULL;
  float *inv_out = ctx->n_out > inv_k && ctx->out[inv_k] ? ctx->out[inv_k]->data : NULL;
  float *sum_out = p->skip && ctx->n_out > 3 && ctx->out[3] ? ctx->out[3]->data : NULL;
  if (!D) return WISP_OK;
  for (int64_t r = 0; r < p->rows; r++) {
    const float *row = x + r * D;
    if (p->skip) { /* sum = x + skip (+ bias) */
      float *sum = sum_out ? sum_out + r * D : ctx->scratch;
      const float *s = skip + (r % p->skip_rows) * D, *b = bias ? bias->data : NULL;
      for (int64_t i = 0; i < D; i++) sum[i] = row[i] + s[i] + (b ? b[i] : 0.0f);
      row = sum;
    }
    float mean, inv;
    wisp_norm_row(row, D, p->eps, p->rms, scale, beta ? beta->data : NULL, y + r * D, &mean, &inv);
    if (mean_out) mean_out[r] = mean;
    if (inv_out) inv_out[r] = inv;
  }
  return WISP_OK;
}

/* onnxruntime defines it in the ONNX domain (only there) */
const wisp_op_def wisp_op_SimplifiedLayerNormalization = {"",
                                                          "SimplifiedLayerNormalization",
                                                          sizeof(norm_params),
                                                          simplified_parse,
                                                          norm_infer,
                                                          norm_exec,
                                                          0};
const wisp_op_def wisp_op_ms_SkipLayerNormalization = {"com.microsoft",
                                                       "SkipLayerNormalization",
                                                       sizeof(norm_params),
                                                       skip_parse,
                                                       norm_infer,
                                                       norm_exec,
                                                       0};
const wisp_op_def wisp_op_ms_SkipSimplifiedLayerNormalization = {"com.microsoft",
                                                                 "SkipSimplifiedLayerNormalization",
                                                                 sizeof(norm_params),
                                                                 skip_simplified_parse,
                                                                 norm_infer,
                                                                 norm_exec,
                                                                 0};

/* ---- EmbedLayerNormalization -------------------------------------------------------------- */

typedef struct {
  float eps;
  int64_t B, S, D;
} embed_params;

static wisp_status embed_parse(wisp_op_ctx *ctx) {
  embed_params *p = ctx->params;
  p->eps = wisp_attr_float(ctx->node, "epsilon", 1e-12f);
  if (!(p->eps >= 0.0f)) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "epsilon must be >= 0");
  return WISP_OK;
}

/* A (B, S) int32 input (position_ids may also be (1, S)). */
static wisp_status ids_shape(wisp_op_ctx *ctx, int i, const char *what, int batch_one) {
  const embed_params *p = ctx->params;
  const wisp_tensor *t = input(ctx, i);
  if (t && (t->dtype != WISP_DT_INT32 || t->shape.ndim != 2 || t->shape.dims[1] != p->S ||
            (t->shape.dims[0] != p->B && !(batch_one && t->shape.dims[0] == 1))))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "%s must be int32 (B, S) like input_ids", what);
  return WISP_OK;
}

/* A float (rows, D) table. */
static wisp_status table_shape(wisp_op_ctx *ctx, int i, const char *what) {
  const embed_params *p = ctx->params;
  const wisp_tensor *t = input(ctx, i);
  if (t && (t->dtype != WISP_DT_FLOAT || t->shape.ndim != 2 || t->shape.dims[1] != p->D))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "%s must be float (rows, %lld)", what,
                        (long long)p->D);
  return WISP_OK;
}

static wisp_status embed_infer(wisp_op_ctx *ctx) {
  embed_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 9)); /* segment_ids (1) may be omitted */
  if (ctx->n_in < 7 || !ctx->in[2] || !ctx->in[3] || !ctx->in[5] || !ctx->in[6])
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "word and position embeddings, gamma and beta are required");
  const wisp_tensor *ids = ctx->in[0], *word = ctx->in[2];
  if (ids->dtype != WISP_DT_INT32 || ids->shape.ndim != 2 || word->shape.ndim != 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "needs input_ids int32 (B, S) and word_embedding (V, D)");
  p->B = ids->shape.dims[0], p->S = ids->shape.dims[1], p->D = word->shape.dims[1];
  if (!!input(ctx, 1) != !!input(ctx, 4))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "segment_ids and segment_embedding go together");
  WISP_TRY(ids_shape(ctx, 1, "segment_ids", 0));
  WISP_TRY(ids_shape(ctx, 7, "mask", 0));
  WISP_TRY(ids_shape(ctx, 8, "position_ids", 1));
  WISP_TRY(table_shape(ctx, 2, "word_embedding"));
  WISP_TRY(table_shape(ctx, 3, "position_embedding"));
  WISP_TRY(table_shape(ctx, 4, "segment_embedding"));
  for (int i = 5; i < 7; i++)
    if (ctx->in[i]->dtype != WISP_DT_FLOAT || wisp_shape_numel(&ctx->in[i]->shape) != p->D)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "gamma and beta must be float (%lld)",
                          (long long)p->D);
  wisp_tensor *y = ctx->out[0];
  y->dtype = WISP_DT_FLOAT, y->shape = (wisp_shape){3, {p->B, p->S, p->D}};
  WISP_TRY(wisp_shape_check(&y->shape, "EmbedLayerNormalization output"));
  if (ctx->n_out > 1 && ctx->out[1])
    ctx->out[1]->dtype = WISP_DT_INT32, ctx->out[1]->shape = (wisp_shape){1, {p->B}};
  if (ctx->n_out > 2 && ctx->out[2])
    ctx->out[2]->dtype = WISP_DT_FLOAT, ctx->out[2]->shape = y->shape;
  if (!(ctx->n_out > 2 && ctx->out[2])) ctx->scratch_bytes = (uint64_t)p->D * sizeof(float);
  return WISP_OK;
}

/* Row `id` of a (rows, D) table, or NULL when out of range. */
static const float *row_of(const wisp_tensor *t, int32_t id) {
  if (id < 0 || id >= t->shape.dims[0]) return NULL;
  return (const float *)t->data + (int64_t)id * t->shape.dims[1];
}

static wisp_status embed_exec(wisp_op_ctx *ctx) {
  const embed_params *p = ctx->params;
  const int64_t D = p->D;
  const int32_t *ids = ctx->in[0]->data;
  const wisp_tensor *seg_ids = input(ctx, 1), *seg = input(ctx, 4), *mask = input(ctx, 7);
  const wisp_tensor *pos_ids = input(ctx, 8);
  float *y = ctx->out[0]->data;
  float *sum_out = ctx->n_out > 2 && ctx->out[2] ? ctx->out[2]->data : NULL;
  for (int64_t b = 0; b < p->B; b++)
    for (int64_t s = 0; s < p->S; s++) {
      int64_t i = b * p->S + s;
      int32_t pid = (int32_t)s;
      if (pos_ids) pid = ((const int32_t *)pos_ids->data)[pos_ids->shape.dims[0] == 1 ? s : i];
      const float *w = row_of(ctx->in[2], ids[i]), *ps = row_of(ctx->in[3], pid);
      const float *sg = seg ? row_of(seg, ((const int32_t *)seg_ids->data)[i]) : NULL;
      if (!w || !ps || (seg && !sg))
        return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                            "an id at (%lld, %lld) is out of its table's range", (long long)b,
                            (long long)s);
      float *e = sum_out ? sum_out + i * D : ctx->scratch, mean, inv;
      for (int64_t k = 0; k < D; k++) e[k] = w[k] + ps[k] + (sg ? sg[k] : 0.0f);
      if (D)
        wisp_norm_row(e, D, p->eps, 0, ctx->in[5]->data, ctx->in[6]->data, y + i * D, &mean, &inv);
    }
  if (ctx->n_out > 1 && ctx->out[1]) {
    int32_t *mi = ctx->out[1]->data;
    for (int64_t b = 0; b < p->B; b++) {
      int32_t n = 0;
      for (int64_t s = 0; mask && s < p->S; s++)
        n += ((const int32_t *)mask->data)[b * p->S + s] == 1;
      mi[b] = n;
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_EmbedLayerNormalization = {"com.microsoft",
                                                        "EmbedLayerNormalization",
                                                        sizeof(embed_params),
                                                        embed_parse,
                                                        embed_infer,
                                                        embed_exec,
                                                        0};
