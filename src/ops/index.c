/* index.c — ops driven by index or mask tensors: GatherElements, GatherND, ScatterElements,
 * Scatter (its opset 9-10 name), ScatterND, OneHot, Compress, NonZero, and CumSum.
 *
 * Indices come from data, so exec checks every one against its dim (negative ones count from
 * the end) and fails the run on one out of range. Element moves are by byte size, so any dtype
 * moves; Scatter reductions other than `none` are typed (float, double, int32, int64).
 * Compress and NonZero have output shapes that depend on values (of the condition, of X): those
 * inputs are value_inputs, so the planner folds them (and what they depend on) at plan time,
 * keying the plan on those values (see plan.h). */
#include <string.h>

#include "op.h"

static void dense_strides(const wisp_shape *s, int64_t *st) {
  int64_t acc = 1;
  for (int d = s->ndim - 1; d >= 0; d--) st[d] = acc, acc *= s->dims[d];
}

static int is_index_type(wisp_dtype dt) { return dt == WISP_DT_INT64 || dt == WISP_DT_INT32; }

/* Index i of an int32/int64 tensor, normalised against dim n; -1 when out of range. */
static int64_t index_at(const wisp_tensor *t, int64_t i, int64_t n) {
  int64_t v =
      t->dtype == WISP_DT_INT64 ? ((const int64_t *)t->data)[i] : ((const int32_t *)t->data)[i];
  if (v < 0) v += n;
  return v >= 0 && v < n ? v : -1;
}

static wisp_status out_of_range(const wisp_op_ctx *ctx, const wisp_tensor *t, int64_t i,
                                int64_t n) {
  return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "index %lld is out of range for a dim of %lld",
                      (long long)wisp_tensor_get_int(t, i), (long long)n);
}

/* ---- scatter reductions -------------------------------------------------------------------- */

typedef enum { RED_NONE, RED_ADD, RED_MUL, RED_MAX, RED_MIN } reduction;

static wisp_status parse_reduction(wisp_op_ctx *ctx, reduction *r) {
  const char *s = wisp_attr_string(ctx->node, "reduction", "none");
  static const char *names[] = {"none", "add", "mul", "max", "min"};
  for (int k = 0; k < 5; k++)
    if (!strcmp(s, names[k])) {
      *r = (reduction)k;
      return WISP_OK;
    }
  return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "reduction '%s' is not none/add/mul/max/min", s);
}

static int reducible(wisp_dtype dt) {
  return dt == WISP_DT_FLOAT || dt == WISP_DT_DOUBLE || dt == WISP_DT_INT32 || dt == WISP_DT_INT64;
}

/* dst = dst (r) src for one element; integer add and mul wrap (through the unsigned type U). */
#define REDUCE_CASE(DT, T, U) \
  case DT: { \
    T *o = dst, u = *(const T *)src; \
    switch (r) { \
      case RED_ADD: *o = (T)((U)*o + (U)u); break; \
      case RED_MUL: *o = (T)((U)*o * (U)u); break; \
      case RED_MAX: *o = u > *o ? u : *o; break; \
      default: *o = u < *o ? u : *o; break; \
    } \
    break; \
  }

static void reduce_one(void *dst, const void *src, wisp_dtype dt, reduction r, size_t es) {
  if (r == RED_NONE) {
    memcpy(dst, src, es);
    return;
  }
  switch (dt) {
    REDUCE_CASE(WISP_DT_FLOAT, float, float)
    REDUCE_CASE(WISP_DT_DOUBLE, double, double)
    REDUCE_CASE(WISP_DT_INT32, int32_t, uint32_t)
    REDUCE_CASE(WISP_DT_INT64, int64_t, uint64_t)
    default: break;
  }
}

/* ---- GatherElements and ScatterElements: one index per element along `axis` -------------- */

typedef struct {
  int axis;
  reduction red;
} elements_params;

static wisp_status scatter_elements_parse(wisp_op_ctx *ctx) {
  return parse_reduction(ctx, &((elements_params *)ctx->params)->red);
}

