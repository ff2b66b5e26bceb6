/* transform.c — data movement: Transpose, Concat, Split, Gather, Slice, Expand, Tile,
 * DepthToSpace, SpaceToDepth, ReverseSequence, Pad, Squeeze, Unsqueeze, Size, ConstantOfShape,
 * Range, Cast, CastLike.
 *
 * Movement ops never look at element values, only at their size, so one kernel serves every
 * dtype: most of them are a `copy_box` — a dense output box read from the input through
 * per-dim element strides (permuted for Transpose, scaled for Slice, 0 for Expand and Tile). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../half.h"
#include "../threads.h"
#include "cast.h"
#include "op.h"

/* ---- helpers ------------------------------------------------------------------------------ */

#define MAX_BOX (2 * WISP_MAX_DIMS) /* Tile views each dim as (repeat, dim) */

static void dense_strides(const wisp_shape *s, int64_t *strides) {
  int64_t st = 1;
  for (int d = s->ndim - 1; d >= 0; d--) strides[d] = st, st *= s->dims[d];
}

/* dst[i] = src[i * stride] for n elements of esize bytes. */
static void copy_row(char *dst, const char *src, int64_t n, int64_t stride, size_t esize) {
  if (stride == 1) {
    memcpy(dst, src, (size_t)n * esize);
    return;
  }
  switch (esize) {
#define ROW(T) \
  for (int64_t i = 0; i < n; i++) ((T *)dst)[i] = ((const T *)src)[i * stride]; \
  break;
    case 1: ROW(uint8_t)
    case 2: ROW(uint16_t)
    case 4: ROW(uint32_t)
    case 8: ROW(uint64_t)
#undef ROW
    default:
      for (int64_t i = 0; i < n; i++)
        memcpy(dst + i * esize, src + i * stride * (int64_t)esize, esize);
  }
}

/* Fills the dense box `dims` (nd of them) at dst from src, where a step along dim k moves
 * strides[k] elements in src (0 repeats, negative walks back). Size-1 dims are dropped and dims
 * contiguous in src merged, so the common cases end up as a few long memcpys. */
static void copy_box(void *dst, const void *src, int nd, const int64_t *dims,
                     const int64_t *strides, size_t esize) {
  int64_t d[MAX_BOX], s[MAX_BOX], idx[MAX_BOX] = {0};
  int n = 0;
  for (int k = 0; k < nd; k++) {
    if (dims[k] == 0) return;
    if (dims[k] == 1) continue;
    if (n && s[n - 1] == strides[k] * dims[k]) d[n - 1] *= dims[k], s[n - 1] = strides[k];
    else d[n] = dims[k], s[n] = strides[k], n++;
  }
  if (!n) d[n] = 1, s[n] = 1, n = 1;
  int64_t inner = d[n - 1], rows = 1, off = 0;
  for (int k = 0; k < n - 1; k++) rows *= d[k];
  char *o = dst;
  for (int64_t r = 0; r < rows; r++, o += inner * (int64_t)esize) {
    copy_row(o, (const char *)src + off * (int64_t)esize, inner, s[n - 1], esize);
    for (int k = n - 2; k >= 0; k--) { /* advance the outer index */
      off += s[k];
      if (++idx[k] < d[k]) break;
      off -= s[k] * d[k];
      idx[k] = 0;
    }
  }
}

/* Squeeze and Unsqueeze are WISP_OP_ALIAS: the planner usually gives output and input one
 * buffer, and then there is nothing to copy. */
static wisp_status copy_exec(wisp_op_ctx *ctx) {
  size_t bytes = wisp_tensor_bytes(ctx->out[0]);
  if (bytes && ctx->out[0]->data != ctx->in[0]->data)
    memcpy(ctx->out[0]->data, ctx->in[0]->data, bytes);
  return WISP_OK;
}

/* Reads the 1-D integer input i, whose values infer needs (a value_inputs port). */
static wisp_status read_ints(const wisp_op_ctx *ctx, int i, const char *what, int64_t *v, int max,
                             int *n) {
  const wisp_tensor *t = ctx->in[i];
  if (!t->data)
    return WISP_OP_FAIL(
        ctx, WISP_ERR_UNSUPPORTED,
        "%s must be known when input shapes are (it is computed from data at run time)", what);
  if ((t->dtype != WISP_DT_INT64 && t->dtype != WISP_DT_INT32) || t->shape.ndim > 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%s must be a 1-D int64 tensor", what);
  int64_t count = wisp_shape_numel(&t->shape);
  if (count > max)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "%s has %lld values, at most %d make sense here", what, (long long)count,
                        max);
  for (int k = 0; k < count; k++) v[k] = wisp_tensor_get_int(t, k);
  *n = (int)count;
  return WISP_OK;
}

/* Axes from input `input` (newer opsets) or attribute "axes" (older); *n = -1 when absent. */
static wisp_status read_axes(const wisp_op_ctx *ctx, int input, int64_t *axes, int *n) {
  *n = -1;
  if (ctx->n_in > input && ctx->in[input])
    return read_ints(ctx, input, "axes", axes, WISP_MAX_DIMS, n);
  const wisp_attr *a = wisp_node_attr(ctx->node, "axes");
  if (!a || a->type != WISP_ATTR_INTS) return WISP_OK;
  if (a->count > WISP_MAX_DIMS)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%d axes is too many", a->count);
  memcpy(axes, a->ints, (size_t)a->count * sizeof *axes);
  *n = a->count;
  return WISP_OK;
}

/* Normalises axes against rank into a bit mask, rejecting out-of-range and repeated axes. */
static wisp_status axes_mask(const wisp_op_ctx *ctx, const int64_t *axes, int n, int rank,
                             unsigned *mask) {
  *mask = 0;
  for (int k = 0; k < n; k++) {
    if (axes[k] < -rank || axes[k] >= rank)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "axis %lld is out of range for rank %d",
                          (long long)axes[k], rank);
    int a = (int)(axes[k] < 0 ? axes[k] + rank : axes[k]);
    if (*mask >> a & 1) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "axis %d repeats", a);
    *mask |= 1u << a;
  }
  return WISP_OK;
}

/* ---- Transpose ---------------------------------------------------------------------------- */

typedef struct {
  int perm[WISP_MAX_DIMS];
} transpose_params;

static wisp_status transpose_infer(wisp_op_ctx *ctx) {
  transpose_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  const wisp_shape *s = &ctx->in[0]->shape;
  int n;
  const int64_t *perm = wisp_attr_ints(ctx->node, "perm", &n);
  if (!perm) n = s->ndim; /* default: reverse the dims */
  if (n != s->ndim)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "perm has %d entries for rank %d", n, s->ndim);
  unsigned seen = 0;
  wisp_shape out = {n, {0}};
  for (int k = 0; k < n; k++) {
    int64_t a = perm ? perm[k] : n - 1 - k;
    if (a < 0 || a >= n || (seen >> a & 1))
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "perm is not a permutation of 0..%d", n - 1);
    seen |= 1u << a;
    p->perm[k] = (int)a;
    out.dims[k] = s->dims[a];
  }
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  ctx->out[0]->shape = out;
  return WISP_OK;
}

