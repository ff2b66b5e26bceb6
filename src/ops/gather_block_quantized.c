/* gather_block_quantized.c — com.microsoft GatherBlockQuantized (onnxruntime's contrib op;
 * quantized embedding tables): Gather along axis 0 of a table whose last axis is quantized in
 * blocks of block_size, each row of the output dequantized as (q - zero_point) · scale.
 *
 * What is implemented is the uint8 form onnxruntime's CPU provider runs (and the form
 * MatMulNBits-style exporters write): data uint8 with `bits` 2, 4 or 8 values per element,
 * packed low bits first along the last axis (so the last logical dim is data's last dim · 8/bits),
 * gather_axis 0, quantize_axis the last axis; scales float (float16 ones arrive widened,
 * half.h), shaped as data with the last dim ceil(logical / block_size); optional uint8
 * zero_points packed like the data along the block axis, defaulting to 2^(bits-1) as in
 * MatMulNBits. The int4/uint4 tensor types (which allow other axes) are not wisp dtypes. */
#include "op.h"

typedef struct {
  int64_t bits, block;
} gbq_params;

static wisp_status gbq_parse(wisp_op_ctx *ctx) {
  gbq_params *p = ctx->params;
  const wisp_node *n = ctx->node;
  p->bits = wisp_attr_int(n, "bits", 4);
  p->block = wisp_attr_int(n, "block_size", 128);
  if (p->bits != 2 && p->bits != 4 && p->bits != 8)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "bits %lld (2, 4 or 8)", (long long)p->bits);
  if (p->block < 16 || p->block > WISP_MAX_NUMEL || (p->block & (p->block - 1)))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "block_size %lld (a power of 2, at least 16)",
                        (long long)p->block);
  return WISP_OK;
}

/* Checks t has `rank` dims equal to want's, except the last which must be `last`. */
static wisp_status expect_shape(const wisp_op_ctx *ctx, const wisp_tensor *t,
                                const wisp_shape *want, int64_t last, const char *what) {
  int r = want->ndim, ok = t->shape.ndim == r && t->shape.dims[r - 1] == last;
  for (int d = 0; ok && d < r - 1; d++) ok = t->shape.dims[d] == want->dims[d];
  if (!ok)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "%s must be shaped as data with a last dim of %lld", what, (long long)last);
  return WISP_OK;
}

static wisp_status gbq_infer(wisp_op_ctx *ctx) {
  const gbq_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 3, 4));
  const wisp_tensor *x = ctx->in[0], *idx = ctx->in[1], *s = ctx->in[2];
  const wisp_tensor *zp = ctx->n_in > 3 ? ctx->in[3] : NULL;
  if (x->dtype != WISP_DT_UINT8)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "data is %s, wisp needs uint8",
                        wisp_dtype_name(x->dtype));
  if (idx->dtype != WISP_DT_INT64 && idx->dtype != WISP_DT_INT32)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "indices must be int32 or int64, not %s",
                        wisp_dtype_name(idx->dtype));
  WISP_TRY(wisp_op_expect_dtype(ctx, 2, WISP_DT_FLOAT));
  int r = x->shape.ndim, gather_axis, quant_axis;
  if (r < 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "data must have rank 2 or more, not %d", r);
  WISP_TRY(wisp_op_axis(ctx, wisp_attr_int(ctx->node, "gather_axis", 0), r, &gather_axis));
  WISP_TRY(wisp_op_axis(ctx, wisp_attr_int(ctx->node, "quantize_axis", 1), r, &quant_axis));
  if (gather_axis != 0 || quant_axis != r - 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "gather_axis %d, quantize_axis %d (uint8 data needs 0 and the last, %d)",
                        gather_axis, quant_axis, r - 1);
  int64_t per = 8 / p->bits, last = x->shape.dims[r - 1] * per; /* dims < 2^31: no overflow */
  int64_t blocks = (last + p->block - 1) / p->block;
  WISP_TRY(expect_shape(ctx, s, &x->shape, blocks, "scales"));
  if (zp) {
    if (zp->dtype != WISP_DT_UINT8)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "zero_points is %s, must be uint8",
                          wisp_dtype_name(zp->dtype));
    WISP_TRY(expect_shape(ctx, zp, &x->shape, (blocks + per - 1) / per, "zero_points"));
  }
  int rank = r - 1 + idx->shape.ndim;
  if (rank > WISP_MAX_DIMS)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "output rank %d is over %d", rank,
                        WISP_MAX_DIMS);
  wisp_shape out = {rank, {0}};
  int k = 0;
  for (int d = 0; d < idx->shape.ndim; d++) out.dims[k++] = idx->shape.dims[d];
  for (int d = 1; d < r; d++) out.dims[k++] = x->shape.dims[d];
  out.dims[rank - 1] = last;
  if (wisp_shape_bytes(&out, 1) > (uint64_t)WISP_MAX_NUMEL)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "output has over %lld values",
                        (long long)WISP_MAX_NUMEL);
  ctx->out[0]->dtype = WISP_DT_FLOAT, ctx->out[0]->shape = out;
  return WISP_OK;
}

/* Value i of a row packed `bits` to a byte, low bits first. */
static inline int unpack(const uint8_t *row, int64_t i, int bits) {
  int per = 8 / bits;
  return (row[i / per] >> (i % per * bits)) & ((1 << bits) - 1);
}

static wisp_status gbq_exec(wisp_op_ctx *ctx) {
  const gbq_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0], *idx = ctx->in[1], *zpt = ctx->n_in > 3 ? ctx->in[3] : NULL;
  int bits = (int)p->bits, r = x->shape.ndim;
  int64_t n = x->shape.dims[0], count = wisp_shape_numel(&idx->shape);
  int64_t per = 8 / bits, packed = x->shape.dims[r - 1], last = packed * per;
  int64_t blocks = (last + p->block - 1) / p->block, zp_row = (blocks + per - 1) / per;
  int64_t lines = wisp_shape_numel(&x->shape) / (n ? n : 1) / (packed ? packed : 1);
  for (int64_t j = 0; j < count; j++) { /* check every index before writing */
    int64_t k = wisp_tensor_get_int(idx, j);
    if (k < -n || k >= n)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "index %lld is out of range for a dim of %lld",
                          (long long)k, (long long)n);
  }
  const uint8_t *data = x->data, *zps = zpt ? zpt->data : NULL;
  const float *scales = ctx->in[2]->data;
  float *y = ctx->out[0]->data;
  int dflt = 1 << (bits - 1);
  for (int64_t j = 0; j < count; j++) {
    int64_t k = wisp_tensor_get_int(idx, j);
    if (k < 0) k += n;
    for (int64_t l = 0; l < lines; l++) { /* one line: `last` values along the quantized axis */
      int64_t line = k * lines + l;
      const uint8_t *q = data + line * packed;
      const float *s = scales + line * blocks;
      const uint8_t *z = zps ? zps + line * zp_row : NULL;
      float *out = y + (j * lines + l) * last;
      for (int64_t b = 0; b < blocks; b++) {
        float scale = s[b];
        int zero = z ? unpack(z, b, bits) : dflt;
        int64_t end = (b + 1) * p->block < last ? (b + 1) * p->block : last;
        for (int64_t i = b * p->block; i < end; i++)
          out[i] = (float)(unpack(q, i, bits) - zero) * scale;
      }
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_ms_GatherBlockQuantized = {
    "com.microsoft", "GatherBlockQuantized", sizeof(gbq_params), gbq_parse, gbq_infer, gbq_exec, 0};
