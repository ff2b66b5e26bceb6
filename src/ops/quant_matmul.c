/* quant_matmul.c — com.microsoft DynamicQuantizeMatMul (onnxruntime's contrib op, same inputs):
 *   Y = (quantize(A) - a_zp) · (B - b_zp) · (a_scale · b_scale) + bias
 * with A float (..., K) quantized to uint8 per tensor as DynamicQuantizeLinear does, B a constant
 * int8 or uint8 (K, N), b_scale and b_zero_point constant scalars or (N), bias constant (N).
 * com.microsoft MatMulIntegerToFloat(A, B, a_scale, b_scale, a_zp?, b_zp?, bias?) is the same
 * with A already quantized (int8 or uint8, per-tensor scale and zero point); onnxruntime's
 * optimiser writes it after a DynamicQuantizeLinear, and src/fuse/ turns that pair back into
 * DynamicQuantizeMatMul.
 * src/fuse/ makes it from the DynamicQuantizeLinear → MatMulInteger → Cast → Mul(→ Add bias) chain
 * of Hugging Face q8 exports; results equal that chain's bit for bit but for float rounding of
 * the epilogue. B is packed once (at plan time) for the int16-pair kernels of qs8_gemm.h; A is
 * quantized into scratch as int16 with its zero point subtracted. */
#include <stdlib.h>
#include <string.h>

#include "../kernels/config.h"
#include "../threads.h"
#include "op.h"
#include "quant.h"

typedef struct {
  int64_t M; /* rows of A: all its leading dims */
  int K, N, lda;
  int fallback; /* the weights did not fit qs8_gemm's layout: packed for qs8_gemm_fallback */
} dqmm_params;

static const wisp_qs8_gemm_config *dqmm_config(const dqmm_params *p) {
  return p->fallback ? &wisp_kernels()->qs8_gemm_fallback : &wisp_kernels()->qs8_gemm;
}

static const wisp_tensor *opt_in(const wisp_op_ctx *ctx, int i) {
  return i < ctx->n_in ? ctx->in[i] : NULL;
}

/* Shapes, B's packing (once) and scratch for A (..., K) times B with its scale s, zero point
 * zp and bias. pairs_only: B packed for the int16-pair kernels (qs8_gemm_fallback's layout)
 * whatever the configuration prefers, for callers that bring A as int16 pairs. */
static wisp_status qmm_setup(wisp_op_ctx *ctx, const wisp_tensor *a, const wisp_tensor *b,
                             const wisp_tensor *s, const wisp_tensor *zp, const wisp_tensor *bias,
                             int pairs_only) {
  dqmm_params *p = ctx->params;
  if (s->dtype != WISP_DT_FLOAT)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "B's scale must be float");
  if (a->shape.ndim < 1 || b->shape.ndim != 2 ||
      a->shape.dims[a->shape.ndim - 1] != b->shape.dims[0])
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "A (..., K) and B (K, N) do not multiply");
  if ((b->dtype != WISP_DT_INT8 && b->dtype != WISP_DT_UINT8) || !b->data || !s->data ||
      (zp && (!zp->data || zp->dtype != b->dtype)) ||
      (bias && (!bias->data || bias->dtype != WISP_DT_FLOAT)))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "wisp needs constant int8 / uint8 B, scale, zero point and float bias");
  int64_t K = b->shape.dims[0], N = b->shape.dims[1], ns = wisp_shape_numel(&s->shape);
  if ((ns != 1 && ns != N) || (zp && wisp_shape_numel(&zp->shape) != ns) ||
      (bias && wisp_shape_numel(&bias->shape) != N))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "scale, zero point and bias must be scalars or (N)");
  if (K * N > WISP_MAX_NUMEL || K > 30000)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "B too large");
  p->K = (int)K, p->N = (int)N, p->lda = (int)(K + 1) / 2 * 2;
  p->M = K ? wisp_shape_numel(&a->shape) / K : 0;
  wisp_tensor *y = ctx->out[0];
  y->dtype = WISP_DT_FLOAT, y->shape = a->shape;
  y->shape.dims[y->shape.ndim - 1] = N;
  if (!ctx->state) {
    int32_t *zps = malloc(sizeof(int32_t) * (size_t)(N + 1));
    float *scales = malloc(sizeof(float) * (size_t)(N + 1));
    if (!zps || !scales) {
      free(zps), free(scales);
      return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory packing weights");
    }
    for (int64_t n = 0; n < N; n++) {
      int64_t i = ns == 1 ? 0 : n;
      scales[n] = ((const float *)s->data)[i];
      zps[n] = !zp                        ? 0
               : b->dtype == WISP_DT_INT8 ? ((const int8_t *)zp->data)[i]
                                          : ((const uint8_t *)zp->data)[i];
    }
    for (p->fallback = pairs_only; !ctx->state && p->fallback <= 1; p->fallback++) {
      const wisp_qs8_gemm_config *cfg = dqmm_config(p);
      if (!(ctx->state = wisp_aligned_alloc(cfg->packed_size((int)K, (int)N)))) break;
      if (!cfg->pack((int)K, (int)N, b->data, b->dtype == WISP_DT_INT8, zps, scales,
                     bias ? bias->data : NULL, ctx->state))
        break;
      wisp_aligned_free(ctx->state), ctx->state = NULL;
    }
    free(zps), free(scales);
    if (!ctx->state) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory packing weights");
  }
  if (dqmm_config(p)->kr == 4)
    ctx->scratch_bytes = (uint64_t)p->M * wisp_qs8c4_row_bytes((int)K) + 16;
  else /* kernels read pairs */
    ctx->scratch_bytes = (uint64_t)p->M * (uint64_t)p->lda * sizeof(int16_t) + 16;
  return WISP_OK;
}

