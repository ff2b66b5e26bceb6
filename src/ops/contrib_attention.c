/* contrib_attention.c — onnxruntime's com.microsoft Attention and MultiHeadAttention (no past
 * state), on the packed f32 GEMM and the vectorised exp:
 *
 *   Attention(input (B, S, Din), weights (Din, Dq+Dk+Dv), bias?, mask_index?, past = none,
 *             attention_bias?)           Q | K | V = input · weights + bias, then attention
 *   MultiHeadAttention(query (B, S, D), key (B, L, D), value (B, L, Dv), bias?,
 *                      key_padding_mask?, attention_bias?)
 *
 * Per batch b and head h (head sizes H = Dq / N, Hv = Dv / N):
 *   scores (S, L) = scale · Q_bh · K_bhᵀ + attention_bias + mask,  softmax over L,
 *   out[b, :, h·Hv : (h+1)·Hv] = scores · V_bh
 * Kᵀ and V are read in place through the packing strides (no transposes); scale (default
 * 1/√H) is folded into the packed Kᵀ, and softmax's division into the output rows. The mask is
 * additive: mask_filter_value (default -10000, as onnxruntime) where a key is padding — from
 * lengths (B), end and start positions (2B), a 0/1 key padding mask (B, L) or (B, S, L) — or in
 * the future of a query when unidirectional.
 * attention_bias may broadcast over any of B, N, S and L (onnxruntime's must be (B|1, N|1, S, L)).
 * Heads run in parallel, each on its thread's scratch, its queries in blocks of rows whose scores
 * stay in cache from the first product through the softmax to the second.
 *
 * MultiHeadAttention marked wisp_bsnh (src/fuse/attention.c, from BERT-style exports) takes
 * query (B, S, N, H), key (B, L, N, H) and value (B, L, N, Hv) — the same bytes as (B, S, N·H) —
 * and writes (B, S, N, Hv); the heads come from the shapes, and there is no bias or mask input.
 * Without B, (S, N, H) tensors are one batch (nn.MultiheadAttention's (S, B·N, H)).
 *
 * RotaryEmbedding(input (B, S, N·H) or (B, N, S, H), position_ids (B, S) or an offset (1),
 * cos_cache, sin_cache (positions, R/2)) rotates the first R = rotary_embedding_dim (default H)
 * dims of each head by the angle of its position: pairs (i, i + R/2), or (2i, 2i + 1) when
 * interleaved, become (x·cos - y·sin, y·cos + x·sin); the rest pass through. */
#include <math.h>
#include <string.h>

#include "../kernels/config.h"
#include "../threads.h"
#include "op.h"
#include "transformer.h"

typedef struct {
  int64_t heads;
  int unidirectional;
  float mask_filter, scale; /* scale 0: 1/√H */
  int64_t qkv_sizes[3];     /* Attention: Dq, Dk, Dv (0: equal thirds) */
  /* infer */
  int64_t B, S, L, H, Hv, Dv;
  int mask_kind;           /* 0 none, 1 lengths (B), 2 end/start (2B), 3 (B, L), 4 (B, S, L) */
  int64_t bias_strides[4]; /* attention_bias broadcast to (B, N, S, L): its element strides */
  int w_packed_once;       /* Attention: weights (and bias) constant, packed in ctx->state */
  int bsnh;  /* MultiHeadAttention on (B, S, N, H) tensors (see above): their rank, 3 or 4 */
  int slots; /* per-thread scratch slots */
  /* scratch: `before` bytes of the op's own, then per slot [packed Kᵀ (H × L)][packed V
   * (L × Hv)][scores (ATTN_ROWS × L)][mask + bias row (L)] */
  uint64_t before, slot_bytes, off_v, off_scores, off_mask;
} attn_params;

/* Query rows per block: a block's scores (ATTN_ROWS × L) stay in cache between the products. A
 * multiple of both f32 tile heights (4 and 6), so only a head's last block ends in a part tile
 * (32 left one in every block of the 6-row tile: BERT-tiny q8 2% slower under Node 24). */
#define ATTN_ROWS 48

static uint64_t round64(uint64_t n) { return (n + 63) / 64 * 64; }