/* data and indices of equal rank, indices no larger than data off the axis. */
static wisp_status elements_check(wisp_op_ctx *ctx, const wisp_tensor *data,
                                  const wisp_tensor *idx) {
  elements_params *p = ctx->params;
  if (!is_index_type(idx->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "indices must be int32 or int64");
  if (data->dtype == WISP_DT_STRING)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "string data is not supported");
  const wisp_shape *ds = &data->shape, *is = &idx->shape;
  if (ds->ndim < 1 || is->ndim != ds->ndim)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "indices rank %d must equal data rank %d (>= 1)",
                        is->ndim, ds->ndim);
  WISP_TRY(wisp_op_axis(ctx, wisp_attr_int(ctx->node, "axis", 0), ds->ndim, &p->axis));
  for (int d = 0; d < ds->ndim; d++)
    if (d != p->axis && is->dims[d] > ds->dims[d])
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "indices dim %d (%lld) exceeds data's (%lld)",
                          d, (long long)is->dims[d], (long long)ds->dims[d]);
  return WISP_OK;
}

static wisp_status gather_elements_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  WISP_TRY(elements_check(ctx, ctx->in[0], ctx->in[1]));
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  ctx->out[0]->shape = ctx->in[1]->shape;
  return WISP_OK;
}

static wisp_status scatter_elements_infer(wisp_op_ctx *ctx) {
  const elements_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 3, 3));
  WISP_TRY(elements_check(ctx, ctx->in[0], ctx->in[1]));
  const wisp_tensor *u = ctx->in[2];
  if (u->dtype != ctx->in[0]->dtype || !wisp_shape_equal(&u->shape, &ctx->in[1]->shape))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "updates must have data's type, indices' shape");
  if (p->red != RED_NONE && !reducible(u->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "reduction on %s is not supported",
                        wisp_dtype_name(u->dtype));
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

/* Walks every element of indices; calls back with the element's index and its data offset. */
static wisp_status elements_walk(wisp_op_ctx *ctx, int scatter) {
  const elements_params *p = ctx->params;
  const wisp_tensor *data = ctx->in[0], *idx = ctx->in[1];
  const wisp_shape *is = &idx->shape;
  size_t es = wisp_dtype_size(data->dtype);
  int64_t n = wisp_shape_numel(is), st[WISP_MAX_DIMS], pos[WISP_MAX_DIMS] = {0};
  int64_t axis_len = data->shape.dims[p->axis];
  dense_strides(&data->shape, st);
  char *out = ctx->out[0]->data;
  if (scatter && out != data->data) memcpy(out, data->data, wisp_tensor_bytes(data));
  for (int64_t i = 0; i < n; i++) {
    int64_t j = index_at(idx, i, axis_len), off = 0;
    if (j < 0) return out_of_range(ctx, idx, i, axis_len);
    for (int d = 0; d < is->ndim; d++) off += (d == p->axis ? j : pos[d]) * st[d];
    if (scatter)
      reduce_one(out + off * (int64_t)es, (const char *)ctx->in[2]->data + i * (int64_t)es,
                 data->dtype, p->red, es);
    else memcpy(out + i * (int64_t)es, (const char *)data->data + off * (int64_t)es, es);
    for (int d = is->ndim - 1; d >= 0; d--) {
      if (++pos[d] < is->dims[d]) break;
      pos[d] = 0;
    }
  }
  return WISP_OK;
}

static wisp_status gather_elements_exec(wisp_op_ctx *ctx) { return elements_walk(ctx, 0); }
static wisp_status scatter_elements_exec(wisp_op_ctx *ctx) { return elements_walk(ctx, 1); }

const wisp_op_def wisp_op_GatherElements = {"",   "GatherElements",      sizeof(elements_params),
                                            NULL, gather_elements_infer, gather_elements_exec,
                                            0};
const wisp_op_def wisp_op_ScatterElements = {"",
                                             "ScatterElements",
                                             sizeof(elements_params),
                                             scatter_elements_parse,
                                             scatter_elements_infer,
                                             scatter_elements_exec,
                                             0};
const wisp_op_def wisp_op_Scatter = {
    "", "Scatter", sizeof(elements_params), NULL, scatter_elements_infer, scatter_elements_exec, 0};

/* ---- GatherND and ScatterND: index tuples into the leading dims, slices of the rest -------- */

typedef struct {
  int64_t batch_dims;
  reduction red;
  int64_t batches, tuples, k, slice; /* per batch: tuples of k indices, slices of `slice` elems */
} nd_params;

static wisp_status gather_nd_parse(wisp_op_ctx *ctx) {
  ((nd_params *)ctx->params)->batch_dims = wisp_attr_int(ctx->node, "batch_dims", 0);
  return WISP_OK;
}

static wisp_status scatter_nd_parse(wisp_op_ctx *ctx) {
  return parse_reduction(ctx, &((nd_params *)ctx->params)->red);
}

/* Checks data and indices; fills p and, when out is non-NULL, GatherND's output shape. */
static wisp_status nd_check(wisp_op_ctx *ctx, wisp_shape *out) {
  nd_params *p = ctx->params;
  const wisp_tensor *data = ctx->in[0], *idx = ctx->in[1];
  const wisp_shape *ds = &data->shape, *is = &idx->shape;
  int64_t b = p->batch_dims;
  if (!is_index_type(idx->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "indices must be int32 or int64");
  if (data->dtype == WISP_DT_STRING)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "string data is not supported");
  if (ds->ndim < 1 || is->ndim < 1 || b < 0 || b >= ds->ndim || b >= is->ndim)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "data rank %d, indices rank %d, batch_dims %lld do not fit", ds->ndim,
                        is->ndim, (long long)b);
  p->k = is->dims[is->ndim - 1];
  if (p->k < 1 || p->k > ds->ndim - b)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "index tuples of %lld for data rank %d",
                        (long long)p->k, ds->ndim);
  p->batches = p->tuples = p->slice = 1;
  for (int d = 0; d < b; d++) {
    if (ds->dims[d] != is->dims[d])
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "batch dim %d differs (%lld, %lld)", d,
                          (long long)ds->dims[d], (long long)is->dims[d]);
    p->batches *= ds->dims[d];
  }
  for (int d = (int)b; d < is->ndim - 1; d++) p->tuples *= is->dims[d];
  for (int d = (int)(b + p->k); d < ds->ndim; d++) p->slice *= ds->dims[d];
  if (out) {
    out->ndim = 0;
    for (int d = 0; d < is->ndim - 1; d++) out->dims[out->ndim++] = is->dims[d];
    for (int d = (int)(b + p->k); d < ds->ndim; d++) {
      if (out->ndim == WISP_MAX_DIMS)
        return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "output rank over %d", WISP_MAX_DIMS);
      out->dims[out->ndim++] = ds->dims[d];
    }
  }
  return WISP_OK;
}

