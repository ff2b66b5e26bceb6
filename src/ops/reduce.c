/* reduce.c — ReduceSum/Mean/Max/Min/Prod/L1/L2/SumSquare/LogSum/LogSumExp, ArgMax, ArgMin.
 *
 * A reduction splits the input's dims into kept and reduced ones. Infer merges neighbours that
 * are contiguous in memory, so reducing the last axis (LayerNorm's ReduceMean) is one dense run
 * per output element; exec walks the kept box in output order and, for each output element,
 * the reduced box. Floats accumulate in double, integers in int64 (wrapping). */
#include <math.h>
#include <string.h>

#include "../dmath.h"
#include "op.h"

enum { R_SUM, R_MEAN, R_MAX, R_MIN, R_PROD, R_L1, R_L2, R_SUMSQ, R_LOGSUM, R_LOGSUMEXP };

typedef struct {
  int kind;
  int copy;   /* empty axes with noop_with_empty_axes: the output is the input */
  int nk, nr; /* kept and reduced dims after merging; nr >= 1 */
  int64_t kd[WISP_MAX_DIMS], ks[WISP_MAX_DIMS], rd[WISP_MAX_DIMS], rs[WISP_MAX_DIMS];
  int64_t n_out, n_red;
} reduce_params;

/* Appends dim (size, stride) to a list, merging it into the previous one when contiguous. */
static void push_dim(int64_t *dims, int64_t *strides, int *n, int64_t size, int64_t stride) {
  if (size == 1) return;
  if (*n && strides[*n - 1] == stride * size) dims[*n - 1] *= size, strides[*n - 1] = stride;
  else dims[*n] = size, strides[*n] = stride, (*n)++;
}

static int float_type(wisp_dtype dt) { return dt == WISP_DT_FLOAT || dt == WISP_DT_DOUBLE; }

static int reduce_type_ok(wisp_dtype dt, int kind) {
  if (float_type(dt)) return 1;
  if (kind == R_LOGSUM || kind == R_LOGSUMEXP) return 0; /* logs of integers: not worth it */
  return dt == WISP_DT_INT32 || dt == WISP_DT_INT64 || dt == WISP_DT_INT8 || dt == WISP_DT_UINT8;
}

static wisp_status reduce_infer(wisp_op_ctx *ctx) {
  reduce_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 2));
  const wisp_tensor *x = ctx->in[0];
  const wisp_shape *s = &x->shape;
  if (!reduce_type_ok(x->dtype, p->kind))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(x->dtype));
  /* axes: input 1 from opset 13 (ReduceSum) or 18 (the others), else the attribute */
  int64_t axes[WISP_MAX_DIMS];
  int n = -1;
  const wisp_tensor *a = ctx->n_in > 1 ? ctx->in[1] : NULL;
  if (a) {
    if (!a->data)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "axes must be known when input shapes are");
    if ((a->dtype != WISP_DT_INT64 && a->dtype != WISP_DT_INT32) || a->shape.ndim > 1 ||
        wisp_shape_numel(&a->shape) > WISP_MAX_DIMS)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                          "axes must be a 1-D int64 tensor of at most %d", WISP_MAX_DIMS);
    n = (int)wisp_shape_numel(&a->shape);
    for (int k = 0; k < n; k++) axes[k] = wisp_tensor_get_int(a, k);
  } else {
    const wisp_attr *at = wisp_node_attr(ctx->node, "axes");
    if (at && at->type == WISP_ATTR_INTS) {
      if (at->count > WISP_MAX_DIMS)
        return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%d axes is too many", at->count);
      n = at->count;
      memcpy(axes, at->ints, (size_t)n * sizeof *axes);
    }
  }
  unsigned mask = 0;
  for (int k = 0; k < n; k++) {
    if (axes[k] < -s->ndim || axes[k] >= s->ndim)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "axis %lld is out of range for rank %d",
                          (long long)axes[k], s->ndim);
    mask |= 1u << (axes[k] < 0 ? axes[k] + s->ndim : axes[k]); /* repeats are harmless */
  }
  p->copy = n <= 0 && wisp_attr_int(ctx->node, "noop_with_empty_axes", 0);
  if (n <= 0) mask = (1u << s->ndim) - 1; /* no axes: all of them */
  int keep = (int)wisp_attr_int(ctx->node, "keepdims", 1);
  wisp_shape out = {0, {0}};
  int64_t st = 1, strides[WISP_MAX_DIMS];
  for (int d = s->ndim - 1; d >= 0; d--) strides[d] = st, st *= s->dims[d];
  p->nk = p->nr = 0;
  p->n_out = p->n_red = 1;
  for (int d = 0; d < s->ndim; d++) {
    int reduced = !p->copy && (mask >> d & 1);
    if (!reduced || keep) out.dims[out.ndim++] = reduced ? 1 : s->dims[d];
    if (reduced) push_dim(p->rd, p->rs, &p->nr, s->dims[d], strides[d]), p->n_red *= s->dims[d];
    else push_dim(p->kd, p->ks, &p->nk, s->dims[d], strides[d]), p->n_out *= s->dims[d];
  }
  if (!p->nr) p->rd[0] = 1, p->rs[0] = 0, p->nr = 1; /* a one-element box */
  ctx->out[0]->dtype = x->dtype;
  ctx->out[0]->shape = out;
  return WISP_OK;
}