static wisp_status attn_parse_common(wisp_op_ctx *ctx) {
  attn_params *p = ctx->params;
  p->bsnh = wisp_attr_int(ctx->node, "wisp_bsnh", 0) != 0;
  p->heads = p->bsnh ? 1 : wisp_attr_int(ctx->node, "num_heads", 0); /* bsnh: from the shapes */
  p->unidirectional = wisp_attr_int(ctx->node, "unidirectional", 0) != 0;
  p->mask_filter = wisp_attr_float(ctx->node, "mask_filter_value", -10000.0f);
  p->scale = wisp_attr_float(ctx->node, "scale", 0.0f);
  if (wisp_attr_int(ctx->node, "do_rotary", 0))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "do_rotary is not supported");
  if (p->heads < 1 || p->heads > 65536)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "num_heads must be positive");
  for (int k = 1; k < ctx->n_out; k++)
    if (ctx->node->out[k] >= 0)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "present (past state) outputs: unsupported");
  return WISP_OK;
}

static wisp_status attention_parse(wisp_op_ctx *ctx) {
  attn_params *p = ctx->params;
  WISP_TRY(attn_parse_common(ctx));
  int n;
  const int64_t *sizes = wisp_attr_ints(ctx->node, "qkv_hidden_sizes", &n);
  if (sizes && (n != 3 || sizes[0] != sizes[1] || sizes[0] <= 0 || sizes[2] <= 0))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "qkv_hidden_sizes must be 3 positive sizes, Q's = K's");
  for (int k = 0; sizes && k < 3; k++) p->qkv_sizes[k] = sizes[k];
  return WISP_OK;
}

static const wisp_tensor *opt_in(const wisp_op_ctx *ctx, int i) {
  return i < ctx->n_in ? ctx->in[i] : NULL;
}

/* The mask input (int32): its kind from its shape. */
static wisp_status mask_kind(wisp_op_ctx *ctx, const wisp_tensor *m) {
  attn_params *p = ctx->params;
  p->mask_kind = 0;
  if (!m) return WISP_OK;
  if (m->dtype != WISP_DT_INT32)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "the mask must be int32");
  const wisp_shape *s = &m->shape;
  if (s->ndim == 1 && s->dims[0] == p->B) p->mask_kind = 1;
  else if (s->ndim == 1 && s->dims[0] == 2 * p->B) p->mask_kind = 2;
  else if (s->ndim == 2 && s->dims[0] == p->B && s->dims[1] == p->L) p->mask_kind = 3;
  else if (s->ndim == 3 && s->dims[0] == p->B && s->dims[1] == p->S && s->dims[2] == p->L)
    p->mask_kind = 4;
  else
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "the mask must be (B), (2B), (B, L) or (B, S, L) (B %lld, S %lld, L %lld)",
                        (long long)p->B, (long long)p->S, (long long)p->L);
  return WISP_OK;
}

/* attention_bias, broadcast (numpy rules) to (B, N, S, L): its strides per dim. */
static wisp_status attn_bias_check(wisp_op_ctx *ctx, const wisp_tensor *t) {
  attn_params *p = ctx->params;
  for (int i = 0; i < 4; i++) p->bias_strides[i] = 0;
  if (!t) return WISP_OK;
  const int64_t full[4] = {p->B, p->heads, p->S, p->L};
  int nd = t->shape.ndim;
  int ok = t->dtype == WISP_DT_FLOAT && nd <= 4;
  int64_t stride = 1;
  for (int i = 3, d = nd - 1; ok && i >= 0; i--, d--) {
    int64_t n = d >= 0 ? t->shape.dims[d] : 1;
    ok = n == 1 || n == full[i];
    p->bias_strides[i] = n == 1 ? 0 : stride;
    stride *= n;
  }
  if (!ok)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "attention_bias must be float and broadcast to (B, N, S, L) = (%lld, %lld, "
                        "%lld, %lld)",
                        (long long)p->B, (long long)p->heads, (long long)p->S, (long long)p->L);
  return WISP_OK;
}