static wisp_status dqmm_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 3, 5));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  return qmm_setup(ctx, ctx->in[0], ctx->in[1], ctx->in[2], opt_in(ctx, 3), opt_in(ctx, 4), 0);
}

typedef struct {
  const dqmm_params *p;
  const wisp_qs8_gemm_config *ks;
  const float *a;
  float scale;
  int32_t zp;
  char *aq;
} quantize_job;

/* Rows [m, m + n) of A quantized into scratch, in the layout the kernels read. */
static void quantize_rows(void *ctx, int thread, size_t m, size_t j, size_t n, size_t nj) {
  const quantize_job *q = ctx;
  const dqmm_params *p = q->p;
  const float *a = q->a + m * (size_t)p->K;
  if (q->ks->kr == 4) {
    q->ks->quantize_c4((int)n, p->K, a, q->scale, q->zp,
                       (uint8_t *)q->aq + m * wisp_qs8c4_row_bytes(p->K));
    return;
  }
  int16_t *aq = (int16_t *)q->aq + m * (size_t)p->lda;
  if (p->lda == p->K) q->ks->quantize(n * (size_t)p->K, a, q->scale, q->zp, aq);
  else
    for (size_t r = 0; r < n; r++) {
      q->ks->quantize((size_t)p->K, a + r * p->K, q->scale, q->zp, aq + r * p->lda);
      aq[r * p->lda + p->K] = 0; /* the pad of the last pair */
    }
}

typedef struct {
  const dqmm_params *p;
  const wisp_qs8_gemm_config *ks;
  const char *aq, *packed;
  float a_scale, *C;
} gemm_job;

/* Rows [i, i + ni) × columns [j, j + nj) of C, whole tiles of the kernel (mr × 8): the driver
 * over that part of A, of the packed panels and of C. */
static void gemm_tile(void *ctx, int thread, size_t i, size_t j, size_t ni, size_t nj) {
  const gemm_job *g = ctx;
  const dqmm_params *p = g->p;
  float *C = g->C + i * (size_t)p->N + j;
  if (g->ks->kr == 4) {
    size_t panel = wisp_qs8c4_gemm_packed_size(p->K, WISP_QS8_NR);
    wisp_qs8c4_gemm_with(g->ks->gemm_c4, (int)ni, (int)nj, p->K,
                         (const uint8_t *)g->aq + i * wisp_qs8c4_row_bytes(p->K),
                         g->packed + j / WISP_QS8_NR * panel, g->a_scale, C, p->N);
  } else {
    size_t panel = wisp_qs8_gemm_packed_size(p->K, WISP_QS8_NR);
    wisp_qs8_gemm_with(g->ks->gemm, (int)ni, (int)nj, p->K, (const int16_t *)g->aq + i * p->lda,
                       p->lda, g->packed + j / WISP_QS8_NR * panel, g->a_scale, C, p->N);
  }
}