typedef struct {
  const wisp_tensor *x, *y;
  const int64_t *src; /* x's stride along each of y's dims */
  int a;              /* the first dim of y longer than 1: split over the threads */
} transpose_job;

/* y[..., i : i + n, ...] (along dim a) as a box of its own. */
static void transpose_rows(void *ctx, int thread, size_t i, size_t j, size_t n, size_t nj) {
  const transpose_job *t = ctx;
  const wisp_shape *ys = &t->y->shape;
  size_t esize = wisp_dtype_size(t->y->dtype);
  int64_t dims[WISP_MAX_DIMS], after = 1;
  for (int k = 0; k < ys->ndim; k++) dims[k] = ys->dims[k];
  for (int k = t->a + 1; k < ys->ndim; k++) after *= dims[k];
  dims[t->a] = (int64_t)n;
  copy_box((char *)t->y->data + (int64_t)i * after * (int64_t)esize,
           (const char *)t->x->data + (int64_t)i * t->src[t->a] * (int64_t)esize, ys->ndim, dims,
           t->src, esize);
}

static wisp_status transpose_exec(wisp_op_ctx *ctx) {
  const transpose_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  wisp_tensor *y = ctx->out[0];
  int64_t st[WISP_MAX_DIMS], src[WISP_MAX_DIMS], n = wisp_shape_numel(&y->shape);
  dense_strides(&x->shape, st);
  for (int k = 0; k < y->shape.ndim; k++) src[k] = st[p->perm[k]];
  transpose_job t = {x, y, src, 0};
  while (t.a < y->shape.ndim - 1 && y->shape.dims[t.a] == 1) t.a++;
  if (!n || !y->shape.ndim) {
    copy_box(y->data, x->data, y->shape.ndim, y->shape.dims, src, wisp_dtype_size(y->dtype));
    return WISP_OK;
  }
  wisp_parallel_rows((size_t)y->shape.dims[t.a], (size_t)(n / y->shape.dims[t.a]), transpose_rows,
                     &t);
  return WISP_OK;
}

const wisp_op_def wisp_op_Transpose = {
    "", "Transpose", sizeof(transpose_params), NULL, transpose_infer, transpose_exec, 0};

/* ---- Concat and Split: rows of (outer, axis * inner) ------------------------------------- */

typedef struct {
  int axis;
  int mode;      /* Split: 0 equal parts, 1 sizes from attribute, 2 sizes from input 1 */
  int64_t chunk; /* Split, equal parts: size of all but the last */
} axis_params;

static void outer_inner(const wisp_shape *s, int axis, int64_t *outer, int64_t *inner) {
  *outer = *inner = 1;
  for (int d = 0; d < s->ndim; d++) {
    if (d < axis) *outer *= s->dims[d];
    if (d > axis) *inner *= s->dims[d];
  }
}

static wisp_status concat_infer(wisp_op_ctx *ctx) {
  axis_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1 << 20));
  const wisp_tensor *x0 = ctx->in[0];
  if (!wisp_node_attr(ctx->node, "axis"))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "attribute 'axis' is required");
  if (x0->shape.ndim == 0)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "cannot concatenate scalars");
  WISP_TRY(wisp_op_axis(ctx, wisp_attr_int(ctx->node, "axis", 0), x0->shape.ndim, &p->axis));
  wisp_shape out = x0->shape;
  out.dims[p->axis] = 0;
  for (int i = 0; i < ctx->n_in; i++) {
    const wisp_tensor *x = ctx->in[i];
    if (!x) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "input %d is missing", i);
    int same = x->dtype == x0->dtype && x->shape.ndim == x0->shape.ndim;
    for (int d = 0; same && d < out.ndim; d++)
      same = d == p->axis || x->shape.dims[d] == out.dims[d];
    if (!same) {
      char a[96], b[96];
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "input %d (%s %s) does not match input 0 (%s %s)", i,
                          wisp_dtype_name(x->dtype), wisp_shape_str(&x->shape, a, sizeof a),
                          wisp_dtype_name(x0->dtype), wisp_shape_str(&x0->shape, b, sizeof b));
    }
    out.dims[p->axis] += x->shape.dims[p->axis]; /* each dim < 2^31: no overflow */
  }
  ctx->out[0]->dtype = x0->dtype;
  ctx->out[0]->shape = out;
  return WISP_OK;
}

static wisp_status concat_exec(wisp_op_ctx *ctx) {
  const axis_params *p = ctx->params;
  wisp_tensor *y = ctx->out[0];
  int64_t outer, inner;
  outer_inner(&y->shape, p->axis, &outer, &inner);
  size_t es = wisp_dtype_size(y->dtype), out_row = (size_t)(y->shape.dims[p->axis] * inner) * es;
  size_t at = 0;
  for (int i = 0; i < ctx->n_in; i++) {
    size_t row = (size_t)(ctx->in[i]->shape.dims[p->axis] * inner) * es;
    const char *src = ctx->in[i]->data;
    for (int64_t o = 0; row && o < outer; o++)
      memcpy((char *)y->data + o * out_row + at, src + o * row, row);
    at += row;
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_Concat = {"",          "Concat", sizeof(axis_params), NULL, concat_infer,
                                    concat_exec, 0};

/* Size of Split's output i along the axis. */
static int64_t split_size(const wisp_op_ctx *ctx, const axis_params *p, int i) {
  if (p->mode == 2) return wisp_tensor_get_int(ctx->in[1], i);
  if (p->mode == 1) return wisp_node_attr(ctx->node, "split")->ints[i];
  int64_t left = ctx->in[0]->shape.dims[p->axis] - p->chunk * i;
  return left < p->chunk ? left : p->chunk;
}

static wisp_status split_infer(wisp_op_ctx *ctx) {
  axis_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 2));
  const wisp_tensor *x = ctx->in[0];
  if (x->shape.ndim == 0) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "cannot split a scalar");
  WISP_TRY(wisp_op_axis(ctx, wisp_attr_int(ctx->node, "axis", 0), x->shape.ndim, &p->axis));
  int64_t dim = x->shape.dims[p->axis];
  const wisp_attr *split = wisp_node_attr(ctx->node, "split");
  int n = ctx->n_out;
  if (ctx->n_in > 1 && ctx->in[1]) {
    p->mode = 2;
    const wisp_tensor *s = ctx->in[1];
    if (!s->data)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                          "split sizes must be known when input shapes are");
    if ((s->dtype != WISP_DT_INT64 && s->dtype != WISP_DT_INT32) || s->shape.ndim > 1 ||
        wisp_shape_numel(&s->shape) != n)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                          "split must be a 1-D int64 tensor of %d sizes", n);
  } else if (split && split->type == WISP_ATTR_INTS) {
    p->mode = 1;
    if (split->count != n)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "split has %d sizes for %d outputs",
                          split->count, n);
  } else {
    p->mode = 0;
    int64_t parts = wisp_attr_int(ctx->node, "num_outputs", n);
    if (parts != n)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                          "num_outputs is %lld but the node has %d outputs", (long long)parts, n);
    /* opset 18 lets the last part be smaller; before, parts must be equal */
    p->chunk = ctx->node->opset >= 18 ? (dim + n - 1) / n : dim / n;
    if (ctx->node->opset < 18 ? dim % n : p->chunk * (n - 1) > dim)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "cannot split %lld into %d parts",
                          (long long)dim, n);
  }
  int64_t total = 0;
  for (int i = 0; i < n; i++) {
    int64_t v = split_size(ctx, p, i);
    if (v < 0 || v > dim - total)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "split sizes do not add up to %lld",
                          (long long)dim);
    total += v;
    if (!ctx->out[i]) continue;
    ctx->out[i]->dtype = x->dtype;
    ctx->out[i]->shape = x->shape;
    ctx->out[i]->shape.dims[p->axis] = v;
  }
  if (total != dim)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "split sizes add up to %lld, not %lld",
                        (long long)total, (long long)dim);
  return WISP_OK;
}