/* Head sizes, output shape and the scratch of the attention core (after `before` bytes). */
static wisp_status attn_plan(wisp_op_ctx *ctx, int64_t Dq, int64_t Dv, uint64_t before) {
  attn_params *p = ctx->params;
  if (Dq % p->heads || Dv % p->heads)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "hidden sizes %lld, %lld do not divide by %lld heads", (long long)Dq,
                        (long long)Dv, (long long)p->heads);
  p->H = Dq / p->heads, p->Hv = Dv / p->heads, p->Dv = Dv;
  if (p->S * p->L > WISP_MAX_NUMEL || p->S > INT32_MAX || p->L > INT32_MAX || p->H > INT32_MAX ||
      p->Hv > INT32_MAX)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "sequence or head sizes too large");
  wisp_tensor *o = ctx->out[0];
  o->dtype = WISP_DT_FLOAT;
  o->shape = p->bsnh == 4   ? (wisp_shape){4, {p->B, p->S, p->heads, p->Hv}}
             : p->bsnh == 3 ? (wisp_shape){3, {p->S, p->heads, p->Hv}}
                            : (wisp_shape){3, {p->B, p->S, Dv}};
  WISP_TRY(wisp_shape_check(&o->shape, "attention output"));
  /* H·L and L·Hv are at most K's and V's element counts: the float counts fit in size_t */
  uint64_t rows = p->S < ATTN_ROWS ? (uint64_t)p->S : ATTN_ROWS;
  p->before = before;
  p->off_v = round64((uint64_t)wisp_f32_gemm_packed_size((int)p->H, (int)p->L) * 4);
  p->off_scores =
      p->off_v + round64((uint64_t)wisp_f32_gemm_packed_size((int)p->L, (int)p->Hv) * 4);
  p->off_mask = p->off_scores + round64(rows * (uint64_t)p->L * sizeof(float));
  p->slot_bytes = p->off_mask + round64((uint64_t)p->L * sizeof(float));
  int64_t heads = p->B * p->heads;
  p->slots = heads >= 2 && wisp_threads() > 1 ? wisp_threads() : 1;
  ctx->scratch_bytes = before + (uint64_t)p->slots * p->slot_bytes;
  return WISP_OK;
}

/* Row s of batch b's mask (L): 0 or mask_filter_value. */
static void mask_row(const attn_params *p, const int32_t *m, int64_t b, int64_t s, float *mask) {
  const int64_t S = p->S, L = p->L;
  for (int64_t l = 0; l < L; l++) {
    int keep = 1;
    switch (p->mask_kind) {
      case 1: keep = l < m[b]; break;
      case 2: keep = l < m[b] && l >= m[p->B + b]; break;
      case 3: keep = m[b * L + l] != 0; break;
      case 4: keep = m[(b * S + s) * L + l] != 0; break;
      default: break;
    }
    if (p->unidirectional && S > 1 && l > s) keep = 0;
    mask[l] = keep ? 0.0f : p->mask_filter;
  }
}

typedef struct {
  wisp_op_ctx *ctx;
  const float *q, *k, *v, *bias;
  int64_t ldq, ldk, ldv;
  const int32_t *mask;
  float *out;
} attend_job;

/* Row s of batch b's scores (L) plus attention_bias (bias: this batch and head's) and the mask,
 * exponentiated after subtracting their max; returns the row's sum. The caller divides the
 * output row by it (Hv multiplies instead of L). add: an L-float buffer. */
static float exp_scores(const attend_job *a, const float *bias, int64_t b, int64_t s, float *row,
                        float *add) {
  const attn_params *p = a->ctx->params;
  const wisp_vmath_config *vm = &wisp_kernels()->vmath;
  const int64_t L = p->L;
  const float *bias_row = bias ? bias + s * p->bias_strides[2] : NULL, *plus = bias_row;
  if (p->mask_kind || (p->unidirectional && p->S > 1) || (bias && !p->bias_strides[3])) {
    mask_row(p, a->mask, b, s, add);
    if (bias)
      for (int64_t l = 0; l < L; l++) add[l] += bias_row[p->bias_strides[3] ? l : 0];
    plus = add;
  }
  float max = vm->addmax((size_t)L, row, plus, row);
  return vm->exp((size_t)L, row, max, row);
}

