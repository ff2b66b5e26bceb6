/* contrib.c — onnxruntime's com.microsoft ops that its level-1/2 ('extended') graph optimiser
 * writes, on wisp's own kernels:
 *
 *   FusedConv, FusedGemm   Conv / Gemm (conv.c, matmul.c) + an activation: Relu and Clip are the
 *                          GEMM epilogue's clamp; Tanh, Sigmoid, LeakyRelu, HardSigmoid a pass
 *                          over the output. FusedConv's optional Z is added before the activation.
 *   FusedMatMul            MatMul (matmul.c) with transA / transB / transBatchA / transBatchB and
 *                          alpha (folded into the packed B).
 *   Gelu, BiasGelu         0.5·x·(1 + erf(x/√2)) on the vectorised GELU kernel, of x + bias.
 *   FastGelu               the tanh form, of x (+ bias); QuickGelu: x·sigmoid(alpha·x).
 *   BiasAdd                X + bias (C) + skip, X and skip (N, S, C).
 *   BiasSplitGelu          (X + bias) split in halves a, b on the last dim: a · gelu(b) (erf
 *                          form), X (N, S, D), bias (D), Y (N, S, D/2) (diffusion models).
 *   BiasSoftmax            softmax(data + bias) over the dims from axis on, bias broadcast.
 * The layer norms are in contrib_norm.c, attention in contrib_attention.c. */
#include <math.h>
#include <string.h>

#include "../threads.h"
#include "../kernels/config.h"
#include "conv.h"
#include "matmul.h"

/* ---- the fused activation of FusedConv and FusedGemm --------------------------------------- */

typedef enum {
  ACT_NONE,
  ACT_CLAMP,
  ACT_TANH,
  ACT_SIGMOID,
  ACT_LEAKY_RELU,
  ACT_HARD_SIGMOID
} act_kind;

typedef struct {
  act_kind kind;
  float alpha, beta; /* LeakyRelu alpha; HardSigmoid alpha, beta; Clip min, max */
} fused_act;

/* `activation` with its parameters: FusedConv lists them in activation_params, FusedGemm names
 * them activation_alpha and activation_beta. */
static wisp_status fused_act_parse(wisp_op_ctx *ctx, fused_act *a) {
  const char *name = wisp_attr_string(ctx->node, "activation", "");
  int n = 0;
  const float *params = wisp_attr_floats(ctx->node, "activation_params", &n);
  float p0 = wisp_attr_float(ctx->node, "activation_alpha", NAN);
  float p1 = wisp_attr_float(ctx->node, "activation_beta", NAN);
  if (n > 0) p0 = params[0];
  if (n > 1) p1 = params[1];
  struct {
    const char *name;
    act_kind kind;
    int n_params;
    float d0, d1;
  } known[] = {
      {"", ACT_NONE, 0, 0, 0},
      {"Relu", ACT_CLAMP, 0, 0, INFINITY},
      {"Clip", ACT_CLAMP, 2, -INFINITY, INFINITY},
      {"Tanh", ACT_TANH, 0, 0, 0},
      {"Sigmoid", ACT_SIGMOID, 0, 0, 0},
      {"LeakyRelu", ACT_LEAKY_RELU, 1, 0.01f, 0},
      {"HardSigmoid", ACT_HARD_SIGMOID, 2, 0.2f, 0.5f},
  };
  for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
    if (strcmp(name, known[i].name)) continue;
    a->kind = known[i].kind;
    a->alpha = known[i].n_params > 0 && !isnan(p0) ? p0 : known[i].d0;
    a->beta = known[i].n_params > 1 && !isnan(p1) ? p1 : known[i].d1;
    if (n > known[i].n_params)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%s takes %d activation_params, not %d",
                          name, known[i].n_params, n);
    return WISP_OK;
  }
  return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "activation '%s' is not supported", name);
}

static float sigmoid(float x) {
  if (x >= 0) return 1.0f / (1.0f + expf(-x)); /* by sign: exp never overflows */
  float e = expf(x);
  return e / (1.0f + e);
}

/* y = act(y + z) over n values (z may be NULL). The clamp keeps NaN, as the GEMM's does. */
static void fused_act_apply(const fused_act *a, const float *z, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    float v = z ? y[i] + z[i] : y[i];
    switch (a->kind) {
      case ACT_NONE: break;
      case ACT_CLAMP: v = v < a->alpha ? a->alpha : v > a->beta ? a->beta : v; break;
      case ACT_TANH: v = tanhf(v); break;
      case ACT_SIGMOID: v = sigmoid(v); break;
      case ACT_LEAKY_RELU: v = v < 0.0f ? a->alpha * v : v; break;
      case ACT_HARD_SIGMOID: {
        float h = a->alpha * v + a->beta;
        v = h < 0.0f ? 0.0f : h > 1.0f ? 1.0f : h;
        break;
      }
    }
    y[i] = v;
  }
}

