/* matmul.c — MatMul (numpy semantics, batch broadcasting) and Gemm, over the packed f32 GEMM.
 * Constant weights are packed once (into ctx->state); activations on the B side are packed
 * into scratch on each run. A MatMul that src/fuse/ merged with the Add after it has a third input,
 * a constant bias (N), packed with the weights. The same code runs com.microsoft FusedMatMul
 * (contrib.c): its transposes of B cost nothing (packing reads B through strides), transposed A
 * is copied into scratch, and alpha scales the packed B like the fused scale does. */
#include <math.h>
#include <string.h>

#include "../kernels/config.h"
#include "matmul.h"
#include "../threads.h"

/* ---- MatMul ------------------------------------------------------------------------------ */

/* The epilogue's scale (src/fuse/) times every packed weight and bias:
 * (A·B + b)·s = A·(s·B) + s·b. */
static void scale_packed(float *packed, size_t n, float scale) {
  if (scale != 1.0f)
    for (size_t i = 0; i < n; i++) packed[i] *= scale;
}

void wisp_matmul_defaults(wisp_op_ctx *ctx) {
  wisp_matmul_params *p = ctx->params;
  const wisp_epilogue *e = wisp_node_epilogue(ctx->node);
  p->alpha = e->scale;
  p->lo = e->lo, p->hi = e->hi;
}

static wisp_status matmul_parse(wisp_op_ctx *ctx) {
  wisp_matmul_defaults(ctx);
  return WISP_OK;
}

/* An operand of shape s as a batch of matrices (rows, cols) after its transposes: the batch
 * shape, the element stride of each batch dim, and of rows and columns (s contiguous). A vector
 * is (1, K) on the left and (K, 1) on the right. */
static void operand_view(const wisp_shape *s, int left, int trans, int trans_batch,
                         wisp_shape *batch, int64_t *bstride, int64_t *rows, int64_t *cols,
                         int64_t *rs, int64_t *cs) {
  int r = s->ndim;
  int64_t st[WISP_MAX_DIMS], acc = 1;
  for (int d = r - 1; d >= 0; d--) st[d] = acc, acc *= s->dims[d];
  batch->ndim = 0;
  if (r == 1) {
    *rows = left ? 1 : s->dims[0], *cols = left ? s->dims[0] : 1;
    *rs = left ? 0 : 1, *cs = left ? 1 : 0;
    return;
  }
  int row = trans_batch ? 0 : r - 2, col = r - 1, first = trans_batch ? 1 : 0;
  if (trans) row ^= col, col ^= row, row ^= col;
  for (int d = first; d < first + r - 2; d++) {
    bstride[batch->ndim] = s->dims[d] == 1 ? 0 : st[d];
    batch->dims[batch->ndim++] = s->dims[d];
  }
  *rows = s->dims[row], *cols = s->dims[col], *rs = st[row], *cs = st[col];
}

/* Element strides of a batch (strides st over shape s) right-aligned to the output batch o. */
static void align_strides(const wisp_shape *s, const int64_t *st, const wisp_shape *o,
                          int64_t *out) {
  for (int d = 0; d < o->ndim; d++) {
    int j = d - (o->ndim - s->ndim);
    out[d] = j < 0 ? 0 : st[j];
  }
}

