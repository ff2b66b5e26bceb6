/* op.c — small helpers shared by op implementations. */
#include "op.h"

wisp_status wisp_op_expect_inputs(const wisp_op_ctx *ctx, int min, int max) {
  int present = ctx->n_in;
  while (present > 0 && !ctx->in[present - 1]) present--;
  if (present < min || ctx->n_in > max)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "expects %d to %d inputs, has %d", min, max,
                        ctx->n_in);
  for (int i = 0; i < min; i++)
    if (!ctx->in[i]) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "input %d is missing", i);
  return WISP_OK;
}

wisp_status wisp_op_expect_dtype(const wisp_op_ctx *ctx, int input, wisp_dtype dt) {
  if (ctx->in[input]->dtype != dt)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "input %d is %s, wisp supports %s here", input,
                        wisp_dtype_name(ctx->in[input]->dtype), wisp_dtype_name(dt));
  return WISP_OK;
}

wisp_status wisp_op_expect_packed(const wisp_op_ctx *ctx, int input, wisp_dtype dt, int64_t numel,
                                  const char *what) {
  const wisp_tensor *t = ctx->in[input];
  if (t->dtype != dt)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "%s is %s, wisp needs %s", what,
                        wisp_dtype_name(t->dtype), wisp_dtype_name(dt));
  if (wisp_shape_numel(&t->shape) != numel)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "%s has %lld values, K, N and block_size need %lld", what,
                        (long long)wisp_shape_numel(&t->shape), (long long)numel);
  return WISP_OK;
}

wisp_status wisp_op_axis(const wisp_op_ctx *ctx, int64_t axis, int rank, int *out) {
  if (axis < -rank || axis >= (rank ? rank : 1))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "axis %lld is out of range for rank %d",
                        (long long)axis, rank);
  *out = (int)(axis < 0 ? axis + rank : axis);
  return WISP_OK;
}

void wisp_op_same_as(wisp_tensor *out, const wisp_tensor *in) {
  out->dtype = in->dtype;
  out->shape = in->shape;
}
