/* rnn.c — RNN, GRU and LSTM (opset 7-21, layout 0/1 from opset 14).
 *
 * One driver for the three: per direction, the input projection X·Wᵀ (+ biases) for all time
 * steps is one GEMM; each step then does the recurrent H·Rᵀ GEMM over the batch and the gate
 * math per batch row. Weights are packed once when constant (ctx->state), else into scratch on
 * every run. Gate order is the spec's: GRU z r h, LSTM i o f c. */
#include <math.h>
#include <string.h>

#include "../kernels/gemm.h"
#include "op.h"

typedef enum {
  ACT_RELU,
  ACT_TANH,
  ACT_SIGMOID,
  ACT_AFFINE,
  ACT_LEAKY_RELU,
  ACT_THRESHOLDED_RELU,
  ACT_SCALED_TANH,
  ACT_HARD_SIGMOID,
  ACT_ELU,
  ACT_SOFTSIGN,
  ACT_SOFTPLUS
} act_kind;

typedef struct {
  act_kind kind;
  float alpha, beta;
} act_fn;

enum { KIND_RNN, KIND_GRU, KIND_LSTM };

typedef struct {
  int kind, gates;   /* gates: 1, 3 or 4 blocks of hidden rows in W and R */
  int dirs, reverse; /* reverse: the single direction runs backwards */
  int layout, lbr, input_forget;
  int64_t hidden_attr; /* hidden_size, 0 when absent (taken from R) */
  float clip;          /* INFINITY when absent */
  act_fn act[2][3];    /* per direction: f (and g, h) */
  /* set by infer */
  int64_t T, B, I, hidden;
  int packed_once;
  size_t pack_w, pack_r0, pack_r1; /* floats per direction of each packed matrix */
  int n_r0;                        /* gate rows in the first recurrent pack (GRU lbr=0: z, r) */
} rnn_params;

static const struct {
  const char *name;
  act_kind kind;
  float alpha, beta;
  int uses_alpha, uses_beta;
} act_names[] = {
    {"Relu", ACT_RELU, 0, 0, 0, 0},
    {"Tanh", ACT_TANH, 0, 0, 0, 0},
    {"Sigmoid", ACT_SIGMOID, 0, 0, 0, 0},
    {"Affine", ACT_AFFINE, 1.0f, 0.0f, 1, 1},
    {"LeakyRelu", ACT_LEAKY_RELU, 0.01f, 0, 1, 0},
    {"ThresholdedRelu", ACT_THRESHOLDED_RELU, 1.0f, 0, 1, 0},
    {"ScaledTanh", ACT_SCALED_TANH, 1.0f, 1.0f, 1, 1},
    {"HardSigmoid", ACT_HARD_SIGMOID, 0.2f, 0.5f, 1, 1},
    {"Elu", ACT_ELU, 1.0f, 0, 1, 0},
    {"Softsign", ACT_SOFTSIGN, 0, 0, 0, 0},
    {"Softplus", ACT_SOFTPLUS, 0, 0, 0, 0},
};

static float act_one(const act_fn *a, float x) {
  switch (a->kind) {
    case ACT_RELU: return x > 0 ? x : 0;
    case ACT_TANH: return tanhf(x);
    case ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
    case ACT_AFFINE: return a->alpha * x + a->beta;
    case ACT_LEAKY_RELU: return x >= 0 ? x : a->alpha * x;
    case ACT_THRESHOLDED_RELU: return x > a->alpha ? x : 0;
    case ACT_SCALED_TANH: return a->alpha * tanhf(a->beta * x);
    case ACT_HARD_SIGMOID: return fmaxf(0.0f, fminf(1.0f, a->alpha * x + a->beta));
    case ACT_ELU: return x >= 0 ? x : a->alpha * (expf(x) - 1.0f);
    case ACT_SOFTSIGN: return x / (1.0f + fabsf(x));
    case ACT_SOFTPLUS: return x > 20.0f ? x : log1pf(expf(x));
  }
  return x;
}