wisp_status wisp_matmul_infer(wisp_op_ctx *ctx) {
  wisp_matmul_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 3));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  WISP_TRY(wisp_op_expect_dtype(ctx, 1, WISP_DT_FLOAT));
  const wisp_tensor *bias = ctx->n_in > 2 ? ctx->in[2] : NULL;
  const wisp_shape *as = &ctx->in[0]->shape, *bs = &ctx->in[1]->shape;
  if (as->ndim == 0 || bs->ndim == 0)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "inputs must have rank >= 1");
  wisp_shape ab, bb, ob;
  int64_t ast[WISP_MAX_DIMS], bst[WISP_MAX_DIMS], M, K, Kb, N;
  operand_view(as, 1, p->trans_a, p->trans_batch_a, &ab, ast, &M, &K, &p->a_row, &p->a_col);
  operand_view(bs, 0, p->trans_b, p->trans_batch_b, &bb, bst, &Kb, &N, &p->b_row, &p->b_col);
  if (Kb != K) {
    char sa[96], sb[96];
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "shapes %s and %s do not multiply",
                        wisp_shape_str(as, sa, sizeof sa), wisp_shape_str(bs, sb, sizeof sb));
  }
  WISP_TRY(wisp_broadcast_shape(&ab, &bb, &ob, ctx->node->op_type));
  p->M = (int)M, p->K = (int)K, p->N = (int)N;
  p->batch_ndim = ob.ndim;
  memcpy(p->batch, ob.dims, sizeof(int64_t) * (size_t)ob.ndim);
  align_strides(&ab, ast, &ob, p->a_stride);
  align_strides(&bb, bst, &ob, p->b_stride);
  /* output: batch dims, then M and N unless they came from a vector */
  wisp_tensor *o = ctx->out[0];
  o->dtype = WISP_DT_FLOAT;
  o->shape = ob;
  if (as->ndim > 1) o->shape.dims[o->shape.ndim++] = M;
  if (bs->ndim > 1) o->shape.dims[o->shape.ndim++] = N;
  WISP_TRY(wisp_shape_check(&o->shape, "MatMul output"));
  if (M * K > WISP_MAX_NUMEL || K * N > WISP_MAX_NUMEL)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "matrices too large");

  uint64_t packed = wisp_kernels()->f32_gemm.packed_size((int)K, (int)N) * sizeof(float);
  if (packed > WISP_MAX_ALLOC_BYTES || (uint64_t)(M * K) * sizeof(float) > WISP_MAX_ALLOC_BYTES)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "packed matrices would exceed 2 GB");
  p->b_packed_once = ctx->in[1]->data && bb.ndim == 0;
  if (bias && (!p->b_packed_once || !bias->data || bias->dtype != WISP_DT_FLOAT ||
               bias->shape.ndim != 1 || bias->shape.dims[0] != N))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "a bias needs constant 2-D weights and (N) values");
  if (p->b_packed_once && !ctx->state) {
    ctx->state = wisp_aligned_alloc(packed);
    if (!ctx->state) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory packing weights");
    wisp_kernels()->f32_gemm.pack((int)K, (int)N, ctx->in[1]->data, p->b_row, p->b_col,
                                  bias ? bias->data : NULL, ctx->state);
    scale_packed(ctx->state, packed / sizeof(float), p->alpha);
  }
  p->a_copy = p->a_col != 1 && K > 1;
  p->b_scratch = p->b_packed_once ? 0 : (packed + 63) / 64 * 64;
  p->slot_bytes = (p->b_scratch + (p->a_copy ? (size_t)(M * K) * sizeof(float) : 0) + 63) / 64 * 64;
  /* many small GEMMs (attention heads): whole batches over the threads, not each GEMM's tiles */
  int64_t n_batch = 1;
  for (int d = 0; d < p->batch_ndim; d++) n_batch *= p->batch[d];
  p->slots = wisp_threads() > 1 && n_batch >= 2 * wisp_threads() ? wisp_threads() : 1;
  ctx->scratch_bytes = (uint64_t)p->slots * p->slot_bytes;
  return WISP_OK;
}

/* Batches [t0, t0 + nt), in this thread's slot of scratch (NULL when nothing is packed or
 * copied per batch). */
static void matmul_batches(void *c, int thread, size_t t0, size_t j, size_t nt, size_t nj) {
  wisp_op_ctx *ctx = c;
  const wisp_matmul_params *p = ctx->params;
  const float *A = ctx->in[0]->data, *B = ctx->in[1]->data;
  float *C = ctx->out[0]->data;
  int M = p->M, K = p->K, N = p->N;
  float *slot =
      ctx->scratch ? (float *)((char *)ctx->scratch + (size_t)thread * p->slot_bytes) : NULL;
  float *a_copy = p->a_copy ? (float *)((char *)slot + p->b_scratch) : NULL;
  int64_t idx[WISP_MAX_DIMS] = {0};
  for (int64_t r = (int64_t)t0, d = p->batch_ndim - 1; d >= 0; d--) /* t0's batch index */
    idx[d] = r % p->batch[d], r /= p->batch[d];
  for (int64_t t = (int64_t)t0; t < (int64_t)(t0 + nt); t++) {
    int64_t ao = 0, bo = 0;
    for (int d = 0; d < p->batch_ndim; d++)
      ao += idx[d] * p->a_stride[d], bo += idx[d] * p->b_stride[d];
    const float *packed = ctx->state, *a = A + ao;
    ptrdiff_t lda = p->a_row;
    if (!p->b_packed_once) {
      wisp_kernels()->f32_gemm.pack(K, N, B + bo, p->b_row, p->b_col, NULL, slot);
      scale_packed(slot, wisp_kernels()->f32_gemm.packed_size(K, N), p->alpha);
      packed = slot;
    }
    if (p->a_copy) { /* A (M, K) through its strides into rows */
      for (int m = 0; m < M; m++)
        for (int k = 0; k < K; k++) a_copy[(size_t)m * K + k] = a[m * p->a_row + k * p->a_col];
      a = a_copy, lda = K;
    }
    wisp_f32_gemm(M, N, K, a, lda, packed, C + t * M * N, N, p->lo, p->hi);
    for (int d = p->batch_ndim - 1; d >= 0; d--) {
      if (++idx[d] < p->batch[d]) break;
      idx[d] = 0;
    }
  }
}