static wisp_status split_exec(wisp_op_ctx *ctx) {
  const axis_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  int64_t outer, inner;
  outer_inner(&x->shape, p->axis, &outer, &inner);
  size_t es = wisp_dtype_size(x->dtype), in_row = (size_t)(x->shape.dims[p->axis] * inner) * es;
  size_t at = 0;
  for (int i = 0; i < ctx->n_out; i++) {
    size_t row = (size_t)(split_size(ctx, p, i) * inner) * es;
    for (int64_t o = 0; ctx->out[i] && row && o < outer; o++)
      memcpy((char *)ctx->out[i]->data + o * row, (const char *)x->data + o * in_row + at, row);
    at += row;
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_Split = {"", "Split", sizeof(axis_params), NULL, split_infer, split_exec,
                                   0,  1u << 1};

/* ---- Gather ------------------------------------------------------------------------------- */

static wisp_status gather_infer(wisp_op_ctx *ctx) {
  axis_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  const wisp_tensor *x = ctx->in[0], *idx = ctx->in[1];
  if (idx->dtype != WISP_DT_INT64 && idx->dtype != WISP_DT_INT32)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "indices must be int32 or int64, not %s",
                        wisp_dtype_name(idx->dtype));
  if (x->shape.ndim == 0)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "cannot gather from a scalar");
  WISP_TRY(wisp_op_axis(ctx, wisp_attr_int(ctx->node, "axis", 0), x->shape.ndim, &p->axis));
  int rank = x->shape.ndim + idx->shape.ndim - 1;
  if (rank > WISP_MAX_DIMS)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "output rank %d is over %d", rank,
                        WISP_MAX_DIMS);
  /* out = x.dims[:axis] + indices.dims + x.dims[axis+1:] */
  wisp_shape out = {rank, {0}};
  int k = 0;
  for (int d = 0; d < p->axis; d++) out.dims[k++] = x->shape.dims[d];
  for (int d = 0; d < idx->shape.ndim; d++) out.dims[k++] = idx->shape.dims[d];
  for (int d = p->axis + 1; d < x->shape.ndim; d++) out.dims[k++] = x->shape.dims[d];
  ctx->out[0]->dtype = x->dtype;
  ctx->out[0]->shape = out;
  return WISP_OK;
}

static wisp_status gather_exec(wisp_op_ctx *ctx) {
  const axis_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0], *idx = ctx->in[1];
  int64_t outer, inner, n = x->shape.dims[p->axis], count = wisp_shape_numel(&idx->shape);
  outer_inner(&x->shape, p->axis, &outer, &inner);
  for (int64_t j = 0; j < count; j++) { /* check every index before any copy */
    int64_t k = wisp_tensor_get_int(idx, j);
    if (k < -n || k >= n)
      return WISP_OP_FAIL(ctx, WISP_ERR_RUNTIME, "index %lld is out of range for a dim of %lld",
                          (long long)k, (long long)n);
  }
  size_t block = (size_t)inner * wisp_dtype_size(x->dtype);
  char *y = ctx->out[0]->data;
  const char *src = x->data;
  for (int64_t o = 0; block && o < outer; o++)
    for (int64_t j = 0; j < count; j++) {
      int64_t k = wisp_tensor_get_int(idx, j);
      if (k < 0) k += n;
      memcpy(y + (o * count + j) * block, src + (o * n + k) * block, block);
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_Gather = {"",          "Gather", sizeof(axis_params), NULL, gather_infer,
                                    gather_exec, 0};

/* ---- Squeeze, Unsqueeze (axes: attribute before opset 13, input 1 from 13) --------------- */

static wisp_status unsqueeze_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 2));
  const wisp_shape *s = &ctx->in[0]->shape;
  int64_t axes[WISP_MAX_DIMS];
  int n;
  WISP_TRY(read_axes(ctx, 1, axes, &n));
  if (n < 0) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "axes are required");
  int rank = s->ndim + n;
  if (rank > WISP_MAX_DIMS)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "output rank %d is over %d", rank,
                        WISP_MAX_DIMS);
  unsigned mask;
  WISP_TRY(axes_mask(ctx, axes, n, rank, &mask));
  wisp_shape out = {rank, {0}};
  for (int d = 0, k = 0; d < rank; d++) out.dims[d] = mask >> d & 1 ? 1 : s->dims[k++];
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  ctx->out[0]->shape = out;
  return WISP_OK;
}

const wisp_op_def wisp_op_Unsqueeze = {"",        "Unsqueeze",   0,      NULL, unsqueeze_infer,
                                       copy_exec, WISP_OP_ALIAS, 1u << 1};

static wisp_status squeeze_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 2));
  const wisp_shape *s = &ctx->in[0]->shape;
  int64_t axes[WISP_MAX_DIMS];
  int n;
  unsigned mask = 0;
  WISP_TRY(read_axes(ctx, 1, axes, &n));
  if (n >= 0) WISP_TRY(axes_mask(ctx, axes, n, s->ndim, &mask));
  wisp_shape out = {0, {0}};
  for (int d = 0; d < s->ndim; d++) {
    int drop = n >= 0 ? (int)(mask >> d & 1) : s->dims[d] == 1; /* no axes: every 1 */
    if (drop && s->dims[d] != 1)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "cannot squeeze dim %d of size %lld", d,
                          (long long)s->dims[d]);
    if (!drop) out.dims[out.ndim++] = s->dims[d];
  }
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  ctx->out[0]->shape = out;
  return WISP_OK;
}

const wisp_op_def wisp_op_Squeeze = {"",        "Squeeze",     0,      NULL, squeeze_infer,
                                     copy_exec, WISP_OP_ALIAS, 1u << 1};