static float clipf(float x, float c) { return x > c ? c : x < -c ? -c : x; }

/* ---- parse ------------------------------------------------------------------------------- */

/* Activations: `per_dir` per direction from the list, or the defaults; alphas and betas are
 * consumed in order by the functions that take them (as onnxruntime does). */
static wisp_status parse_activations(wisp_op_ctx *ctx, rnn_params *p, int per_dir,
                                     const act_kind *defaults) {
  const wisp_attr *names = wisp_node_attr(ctx->node, "activations");
  int n_alpha = 0, n_beta = 0, ia = 0, ib = 0;
  const float *alphas = wisp_attr_floats(ctx->node, "activation_alpha", &n_alpha);
  const float *betas = wisp_attr_floats(ctx->node, "activation_beta", &n_beta);
  if (names && names->type != WISP_ATTR_STRINGS)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "activations must be strings");
  if (names && names->count != per_dir * p->dirs)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "expects %d activations, has %d",
                        per_dir * p->dirs, names->count);
  for (int d = 0; d < p->dirs; d++)
    for (int k = 0; k < per_dir; k++) {
      act_fn *a = &p->act[d][k];
      if (!names) {
        a->kind = defaults[k];
        continue;
      }
      const wisp_bytes *s = &names->strings[d * per_dir + k];
      int found = -1;
      for (int j = 0; j < (int)(sizeof act_names / sizeof *act_names); j++)
        if (strlen(act_names[j].name) == s->len && !strncmp(act_names[j].name, s->data, s->len))
          found = j;
      if (found < 0)
        return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "activation '%.*s' is not supported",
                            (int)s->len, s->data);
      a->kind = act_names[found].kind;
      a->alpha = act_names[found].alpha;
      a->beta = act_names[found].beta;
      if (act_names[found].uses_alpha && ia < n_alpha) a->alpha = alphas[ia++];
      if (act_names[found].uses_beta && ib < n_beta) a->beta = betas[ib++];
    }
  return WISP_OK;
}

static wisp_status rnn_parse_common(wisp_op_ctx *ctx, int kind) {
  rnn_params *p = ctx->params;
  static const act_kind defaults[3][3] = {
      {ACT_TANH}, {ACT_SIGMOID, ACT_TANH}, {ACT_SIGMOID, ACT_TANH, ACT_TANH}};
  static const int gates[3] = {1, 3, 4};
  p->kind = kind;
  p->gates = gates[kind];
  const char *dir = wisp_attr_string(ctx->node, "direction", "forward");
  if (!strcmp(dir, "forward")) p->dirs = 1;
  else if (!strcmp(dir, "reverse")) p->dirs = 1, p->reverse = 1;
  else if (!strcmp(dir, "bidirectional")) p->dirs = 2;
  else return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "direction '%s' is not valid", dir);
  p->layout = (int)wisp_attr_int(ctx->node, "layout", 0);
  if (p->layout != 0 && p->layout != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "layout must be 0 or 1");
  p->hidden_attr = wisp_attr_int(ctx->node, "hidden_size", 0);
  if (p->hidden_attr < 0 || p->hidden_attr > (1 << 24))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "hidden_size %lld is not valid",
                        (long long)p->hidden_attr);
  const wisp_attr *clip = wisp_node_attr(ctx->node, "clip");
  p->clip = clip ? clip->f : INFINITY;
  if (!(p->clip > 0)) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "clip must be positive");
  p->lbr = kind == KIND_GRU && wisp_attr_int(ctx->node, "linear_before_reset", 0) != 0;
  p->input_forget = kind == KIND_LSTM && wisp_attr_int(ctx->node, "input_forget", 0) != 0;
  if (kind == KIND_RNN && wisp_node_attr(ctx->node, "output_sequence"))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "output_sequence (opset 1) is not supported");
  return parse_activations(ctx, p, kind + 1, defaults[kind]);
}