/* Heads [t0, t0 + nt) of the B·N (batch, head) pairs, in this thread's slot of scratch. */
static void attend_heads(void *c, int thread, size_t t0, size_t j, size_t nt, size_t nj) {
  const attend_job *a = c;
  const attn_params *p = a->ctx->params;
  const wisp_f32_vaffine_fn scale_by = wisp_kernels()->vmath.affine; /* x·a + 0, vectorised */
  const int S = (int)p->S, L = (int)p->L, H = (int)p->H, Hv = (int)p->Hv;
  char *slot = (char *)a->ctx->scratch + p->before + (size_t)thread * p->slot_bytes;
  float *kt = (float *)slot, *vp = (float *)(slot + p->off_v);
  float *scores = (float *)(slot + p->off_scores), *add = (float *)(slot + p->off_mask);
  float scale = p->scale != 0.0f ? p->scale : 1.0f / sqrtf((float)H), inv[ATTN_ROWS];
  size_t kt_size = wisp_f32_gemm_packed_size(H, L);
  for (size_t t = t0; t < t0 + nt; t++) {
    int64_t b = (int64_t)t / p->heads, h = (int64_t)t % p->heads;
    const float *qb = a->q + b * S * a->ldq + h * H, *kb = a->k + b * L * a->ldk + h * H;
    const float *vb = a->v + b * L * a->ldv + h * Hv;
    float *ob = a->out + b * S * p->Dv + h * Hv;
    /* Kᵀ (H × L): element (i, l) is kb[l·ldk + i] */
    wisp_f32_gemm_pack(H, L, kb, 1, (ptrdiff_t)a->ldk, NULL, kt);
    scale_by(kt_size, kt, scale, 0.0f, -INFINITY, INFINITY, kt);
    wisp_f32_gemm_pack(L, Hv, vb, (ptrdiff_t)a->ldv, 1, NULL, vp);
    const float *ab = a->bias ? a->bias + b * p->bias_strides[0] + h * p->bias_strides[1] : NULL;
    for (int s0 = 0; s0 < S; s0 += ATTN_ROWS) {
      int rows = S - s0 < ATTN_ROWS ? S - s0 : ATTN_ROWS;
      float *o = ob + s0 * p->Dv;
      wisp_f32_gemm(rows, L, H, qb + s0 * a->ldq, (ptrdiff_t)a->ldq, kt, scores, L, -INFINITY,
                    INFINITY);
      for (int r = 0; r < rows; r++)
        inv[r] = 1.0f / exp_scores(a, ab, b, s0 + r, scores + (size_t)r * L, add);
      wisp_f32_gemm(rows, Hv, L, scores, L, vp, o, (ptrdiff_t)p->Dv, -INFINITY, INFINITY);
      for (int r = 0; r < rows; r++)
        scale_by((size_t)Hv, o + r * p->Dv, inv[r], 0.0f, -INFINITY, INFINITY, o + r * p->Dv);
    }
  }
}

/* The core: Q (B, S, ·) rows ldq apart, K and V (B, L, ·) rows ldk / ldv apart, head h at
 * column h·H (h·Hv for V); out (B, S, Dv). */
static void attend(wisp_op_ctx *ctx, const float *q, int64_t ldq, const float *k, int64_t ldk,
                   const float *v, int64_t ldv, const int32_t *mask, const float *bias,
                   float *out) {
  const attn_params *p = ctx->params;
  attend_job a = {ctx, q, k, v, bias, ldq, ldk, ldv, mask, out};
  size_t heads = (size_t)(p->B * p->heads);
  if (p->slots > 1 && wisp_threads() > 1 && wisp_threads() <= p->slots)
    wisp_parallel_2d(heads, 1, 1, 1, attend_heads, &a);
  else attend_heads(&a, 0, 0, 0, heads, 1);
}

/* ---- Attention ---------------------------------------------------------------------------- */