static wisp_status gather_nd_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  WISP_TRY(nd_check(ctx, &ctx->out[0]->shape));
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  return WISP_OK;
}

static wisp_status scatter_nd_infer(wisp_op_ctx *ctx) {
  const nd_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 3, 3));
  wisp_shape want;
  WISP_TRY(nd_check(ctx, &want));
  const wisp_tensor *u = ctx->in[2];
  if (u->dtype != ctx->in[0]->dtype || !wisp_shape_equal(&u->shape, &want)) {
    char b[96];
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "updates must be %s of data's type",
                        wisp_shape_str(&want, b, sizeof b));
  }
  if (p->red != RED_NONE && !reducible(u->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "reduction on %s is not supported",
                        wisp_dtype_name(u->dtype));
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

static wisp_status nd_walk(wisp_op_ctx *ctx, int scatter) {
  const nd_params *p = ctx->params;
  const wisp_tensor *data = ctx->in[0], *idx = ctx->in[1];
  const wisp_shape *ds = &data->shape;
  int b = (int)p->batch_dims;
  size_t es = wisp_dtype_size(data->dtype);
  int64_t st[WISP_MAX_DIMS], batch_elems = 1;
  dense_strides(ds, st);
  for (int d = b; d < ds->ndim; d++) batch_elems *= ds->dims[d];
  char *out = ctx->out[0]->data;
  const char *src = data->data, *upd = scatter ? ctx->in[2]->data : NULL;
  if (scatter && out != src) memcpy(out, src, wisp_tensor_bytes(data));
  int64_t t = 0; /* tuple number over all batches */
  for (int64_t bi = 0; bi < p->batches; bi++)
    for (int64_t ti = 0; ti < p->tuples; ti++, t++) {
      int64_t off = bi * batch_elems;
      for (int64_t j = 0; j < p->k; j++) {
        int64_t n = ds->dims[b + j], v = index_at(idx, t * p->k + j, n);
        if (v < 0) return out_of_range(ctx, idx, t * p->k + j, n);
        off += v * st[b + j];
      }
      if (!scatter) {
        memcpy(out + t * p->slice * (int64_t)es, src + off * (int64_t)es, (size_t)p->slice * es);
        continue;
      }
      for (int64_t e = 0; e < p->slice; e++)
        reduce_one(out + (off + e) * (int64_t)es, upd + (t * p->slice + e) * (int64_t)es,
                   data->dtype, p->red, es);
    }
  return WISP_OK;
}

static wisp_status gather_nd_exec(wisp_op_ctx *ctx) { return nd_walk(ctx, 0); }
static wisp_status scatter_nd_exec(wisp_op_ctx *ctx) { return nd_walk(ctx, 1); }

const wisp_op_def wisp_op_GatherND = {
    "", "GatherND", sizeof(nd_params), gather_nd_parse, gather_nd_infer, gather_nd_exec, 0};
const wisp_op_def wisp_op_ScatterND = {
    "", "ScatterND", sizeof(nd_params), scatter_nd_parse, scatter_nd_infer, scatter_nd_exec, 0};

/* ---- OneHot: (indices..., depth inserted at axis) of off_value, on_value where it hits ---- */

typedef struct {
  int axis;
  int64_t depth, outer, inner; /* indices viewed as (outer, inner), output (outer, depth, inner) */
} onehot_params;

static wisp_status onehot_infer(wisp_op_ctx *ctx) {
  onehot_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 3, 3));
  const wisp_tensor *idx = ctx->in[0], *depth = ctx->in[1], *vals = ctx->in[2];
  const wisp_shape *is = &idx->shape;
  if (!depth->data)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "depth must be known when input shapes are (it is computed at run time)");
  if (wisp_shape_numel(&depth->shape) != 1 || wisp_shape_numel(&vals->shape) != 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "depth must be a scalar, values [off, on]");
  if (vals->dtype == WISP_DT_STRING || depth->dtype == WISP_DT_STRING ||
      idx->dtype == WISP_DT_STRING || idx->dtype == WISP_DT_FLOAT16 ||
      depth->dtype == WISP_DT_FLOAT16)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "string or float16 inputs are not supported");
  double dv = depth->dtype == WISP_DT_FLOAT    ? *(const float *)depth->data
              : depth->dtype == WISP_DT_DOUBLE ? *(const double *)depth->data
                                               : (double)wisp_tensor_get_int(depth, 0);
  if (!(dv >= 1 && dv <= (double)WISP_MAX_NUMEL))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "depth %g is not a positive size", dv);
  if (is->ndim >= WISP_MAX_DIMS)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "indices rank %d is too large", is->ndim);
  p->depth = (int64_t)dv;
  int64_t axis = wisp_attr_int(ctx->node, "axis", -1);
  if (axis < -is->ndim - 1 || axis > is->ndim)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "axis %lld is out of range for rank %d",
                        (long long)axis, is->ndim + 1);
  p->axis = (int)(axis < 0 ? axis + is->ndim + 1 : axis);
  wisp_shape *os = &ctx->out[0]->shape;
  os->ndim = is->ndim + 1;
  p->outer = p->inner = 1;
  for (int d = 0, k = 0; d < os->ndim; d++) {
    if (d == p->axis) {
      os->dims[d] = p->depth;
      continue;
    }
    os->dims[d] = is->dims[k++];
    if (d < p->axis) p->outer *= os->dims[d];
    else p->inner *= os->dims[d];
  }
  ctx->out[0]->dtype = vals->dtype;
  return WISP_OK;
}