static wisp_status rnn_parse(wisp_op_ctx *ctx) { return rnn_parse_common(ctx, KIND_RNN); }
static wisp_status gru_parse(wisp_op_ctx *ctx) { return rnn_parse_common(ctx, KIND_GRU); }
static wisp_status lstm_parse(wisp_op_ctx *ctx) { return rnn_parse_common(ctx, KIND_LSTM); }

/* ---- infer ------------------------------------------------------------------------------- */

enum { IN_X, IN_W, IN_R, IN_B, IN_SEQ, IN_H0, IN_C0, IN_P };

/* Input `i` (when present) must be float32 of exactly these dims. */
static wisp_status expect_shape(const wisp_op_ctx *ctx, int i, int ndim, const int64_t *dims,
                                const char *what) {
  const wisp_tensor *t = i < ctx->n_in ? ctx->in[i] : NULL;
  if (!t) return WISP_OK;
  if (i == IN_SEQ) {
    if (t->dtype != WISP_DT_INT32)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "sequence_lens must be int32");
  } else {
    WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  }
  int ok = t->shape.ndim == ndim;
  for (int d = 0; ok && d < ndim; d++) ok = t->shape.dims[d] == dims[d];
  if (!ok) {
    char s[96];
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%s has shape %s", what,
                        wisp_shape_str(&t->shape, s, sizeof s));
  }
  return WISP_OK;
}

static int present(const wisp_op_ctx *ctx, int i) { return i < ctx->n_in && ctx->in[i]; }

/* Packs direction d's Wᵀ (with the biases that add to the projection) and Rᵀ. bias_tmp holds
 * G·H floats. */
static void pack_direction(const rnn_params *p, const wisp_op_ctx *ctx, int d, float *pw,
                           float *pr0, float *pr1, float *bias_tmp) {
  int64_t H = p->hidden, I = p->I, G = p->gates;
  const float *W = (const float *)ctx->in[IN_W]->data + d * G * H * I;
  const float *R = (const float *)ctx->in[IN_R]->data + d * G * H * H;
  const float *Bv = present(ctx, IN_B) ? (const float *)ctx->in[IN_B]->data + d * 2 * G * H : NULL;
  for (int64_t j = 0; j < G * H; j++) {
    float wb = Bv ? Bv[j] : 0, rb = Bv ? Bv[G * H + j] : 0;
    /* GRU lbr=1: Rb of the h gate is inside r ⊙ (…), so it goes with R's pack */
    bias_tmp[j] = wb + (p->lbr && j >= 2 * H ? 0 : rb);
  }
  wisp_f32_gemm_pack((int)I, (int)(G * H), W, 1, (ptrdiff_t)I, bias_tmp, pw);
  if (p->lbr) {
    for (int64_t j = 0; j < G * H; j++) bias_tmp[j] = j >= 2 * H && Bv ? Bv[G * H + j] : 0;
    wisp_f32_gemm_pack((int)H, (int)(G * H), R, 1, (ptrdiff_t)H, bias_tmp, pr0);
    return;
  }
  wisp_f32_gemm_pack((int)H, (int)(p->n_r0 * H), R, 1, (ptrdiff_t)H, NULL, pr0);
  if (p->n_r0 < G)
    wisp_f32_gemm_pack((int)H, (int)((G - p->n_r0) * H), R + p->n_r0 * H * H, 1, (ptrdiff_t)H, NULL,
                       pr1);
}