/* ---- Slice (starts/ends/axes/steps: attributes before opset 10, inputs 1-4 from 10) ------- */

typedef struct {
  int64_t start[WISP_MAX_DIMS], step[WISP_MAX_DIMS];
} slice_params;

/* One attribute list or value input of Slice; *n = -1 when absent. */
static wisp_status slice_arg(const wisp_op_ctx *ctx, int input, const char *name, int64_t *v,
                             int *n) {
  *n = -1;
  if (ctx->node->opset >= 10) {
    if (ctx->n_in > input && ctx->in[input])
      return read_ints(ctx, input, name, v, WISP_MAX_DIMS, n);
    return WISP_OK;
  }
  const wisp_attr *a = wisp_node_attr(ctx->node, name);
  if (!a || a->type != WISP_ATTR_INTS) return WISP_OK;
  if (a->count > WISP_MAX_DIMS)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%s has %d values", name, a->count);
  memcpy(v, a->ints, (size_t)a->count * sizeof *v);
  *n = a->count;
  return WISP_OK;
}

static wisp_status slice_infer(wisp_op_ctx *ctx) {
  slice_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, ctx->node->opset >= 10 ? 3 : 1, 5));
  const wisp_shape *s = &ctx->in[0]->shape;
  int64_t starts[WISP_MAX_DIMS], ends[WISP_MAX_DIMS], axes[WISP_MAX_DIMS], steps[WISP_MAX_DIMS];
  int n, n_ends, n_axes, n_steps;
  WISP_TRY(slice_arg(ctx, 1, "starts", starts, &n));
  WISP_TRY(slice_arg(ctx, 2, "ends", ends, &n_ends));
  WISP_TRY(slice_arg(ctx, 3, "axes", axes, &n_axes));
  WISP_TRY(slice_arg(ctx, 4, "steps", steps, &n_steps));
  if (n < 0 || n != n_ends || (n_axes >= 0 && n_axes != n) || (n_steps >= 0 && n_steps != n))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "starts, ends, axes and steps differ in length");
  if (n_axes < 0) {
    if (n > s->ndim) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "more starts than dims");
    for (int k = 0; k < n; k++) axes[k] = k;
  }
  unsigned mask;
  WISP_TRY(axes_mask(ctx, axes, n, s->ndim, &mask));
  wisp_shape out = *s;
  for (int d = 0; d < s->ndim; d++) p->start[d] = 0, p->step[d] = 1;
  for (int k = 0; k < n; k++) {
    int a = (int)(axes[k] < 0 ? axes[k] + s->ndim : axes[k]);
    int64_t dim = s->dims[a], b = starts[k], e = ends[k], st = n_steps >= 0 ? steps[k] : 1;
    if (st == 0) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "step 0 on axis %d", a);
    /* negative means from the end; then both clamp into [0, dim] going forward and
     * [-1, dim-1] going backward, -1 being "before the first" (the spec since ONNX 1.15,
     * and numpy) */
    if (b < 0) b += dim;
    if (e < 0) e += dim;
    int64_t lo = st > 0 ? 0 : -1, hi = st > 0 ? dim : dim - 1;
    b = b < lo ? lo : b > hi ? hi : b;
    e = e < lo ? lo : e > hi ? hi : e;
    if (st > dim) st = dim > 0 ? dim : 1; /* past one element the step no longer matters */
    if (st < -dim) st = dim > 0 ? -dim : -1;
    int64_t span = st > 0 ? e - b : b - e, mag = st > 0 ? st : -st;
    out.dims[a] = span > 0 ? (span - 1) / mag + 1 : 0;
    p->start[a] = out.dims[a] ? b : 0;
    p->step[a] = st;
  }
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  ctx->out[0]->shape = out;
  return WISP_OK;
}

static wisp_status slice_exec(wisp_op_ctx *ctx) {
  const slice_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  wisp_tensor *y = ctx->out[0];
  if (!wisp_shape_numel(&y->shape)) return WISP_OK;
  int64_t st[WISP_MAX_DIMS], src[WISP_MAX_DIMS], off = 0;
  dense_strides(&x->shape, st);
  for (int d = 0; d < x->shape.ndim; d++) off += p->start[d] * st[d], src[d] = st[d] * p->step[d];
  size_t es = wisp_dtype_size(y->dtype);
  copy_box(y->data, (const char *)x->data + off * (int64_t)es, y->shape.ndim, y->shape.dims, src,
           es);
  return WISP_OK;
}

const wisp_op_def wisp_op_Slice = {
    "", "Slice", sizeof(slice_params), NULL, slice_infer, slice_exec, 0, 0xfu << 1};

/* ---- Expand, Tile ------------------------------------------------------------------------- */

static wisp_status expand_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  wisp_shape want = {0, {0}};
  WISP_TRY(read_ints(ctx, 1, "shape", want.dims, WISP_MAX_DIMS, &want.ndim));
  for (int d = 0; d < want.ndim; d++)
    if (want.dims[d] < 0)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "shape has a negative dim %lld",
                          (long long)want.dims[d]);
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  return wisp_broadcast_shape(&ctx->in[0]->shape, &want, &ctx->out[0]->shape, "Expand");
}

static wisp_status expand_exec(wisp_op_ctx *ctx) {
  wisp_tensor *y = ctx->out[0];
  int64_t src[WISP_MAX_DIMS];
  wisp_broadcast_strides(&ctx->in[0]->shape, &y->shape, src);
  copy_box(y->data, ctx->in[0]->data, y->shape.ndim, y->shape.dims, src, wisp_dtype_size(y->dtype));
  return WISP_OK;
}

const wisp_op_def wisp_op_Expand = {"", "Expand", 0, NULL, expand_infer, expand_exec, 0, 1u << 1};

static wisp_status tile_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  const wisp_shape *s = &ctx->in[0]->shape;
  int64_t reps[WISP_MAX_DIMS];
  int n;
  WISP_TRY(read_ints(ctx, 1, "repeats", reps, WISP_MAX_DIMS, &n));
  if (n != s->ndim)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%d repeats for rank %d", n, s->ndim);
  wisp_shape out = *s;
  for (int d = 0; d < n; d++) {
    if (reps[d] < 0 || (s->dims[d] && reps[d] > WISP_MAX_NUMEL / s->dims[d]))
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "repeat %lld on dim %d is invalid or too large", (long long)reps[d], d);
    out.dims[d] *= reps[d];
  }
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  ctx->out[0]->shape = out;
  return WISP_OK;
}