wisp_status wisp_matmul_exec(wisp_op_ctx *ctx) {
  const wisp_matmul_params *p = ctx->params;
  const float *A = ctx->in[0]->data;
  float *C = ctx->out[0]->data;
  int M = p->M, K = p->K, N = p->N;
  int64_t n_batch = 1;
  for (int d = 0; d < p->batch_ndim; d++) n_batch *= p->batch[d];
  if (p->b_packed_once && !p->a_copy && !p->trans_batch_a && (p->a_row == K || !p->batch_ndim)) {
    /* B is 2-D, so A's batch dims are the output's and its rows lie one after another: one
     * GEMM over all of them */
    wisp_f32_gemm((int)(n_batch * M), N, K, A, p->a_row ? p->a_row : K, ctx->state, C, N, p->lo,
                  p->hi);
    return WISP_OK;
  }
  int spread = p->slots > 1 && wisp_threads() > 1 && wisp_threads() <= p->slots;
  if (spread) wisp_parallel_2d((size_t)n_batch, 1, 1, 1, matmul_batches, ctx);
  else matmul_batches(ctx, 0, 0, 0, (size_t)n_batch, 1);
  return WISP_OK;
}

const wisp_op_def wisp_op_MatMul = {
    "", "MatMul", sizeof(wisp_matmul_params), matmul_parse, wisp_matmul_infer, wisp_matmul_exec, 0};

/* ---- Gemm: Y = alpha · A' · B' + beta · C ------------------------------------------------ */

wisp_status wisp_gemm_parse(wisp_op_ctx *ctx) {
  wisp_gemm_params *p = ctx->params;
  p->trans_a = (int)wisp_attr_int(ctx->node, "transA", 0);
  p->trans_b = (int)wisp_attr_int(ctx->node, "transB", 0);
  p->alpha = wisp_attr_float(ctx->node, "alpha", 1.0f);
  p->beta = wisp_attr_float(ctx->node, "beta", 1.0f);
  p->lo = wisp_node_epilogue(ctx->node)->lo, p->hi = wisp_node_epilogue(ctx->node)->hi;
  return WISP_OK;
}