static wisp_status attention_infer(wisp_op_ctx *ctx) {
  attn_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 7));
  const wisp_tensor *x = ctx->in[0], *w = ctx->in[1], *bias = opt_in(ctx, 2);
  if (opt_in(ctx, 4) || opt_in(ctx, 6))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "past state is not supported");
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  WISP_TRY(wisp_op_expect_dtype(ctx, 1, WISP_DT_FLOAT));
  if (x->shape.ndim != 3 || w->shape.ndim != 2 || w->shape.dims[0] != x->shape.dims[2])
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "needs input (B, S, D) and weights (D, 3·hidden)");
  int64_t Din = x->shape.dims[2], W3 = w->shape.dims[1];
  int64_t Dq = p->qkv_sizes[0] ? p->qkv_sizes[0] : W3 / 3;
  int64_t Dv = p->qkv_sizes[0] ? p->qkv_sizes[2] : W3 / 3;
  if (2 * Dq + Dv != W3)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "weights have %lld columns, not Dq + Dk + Dv",
                        (long long)W3);
  if (bias && (bias->dtype != WISP_DT_FLOAT || bias->shape.ndim != 1 || bias->shape.dims[0] != W3))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "bias must be float (%lld)", (long long)W3);
  p->B = x->shape.dims[0], p->S = p->L = x->shape.dims[1];
  if (Din > INT32_MAX || W3 > INT32_MAX || Din * W3 > WISP_MAX_NUMEL)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "weights too large");
  WISP_TRY(mask_kind(ctx, opt_in(ctx, 3)));
  WISP_TRY(attn_bias_check(ctx, opt_in(ctx, 5)));
  /* scratch: [QKV (B·S × W3)][packed weights unless constant][the core's] */
  uint64_t wbytes = (uint64_t)wisp_f32_gemm_packed_size((int)Din, (int)W3) * sizeof(float);
  uint64_t qkv = (uint64_t)p->B * p->S * W3 * sizeof(float);
  if (qkv > WISP_MAX_TENSOR_BYTES || wbytes > WISP_MAX_TENSOR_BYTES)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "Q, K, V or the weights would exceed 2 GB");
  p->w_packed_once = w->data && (!bias || bias->data);
  if (p->w_packed_once && !ctx->state) {
    ctx->state = wisp_aligned_alloc((size_t)wbytes);
    if (!ctx->state) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory packing weights");
    wisp_f32_gemm_pack((int)Din, (int)W3, w->data, W3, 1, bias ? bias->data : NULL, ctx->state);
  }
  return attn_plan(ctx, Dq, Dv, round64(qkv) + (p->w_packed_once ? 0 : round64(wbytes)));
}

static wisp_status attention_exec(wisp_op_ctx *ctx) {
  const attn_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0], *w = ctx->in[1], *bias = opt_in(ctx, 2);
  const wisp_tensor *mask = opt_in(ctx, 3), *ab = opt_in(ctx, 5);
  int Din = (int)x->shape.dims[2], W3 = (int)w->shape.dims[1];
  int64_t Dq = p->H * p->heads, rows = p->B * p->S;
  float *qkv = ctx->scratch;
  const float *packed = ctx->state;
  if (!p->w_packed_once) {
    float *pk = (float *)((char *)ctx->scratch + round64((uint64_t)(rows * W3) * sizeof(float)));
    wisp_f32_gemm_pack(Din, W3, w->data, W3, 1, bias ? bias->data : NULL, pk);
    packed = pk;
  }
  wisp_f32_gemm((int)rows, W3, Din, x->data, Din, packed, qkv, W3, -INFINITY, INFINITY);
  attend(ctx, qkv, W3, qkv + Dq, W3, qkv + 2 * Dq, W3, mask ? mask->data : NULL,
         ab ? ab->data : NULL, ctx->out[0]->data);
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_Attention = {"com.microsoft",
                                          "Attention",
                                          sizeof(attn_params),
                                          attention_parse,
                                          attention_infer,
                                          attention_exec,
                                          0};

/* ---- MultiHeadAttention ------------------------------------------------------------------- */

/* wisp_bsnh: query (B, S, N, H), key (B, L, N, H), value (B, L, N, Hv), attention_bias; or all
 * three without B, (S, N, H): nn.MultiheadAttention's (S, B·N, H), one batch of B·N heads. */
static wisp_status mha_bsnh_infer(wisp_op_ctx *ctx) {
  attn_params *p = ctx->params;
  const wisp_tensor *q = ctx->in[0], *k = opt_in(ctx, 1), *v = opt_in(ctx, 2);
  int r = q->shape.ndim;
  if (!k || !v || (r != 3 && r != 4) || k->shape.ndim != r || v->shape.ndim != r ||
      opt_in(ctx, 3) || opt_in(ctx, 4) || ctx->n_in > 6)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "wisp_bsnh takes query, key and value (B, S|L, N, H) or (S|L, N, H) and "
                        "a bias only");
  for (int i = 0; i < 3; i++) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  /* as (B, S, N, H), B = 1 for rank 3 */
  int64_t dq[4] = {1, 1, 1, 1}, dk[4] = {1, 1, 1, 1}, dv[4] = {1, 1, 1, 1};
  for (int i = 0; i < r; i++) {
    dq[4 - r + i] = q->shape.dims[i];
    dk[4 - r + i] = k->shape.dims[i];
    dv[4 - r + i] = v->shape.dims[i];
  }
  if (dk[0] != dq[0] || dv[0] != dq[0] || dk[1] != dv[1] || dk[2] != dq[2] || dv[2] != dq[2] ||
      dk[3] != dq[3] || dq[2] < 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "query, key and value shapes do not match");
  p->B = dq[0], p->S = dq[1], p->L = dk[1], p->heads = dq[2], p->mask_kind = 0;
  p->bsnh = r; /* the output's rank (attn_plan) */
  WISP_TRY(attn_bias_check(ctx, opt_in(ctx, 5)));
  return attn_plan(ctx, dq[2] * dq[3], dv[2] * dv[3], 0);
}