static wisp_status tile_exec(wisp_op_ctx *ctx) {
  const wisp_tensor *x = ctx->in[0];
  wisp_tensor *y = ctx->out[0];
  int r = x->shape.ndim;
  int64_t st[WISP_MAX_DIMS], dims[MAX_BOX], src[MAX_BOX];
  dense_strides(&x->shape, st);
  for (int d = 0; d < r; d++) { /* out dim d as (repeat, dim): the repeat steps 0 */
    int64_t dim = x->shape.dims[d];
    dims[2 * d] = dim ? y->shape.dims[d] / dim : 0, src[2 * d] = 0;
    dims[2 * d + 1] = dim, src[2 * d + 1] = st[d];
  }
  copy_box(y->data, x->data, 2 * r, dims, src, wisp_dtype_size(y->dtype));
  return WISP_OK;
}

const wisp_op_def wisp_op_Tile = {"", "Tile", 0, NULL, tile_infer, tile_exec, 0, 1u << 1};

/* ---- DepthToSpace, SpaceToDepth: NCHW block rearrangements as one strided box each -------- */

typedef struct {
  int64_t b;
  int crd; /* DepthToSpace mode CRD (else DCR) */
} block_params;

static wisp_status block_parse(wisp_op_ctx *ctx) {
  block_params *p = ctx->params;
  p->b = wisp_attr_int(ctx->node, "blocksize", 0);
  if (p->b < 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "blocksize must be positive, is %lld",
                        (long long)p->b);
  const char *mode = wisp_attr_string(ctx->node, "mode", "DCR");
  if (strcmp(mode, "DCR") && strcmp(mode, "CRD"))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "mode must be DCR or CRD, not '%s'", mode);
  p->crd = !strcmp(mode, "CRD");
  return WISP_OK;
}

static wisp_status block_infer(wisp_op_ctx *ctx, int to_space) {
  const block_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  const wisp_shape *s = &ctx->in[0]->shape;
  char buf[96];
  if (s->ndim != 4)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input %s is not NCHW",
                        wisp_shape_str(s, buf, sizeof buf));
  int64_t b = p->b, n = s->dims[0], c = s->dims[1], h = s->dims[2], w = s->dims[3];
  wisp_shape out = {4, {n, 0, 0, 0}};
  if (to_space) {
    if (b > c || c % (b * b))
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "channels %lld are not a multiple of %lld²",
                          (long long)c, (long long)b);
    out.dims[1] = c / (b * b), out.dims[2] = h * b, out.dims[3] = w * b;
  } else {
    if (b > h || b > w || h % b || w % b)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "H and W of %s are not multiples of %lld",
                          wisp_shape_str(s, buf, sizeof buf), (long long)b);
    if (c > WISP_MAX_NUMEL / (b * b)) /* b <= h, w keeps b * b in range */
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "output channels would overflow");
    out.dims[1] = c * b * b, out.dims[2] = h / b, out.dims[3] = w / b;
  }
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  ctx->out[0]->shape = out;
  return WISP_OK;
}

static wisp_status depth_to_space_infer(wisp_op_ctx *ctx) { return block_infer(ctx, 1); }
static wisp_status space_to_depth_infer(wisp_op_ctx *ctx) { return block_infer(ctx, 0); }

static wisp_status depth_to_space_exec(wisp_op_ctx *ctx) {
  const block_params *p = ctx->params;
  const wisp_shape *s = &ctx->in[0]->shape;
  int64_t b = p->b, c = s->dims[1] / (b * b), h = s->dims[2], w = s->dims[3];
  /* input channel = (b1, b2, c) for DCR, (c, b1, b2) for CRD; output (N, c, H, b1, W, b2) */
  int64_t sc = p->crd ? b * b * h * w : h * w;
  int64_t sb1 = p->crd ? b * h * w : b * c * h * w, sb2 = p->crd ? h * w : c * h * w;
  int64_t dims[6] = {s->dims[0], c, h, b, w, b};
  int64_t st[6] = {s->dims[1] * h * w, sc, w, sb1, 1, sb2};
  copy_box(ctx->out[0]->data, ctx->in[0]->data, 6, dims, st, wisp_dtype_size(ctx->in[0]->dtype));
  return WISP_OK;
}

static wisp_status space_to_depth_exec(wisp_op_ctx *ctx) {
  const block_params *p = ctx->params;
  const wisp_shape *s = &ctx->in[0]->shape;
  int64_t b = p->b, c = s->dims[1], h = s->dims[2], w = s->dims[3];
  /* input (N, c, H/b, b1, W/b, b2) read as output (N, b1, b2, c, H/b, W/b) */
  int64_t dims[6] = {s->dims[0], b, b, c, h / b, w / b};
  int64_t st[6] = {c * h * w, w, 1, h * w, b * w, b};
  copy_box(ctx->out[0]->data, ctx->in[0]->data, 6, dims, st, wisp_dtype_size(ctx->in[0]->dtype));
  return WISP_OK;
}

const wisp_op_def wisp_op_DepthToSpace = {"",
                                          "DepthToSpace",
                                          sizeof(block_params),
                                          block_parse,
                                          depth_to_space_infer,
                                          depth_to_space_exec,
                                          0};
const wisp_op_def wisp_op_SpaceToDepth = {"",
                                          "SpaceToDepth",
                                          sizeof(block_params),
                                          block_parse,
                                          space_to_depth_infer,
                                          space_to_depth_exec,
                                          0};

/* ---- ReverseSequence: the first sequence_lens[b] steps of each batch entry, reversed ------ */

typedef struct {
  int time_axis;
} reverse_seq_params;

static wisp_status reverse_seq_parse(wisp_op_ctx *ctx) {
  int64_t t = wisp_attr_int(ctx->node, "time_axis", 0);
  int64_t b = wisp_attr_int(ctx->node, "batch_axis", 1);
  if (!((t == 0 && b == 1) || (t == 1 && b == 0)))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "time_axis, batch_axis must be 0, 1 or 1, 0");
  ((reverse_seq_params *)ctx->params)->time_axis = (int)t;
  return WISP_OK;
}

static wisp_status reverse_seq_infer(wisp_op_ctx *ctx) {
  const reverse_seq_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  const wisp_tensor *x = ctx->in[0], *lens = ctx->in[1];
  if (x->shape.ndim < 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input must have rank >= 2");
  if (lens->dtype != WISP_DT_INT64 || lens->shape.ndim != 1 ||
      lens->shape.dims[0] != x->shape.dims[1 - p->time_axis])
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "sequence_lens must be int64 (batch)");
  wisp_op_same_as(ctx->out[0], x);
  return WISP_OK;
}

