/* matmul_bnb4.c — com.microsoft MatMulBnb4 (onnxruntime's contrib op; Transformers.js's bnb4
 * files): Y (..., N) = A (..., K) · Wᵀ, W [N, K] in bitsandbytes' 4-bit codes, FP4
 * (quant_type 0) or NF4 (1), flattened in blocks of block_size with one float absmax each
 * (layout in kernels/bnb4_gemm.h). onnxruntime's CPU provider takes float A and absmax only,
 * transB 1 (its default; 0 is not a layout it can run) and ignores training_mode. */
#include "../kernels/config.h"
#include "../threads.h"
#include "op.h"

/* The 16 values of each code as onnxruntime's CPU provider dequantizes them (FP4's
 * sign-exponent-mantissa values over its absmax 12; NF4's normal-distribution quantiles). */
static const float fp4_code[16] = {
    0.0f,  5.208333333e-03f,  0.66666667f,  1.0f,  0.33333333f,  0.5f,  0.16666667f,  0.25f,
    -0.0f, -5.208333333e-03f, -0.66666667f, -1.0f, -0.33333333f, -0.5f, -0.16666667f, -0.25f};
static const float nf4_code[16] = {-1.0f,
                                   -0.6961928009986877f,
                                   -0.5250730514526367f,
                                   -0.39491748809814453f,
                                   -0.28444138169288635f,
                                   -0.18477343022823334f,
                                   -0.09105003625154495f,
                                   0.0f,
                                   0.07958029955625534f,
                                   0.16093020141124725f,
                                   0.24611230194568634f,
                                   0.33791524171829224f,
                                   0.44070982933044434f,
                                   0.5626170039176941f,
                                   0.7229568362236023f,
                                   1.0f};

typedef struct {
  int64_t K, N, block;
  const float *code;
} bnb4_params;

WISP_COLD static wisp_status bnb4_parse(wisp_op_ctx *ctx) {
  bnb4_params *p = ctx->params;
  const wisp_node *n = ctx->node;
  p->K = wisp_attr_int(n, "K", -1), p->N = wisp_attr_int(n, "N", -1);
  p->block = wisp_attr_int(n, "block_size", -1);
  int64_t type = wisp_attr_int(n, "quant_type", -1), trans_b = wisp_attr_int(n, "transB", 1);
  if (p->K < 1 || p->N < 1 || p->K > WISP_MAX_NUMEL || p->N > WISP_MAX_NUMEL)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "K and N must be set and positive");
  if (type != 0 && type != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "quant_type %lld (0 FP4 or 1 NF4)",
                        (long long)type);
  if (p->block < 16 || p->block > WISP_BNB4_MAX_BLOCK || (p->block & (p->block - 1)))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "block_size %lld (16, 32, 64, 128 or 256)",
                        (long long)p->block);
  if (trans_b != 1) return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "transB 0 (only 1)");
  p->code = type == 0 ? fp4_code : nf4_code;
  return WISP_OK;
}

WISP_COLD static wisp_status bnb4_infer(wisp_op_ctx *ctx) {
  const bnb4_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 3, 3));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  const wisp_tensor *a = ctx->in[0];
  if (a->shape.ndim < 1 || a->shape.dims[a->shape.ndim - 1] != p->K)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "A's last dim must be K = %lld",
                        (long long)p->K);
  if (p->N > WISP_MAX_NUMEL / p->K) /* K, N ≤ 2^31: the product fits in 64 bits */
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "B too large");
  int64_t numel = p->N * p->K;
  WISP_TRY(wisp_op_expect_packed(ctx, 1, WISP_DT_UINT8, (numel + 1) / 2, "B"));
  WISP_TRY(
      wisp_op_expect_packed(ctx, 2, WISP_DT_FLOAT, (numel + p->block - 1) / p->block, "absmax"));
  wisp_tensor *y = ctx->out[0];
  y->dtype = WISP_DT_FLOAT, y->shape = a->shape;
  y->shape.dims[y->shape.ndim - 1] = p->N;
  /* a decoded panel a thread */
  ctx->scratch_bytes = (uint64_t)wisp_threads() * WISP_BNB4_SCRATCH_FLOATS * sizeof(float);
  return WISP_OK;
}

static wisp_status bnb4_exec(wisp_op_ctx *ctx) {
  const bnb4_params *p = ctx->params;
  size_t M = (size_t)(wisp_shape_numel(&ctx->in[0]->shape) / p->K);
  wisp_bnb4_gemm(M, (size_t)p->N, (size_t)p->K, (size_t)p->block, p->code, ctx->in[0]->data,
                 (size_t)p->K, ctx->in[1]->data, ctx->in[2]->data, ctx->out[0]->data, (size_t)p->N,
                 ctx->scratch);
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_MatMulBnb4 = {
    "com.microsoft", "MatMulBnb4", sizeof(bnb4_params), bnb4_parse, bnb4_infer, bnb4_exec, 0};