/* For each output element (kept box, in output order) walks the reduced box as rows along its
 * innermost dim. BODY sees the row `r` (n elements, element step `rstep`). */
#define FOR_EACH_ROW(p, base, BODY) \
  do { \
    int64_t ri_[WISP_MAX_DIMS] = {0}, off_ = (base), n = (p)->rd[(p)->nr - 1]; \
    int64_t rstep = (p)->rs[(p)->nr - 1], rows_ = n ? (p)->n_red / n : 0; \
    for (int64_t row_ = 0; row_ < rows_; row_++) { \
      const elem_t *r = x + off_; \
      BODY; \
      for (int k_ = (p)->nr - 2; k_ >= 0; k_--) { \
        off_ += (p)->rs[k_]; \
        if (++ri_[k_] < (p)->rd[k_]) break; \
        off_ -= (p)->rs[k_] * (p)->rd[k_]; \
        ri_[k_] = 0; \
      } \
    } \
  } while (0)

#define LOOP(STMT) \
  for (int64_t i = 0; i < n; i++) { \
    acc_t v = (acc_t)r[i * rstep]; \
    STMT; \
  }

/* ACC is double for floats, int64_t for integers; ADD/MUL wrap for integers (no UB). The mean
 * of nothing is NaN for floats, 0 for integers. */
#define DEFINE_REDUCE(NAME, T, ACC, ADD, MUL, LOWEST, HIGHEST, IS_NAN, EMPTY_MEAN) \
  static void NAME(const reduce_params *p, const void *px, void *py) { \
    typedef T elem_t; \
    typedef ACC acc_t; \
    const T *x = px; \
    T *y = py; \
    int64_t ki[WISP_MAX_DIMS] = {0}, base = 0; \
    for (int64_t o = 0; o < p->n_out; o++) { \
      ACC acc = p->kind == R_PROD  ? 1 \
                : p->kind == R_MAX ? LOWEST \
                : p->kind == R_MIN ? HIGHEST \
                                   : 0; \
      double shift = 0; \
      switch (p->kind) { \
        case R_SUM: \
        case R_MEAN: \
        case R_LOGSUM: FOR_EACH_ROW(p, base, LOOP(acc = ADD(acc, v))); break; \
        case R_L1: FOR_EACH_ROW(p, base, LOOP(acc = ADD(acc, v < 0 ? MUL(v, -1) : v))); break; \
        case R_L2: \
        case R_SUMSQ: FOR_EACH_ROW(p, base, LOOP(acc = ADD(acc, MUL(v, v)))); break; \
        case R_PROD: FOR_EACH_ROW(p, base, LOOP(acc = MUL(acc, v))); break; \
        case R_MAX: FOR_EACH_ROW(p, base, LOOP(if (v > acc || IS_NAN(v)) acc = v)); break; \
        case R_MIN: FOR_EACH_ROW(p, base, LOOP(if (v < acc || IS_NAN(v)) acc = v)); break; \
        case R_LOGSUMEXP: /* shift by the max so exp cannot overflow */ \
          shift = -INFINITY; \
          FOR_EACH_ROW(p, base, LOOP(if ((double)v > shift) shift = (double)v)); \
          if (!isfinite(shift)) shift = 0; \
          FOR_EACH_ROW(p, base, LOOP(acc = ADD(acc, (ACC)wisp_exp((double)v - shift)))); \
          break; \
      } \
      if (p->kind == R_MEAN) acc = p->n_red ? (ACC)(acc / (ACC)p->n_red) : (ACC)(EMPTY_MEAN); \
      if (p->kind == R_L2) acc = (ACC)sqrt((double)acc); \
      if (p->kind == R_LOGSUM || p->kind == R_LOGSUMEXP) \
        acc = (ACC)(wisp_log((double)acc) + shift); \
      y[o] = (T)acc; \
      for (int k = p->nk - 1; k >= 0; k--) { \
        base += p->ks[k]; \
        if (++ki[k] < p->kd[k]) break; \
        base -= p->ks[k] * p->kd[k]; \
        ki[k] = 0; \
      } \
    } \
  }