static wisp_status rnn_infer(wisp_op_ctx *ctx) {
  rnn_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 3, p->kind == KIND_LSTM ? 8 : 6));
  if (ctx->n_out > (p->kind == KIND_LSTM ? 3 : 2))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "has too many outputs");
  const wisp_tensor *X = ctx->in[IN_X], *R = ctx->in[IN_R];
  WISP_TRY(wisp_op_expect_dtype(ctx, IN_X, WISP_DT_FLOAT));
  if (X->shape.ndim != 3 || R->shape.ndim != 3)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "X and R must have rank 3");
  int64_t T = X->shape.dims[p->layout ? 1 : 0], B = X->shape.dims[p->layout ? 0 : 1];
  int64_t I = X->shape.dims[2], H = p->hidden_attr ? p->hidden_attr : R->shape.dims[2];
  int64_t G = p->gates, D = p->dirs, GH = G * H;
  if (H <= 0 || H > (1 << 24) || I > (1 << 24))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "hidden or input size is not valid");
  int64_t w[3] = {D, G * H, I}, r[3] = {D, G * H, H}, b[2] = {D, 2 * G * H}, pp[2] = {D, 3 * H};
  int64_t st[3] = {D, B, H}, seq[1] = {B};
  if (p->layout) st[0] = B, st[1] = D;
  WISP_TRY(expect_shape(ctx, IN_W, 3, w, "W"));
  WISP_TRY(expect_shape(ctx, IN_R, 3, r, "R"));
  WISP_TRY(expect_shape(ctx, IN_B, 2, b, "B"));
  WISP_TRY(expect_shape(ctx, IN_SEQ, 1, seq, "sequence_lens"));
  WISP_TRY(expect_shape(ctx, IN_H0, 3, st, "initial_h"));
  if (p->kind == KIND_LSTM) {
    WISP_TRY(expect_shape(ctx, IN_C0, 3, st, "initial_c"));
    WISP_TRY(expect_shape(ctx, IN_P, 2, pp, "P"));
  }
  /* every size below is bounded by its tensors' WISP_MAX_NUMEL, except the packs and the
   * projection, checked here */
  if (GH * I > WISP_MAX_NUMEL || GH * H > WISP_MAX_NUMEL || T * B * GH > WISP_MAX_NUMEL ||
      B * GH > WISP_MAX_NUMEL)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "sizes too large");
  p->T = T, p->B = B, p->I = I, p->hidden = H;

  for (int k = 0; k < ctx->n_out; k++) {
    wisp_tensor *o = ctx->out[k];
    if (!o) continue;
    o->dtype = WISP_DT_FLOAT;
    if (k == 0)
      o->shape = p->layout ? (wisp_shape){4, {B, T, D, H}} : (wisp_shape){4, {T, D, B, H}};
    else o->shape = (wisp_shape){3, {st[0], st[1], st[2]}};
  }

  p->n_r0 = p->kind == KIND_GRU && !p->lbr ? 2 : (int)G;
  /* packs hold (K + 1) rows of N rounded up to 8: bounded here so their sizes fit 32 bits */
  if ((GH + 8) * (I + 1) > WISP_MAX_NUMEL || (GH + 8) * (H + 1) > WISP_MAX_NUMEL)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "weights too large");
  p->pack_w = wisp_f32_gemm_packed_size((int)I, (int)(G * H));
  p->pack_r0 = wisp_f32_gemm_packed_size((int)H, (int)(p->n_r0 * H));
  p->pack_r1 = p->n_r0 < G ? wisp_f32_gemm_packed_size((int)H, (int)((G - p->n_r0) * H)) : 0;
  uint64_t pack = ((uint64_t)p->pack_w + p->pack_r0 + p->pack_r1) * (uint64_t)D;
  p->packed_once = ctx->in[IN_W]->data && R->data && (!present(ctx, IN_B) || ctx->in[IN_B]->data);
  /* scratch: the packs (unless kept in state), the projection, h, c, gates, r⊙h and its
   * product with R_h (GRU lbr=0), and the packing's bias row */
  uint64_t work =
      (uint64_t)(T * B * GH) + (uint64_t)(B * H) * 4 + (uint64_t)(B * GH) + (uint64_t)GH;
  ctx->scratch_bytes = (work + (p->packed_once ? 0 : pack)) * sizeof(float);
  if ((pack + (uint64_t)GH) * sizeof(float) > WISP_MAX_TENSOR_BYTES)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "weights too large");
  if (p->packed_once && !ctx->state) {
    float *packed = wisp_aligned_alloc((size_t)(pack + (uint64_t)GH) * sizeof(float));
    if (!packed) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory packing weights");
    ctx->state = packed;
    size_t per_dir = p->pack_w + p->pack_r0 + p->pack_r1;
    for (int d = 0; d < D; d++)
      pack_direction(p, ctx, d, packed + d * per_dir, packed + d * per_dir + p->pack_w,
                     packed + d * per_dir + p->pack_w + p->pack_r0, packed + pack);
  }
  return WISP_OK;
}