static wisp_status reverse_seq_exec(wisp_op_ctx *ctx) {
  const reverse_seq_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  const int64_t *lens = ctx->in[1]->data;
  int64_t d0 = x->shape.dims[0], d1 = x->shape.dims[1];
  int64_t steps = p->time_axis ? d1 : d0, batch = p->time_axis ? d0 : d1;
  size_t slice = wisp_dtype_size(x->dtype);
  for (int d = 2; d < x->shape.ndim; d++) slice *= (size_t)x->shape.dims[d];
  const char *src = x->data;
  char *dst = ctx->out[0]->data;
  for (int64_t b = 0; b < batch; b++)
    if (lens[b] < 0 || lens[b] > steps)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "sequence length %lld is not in [0, %lld]",
                          (long long)lens[b], (long long)steps);
  for (int64_t b = 0; b < batch; b++)
    for (int64_t t = 0; t < steps; t++) {
      int64_t from = t < lens[b] ? lens[b] - 1 - t : t;
      int64_t o = p->time_axis ? b * d1 + t : t * d1 + b;
      int64_t i = p->time_axis ? b * d1 + from : from * d1 + b;
      memcpy(dst + (size_t)o * slice, src + (size_t)i * slice, slice);
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_ReverseSequence = {"",
                                             "ReverseSequence",
                                             sizeof(reverse_seq_params),
                                             reverse_seq_parse,
                                             reverse_seq_infer,
                                             reverse_seq_exec,
                                             0};

/* ---- Pad (pads: attribute before opset 11, input 1 from 11; axes input 3 from 18) --------- */

enum { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_WRAP };

/* Negative pads crop, and crop first: the padding (reflect, wrap) sees only the kept part,
 * as in onnxruntime. */
typedef struct {
  int mode;
  int64_t begin[WISP_MAX_DIMS]; /* output elements before the kept part */
  int64_t skip[WISP_MAX_DIMS];  /* input elements cropped at the start */
  int64_t keep[WISP_MAX_DIMS];  /* input elements kept */
} pad_params;

static wisp_status pad_parse(wisp_op_ctx *ctx) {
  pad_params *p = ctx->params;
  const char *mode = wisp_attr_string(ctx->node, "mode", "constant");
  static const char *const modes[] = {"constant", "reflect", "edge", "wrap"};
  for (p->mode = 0; p->mode < 4; p->mode++)
    if (!strcmp(mode, modes[p->mode])) return WISP_OK;
  return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "mode '%s' is not supported", mode);
}

static wisp_status pad_infer(wisp_op_ctx *ctx) {
  pad_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, ctx->node->opset >= 11 ? 2 : 1, 4));
  const wisp_tensor *x = ctx->in[0];
  int r = x->shape.ndim, n;
  int64_t pads[2 * WISP_MAX_DIMS], axes[WISP_MAX_DIMS];
  if (ctx->node->opset >= 11) {
    WISP_TRY(read_ints(ctx, 1, "pads", pads, 2 * WISP_MAX_DIMS, &n));
    const wisp_tensor *v = ctx->n_in > 2 ? ctx->in[2] : NULL;
    if (v && (v->dtype != x->dtype || wisp_shape_numel(&v->shape) > 1))
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "constant_value must be one %s",
                          wisp_dtype_name(x->dtype));
  } else {
    const wisp_attr *a = wisp_node_attr(ctx->node, "pads");
    if (!a) a = wisp_node_attr(ctx->node, "paddings"); /* opset 1 */
    if (!a || a->type != WISP_ATTR_INTS || a->count > 2 * WISP_MAX_DIMS)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "attribute 'pads' is missing or too long");
    n = a->count;
    memcpy(pads, a->ints, (size_t)n * sizeof *pads);
  }
  int n_axes = r;
  if (ctx->n_in > 3 && ctx->in[3])
    WISP_TRY(read_ints(ctx, 3, "axes", axes, WISP_MAX_DIMS, &n_axes));
  else
    for (int d = 0; d < r; d++) axes[d] = d;
  unsigned mask;
  WISP_TRY(axes_mask(ctx, axes, n_axes, r, &mask));
  if (n != 2 * n_axes)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%d pads for %d axes", n, n_axes);
  wisp_shape out = x->shape;
  for (int d = 0; d < r; d++) p->begin[d] = p->skip[d] = 0, p->keep[d] = x->shape.dims[d];
  for (int k = 0; k < n_axes; k++) {
    int a = (int)(axes[k] < 0 ? axes[k] + r : axes[k]);
    int64_t dim = x->shape.dims[a], b = pads[k], e = pads[k + n_axes];
    if (b < -dim || e < -dim || b > WISP_MAX_NUMEL || e > WISP_MAX_NUMEL || b + e < -dim)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "pads %lld, %lld do not fit dim %d of size %lld", (long long)b,
                          (long long)e, a, (long long)dim);
    p->skip[a] = b < 0 ? -b : 0;
    p->keep[a] = dim + (b < 0 ? b : 0) + (e < 0 ? e : 0);
    p->begin[a] = b > 0 ? b : 0;
    if (e < 0) e = 0;
    /* reflect mirrors once, so it needs pads < the kept size; edge and wrap need something */
    int64_t m = p->keep[a];
    if ((p->mode == PAD_REFLECT && (p->begin[a] >= m || e >= m) && (p->begin[a] || e)) ||
        (p->mode != PAD_CONSTANT && m == 0 && (p->begin[a] || e)))
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "pads %lld, %lld are too large for dim %d of size %lld",
                          (long long)pads[k], (long long)pads[k + n_axes], a, (long long)dim);
    out.dims[a] = m + p->begin[a] + e;
  }
  ctx->out[0]->dtype = x->dtype;
  ctx->out[0]->shape = out;
  return WISP_OK;
}

/* Source index for output coordinate i - begin in a dim of size n, or -1 for the fill value. */
static int64_t pad_source(int mode, int64_t i, int64_t n) {
  if (i >= 0 && i < n) return i;
  if (mode == PAD_CONSTANT || n == 0) return -1;
  if (mode == PAD_EDGE) return i < 0 ? 0 : n - 1;
  if (mode == PAD_WRAP) return (i % n + n) % n;
  i = i < 0 ? -i : 2 * (n - 1) - i; /* reflect, without repeating the edge */
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

static wisp_status pad_exec(wisp_op_ctx *ctx) {
  const pad_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  wisp_tensor *y = ctx->out[0];
  int64_t numel = wisp_shape_numel(&y->shape);
  if (!numel) return WISP_OK;
  size_t es = wisp_dtype_size(y->dtype);
  union {
    uint64_t u;
    double d;
  } fill = {0}; /* the constant, as one element of the dtype */
  const wisp_tensor *v = ctx->n_in > 2 ? ctx->in[2] : NULL;
  if (ctx->node->opset >= 11 && v && wisp_shape_numel(&v->shape)) memcpy(&fill, v->data, es);
  else if (ctx->node->opset < 11)
    wisp_cast_store_double(&fill, y->dtype, 0, wisp_attr_float(ctx->node, "value", 0));
  int r = y->shape.ndim;
  if (!r) {
    memcpy(y->data, x->data, es);
    return WISP_OK;
  }
  int64_t st[WISP_MAX_DIMS], idx[WISP_MAX_DIMS] = {0}, base = 0;
  dense_strides(&x->shape, st);
  for (int d = 0; d < r; d++) base += p->skip[d] * st[d];
  int64_t n = y->shape.dims[r - 1], m = p->keep[r - 1], b = p->begin[r - 1];
  char *o = y->data;
  for (int64_t row = 0; row < numel / n; row++, o += n * (int64_t)es) {
    int64_t off = base;
    for (int d = 0; d < r - 1 && off >= 0; d++) {
      int64_t s = pad_source(p->mode, idx[d] - p->begin[d], p->keep[d]);
      off = s < 0 ? -1 : off + s * st[d];
    }
    const char *src = (const char *)x->data + (off < 0 ? 0 : off) * (int64_t)es;
    for (int64_t i = 0; i < n; i++) {
      if (i == b && off >= 0 && m) { /* the kept part: one straight copy */
        memcpy(o + i * es, src, (size_t)m * es);
        i += m - 1;
        continue;
      }
      int64_t s = off < 0 ? -1 : pad_source(p->mode, i - b, m);
      memcpy(o + i * es, s < 0 ? (const char *)&fill : src + s * (int64_t)es, es);
    }
    for (int d = r - 2; d >= 0; d--) {
      if (++idx[d] < y->shape.dims[d]) break;
      idx[d] = 0;
    }
  }
  return WISP_OK;
}

/* The fill constant is read at run time, so only pads and axes are value inputs. */
const wisp_op_def wisp_op_Pad = {"",       "Pad", sizeof(pad_params), pad_parse, pad_infer,
                                 pad_exec, 0,     1u << 1 | 1u << 3};

/* ---- Size --------------------------------------------------------------------------------- */

static wisp_status size_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  ctx->out[0]->dtype = WISP_DT_INT64;
  ctx->out[0]->shape.ndim = 0;
  return WISP_OK;
}