/* ---- FusedConv: act(Conv(X, W, B) + Z) ---------------------------------------------------- */

typedef struct {
  wisp_conv_params conv; /* first: conv.c's functions read it as theirs */
  fused_act act;
  int post; /* the activation (and Z) run after the convolution */
} fused_conv_params;

static wisp_status fused_conv_parse(wisp_op_ctx *ctx) {
  fused_conv_params *p = ctx->params;
  WISP_TRY(wisp_conv_parse(ctx));
  WISP_TRY(fused_act_parse(ctx, &p->act));
  int has_z = ctx->n_in > 3 && ctx->node->in[3] >= 0;
  p->post = has_z || (p->act.kind != ACT_NONE && p->act.kind != ACT_CLAMP);
  if (p->act.kind == ACT_CLAMP && !has_z) p->conv.lo = p->act.alpha, p->conv.hi = p->act.beta;
  return WISP_OK;
}

/* conv.c's view of the node: its first three inputs. */
static wisp_op_ctx conv_part(const wisp_op_ctx *ctx) {
  wisp_op_ctx c = *ctx;
  if (c.n_in > 3) c.n_in = 3;
  return c;
}

static wisp_status fused_conv_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 4));
  wisp_op_ctx c = conv_part(ctx);
  wisp_status s = wisp_conv_infer(&c);
  ctx->state = c.state, ctx->scratch_bytes = c.scratch_bytes;
  WISP_TRY(s);
  const wisp_tensor *z = ctx->n_in > 3 ? ctx->in[3] : NULL;
  if (z && (z->dtype != WISP_DT_FLOAT || !wisp_shape_equal(&z->shape, &ctx->out[0]->shape)))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "Z must be float and shaped like Y");
  return WISP_OK;
}