/* ---- exec -------------------------------------------------------------------------------- */

static wisp_status rnn_exec(wisp_op_ctx *ctx) {
  const rnn_params *p = ctx->params;
  int64_t T = p->T, B = p->B, I = p->I, H = p->hidden, G = p->gates, GH = G * H, D = p->dirs;
  size_t per_dir = p->pack_w + p->pack_r0 + p->pack_r1;
  float *s = ctx->scratch;
  float *packs = p->packed_once ? ctx->state : s;
  if (!p->packed_once) s += per_dir * (size_t)D;
  float *xw = s, *h = xw + T * B * GH, *c = h + B * H, *gates = c + B * H;
  float *rh = gates + B * GH, *rh_out = rh + B * H, *bias_tmp = rh_out + B * H;
  const float *X = ctx->in[IN_X]->data;
  const int32_t *seq = present(ctx, IN_SEQ) ? ctx->in[IN_SEQ]->data : NULL;
  const float *h0 = present(ctx, IN_H0) ? ctx->in[IN_H0]->data : NULL;
  const float *c0 = p->kind == KIND_LSTM && present(ctx, IN_C0) ? ctx->in[IN_C0]->data : NULL;
  const float *P = p->kind == KIND_LSTM && present(ctx, IN_P) ? ctx->in[IN_P]->data : NULL;
  float *Y = ctx->n_out > 0 && ctx->out[0] ? ctx->out[0]->data : NULL;
  float *Yh = ctx->n_out > 1 && ctx->out[1] ? ctx->out[1]->data : NULL;
  float *Yc = ctx->n_out > 2 && ctx->out[2] ? ctx->out[2]->data : NULL;
  for (int64_t b = 0; b < B; b++)
    if (seq && (seq[b] < 0 || seq[b] > T))
      return WISP_OP_FAIL(ctx, WISP_ERR_RUNTIME, "sequence_lens[%lld] = %d is outside [0, %lld]",
                          (long long)b, seq[b], (long long)T);
  if (Y && seq) memset(Y, 0, (size_t)(T * D * B * H) * sizeof(float)); /* past each length */
  memset(rh, 0, (size_t)(B * H) * sizeof(float)); /* rows of finished sequences stay defined */
  float clip = p->clip;
  for (int d = 0; d < D; d++) {
    float *pw = packs + d * per_dir, *pr0 = pw + p->pack_w, *pr1 = pr0 + p->pack_r0;
    if (!p->packed_once) pack_direction(p, ctx, d, pw, pr0, pr1, bias_tmp);
    const act_fn *f = &p->act[d][0], *g = &p->act[d][1], *ha = &p->act[d][2];
    const float *Pd = P ? P + d * 3 * H : NULL;
    int reverse = p->reverse || d == 1;
    /* X·Wᵀ + biases for every time step, rows in X's order */
    if (T > 0 && B > 0)
      wisp_f32_gemm((int)(T * B), (int)GH, (int)I, X, I, pw, xw, GH, -INFINITY, INFINITY);
    for (int64_t b = 0; b < B; b++) {
      int64_t at = p->layout ? (b * D + d) * H : (d * B + b) * H;
      for (int64_t j = 0; j < H; j++) {
        h[b * H + j] = h0 ? h0[at + j] : 0;
        c[b * H + j] = c0 ? c0[at + j] : 0;
      }
    }
    for (int64_t step = 0; step < T; step++) {
      /* H·Rᵀ for every row (GRU lbr=0: the z and r blocks only) */
      if (B)
        wisp_f32_gemm((int)B, (int)(p->n_r0 * H), (int)H, h, H, pr0, gates, GH, -INFINITY,
                      INFINITY);
      for (int pass = 0; pass < (p->n_r0 < G ? 2 : 1); pass++) {
        if (pass == 1 && B)
          wisp_f32_gemm((int)B, (int)H, (int)H, rh, H, pr1, rh_out, H, -INFINITY, INFINITY);
        for (int64_t b = 0; b < B; b++) {
          int64_t len = seq ? seq[b] : T;
          if (step >= len) continue;
          int64_t t = reverse ? len - 1 - step : step;
          const float *x = xw + (p->layout ? b * T + t : t * B + b) * GH;
          float *gr = gates + b * GH, *hb = h + b * H, *cb = c + b * H;
          if (p->kind == KIND_RNN) {
            for (int64_t j = 0; j < H; j++) hb[j] = act_one(f, clipf(x[j] + gr[j], clip));
          } else if (p->kind == KIND_GRU && !p->lbr && pass == 0) {
            /* z into gr[0..H), r ⊙ h into rh for the second GEMM */
            for (int64_t j = 0; j < H; j++) {
              gr[j] = act_one(f, clipf(x[j] + gr[j], clip));
              rh[b * H + j] = act_one(f, clipf(x[H + j] + gr[H + j], clip)) * hb[j];
            }
            continue;
          } else if (p->kind == KIND_GRU) {
            const float *ro = rh_out + b * H;
            for (int64_t j = 0; j < H; j++) {
              float z = p->lbr ? act_one(f, clipf(x[j] + gr[j], clip)) : gr[j], hc;
              if (p->lbr) {
                float r = act_one(f, clipf(x[H + j] + gr[H + j], clip));
                hc = act_one(g, clipf(x[2 * H + j] + r * gr[2 * H + j], clip));
              } else {
                hc = act_one(g, clipf(x[2 * H + j] + ro[j], clip));
              }
              hb[j] = (1 - z) * hc + z * hb[j];
            }
          } else {
            for (int64_t j = 0; j < H; j++) {
              float pi = x[j] + gr[j], po = x[H + j] + gr[H + j];
              float pf = x[2 * H + j] + gr[2 * H + j], pc = x[3 * H + j] + gr[3 * H + j];
              if (Pd) pi += Pd[j] * cb[j], pf += Pd[2 * H + j] * cb[j];
              float ig = act_one(f, clipf(pi, clip));
              float fg = p->input_forget ? 1 - ig : act_one(f, clipf(pf, clip));
              float cn = fg * cb[j] + ig * act_one(g, clipf(pc, clip));
              if (Pd) po += Pd[H + j] * cn;
              cb[j] = cn;
              hb[j] = act_one(f, clipf(po, clip)) * act_one(ha, cn);
            }
          }
          if (Y) {
            float *y = Y + (p->layout ? (b * T + t) * D + d : (t * D + d) * B + b) * H;
            memcpy(y, hb, (size_t)H * sizeof(float));
          }
        }
      }
    }
    for (int64_t b = 0; b < B; b++) {
      int64_t at = p->layout ? (b * D + d) * H : (d * B + b) * H;
      if (Yh) memcpy(Yh + at, h + b * H, (size_t)H * sizeof(float));
      if (Yc) memcpy(Yc + at, c + b * H, (size_t)H * sizeof(float));
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_RNN = {"", "RNN", sizeof(rnn_params), rnn_parse, rnn_infer, rnn_exec, 0};
const wisp_op_def wisp_op_GRU = {"", "GRU", sizeof(rnn_params), gru_parse, rnn_infer, rnn_exec, 0};
const wisp_op_def wisp_op_LSTM = {"",       "LSTM", sizeof(rnn_params), lstm_parse, rnn_infer,
                                  rnn_exec, 0};