static wisp_status size_exec(wisp_op_ctx *ctx) {
  *(int64_t *)ctx->out[0]->data = wisp_shape_numel(&ctx->in[0]->shape);
  return WISP_OK;
}

const wisp_op_def wisp_op_Size = {"", "Size", 0, NULL, size_infer, size_exec, WISP_OP_SHAPE_ONLY};

/* ---- ConstantOfShape ---------------------------------------------------------------------- */

static wisp_status constant_of_shape_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  wisp_tensor *y = ctx->out[0];
  WISP_TRY(read_ints(ctx, 0, "shape", y->shape.dims, WISP_MAX_DIMS, &y->shape.ndim));
  const wisp_attr *v = wisp_node_attr(ctx->node, "value");
  y->dtype = WISP_DT_FLOAT;
  if (v && (v->type != WISP_ATTR_TENSOR || !v->t || wisp_shape_numel(&v->t->shape) != 1))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "value must be a one-element tensor");
  if (v) y->dtype = v->t->dtype; /* the planner rejects dtypes wisp cannot hold */
  return WISP_OK;
}

static wisp_status constant_of_shape_exec(wisp_op_ctx *ctx) {
  const wisp_attr *v = wisp_node_attr(ctx->node, "value");
  wisp_tensor *y = ctx->out[0];
  size_t es = wisp_dtype_size(y->dtype);
  int64_t n = wisp_shape_numel(&y->shape);
  char *o = y->data;
  if (!v) memset(o, 0, (size_t)n * es);
  else
    for (int64_t i = 0; i < n; i++) memcpy(o + i * es, v->t->data, es);
  return WISP_OK;
}

const wisp_op_def wisp_op_ConstantOfShape = {
    "", "ConstantOfShape", 0, NULL, constant_of_shape_infer, constant_of_shape_exec, 0, 1u << 0};

/* ---- Range: the output length depends on the values ---------------------------------------- */

static wisp_status range_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 3, 3));
  wisp_dtype dt = ctx->in[0]->dtype;
  for (int i = 0; i < 3; i++) {
    const wisp_tensor *t = ctx->in[i];
    if (!t->data)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                          "start, limit and delta must be known when input shapes are");
    if (t->dtype != dt || wisp_shape_numel(&t->shape) != 1)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                          "start, limit and delta must be scalars of one type");
  }
  if (dt != WISP_DT_FLOAT && dt != WISP_DT_DOUBLE && dt != WISP_DT_INT16 && dt != WISP_DT_INT32 &&
      dt != WISP_DT_INT64)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(dt));
  uint64_t n;
  if (wisp_cast_is_float(dt)) {
    double start = wisp_cast_load_double(ctx->in[0]->data, dt, 0),
           limit = wisp_cast_load_double(ctx->in[1]->data, dt, 0);
    double delta = wisp_cast_load_double(ctx->in[2]->data, dt, 0),
           len = ceil((limit - start) / delta);
    if (delta == 0 || !(len < (double)WISP_MAX_NUMEL)) /* also catches NaN and infinities */
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "range from %g to %g by %g is invalid or too long", start, limit, delta);
    n = len > 0 ? (uint64_t)len : 0;
  } else {
    int64_t start = wisp_tensor_get_int(ctx->in[0], 0), limit = wisp_tensor_get_int(ctx->in[1], 0);
    int64_t delta = wisp_tensor_get_int(ctx->in[2], 0);
    if (!delta) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "delta is 0");
    /* ceil((limit - start) / delta) in unsigned math, which cannot overflow */
    uint64_t span = delta > 0 ? (limit > start ? (uint64_t)limit - (uint64_t)start : 0)
                              : (start > limit ? (uint64_t)start - (uint64_t)limit : 0);
    uint64_t mag = delta > 0 ? (uint64_t)delta : 0 - (uint64_t)delta;
    n = span / mag + (span % mag != 0);
  }
  if (n > (uint64_t)WISP_MAX_NUMEL)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "range of %llu elements is too long",
                        (unsigned long long)n);
  ctx->out[0]->dtype = dt;
  ctx->out[0]->shape = (wisp_shape){1, {(int64_t)n}};
  return WISP_OK;
}