static wisp_status fused_conv_exec(wisp_op_ctx *ctx) {
  const fused_conv_params *p = ctx->params;
  wisp_op_ctx c = conv_part(ctx);
  WISP_TRY(wisp_conv_exec(&c));
  const wisp_tensor *z = ctx->n_in > 3 ? ctx->in[3] : NULL;
  if (p->post)
    fused_act_apply(&p->act, z ? z->data : NULL, ctx->out[0]->data,
                    wisp_shape_numel(&ctx->out[0]->shape));
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_FusedConv = {"com.microsoft",
                                          "FusedConv",
                                          sizeof(fused_conv_params),
                                          fused_conv_parse,
                                          fused_conv_infer,
                                          fused_conv_exec,
                                          0};

/* ---- FusedGemm: act(Gemm(A, B, C)) -------------------------------------------------------- */

typedef struct {
  wisp_gemm_params gemm; /* first: matmul.c's functions read it as theirs */
  fused_act act;
} fused_gemm_params;

static wisp_status fused_gemm_parse(wisp_op_ctx *ctx) {
  fused_gemm_params *p = ctx->params;
  WISP_TRY(wisp_gemm_parse(ctx));
  WISP_TRY(fused_act_parse(ctx, &p->act));
  if (p->act.kind == ACT_CLAMP) p->gemm.lo = p->act.alpha, p->gemm.hi = p->act.beta;
  return WISP_OK;
}

static wisp_status fused_gemm_exec(wisp_op_ctx *ctx) {
  const fused_gemm_params *p = ctx->params;
  WISP_TRY(wisp_gemm_exec(ctx));
  if (p->act.kind != ACT_NONE && p->act.kind != ACT_CLAMP)
    fused_act_apply(&p->act, NULL, ctx->out[0]->data, wisp_shape_numel(&ctx->out[0]->shape));
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_FusedGemm = {"com.microsoft",
                                          "FusedGemm",
                                          sizeof(fused_gemm_params),
                                          fused_gemm_parse,
                                          wisp_gemm_infer,
                                          fused_gemm_exec,
                                          0};

/* ---- FusedMatMul: alpha · A' · B' --------------------------------------------------------- */

static wisp_status fused_matmul_parse(wisp_op_ctx *ctx) {
  wisp_matmul_params *p = ctx->params;
  wisp_matmul_defaults(ctx);
  p->alpha *= wisp_attr_float(ctx->node, "alpha", 1.0f);
  p->trans_a = wisp_attr_int(ctx->node, "transA", 0) != 0;
  p->trans_b = wisp_attr_int(ctx->node, "transB", 0) != 0;
  p->trans_batch_a = wisp_attr_int(ctx->node, "transBatchA", 0) != 0;
  p->trans_batch_b = wisp_attr_int(ctx->node, "transBatchB", 0) != 0;
  return WISP_OK;
}

static wisp_status fused_matmul_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  return wisp_matmul_infer(ctx);
}

const wisp_op_def wisp_op_ms_FusedMatMul = {"com.microsoft",
                                            "FusedMatMul",
                                            sizeof(wisp_matmul_params),
                                            fused_matmul_parse,
                                            fused_matmul_infer,
                                            wisp_matmul_exec,
                                            0};

/* ---- the GELU family ---------------------------------------------------------------------- */

typedef enum { GELU_ERF, GELU_TANH, GELU_QUICK } gelu_kind;

typedef struct {
  gelu_kind kind;
  float alpha; /* QuickGelu */
  int64_t C;   /* bias length: X is (rows, C) */
} gelu_params;

static wisp_status gelu_setup(wisp_op_ctx *ctx, gelu_kind kind) {
  gelu_params *p = ctx->params;
  p->kind = kind;
  p->alpha = wisp_attr_float(ctx->node, "alpha", 1.702f);
  return WISP_OK;
}
static wisp_status gelu_parse(wisp_op_ctx *ctx) { return gelu_setup(ctx, GELU_ERF); }
static wisp_status fast_gelu_parse(wisp_op_ctx *ctx) { return gelu_setup(ctx, GELU_TANH); }
static wisp_status quick_gelu_parse(wisp_op_ctx *ctx) { return gelu_setup(ctx, GELU_QUICK); }

/* X (..., C) and an optional bias (C): Gelu and QuickGelu take none, BiasGelu needs one. */
static wisp_status gelu_infer(wisp_op_ctx *ctx) {
  gelu_params *p = ctx->params;
  int bias_gelu = !strcmp(ctx->node->op_type, "BiasGelu");
  int max_in = bias_gelu || p->kind == GELU_TANH ? 2 : 1;
  WISP_TRY(wisp_op_expect_inputs(ctx, bias_gelu ? 2 : 1, max_in));
  for (int i = 0; i < ctx->n_in; i++)
    if (ctx->in[i]) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape;
  const wisp_tensor *b = ctx->n_in > 1 ? ctx->in[1] : NULL;
  p->C = 0;
  if (b) {
    p->C = b->shape.ndim == 1 ? b->shape.dims[0] : -1;
    if (xs->ndim < 1 || p->C != xs->dims[xs->ndim - 1])
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "bias must be 1-D, the size of X's last dim");
  }
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

static wisp_status gelu_exec(wisp_op_ctx *ctx) {
  const gelu_params *p = ctx->params;
  const float *x = ctx->in[0]->data, *b = p->C ? ctx->in[1]->data : NULL;
  float *y = ctx->out[0]->data;
  int64_t n = wisp_shape_numel(&ctx->out[0]->shape);
  if (b && n) /* y = x + bias, row by row; then in place */
    for (int64_t r = 0; r < n / p->C; r++)
      for (int64_t c = 0; c < p->C; c++) y[r * p->C + c] = x[r * p->C + c] + b[c];
  const float *in = b ? y : x;
  const float k = 0.7978845608028654f; /* sqrt(2 / pi) */
  switch (p->kind) {
    case GELU_ERF: wisp_parallel_map(wisp_kernels()->vmath.gelu, (size_t)n, in, y); break;
    case GELU_TANH:
      for (int64_t i = 0; i < n; i++) {
        float v = in[i];
        y[i] = 0.5f * v * (1.0f + tanhf(k * (v + 0.044715f * v * v * v)));
      }
      break;
    case GELU_QUICK:
      for (int64_t i = 0; i < n; i++) y[i] = in[i] * sigmoid(p->alpha * in[i]);
      break;
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_BiasGelu = {
    "com.microsoft", "BiasGelu", sizeof(gelu_params), gelu_parse, gelu_infer, gelu_exec, 0};
const wisp_op_def wisp_op_ms_FastGelu = {
    "com.microsoft", "FastGelu", sizeof(gelu_params), fast_gelu_parse, gelu_infer, gelu_exec, 0};
const wisp_op_def wisp_op_ms_Gelu = {
    "com.microsoft", "Gelu", sizeof(gelu_params), gelu_parse, gelu_infer, gelu_exec, 0};
const wisp_op_def wisp_op_ms_QuickGelu = {
    "com.microsoft", "QuickGelu", sizeof(gelu_params), quick_gelu_parse, gelu_infer, gelu_exec, 0};

/* ---- BiasAdd: X + bias + skip ------------------------------------------------------------- */

static wisp_status bias_add_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 3, 3));
  for (int i = 0; i < 3; i++) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape, *bs = &ctx->in[1]->shape;
  if (xs->ndim != 3 || bs->ndim != 1 || bs->dims[0] != xs->dims[2] ||
      !wisp_shape_equal(xs, &ctx->in[2]->shape))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "needs X and skip (N, S, C) and bias (C)");
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