#define FADD(a, b) ((a) + (b))
#define FMUL(a, b) ((a) * (b))
#define IADD(a, b) ((int64_t)((uint64_t)(a) + (uint64_t)(b)))
#define IMUL(a, b) ((int64_t)((uint64_t)(a) * (uint64_t)(b)))
#define FNAN(v) isnan(v)
#define INAN(v) 0
DEFINE_REDUCE(reduce_f32, float, double, FADD, FMUL, -INFINITY, INFINITY, FNAN, NAN)
DEFINE_REDUCE(reduce_f64, double, double, FADD, FMUL, -INFINITY, INFINITY, FNAN, NAN)
DEFINE_REDUCE(reduce_i32, int32_t, int64_t, IADD, IMUL, INT32_MIN, INT32_MAX, INAN, 0)
DEFINE_REDUCE(reduce_i64, int64_t, int64_t, IADD, IMUL, INT64_MIN, INT64_MAX, INAN, 0)
DEFINE_REDUCE(reduce_i8, int8_t, int64_t, IADD, IMUL, INT8_MIN, INT8_MAX, INAN, 0)
DEFINE_REDUCE(reduce_u8, uint8_t, int64_t, IADD, IMUL, 0, UINT8_MAX, INAN, 0)

static wisp_status reduce_exec(wisp_op_ctx *ctx) {
  const reduce_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  void *y = ctx->out[0]->data;
  if (p->copy) {
    memcpy(y, x->data, wisp_tensor_bytes(x));
    return WISP_OK;
  }
  switch (x->dtype) {
    case WISP_DT_FLOAT: reduce_f32(p, x->data, y); break;
    case WISP_DT_DOUBLE: reduce_f64(p, x->data, y); break;
    case WISP_DT_INT32: reduce_i32(p, x->data, y); break;
    case WISP_DT_INT64: reduce_i64(p, x->data, y); break;
    case WISP_DT_INT8: reduce_i8(p, x->data, y); break;
    default: reduce_u8(p, x->data, y); break;
  }
  return WISP_OK;
}

/* ReduceSum takes axes as input 1 from opset 13, the others from 18: bit 1 covers both. */
#define REDUCE_OP(NAME, KIND) \
  static wisp_status NAME##_parse(wisp_op_ctx *ctx) { \
    ((reduce_params *)ctx->params)->kind = KIND; \
    return WISP_OK; \
  } \
  const wisp_op_def wisp_op_##NAME = { \
      "", #NAME, sizeof(reduce_params), NAME##_parse, reduce_infer, reduce_exec, 0, 1u << 1};
REDUCE_OP(ReduceSum, R_SUM)
REDUCE_OP(ReduceMean, R_MEAN)
REDUCE_OP(ReduceMax, R_MAX)
REDUCE_OP(ReduceMin, R_MIN)
REDUCE_OP(ReduceProd, R_PROD)
REDUCE_OP(ReduceL1, R_L1)
REDUCE_OP(ReduceL2, R_L2)
REDUCE_OP(ReduceSumSquare, R_SUMSQ)
REDUCE_OP(ReduceLogSum, R_LOGSUM)
REDUCE_OP(ReduceLogSumExp, R_LOGSUMEXP)