static wisp_status onehot_exec(wisp_op_ctx *ctx) {
  const onehot_params *p = ctx->params;
  const wisp_tensor *idx = ctx->in[0];
  size_t es = wisp_dtype_size(ctx->out[0]->dtype);
  const char *off = ctx->in[2]->data, *on = off + es;
  char *y = ctx->out[0]->data;
  int64_t n = p->outer * p->depth * p->inner;
  for (int64_t i = 0; i < n; i++) memcpy(y + i * (int64_t)es, off, es);
  for (int64_t o = 0; o < p->outer; o++)
    for (int64_t i = 0; i < p->inner; i++) {
      int64_t e = o * p->inner + i;
      /* float indices are truncated; values outside [-depth, depth) select nothing */
      double v = idx->dtype == WISP_DT_FLOAT    ? ((const float *)idx->data)[e]
                 : idx->dtype == WISP_DT_DOUBLE ? ((const double *)idx->data)[e]
                                                : (double)wisp_tensor_get_int(idx, e);
      if (!(v > -(double)p->depth - 1 && v < (double)p->depth)) continue;
      int64_t k = (int64_t)v;
      if (k < 0) k += p->depth;
      if (k < 0 || k >= p->depth) continue;
      memcpy(y + ((o * p->depth + k) * p->inner + i) * (int64_t)es, on, es);
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_OneHot = {
    "", "OneHot", sizeof(onehot_params), NULL, onehot_infer, onehot_exec, 0, 1u << 1};

/* ---- Compress: the slices along axis (or elements, flattened) where condition is true ----- */

typedef struct {
  int axis;                  /* -1: flatten */
  int64_t outer, len, inner; /* input as (outer, len, inner) */
} compress_params;

static wisp_status compress_infer(wisp_op_ctx *ctx) {
  compress_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  const wisp_tensor *x = ctx->in[0], *cond = ctx->in[1];
  const wisp_shape *xs = &x->shape;
  if (cond->dtype != WISP_DT_BOOL || cond->shape.ndim != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "condition must be a 1-D bool tensor");
  if (!cond->data)
    return WISP_OP_FAIL(
        ctx, WISP_ERR_UNSUPPORTED,
        "condition must be known when input shapes are (it is computed at run time)");
  p->axis = -1;
  p->outer = p->inner = 1;
  p->len = wisp_shape_numel(xs);
  if (wisp_node_attr(ctx->node, "axis")) {
    WISP_TRY(wisp_op_axis(ctx, wisp_attr_int(ctx->node, "axis", 0), xs->ndim, &p->axis));
    p->len = xs->dims[p->axis];
    for (int d = 0; d < xs->ndim; d++)
      if (d < p->axis) p->outer *= xs->dims[d];
      else if (d > p->axis) p->inner *= xs->dims[d];
  }
  int64_t n = cond->shape.dims[0], kept = 0;
  if (n > p->len)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "condition has %lld entries for %lld",
                        (long long)n, (long long)p->len);
  for (int64_t i = 0; i < n; i++) kept += ((const uint8_t *)cond->data)[i] != 0;
  ctx->out[0]->dtype = x->dtype;
  if (p->axis < 0) {
    ctx->out[0]->shape = (wisp_shape){1, {kept}};
  } else {
    ctx->out[0]->shape = *xs;
    ctx->out[0]->shape.dims[p->axis] = kept;
  }
  return WISP_OK;
}

static wisp_status compress_exec(wisp_op_ctx *ctx) {
  const compress_params *p = ctx->params;
  const wisp_tensor *cond = ctx->in[1];
  const uint8_t *c = cond->data;
  int64_t n = cond->shape.dims[0];
  size_t row = (size_t)p->inner * wisp_dtype_size(ctx->in[0]->dtype);
  const char *x = ctx->in[0]->data;
  char *y = ctx->out[0]->data;
  for (int64_t o = 0; o < p->outer; o++)
    for (int64_t i = 0; i < n; i++)
      if (c[i]) memcpy(y, x + (size_t)(o * p->len + i) * row, row), y += row;
  return WISP_OK;
}

const wisp_op_def wisp_op_Compress = {
    "", "Compress", sizeof(compress_params), NULL, compress_infer, compress_exec, 0, 1u << 1};

/* ---- NonZero: (rank, count) int64 coordinates of the non-zero elements, row-major --------- */

static int nonzero_at(const wisp_tensor *x, int64_t i, size_t es) {
  const char *e = (const char *)x->data + i * (int64_t)es;
  switch (x->dtype) { /* -0.0 is zero */
    case WISP_DT_FLOAT: return *(const float *)e != 0.0f;
    case WISP_DT_DOUBLE: return *(const double *)e != 0.0;
    case WISP_DT_FLOAT16: return (*(const uint16_t *)e & 0x7fff) != 0;
    default:
      for (size_t k = 0; k < es; k++)
        if (e[k]) return 1;
      return 0;
  }
}

static wisp_status nonzero_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  const wisp_tensor *x = ctx->in[0];
  if (x->dtype == WISP_DT_STRING)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "string input is not supported");
  if (!x->data)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "input must be known when input shapes are (it is computed at run time)");
  int64_t n = wisp_shape_numel(&x->shape), count = 0;
  size_t es = wisp_dtype_size(x->dtype);
  for (int64_t i = 0; i < n; i++) count += nonzero_at(x, i, es);
  ctx->out[0]->dtype = WISP_DT_INT64;
  /* a scalar counts as one element of a 1-D tensor (as onnxruntime does) */
  ctx->out[0]->shape = (wisp_shape){2, {x->shape.ndim ? x->shape.ndim : 1, count}};
  return WISP_OK;
}