static wisp_status bias_add_exec(wisp_op_ctx *ctx) {
  const float *x = ctx->in[0]->data, *b = ctx->in[1]->data, *s = ctx->in[2]->data;
  float *y = ctx->out[0]->data;
  int64_t C = ctx->in[1]->shape.dims[0], n = wisp_shape_numel(&ctx->out[0]->shape);
  for (int64_t i = 0; i < n; i++) y[i] = x[i] + b[i % C] + s[i];
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_BiasAdd = {"com.microsoft", "BiasAdd",     0, NULL,
                                        bias_add_infer,  bias_add_exec, 0};

/* ---- BiasSplitGelu: a · gelu(b), (a, b) the halves of X + bias --------------------------- */

static wisp_status bias_split_gelu_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  for (int i = 0; i < 2; i++) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape, *bs = &ctx->in[1]->shape;
  if (xs->ndim != 3 || bs->ndim != 1 || bs->dims[0] != xs->dims[2] || xs->dims[2] % 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "needs X (N, S, D) and bias (D), D even");
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  ctx->out[0]->shape.dims[2] /= 2;
  return WISP_OK;
}

static wisp_status bias_split_gelu_exec(wisp_op_ctx *ctx) {
  const float *x = ctx->in[0]->data, *bias = ctx->in[1]->data;
  float *y = ctx->out[0]->data;
  int64_t H = ctx->out[0]->shape.dims[2], rows = H ? wisp_shape_numel(&ctx->out[0]->shape) / H : 0;
  for (int64_t r = 0; r < rows; r++, x += 2 * H, y += H) {
    for (int64_t c = 0; c < H; c++) y[c] = x[H + c] + bias[H + c];
    wisp_kernels()->vmath.gelu((size_t)H, y, y);
    for (int64_t c = 0; c < H; c++) y[c] *= x[c] + bias[c];
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_BiasSplitGelu = {"com.microsoft",       "BiasSplitGelu",      0, NULL,
                                              bias_split_gelu_infer, bias_split_gelu_exec, 0};

/* ---- BiasSoftmax: softmax(data + bias) ---------------------------------------------------- */

typedef struct {
  int64_t axis;
  int64_t rows, D;                /* data as (rows, D): softmax over the dims from axis on */
  int64_t bstride[WISP_MAX_DIMS]; /* bias broadcast onto data */
} bias_softmax_params;

static wisp_status bias_softmax_parse(wisp_op_ctx *ctx) {
  ((bias_softmax_params *)ctx->params)->axis = wisp_attr_int(ctx->node, "axis", 1);
  return WISP_OK;
}

static wisp_status bias_softmax_infer(wisp_op_ctx *ctx) {
  bias_softmax_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  for (int i = 0; i < 2; i++) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape, *bs = &ctx->in[1]->shape;
  wisp_shape o;
  WISP_TRY(wisp_broadcast_shape(xs, bs, &o, "BiasSoftmax"));
  if (!wisp_shape_equal(&o, xs))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "bias does not broadcast onto data");
  int axis;
  WISP_TRY(wisp_op_axis(ctx, p->axis, xs->ndim, &axis));
  p->rows = p->D = 1;
  for (int d = 0; d < xs->ndim; d++) *(d < axis ? &p->rows : &p->D) *= xs->dims[d];
  wisp_broadcast_strides(bs, xs, p->bstride);
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

static wisp_status bias_softmax_exec(wisp_op_ctx *ctx) {
  const bias_softmax_params *p = ctx->params;
  const wisp_shape *xs = &ctx->in[0]->shape;
  const float *x = ctx->in[0]->data, *b = ctx->in[1]->data;
  float *y = ctx->out[0]->data;
  int64_t n = p->rows * p->D, idx[WISP_MAX_DIMS] = {0};
  for (int64_t i = 0; i < n; i++) { /* y = x + bias, walking data's index for the bias offset */
    int64_t off = 0;
    for (int d = 0; d < xs->ndim; d++) off += idx[d] * p->bstride[d];
    y[i] = x[i] + b[off];
    for (int d = xs->ndim - 1; d >= 0 && ++idx[d] == xs->dims[d]; d--) idx[d] = 0;
  }
  const wisp_vmath_config *vm = &wisp_kernels()->vmath;
  for (int64_t r = 0; r < p->rows && p->D; r++) {
    float *row = y + r * p->D, max = vm->addmax((size_t)p->D, row, NULL, NULL);
    float inv = 1.0f / vm->exp((size_t)p->D, row, max, row);
    for (int64_t k = 0; k < p->D; k++) row[k] *= inv;
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_BiasSoftmax = {"com.microsoft",
                                            "BiasSoftmax",
                                            sizeof(bias_softmax_params),
                                            bias_softmax_parse,
                                            bias_softmax_infer,
                                            bias_softmax_exec,
                                            0};