static wisp_status range_exec(wisp_op_ctx *ctx) {
  wisp_tensor *y = ctx->out[0];
  int64_t n = y->shape.dims[0];
  if (wisp_cast_is_float(y->dtype)) {
    double start = wisp_cast_load_double(ctx->in[0]->data, y->dtype, 0),
           delta = wisp_cast_load_double(ctx->in[2]->data, y->dtype, 0);
    for (int64_t i = 0; i < n; i++)
      wisp_cast_store_double(y->data, y->dtype, i, start + (double)i * delta);
    return WISP_OK;
  }
  uint64_t start = (uint64_t)wisp_tensor_get_int(ctx->in[0], 0),
           delta = (uint64_t)wisp_tensor_get_int(ctx->in[2], 0);
  for (int64_t i = 0; i < n; i++) { /* every value lies between start and limit: it fits */
    int64_t v = (int64_t)(start + (uint64_t)i * delta);
    if (y->dtype == WISP_DT_INT64) ((int64_t *)y->data)[i] = v;
    else if (y->dtype == WISP_DT_INT32) ((int32_t *)y->data)[i] = (int32_t)v;
    else ((int16_t *)y->data)[i] = (int16_t)v;
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_Range = {"", "Range", 0, NULL, range_infer, range_exec, 0, 7u};

/* ---- Cast, CastLike ----------------------------------------------------------------------- */

double wisp_cast_load_double(const void *p, wisp_dtype dt, int64_t i) {
  switch (dt) {
    case WISP_DT_FLOAT: return ((const float *)p)[i];
    case WISP_DT_DOUBLE: return ((const double *)p)[i];
    case WISP_DT_FLOAT16: return wisp_half_to_float(((const uint16_t *)p)[i]);
    default: return 0;
  }
}

/* Float to integer: NaN gives 0 and out-of-range values saturate (as wasm's trunc_sat and
 * Rust's `as` do); C leaves both undefined and ONNX does not say. */
#define SATURATE(T, LO, HI) \
  ((T *)p)[i] = v != v ? 0 : v <= (double)(LO) ? (LO) : v >= (double)(HI) ? (HI) : (T)v; \
  break;

void wisp_cast_store_double(void *p, wisp_dtype dt, int64_t i, double v) {
  switch (dt) {
    case WISP_DT_FLOAT: ((float *)p)[i] = (float)v; break;
    case WISP_DT_DOUBLE: ((double *)p)[i] = v; break;
    case WISP_DT_FLOAT16: ((uint16_t *)p)[i] = wisp_float_to_half((float)v); break;
    case WISP_DT_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    case WISP_DT_INT8: SATURATE(int8_t, INT8_MIN, INT8_MAX)
    case WISP_DT_UINT8: SATURATE(uint8_t, 0, UINT8_MAX)
    case WISP_DT_INT16: SATURATE(int16_t, INT16_MIN, INT16_MAX)
    case WISP_DT_UINT16: SATURATE(uint16_t, 0, UINT16_MAX)
    case WISP_DT_INT32: SATURATE(int32_t, INT32_MIN, INT32_MAX)
    case WISP_DT_UINT32: SATURATE(uint32_t, 0, UINT32_MAX)
    case WISP_DT_INT64: SATURATE(int64_t, INT64_MIN, INT64_MAX)
    case WISP_DT_UINT64: SATURATE(uint64_t, 0, UINT64_MAX)
    default: break;
  }
}

/* Integer to anything: narrowing wraps (two's complement), as in C and numpy. */
void wisp_cast_store_int(void *p, wisp_dtype dt, int64_t i, int64_t v, int from_u64) {
  switch (dt) {
    case WISP_DT_FLOAT:
    case WISP_DT_DOUBLE:
    case WISP_DT_FLOAT16:
      wisp_cast_store_double(p, dt, i, from_u64 ? (double)(uint64_t)v : (double)v);
      break;
    case WISP_DT_BOOL: ((uint8_t *)p)[i] = v != 0; break;
    case WISP_DT_INT8:
    case WISP_DT_UINT8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case WISP_DT_INT16:
    case WISP_DT_UINT16: ((uint16_t *)p)[i] = (uint16_t)v; break;
    case WISP_DT_INT32:
    case WISP_DT_UINT32: ((uint32_t *)p)[i] = (uint32_t)v; break;
    case WISP_DT_INT64:
    case WISP_DT_UINT64: ((int64_t *)p)[i] = v; break;
    default: break;
  }
}

static int castable(wisp_dtype dt) { return dt != WISP_DT_STRING && wisp_dtype_size(dt); }

/* Numbers cast to strings are written into ctx->state, WISP_CAST_STR_BYTES per element, which
 * the output's pointers point into (valid until the next run). */
typedef struct {
  size_t state_bytes;
  const wisp_op_def *strings; /* between numbers and strings: cast_string.c */
} cast_params;

static wisp_status cast_to(wisp_op_ctx *ctx, wisp_dtype to) {
  wisp_dtype from = ctx->in[0]->dtype;
  if (!(castable(from) || from == WISP_DT_STRING) ||
      !(castable(to) || (to == WISP_DT_STRING && from != WISP_DT_BOOL)))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "cast from %s to %s is not supported",
                        wisp_dtype_name(from), wisp_dtype_name(to));
  ctx->out[0]->dtype = to;
  ctx->out[0]->shape = ctx->in[0]->shape;
  cast_params *p = ctx->params;
  if ((from == WISP_DT_STRING) != (to == WISP_DT_STRING) &&
      !(p->strings = wisp_op_find("wisp", "CastString")))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "casting between numbers and strings is in wisp_extra.wasm, not loaded");
  int64_t numel = wisp_shape_numel(&ctx->in[0]->shape);
  if (to == WISP_DT_STRING && (uint64_t)numel > WISP_MAX_TENSOR_BYTES / WISP_CAST_STR_BYTES)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "too many elements to cast to strings");
  size_t need = (size_t)numel * WISP_CAST_STR_BYTES;
  if (to == WISP_DT_STRING && from != WISP_DT_STRING && need > p->state_bytes) {
    wisp_aligned_free(ctx->state);
    p->state_bytes = 0;
    ctx->state = wisp_aligned_alloc(need);
    if (!ctx->state) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory for strings");
    p->state_bytes = need;
  }
  return WISP_OK;
}

static wisp_status cast_parse(wisp_op_ctx *ctx) {
  wisp_dtype to = (wisp_dtype)wisp_attr_int(ctx->node, "to", 0);
  if (!castable(to) && to != WISP_DT_STRING)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "cast to %s (%d) is not supported",
                        wisp_dtype_name(to), (int)to);
  return WISP_OK;
}

static wisp_status cast_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  return cast_to(ctx, (wisp_dtype)wisp_attr_int(ctx->node, "to", 0));
}

static wisp_status castlike_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  return cast_to(ctx, ctx->in[1]->dtype);
}

static wisp_status cast_exec(wisp_op_ctx *ctx) {
  const wisp_tensor *x = ctx->in[0];
  wisp_tensor *y = ctx->out[0];
  int64_t n = wisp_shape_numel(&y->shape);
  if (x->dtype == y->dtype) return copy_exec(ctx);
  if (x->dtype == WISP_DT_STRING || y->dtype == WISP_DT_STRING)
    return ((const cast_params *)ctx->params)->strings->exec(ctx);
  if (wisp_cast_is_float(x->dtype))
    for (int64_t i = 0; i < n; i++)
      wisp_cast_store_double(y->data, y->dtype, i, wisp_cast_load_double(x->data, x->dtype, i));
  else
    for (int64_t i = 0; i < n; i++)
      wisp_cast_store_int(y->data, y->dtype, i, wisp_tensor_get_int(x, i),
                          x->dtype == WISP_DT_UINT64);
  return WISP_OK;
}

const wisp_op_def wisp_op_Cast = {"",        "Cast", sizeof(cast_params), cast_parse, cast_infer,
                                  cast_exec, 0};
const wisp_op_def wisp_op_CastLike = {
    "", "CastLike", sizeof(cast_params), NULL, castlike_infer, cast_exec, 0};