static wisp_status nonzero_exec(wisp_op_ctx *ctx) {
  const wisp_tensor *x = ctx->in[0];
  const wisp_shape *s = &x->shape;
  int nd = s->ndim ? s->ndim : 1;
  int64_t n = wisp_shape_numel(s), count = ctx->out[0]->shape.dims[1], k = 0;
  int64_t pos[WISP_MAX_DIMS] = {0};
  int64_t *y = ctx->out[0]->data;
  size_t es = wisp_dtype_size(x->dtype);
  for (int64_t i = 0; i < n; i++) {
    if (nonzero_at(x, i, es)) {
      for (int d = 0; d < nd; d++) y[d * count + k] = pos[d];
      k++;
    }
    for (int d = s->ndim - 1; d >= 0; d--) {
      if (++pos[d] < s->dims[d]) break;
      pos[d] = 0;
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_NonZero = {"", "NonZero", 0, NULL, nonzero_infer, nonzero_exec, 0, 1u};

/* ---- CumSum along the axis given as input 1 (read at run time), exclusive and/or reverse -- */

typedef struct {
  int exclusive, reverse;
} cumsum_params;

static wisp_status cumsum_parse(wisp_op_ctx *ctx) {
  cumsum_params *p = ctx->params;
  p->exclusive = wisp_attr_int(ctx->node, "exclusive", 0) != 0;
  p->reverse = wisp_attr_int(ctx->node, "reverse", 0) != 0;
  return WISP_OK;
}

static wisp_status cumsum_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  wisp_dtype dt = ctx->in[0]->dtype;
  if (!reducible(dt))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(dt));
  if (!is_index_type(ctx->in[1]->dtype) || wisp_shape_numel(&ctx->in[1]->shape) != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "axis must be an int32 or int64 scalar");
  if (ctx->in[0]->shape.ndim < 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input must have rank >= 1");
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

/* Sums in the input type, as onnxruntime does; integers wrap (through the unsigned type U). */
#define CUMSUM_CASE(DT, T, U) \
  case DT: { \
    const T *x = ctx->in[0]->data; \
    T *y = ctx->out[0]->data; \
    for (int64_t o = 0; o < outer; o++) \
      for (int64_t i = 0; i < inner; i++) { \
        U acc = 0; \
        for (int64_t j = 0; j < len; j++) { \
          int64_t e = (o * len + (p->reverse ? len - 1 - j : j)) * inner + i; \
          if (p->exclusive) y[e] = (T)acc, acc = (U)(acc + (U)x[e]); \
          else acc = (U)(acc + (U)x[e]), y[e] = (T)acc; \
        } \
      } \
    break; \
  }

static wisp_status cumsum_exec(wisp_op_ctx *ctx) {
  const cumsum_params *p = ctx->params;
  const wisp_shape *s = &ctx->in[0]->shape;
  int axis;
  WISP_TRY(wisp_op_axis(ctx, wisp_tensor_get_int(ctx->in[1], 0), s->ndim, &axis));
  int64_t outer = 1, len = s->dims[axis], inner = 1;
  for (int d = 0; d < s->ndim; d++)
    if (d < axis) outer *= s->dims[d];
    else if (d > axis) inner *= s->dims[d];
  switch (ctx->in[0]->dtype) {
    CUMSUM_CASE(WISP_DT_FLOAT, float, float)
    CUMSUM_CASE(WISP_DT_DOUBLE, double, double)
    CUMSUM_CASE(WISP_DT_INT32, int32_t, uint32_t)
    CUMSUM_CASE(WISP_DT_INT64, int64_t, uint64_t)
    default: break;
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_CumSum = {
    "", "CumSum", sizeof(cumsum_params), cumsum_parse, cumsum_infer, cumsum_exec, 0};