static wisp_status mha_infer(wisp_op_ctx *ctx) {
  attn_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 10));
  if (p->bsnh) return mha_bsnh_infer(ctx);
  const wisp_tensor *q = ctx->in[0], *k = opt_in(ctx, 1), *v = opt_in(ctx, 2);
  const wisp_tensor *bias = opt_in(ctx, 3);
  if (!k || !v || q->shape.ndim != 3 || k->shape.ndim != 3 || v->shape.ndim != 3)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "wisp supports query (B, S, D), key (B, L, D) and value (B, L, Dv) only");
  for (int i = 6; i < ctx->n_in; i++)
    if (ctx->in[i]) return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "past state is not supported");
  for (int i = 0; i < 3; i++) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  int64_t D = q->shape.dims[2], Dv = v->shape.dims[2];
  p->B = q->shape.dims[0], p->S = q->shape.dims[1], p->L = k->shape.dims[1];
  if (k->shape.dims[0] != p->B || v->shape.dims[0] != p->B || v->shape.dims[1] != p->L ||
      k->shape.dims[2] != D)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "query, key and value shapes do not match");
  if (bias &&
      (bias->dtype != WISP_DT_FLOAT || bias->shape.ndim != 1 || bias->shape.dims[0] != 2 * D + Dv))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "bias must be float (%lld)",
                        (long long)(2 * D + Dv));
  WISP_TRY(mask_kind(ctx, opt_in(ctx, 4)));
  WISP_TRY(attn_bias_check(ctx, opt_in(ctx, 5)));
  /* scratch with a bias: [Q + bq][K + bk][V + bv] */
  uint64_t copies =
      bias ? ((uint64_t)p->S * D + (uint64_t)p->L * (D + Dv)) * p->B * sizeof(float) : 0;
  if (copies > WISP_MAX_TENSOR_BYTES)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "biased Q, K, V would exceed 2 GB");
  return attn_plan(ctx, D, Dv, round64(copies));
}

/* dst (rows, D) = src + bias (D) */
static float *add_bias(float *dst, const float *src, const float *bias, int64_t rows, int64_t D) {
  for (int64_t r = 0; r < rows; r++)
    for (int64_t i = 0; i < D; i++) dst[r * D + i] = src[r * D + i] + bias[i];
  return dst;
}

static wisp_status mha_exec(wisp_op_ctx *ctx) {
  const attn_params *p = ctx->params;
  const wisp_tensor *bias = opt_in(ctx, 3), *mask = opt_in(ctx, 4), *ab = opt_in(ctx, 5);
  int64_t D = p->H * p->heads, Dv = p->Dv;
  const float *q = ctx->in[0]->data, *k = ctx->in[1]->data, *v = ctx->in[2]->data;
  if (bias) {
    const float *b = bias->data;
    float *qc = ctx->scratch, *kc = qc + p->B * p->S * D, *vc = kc + p->B * p->L * D;
    q = add_bias(qc, q, b, p->B * p->S, D);
    k = add_bias(kc, k, b + D, p->B * p->L, D);
    v = add_bias(vc, v, b + 2 * D, p->B * p->L, Dv);
  }
  attend(ctx, q, D, k, D, v, Dv, mask ? mask->data : NULL, ab ? ab->data : NULL, ctx->out[0]->data);
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_MultiHeadAttention = {"com.microsoft",
                                                   "MultiHeadAttention",
                                                   sizeof(attn_params),
                                                   attn_parse_common,
                                                   mha_infer,
                                                   mha_exec,
                                                   0};

/* ---- RotaryEmbedding ---------------------------------------------------------------------- */

typedef struct {
  int interleaved;
  int64_t heads, rot; /* attributes (0: from the shapes) */
  int64_t B, S, N, H, R;
  int64_t batch_stride, seq_stride, head_stride;
  int offset_ids; /* position_ids is one offset: positions offset + s */
} rotary_params;

static wisp_status rotary_parse(wisp_op_ctx *ctx) {
  rotary_params *p = ctx->params;
  p->interleaved = wisp_attr_int(ctx->node, "interleaved", 0) != 0;
  p->heads = wisp_attr_int(ctx->node, "num_heads", 0);
  p->rot = wisp_attr_int(ctx->node, "rotary_embedding_dim", 0);
  if (p->heads < 0 || p->rot < 0 || p->heads > INT32_MAX || p->rot > INT32_MAX ||
      (p->rot && !p->heads))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "num_heads, rotary_embedding_dim must be >= 0; the latter needs num_heads");
  if (wisp_attr_int(ctx->node, "is_packed_batching", 0))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "is_packed_batching is not supported");
  return WISP_OK;
}

