/* shape.c — ops that only rearrange or describe shapes: Constant, Shape, Flatten, Reshape. */
#include <string.h>

#include "op.h"

/* ---- Constant ---------------------------------------------------------------------------- */

static wisp_status constant_infer(wisp_op_ctx *ctx) {
  const wisp_node *n = ctx->node;
  wisp_tensor *o = ctx->out[0];
  if (n->n_attr != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "needs exactly one value attribute");
  const wisp_attr *a = &n->attrs[0];
  if (!strcmp(a->name, "value") && a->t) {
    o->dtype = a->t->dtype;
    o->shape = a->t->shape;
  } else if (!strcmp(a->name, "value_float") || !strcmp(a->name, "value_int")) {
    o->dtype = a->name[6] == 'f' ? WISP_DT_FLOAT : WISP_DT_INT64;
    o->shape.ndim = 0;
  } else if (!strcmp(a->name, "value_floats") || !strcmp(a->name, "value_ints")) {
    o->dtype = a->name[6] == 'f' ? WISP_DT_FLOAT : WISP_DT_INT64;
    o->shape = (wisp_shape){1, {a->count}};
  } else {
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "attribute '%s' is not supported", a->name);
  }
  return WISP_OK;
}

static wisp_status constant_exec(wisp_op_ctx *ctx) {
  const wisp_attr *a = &ctx->node->attrs[0];
  wisp_tensor *o = ctx->out[0];
  if (a->t) memcpy(o->data, a->t->data, wisp_tensor_bytes(o));
  else if (!strcmp(a->name, "value_float")) *(float *)o->data = a->f;
  else if (!strcmp(a->name, "value_int")) *(int64_t *)o->data = a->i;
  else if (!strcmp(a->name, "value_floats")) memcpy(o->data, a->floats, (size_t)a->count * 4);
  else memcpy(o->data, a->ints, (size_t)a->count * 8);
  return WISP_OK;
}

const wisp_op_def wisp_op_Constant = {"", "Constant", 0, NULL, constant_infer, constant_exec, 0};

/* ---- Shape (opset 15 adds start/end) ---------------------------------------------------- */

typedef struct {
  int start, end;
} shape_params;

static int clamp_dim(int64_t v, int rank) {
  if (v < 0) v += rank;
  return (int)(v < 0 ? 0 : v > rank ? rank : v);
}

static wisp_status shape_infer(wisp_op_ctx *ctx) {
  shape_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  int rank = ctx->in[0]->shape.ndim;
  p->start = clamp_dim(wisp_attr_int(ctx->node, "start", 0), rank);
  p->end = clamp_dim(wisp_attr_int(ctx->node, "end", rank), rank);
  ctx->out[0]->dtype = WISP_DT_INT64;
  ctx->out[0]->shape = (wisp_shape){1, {p->end > p->start ? p->end - p->start : 0}};
  return WISP_OK;
}

static wisp_status shape_exec(wisp_op_ctx *ctx) {
  const shape_params *p = ctx->params;
  int64_t *o = ctx->out[0]->data;
  for (int d = p->start; d < p->end; d++) o[d - p->start] = ctx->in[0]->shape.dims[d];
  return WISP_OK;
}

const wisp_op_def wisp_op_Shape = {"",          "Shape",    sizeof(shape_params), NULL,
                                   shape_infer, shape_exec, WISP_OP_SHAPE_ONLY};

/* ---- Flatten and Reshape: same bytes, new shape ------------------------------------------ */

/* Under WISP_OP_ALIAS the planner usually gives output and input one buffer; it copies only
 * when the input is a constant (or when folding). */
static wisp_status copy_exec(wisp_op_ctx *ctx) {
  size_t bytes = wisp_tensor_bytes(ctx->out[0]);
  if (bytes && ctx->out[0]->data != ctx->in[0]->data)
    memcpy(ctx->out[0]->data, ctx->in[0]->data, bytes);
  return WISP_OK;
}

static wisp_status flatten_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  const wisp_shape *s = &ctx->in[0]->shape;
  int64_t axis = wisp_attr_int(ctx->node, "axis", 1);
  if (axis < -s->ndim || axis > s->ndim)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "axis %lld out of range", (long long)axis);
  if (axis < 0) axis += s->ndim;
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < s->ndim; d++) *(d < axis ? &outer : &inner) *= s->dims[d];
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  ctx->out[0]->shape = (wisp_shape){2, {outer, inner}};
  return WISP_OK;
}

const wisp_op_def wisp_op_Flatten = {"",        "Flatten",    0, NULL, flatten_infer,
                                     copy_exec, WISP_OP_ALIAS};

static wisp_status reshape_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  const wisp_tensor *x = ctx->in[0], *shape = ctx->in[1];
  if (!shape->data)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "the target shape must be known when input shapes are (it is computed "
                        "from data at run time)");
  if (shape->dtype != WISP_DT_INT64 || shape->shape.ndim != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "shape must be a 1-D int64 tensor");
  int64_t n = shape->shape.dims[0];
  if (n > WISP_MAX_DIMS)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "rank %lld too high", (long long)n);
  int allowzero = (int)wisp_attr_int(ctx->node, "allowzero", 0);
  const int64_t *want = shape->data;
  wisp_shape out = {(int)n, {0}};
  int infer_at = -1;
  int64_t known = 1;
  for (int d = 0; d < n; d++) {
    int64_t v = want[d];
    if (v == 0 && !allowzero) {
      if (d >= x->shape.ndim)
        return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "0 at dim %d copies a dim the input lacks",
                            d);
      v = x->shape.dims[d];
    }
    if (v == -1) {
      if (infer_at >= 0) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "more than one -1");
      infer_at = d;
      continue;
    }
    if (v < 0) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "invalid dim %lld", (long long)v);
    out.dims[d] = v;
    if (v && known > WISP_MAX_NUMEL / v)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "shape too large");
    known *= v;
  }
  int64_t total = wisp_shape_numel(&x->shape);
  if (infer_at >= 0) {
    if (known == 0 || total % known)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "cannot infer -1: %lld elements into blocks of %lld", (long long)total,
                          (long long)known);
    out.dims[infer_at] = total / known;
  } else if (known != total) {
    char a[96], b[96];
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "cannot reshape %s into %s",
                        wisp_shape_str(&x->shape, a, sizeof a), wisp_shape_str(&out, b, sizeof b));
  }
  ctx->out[0]->dtype = x->dtype;
  ctx->out[0]->shape = out;
  return WISP_OK;
}

const wisp_op_def wisp_op_Reshape = {"",        "Reshape",     0,      NULL, reshape_infer,
                                     copy_exec, WISP_OP_ALIAS, 1u << 1};