/* C = A (quantized in scratch) times the packed B, in tiles over the threads. */
static void gemm_quantized_a(wisp_op_ctx *ctx, float a_scale) {
  const dqmm_params *p = ctx->params;
  gemm_job g = {p, dqmm_config(p), ctx->scratch, ctx->state, a_scale, ctx->out[0]->data};
  size_t tm, tn;
  wisp_gemm_tiles((int)p->M, p->N, p->K, g.ks->mr, WISP_QS8_NR, &tm, &tn);
  if (p->M && p->N) wisp_parallel_2d((size_t)p->M, (size_t)p->N, tm, tn, gemm_tile, &g);
}

/* A float, quantized to uint8 with scale and zp into scratch, times the packed B. */
static void gemm_float_a(wisp_op_ctx *ctx, const float *a, float scale, int32_t zp) {
  const dqmm_params *p = ctx->params;
  quantize_job q = {p, dqmm_config(p), a, scale, zp, ctx->scratch};
  wisp_parallel_rows((size_t)p->M, (size_t)p->K, quantize_rows, &q);
  gemm_quantized_a(ctx, scale);
}

static wisp_status dqmm_exec(wisp_op_ctx *ctx) {
  const dqmm_params *p = ctx->params;
  const float *a = ctx->in[0]->data;
  float lo = 0.0f, hi = 0.0f, scale;
  int32_t zp;
  size_t numel = (size_t)p->M * (size_t)p->K;
  if (numel) dqmm_config(p)->minmax(numel, a, &lo, &hi);
  wisp_dynamic_quant_params(lo, hi, &scale, &zp);
  gemm_float_a(ctx, a, scale, zp);
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_DynamicQuantizeMatMul = {
    "com.microsoft", "DynamicQuantizeMatMul", sizeof(dqmm_params), NULL, dqmm_infer, dqmm_exec, 0};

/* ---- MatMulIntegerToFloat: A already quantized -------------------------------------------- */

/* wisp_quantize_a (set by src/fuse/matmul_integer_to_float.c only): A is float, to be
 * quantized as QuantizeLinear(A, a_scale, a_zp) would (a_zp needed, its type A's). */
static int quantize_a(const wisp_op_ctx *ctx) {
  return wisp_attr_int(ctx->node, "wisp_quantize_a", 0) != 0;
}

static wisp_status mmitf_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 4, 7));
  const wisp_tensor *a = ctx->in[0], *as = ctx->in[2], *azp = opt_in(ctx, 4);
  wisp_dtype q = quantize_a(ctx) ? (azp ? azp->dtype : WISP_DT_UNDEFINED) : a->dtype;
  if ((q != WISP_DT_INT8 && q != WISP_DT_UINT8) || (quantize_a(ctx) && a->dtype != WISP_DT_FLOAT) ||
      as->dtype != WISP_DT_FLOAT || wisp_shape_numel(&as->shape) != 1 ||
      (azp && (azp->dtype != q || wisp_shape_numel(&azp->shape) != 1)))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "wisp needs int8 / uint8 A with a float scale and zero point per tensor");
  return qmm_setup(ctx, a, ctx->in[1], ctx->in[3], opt_in(ctx, 5), opt_in(ctx, 6), 1);
}

static wisp_status mmitf_exec(wisp_op_ctx *ctx) {
  const dqmm_params *p = ctx->params;
  const wisp_tensor *a = ctx->in[0], *azp = opt_in(ctx, 4);
  int is_signed = (quantize_a(ctx) ? azp->dtype : a->dtype) == WISP_DT_INT8;
  int32_t zp = !azp ? 0 : is_signed ? *(const int8_t *)azp->data : *(const uint8_t *)azp->data;
  if (quantize_a(ctx)) { /* int8 values are uint8 ones 128 lower, their zero point too */
    gemm_float_a(ctx, a->data, *(const float *)ctx->in[2]->data, is_signed ? zp + 128 : zp);
    return WISP_OK;
  }
  int16_t *aq = ctx->scratch;
  for (int64_t m = 0; m < p->M; m++) { /* A - a_zp as int16 rows, each padded to an even K */
    for (int k = 0; k < p->K; k++) {
      int64_t i = m * p->K + k;
      int32_t v = is_signed ? ((const int8_t *)a->data)[i] : ((const uint8_t *)a->data)[i];
      aq[m * p->lda + k] = (int16_t)(v - zp);
    }
    if (p->lda > p->K) aq[m * p->lda + p->K] = 0;
  }
  gemm_quantized_a(ctx, *(const float *)ctx->in[2]->data);
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_MatMulIntegerToFloat = {
    "com.microsoft", "MatMulIntegerToFloat", sizeof(dqmm_params), NULL, mmitf_infer, mmitf_exec, 0};