/* ---- ArgMax, ArgMin ----------------------------------------------------------------------- */

typedef struct {
  int max, axis, last;
} arg_params;

static wisp_status arg_infer(wisp_op_ctx *ctx) {
  arg_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  const wisp_tensor *x = ctx->in[0];
  wisp_dtype dt = x->dtype;
  if (!float_type(dt) && dt != WISP_DT_INT32 && dt != WISP_DT_INT64 && dt != WISP_DT_INT8 &&
      dt != WISP_DT_UINT8)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(dt));
  if (x->shape.ndim == 0) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input is a scalar");
  WISP_TRY(wisp_op_axis(ctx, wisp_attr_int(ctx->node, "axis", 0), x->shape.ndim, &p->axis));
  if (x->shape.dims[p->axis] == 0)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "axis %d is empty", p->axis);
  p->last = (int)wisp_attr_int(ctx->node, "select_last_index", 0);
  wisp_shape out = x->shape;
  if (wisp_attr_int(ctx->node, "keepdims", 1)) out.dims[p->axis] = 1;
  else {
    for (int d = p->axis; d < out.ndim - 1; d++) out.dims[d] = out.dims[d + 1];
    out.ndim--;
  }
  ctx->out[0]->dtype = WISP_DT_INT64;
  ctx->out[0]->shape = out;
  return WISP_OK;
}

/* Ties go to the first index, or the last with select_last_index. */
#define DEFINE_ARG(NAME, T) \
  static void NAME(const arg_params *p, const wisp_shape *s, const void *px, int64_t *y) { \
    const T *x = px; \
    int64_t outer = 1, inner = 1, n = s->dims[p->axis]; \
    for (int d = 0; d < s->ndim; d++) { \
      if (d < p->axis) outer *= s->dims[d]; \
      if (d > p->axis) inner *= s->dims[d]; \
    } \
    for (int64_t o = 0; o < outer; o++) \
      for (int64_t i = 0; i < inner; i++) { \
        const T *r = x + o * n * inner + i; \
        T best = r[0]; \
        int64_t at = 0; \
        for (int64_t k = 1; k < n; k++) { \
          T v = r[k * inner]; \
          int better = p->max ? v > best : v < best; \
          if (better || (p->last && v == best)) best = v, at = k; \
        } \
        y[o * inner + i] = at; \
      } \
  }
DEFINE_ARG(arg_f32, float)
DEFINE_ARG(arg_f64, double)
DEFINE_ARG(arg_i32, int32_t)
DEFINE_ARG(arg_i64, int64_t)
DEFINE_ARG(arg_i8, int8_t)
DEFINE_ARG(arg_u8, uint8_t)

static wisp_status arg_exec(wisp_op_ctx *ctx) {
  const arg_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  int64_t *y = ctx->out[0]->data;
  switch (x->dtype) {
    case WISP_DT_FLOAT: arg_f32(p, &x->shape, x->data, y); break;
    case WISP_DT_DOUBLE: arg_f64(p, &x->shape, x->data, y); break;
    case WISP_DT_INT32: arg_i32(p, &x->shape, x->data, y); break;
    case WISP_DT_INT64: arg_i64(p, &x->shape, x->data, y); break;
    case WISP_DT_INT8: arg_i8(p, &x->shape, x->data, y); break;
    default: arg_u8(p, &x->shape, x->data, y); break;
  }
  return WISP_OK;
}

static wisp_status argmax_parse(wisp_op_ctx *ctx) {
  ((arg_params *)ctx->params)->max = 1;
  return WISP_OK;
}

const wisp_op_def wisp_op_ArgMax = {"",       "ArgMax", sizeof(arg_params), argmax_parse, arg_infer,
                                    arg_exec, 0};
const wisp_op_def wisp_op_ArgMin = {"", "ArgMin", sizeof(arg_params), NULL, arg_infer, arg_exec, 0};