wisp_status wisp_gemm_infer(wisp_op_ctx *ctx) {
  wisp_gemm_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 3));
  for (int i = 0; i < ctx->n_in; i++)
    if (ctx->in[i]) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  const wisp_shape *a = &ctx->in[0]->shape, *b = &ctx->in[1]->shape;
  if (a->ndim != 2 || b->ndim != 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "A and B must be 2-D");
  int64_t M = p->trans_a ? a->dims[1] : a->dims[0], K = p->trans_a ? a->dims[0] : a->dims[1];
  int64_t Kb = p->trans_b ? b->dims[1] : b->dims[0], N = p->trans_b ? b->dims[0] : b->dims[1];
  if (K != Kb)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "inner dims differ (%lld vs %lld)", (long long)K,
                        (long long)Kb);
  p->M = (int)M, p->K = (int)K, p->N = (int)N;
  wisp_tensor *o = ctx->out[0];
  o->dtype = WISP_DT_FLOAT;
  o->shape = (wisp_shape){2, {M, N}};
  const wisp_tensor *c = ctx->n_in > 2 ? ctx->in[2] : NULL;
  if (c) {
    wisp_shape bc;
    WISP_TRY(wisp_broadcast_shape(&c->shape, &o->shape, &bc, "Gemm"));
    if (!wisp_shape_equal(&bc, &o->shape))
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "C does not broadcast to (M, N)");
  }
  int c_per_column = c && wisp_shape_numel(&c->shape) == N && c->shape.ndim >= 1 &&
                     c->shape.dims[c->shape.ndim - 1] == N;
  uint64_t packed = wisp_kernels()->f32_gemm.packed_size((int)K, (int)N) * sizeof(float);
  if (packed > WISP_MAX_ALLOC_BYTES)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "packed weights would exceed 2 GB");
  p->b_packed_once = ctx->in[1]->data != NULL;
  p->bias_fused = p->b_packed_once && (!c || (c->data && c_per_column));
  if (p->b_packed_once && !ctx->state) {
    ctx->state = wisp_aligned_alloc(packed + (uint64_t)N * sizeof(float));
    if (!ctx->state) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory packing weights");
    /* alpha folded into the weights, beta·C into the bias (scratch after the panels) */
    float *scaled = wisp_aligned_alloc((uint64_t)K * N * sizeof(float));
    if (!scaled) {
      wisp_aligned_free(ctx->state), ctx->state = NULL;
      return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory packing weights");
    }
    const float *B = ctx->in[1]->data;
    for (int64_t i = 0; i < K * N; i++) scaled[i] = p->alpha * B[i];
    float *bias = NULL;
    if (p->bias_fused && c) {
      bias = (float *)((char *)ctx->state + packed);
      for (int64_t j = 0; j < N; j++) bias[j] = p->beta * ((const float *)c->data)[j];
    }
    wisp_kernels()->f32_gemm.pack((int)K, (int)N, scaled, p->trans_b ? 1 : N, p->trans_b ? K : 1,
                                  bias, ctx->state);
    wisp_aligned_free(scaled);
  }
  ctx->scratch_bytes =
      (p->b_packed_once ? 0 : packed) + (p->trans_a ? (uint64_t)M * K * sizeof(float) + 64 : 0);
  return WISP_OK;
}

wisp_status wisp_gemm_exec(wisp_op_ctx *ctx) {
  const wisp_gemm_params *p = ctx->params;
  int M = p->M, K = p->K, N = p->N;
  const float *A = ctx->in[0]->data;
  char *scratch = ctx->scratch;
  if (p->trans_a) { /* A is (K, M): transpose into scratch */
    float *at = (float *)scratch;
    for (int m = 0; m < M; m++)
      for (int k = 0; k < K; k++) at[(size_t)m * K + k] = A[(size_t)k * M + m];
    A = at;
    scratch += ((size_t)M * K * sizeof(float) + 63) / 64 * 64;
  }
  const float *packed = ctx->state;
  if (!p->b_packed_once) {
    float *pk = (float *)scratch;
    wisp_kernels()->f32_gemm.pack(K, N, ctx->in[1]->data, p->trans_b ? 1 : N, p->trans_b ? K : 1,
                                  NULL, pk);
    packed = pk;
  }
  float *Y = ctx->out[0]->data;
  const wisp_tensor *c = ctx->n_in > 2 ? ctx->in[2] : NULL;
  /* the fused clamp goes in the kernel unless alpha or C are applied after it */
  int after = (!p->b_packed_once && p->alpha != 1.0f) || (c && !p->bias_fused);
  float lo = p->lo, hi = p->hi;
  wisp_f32_gemm(M, N, K, A, K, packed, Y, N, after ? -INFINITY : lo, after ? INFINITY : hi);
  if (!after) return WISP_OK;
  if (!p->b_packed_once && p->alpha != 1.0f)
    for (int64_t i = 0; i < (int64_t)M * N; i++) Y[i] *= p->alpha;
  int64_t st[2] = {0, 0};
  if (c && !p->bias_fused) wisp_broadcast_strides(&c->shape, &ctx->out[0]->shape, st);
  for (int m = 0; m < M; m++)
    for (int n = 0; n < N; n++) { /* Y += beta · C (C broadcast to (M, N)), then clamp */
      float v = Y[(size_t)m * N + n];
      if (c && !p->bias_fused) v += p->beta * ((const float *)c->data)[m * st[0] + n * st[1]];
      Y[(size_t)m * N + n] = v < lo ? lo : v > hi ? hi : v;
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_Gemm = {
    "", "Gemm", sizeof(wisp_gemm_params), wisp_gemm_parse, wisp_gemm_infer, wisp_gemm_exec, 0};