static wisp_status rotary_infer(wisp_op_ctx *ctx) {
  rotary_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 4, 4));
  for (int i = 0; i < 4; i++)
    WISP_TRY(wisp_op_expect_dtype(ctx, i, i == 1 ? WISP_DT_INT64 : WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape, *ps = &ctx->in[1]->shape, *cs = &ctx->in[2]->shape;
  if (cs->ndim != 2 || !wisp_shape_equal(cs, &ctx->in[3]->shape) ||
      (xs->ndim != 3 && xs->ndim != 4))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "needs input (B, S, D) or (B, N, S, H) and equal 2-D cos and sin caches");
  p->B = xs->dims[0];
  if (xs->ndim == 4) { /* (B, N, S, H) */
    p->N = xs->dims[1], p->S = xs->dims[2], p->H = xs->dims[3];
    p->head_stride = p->S * p->H, p->seq_stride = p->H;
  } else { /* (B, S, N·H) */
    int64_t D = xs->dims[2];
    p->S = xs->dims[1];
    p->H = p->heads ? (D % p->heads ? -1 : D / p->heads) : 2 * cs->dims[1];
    if (p->H <= 0 || D % p->H)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "hidden size %lld does not split into heads",
                          (long long)D);
    p->N = D / p->H, p->head_stride = p->H, p->seq_stride = D;
  }
  p->batch_stride = p->N * p->S * p->H;
  p->R = p->rot ? p->rot : p->H;
  if (p->R > p->H || p->R % 2 || cs->dims[1] != p->R / 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "rotary dims %lld: even, <= the head size %lld, twice the caches' %lld",
                        (long long)p->R, (long long)p->H, (long long)cs->dims[1]);
  p->offset_ids = wisp_shape_numel(ps) == 1 && !(ps->ndim == 2 && p->B == 1 && p->S == 1);
  if (!p->offset_ids && (ps->ndim != 2 || ps->dims[0] != p->B || ps->dims[1] != p->S))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "position_ids must be (B, S) or one offset");
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

static wisp_status rotary_exec(wisp_op_ctx *ctx) {
  const rotary_params *p = ctx->params;
  const float *x = ctx->in[0]->data, *cos_c = ctx->in[2]->data, *sin_c = ctx->in[3]->data;
  const int64_t *pid = ctx->in[1]->data;
  float *y = ctx->out[0]->data;
  const int64_t half = p->R / 2, positions = ctx->in[2]->shape.dims[0];
  for (int64_t b = 0; b < p->B; b++)
    for (int64_t s = 0; s < p->S; s++) {
      int64_t pos = p->offset_ids ? pid[0] + s : pid[b * p->S + s];
      if (pos < 0 || pos >= positions)
        return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                            "position %lld is out of the caches' range (%lld)", (long long)pos,
                            (long long)positions);
      const float *c = cos_c + pos * half, *sn = sin_c + pos * half;
      for (int64_t n = 0; n < p->N; n++) {
        int64_t off = b * p->batch_stride + s * p->seq_stride + n * p->head_stride;
        const float *xi = x + off;
        float *yo = y + off;
        for (int64_t i = 0; i < half; i++) {
          int64_t i1 = p->interleaved ? 2 * i : i, i2 = p->interleaved ? 2 * i + 1 : i + half;
          float u = xi[i1], v = xi[i2];
          yo[i1] = u * c[i] - v * sn[i];
          yo[i2] = v * c[i] + u * sn[i];
        }
        for (int64_t i = p->R; i < p->H; i++) yo[i] = xi[i];
      }
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_RotaryEmbedding = {"com.microsoft",
                                                "RotaryEmbedding",
                                                sizeof(rotary_params),
                                                rotary_parse,
                                                rotary_infer,
                                                rotary_exec,
                                                0};
