/* matmul_nbits.c — com.microsoft MatMulNBits with bits = 4 (onnxruntime's contrib op; q4 and
 * q4f16 files): Y (..., N) = A (..., K) · dequant(B) + bias, B 4-bit values in blocks of
 * block_size along K with a scale each and optional packed uint8 zero points (layout in
 * kernels/q4_gemm.h). float16 scales and A arrive as float32 (half.h). accuracy_level as
 * onnxruntime's CPU provider reads it: levels 0–3 compute in float32; level 4 first rounds A to
 * int8 per block of block_size along K (scale max|a| / 127, to nearest even) and multiplies that
 * by the 4-bit weights. Here the rounded A is held as float (q · scale, into scratch) and goes
 * through the same float kernel: the products are those of the int8 dot, summed in float. */
#include <math.h>

#include "../kernels/config.h"
#include "../threads.h"
#include "op.h"

typedef struct {
  int64_t K, N, block, level;
} nbits_params;

/* Level 4: A rounded to int8 per block, as q · scale. */
static void round_a_int8(const float *a, float *out, size_t M, size_t K, size_t block) {
  for (size_t m = 0; m < M; m++)
    for (size_t k0 = 0; k0 < K; k0 += block) {
      const float *x = a + m * K + k0;
      float *y = out + m * K + k0;
      size_t n = K - k0 < block ? K - k0 : block;
      float amax = 0.0f;
      for (size_t k = 0; k < n; k++) amax = fabsf(x[k]) > amax ? fabsf(x[k]) : amax;
      float scale = amax / 127.0f, inv = scale != 0.0f ? 1.0f / scale : 0.0f;
      for (size_t k = 0; k < n; k++) y[k] = rintf(x[k] * inv) * scale;
    }
}

WISP_COLD static wisp_status nbits_parse(wisp_op_ctx *ctx) {
  nbits_params *p = ctx->params;
  const wisp_node *n = ctx->node;
  p->K = wisp_attr_int(n, "K", -1), p->N = wisp_attr_int(n, "N", -1);
  p->block = wisp_attr_int(n, "block_size", -1);
  int64_t bits = wisp_attr_int(n, "bits", 4),
          level = p->level = wisp_attr_int(n, "accuracy_level", 0);
  if (p->K < 1 || p->N < 1 || p->K > WISP_MAX_NUMEL || p->N > WISP_MAX_NUMEL)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "K and N must be set and positive");
  if (bits != 4)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "bits %lld (only 4)", (long long)bits);
  if (p->block < 16 || p->block > WISP_Q4_MAX_BLOCK || (p->block & (p->block - 1)))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "block_size %lld (powers of 2 in [16, %d])",
                        (long long)p->block, WISP_Q4_MAX_BLOCK);
  if (level < 0 || level > 4)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "accuracy_level %lld", (long long)level);
  return WISP_OK;
}

static size_t panels_bytes(void) {
  return (size_t)wisp_threads() * WISP_Q4_SCRATCH_FLOATS * sizeof(float);
}

WISP_COLD static wisp_status nbits_infer(wisp_op_ctx *ctx) {
  const nbits_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 3, 6));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  const wisp_tensor *a = ctx->in[0];
  if (a->shape.ndim < 1 || a->shape.dims[a->shape.ndim - 1] != p->K)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "A's last dim must be K = %lld",
                        (long long)p->K);
  int64_t blocks = (p->K + p->block - 1) / p->block; /* N·blocks ≤ 2^31·2^31/16: no overflow */
  if (p->N * blocks * p->block / 2 > WISP_MAX_NUMEL)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "B too large");
  WISP_TRY(wisp_op_expect_packed(ctx, 1, WISP_DT_UINT8, p->N * blocks * p->block / 2, "B"));
  WISP_TRY(wisp_op_expect_packed(ctx, 2, WISP_DT_FLOAT, p->N * blocks, "scales"));
  if (ctx->n_in > 3 && ctx->in[3])
    WISP_TRY(
        wisp_op_expect_packed(ctx, 3, WISP_DT_UINT8, p->N * ((blocks + 1) / 2), "zero_points"));
  if (ctx->n_in > 4 && ctx->in[4])
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "g_idx (act_order) is not supported");
  if (ctx->n_in > 5 && ctx->in[5])
    WISP_TRY(wisp_op_expect_packed(ctx, 5, WISP_DT_FLOAT, p->N, "bias"));
  wisp_tensor *y = ctx->out[0];
  y->dtype = WISP_DT_FLOAT, y->shape = a->shape;
  y->shape.dims[y->shape.ndim - 1] = p->N;
  /* the unpacked panels (one a thread), then (level 4) A rounded to int8 */
  ctx->scratch_bytes = panels_bytes() + (p->level == 4 ? wisp_tensor_bytes(a) : 0);
  return WISP_OK;
}

static wisp_status nbits_exec(wisp_op_ctx *ctx) {
  const nbits_params *p = ctx->params;
  const wisp_tensor *zp = ctx->n_in > 3 ? ctx->in[3] : NULL,
                    *bias = ctx->n_in > 5 ? ctx->in[5] : NULL;
  size_t M = (size_t)(wisp_shape_numel(&ctx->in[0]->shape) / p->K);
  const float *a = ctx->in[0]->data;
  float *panel = ctx->scratch;
  if (p->level == 4) {
    float *rounded = (float *)((char *)ctx->scratch + panels_bytes());
    round_a_int8(a, rounded, M, (size_t)p->K, (size_t)p->block);
    a = rounded;
  }
  wisp_q4_gemm(M, (size_t)p->N, (size_t)p->K, (size_t)p->block, a, (size_t)p->K, ctx->in[1]->data,
               ctx->in[2]->data, zp ? zp->data : NULL, bias ? bias->data : NULL, ctx->out[0]->data,
               (size_t)p->N, panel);
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_MatMulNBits = {
    "com.microsoft", "MatMulNBits", sizeof(nbits_params), nbits_parse, nbits_infer, nbits_exec, 0};
