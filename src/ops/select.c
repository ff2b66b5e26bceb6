/* select.c — ops that order elements: TopK and Unique.
 *
 * Both sort positions (not values) with a stable merge sort, so equal values keep their index
 * order: TopK's ties go to the lower index (as the spec and onnxruntime do) and a Unique group's
 * first position is its first occurrence. NaN orders above every number. TopK's K and Unique's
 * input decide output shapes: they are value_inputs, so the planner has their values at infer
 * (folding what they depend on, the plan keyed on those values; see plan.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"

/* -1, 0, 1 as element p orders before, with, after element q of dtype dt. */
static int cmp_elem(wisp_dtype dt, const void *p, const void *q) {
#define CMP(T) \
  { \
    T a = *(const T *)p, b = *(const T *)q; \
    return a < b ? -1 : a > b ? 1 : 0; \
  }
#define CMP_FLOAT(T) \
  { \
    T a = *(const T *)p, b = *(const T *)q; \
    if (a < b) return -1; \
    if (a > b) return 1; \
    return isnan(a) ? !isnan(b) : -(int)(isnan(b) != 0); \
  }
  switch (dt) {
    case WISP_DT_FLOAT: CMP_FLOAT(float)
    case WISP_DT_DOUBLE: CMP_FLOAT(double)
    case WISP_DT_INT8: CMP(int8_t)
    case WISP_DT_INT16: CMP(int16_t)
    case WISP_DT_INT32: CMP(int32_t)
    case WISP_DT_INT64: CMP(int64_t)
    case WISP_DT_UINT16: CMP(uint16_t)
    case WISP_DT_UINT32: CMP(uint32_t)
    case WISP_DT_UINT64: CMP(uint64_t)
    case WISP_DT_STRING: {
      int c = strcmp(*(const char *const *)p, *(const char *const *)q);
      return (c > 0) - (c < 0);
    }
    default: CMP(uint8_t) /* uint8, bool */
  }
#undef CMP
#undef CMP_FLOAT
}

static int sortable(wisp_dtype dt) { return dt != WISP_DT_FLOAT16 && wisp_dtype_size(dt); }

typedef int (*order_fn)(const void *c, int64_t a, int64_t b); /* < 0: a goes first */

/* Stable bottom-up merge sort of n positions; tmp holds n. */
static void merge_sort(int64_t *a, int64_t *tmp, int64_t n, order_fn cmp, const void *c) {
  for (int64_t w = 1; w < n; w *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * w) {
      int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      int64_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = cmp(c, a[j], a[i]) < 0 ? a[j++] : a[i++];
      while (i < mid) tmp[k++] = a[i++];
      while (j < hi) tmp[k++] = a[j++];
    }
    memcpy(a, tmp, (size_t)n * sizeof *a);
  }
}

/* x viewed as (outer, len, inner): positions j in [0, len) of slices x[:, j, :]. */
typedef struct {
  const wisp_tensor *x;
  int64_t outer, len, inner;
  size_t es;
  const char *row; /* TopK: the row's first element, stride inner */
  int largest;
} view;

static void view_of(view *v, const wisp_tensor *x, int axis) {
  v->x = x;
  v->es = wisp_dtype_size(x->dtype);
  v->outer = v->inner = 1;
  v->len = axis < 0 ? wisp_shape_numel(&x->shape) : x->shape.dims[axis];
  for (int d = 0; axis >= 0 && d < x->shape.ndim; d++)
    if (d < axis) v->outer *= x->shape.dims[d];
    else if (d > axis) v->inner *= x->shape.dims[d];
}

/* ---- TopK ---------------------------------------------------------------------------------- */

typedef struct {
  int axis, largest;
  int64_t k;
} topk_params;

static wisp_status topk_parse(wisp_op_ctx *ctx) {
  topk_params *p = ctx->params;
  p->largest = wisp_attr_int(ctx->node, "largest", 1) != 0;
  /* sorted=0 leaves the order to the implementation: wisp always sorts */
  return WISP_OK;
}

static wisp_status topk_infer(wisp_op_ctx *ctx) {
  topk_params *p = ctx->params;
  int v1 = ctx->node->opset < 10; /* K is an attribute before opset 10 */
  WISP_TRY(wisp_op_expect_inputs(ctx, v1 ? 1 : 2, v1 ? 1 : 2));
  const wisp_tensor *x = ctx->in[0];
  if (!sortable(x->dtype) || x->dtype == WISP_DT_STRING || x->dtype == WISP_DT_BOOL)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(x->dtype));
  if (x->shape.ndim < 1) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input is a scalar");
  WISP_TRY(wisp_op_axis(ctx, wisp_attr_int(ctx->node, "axis", -1), x->shape.ndim, &p->axis));
  if (v1) {
    p->k = wisp_attr_int(ctx->node, "k", -1);
  } else {
    const wisp_tensor *k = ctx->in[1];
    if (k->dtype != WISP_DT_INT64 || wisp_shape_numel(&k->shape) != 1)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "K must be one int64");
    if (!k->data)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                          "K must be known when input shapes are (it is computed at run time)");
    p->k = *(const int64_t *)k->data;
  }
  int64_t n = x->shape.dims[p->axis];
  if (p->k < 0 || p->k > n)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "K = %lld for an axis of %lld", (long long)p->k,
                        (long long)n);
  for (int i = 0; i < 2 && i < ctx->n_out; i++) {
    if (!ctx->out[i]) continue;
    ctx->out[i]->dtype = i ? WISP_DT_INT64 : x->dtype;
    ctx->out[i]->shape = x->shape;
    ctx->out[i]->shape.dims[p->axis] = p->k;
  }
  if (n > (int64_t)(WISP_MAX_TENSOR_BYTES / (2 * sizeof(int64_t))))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "axis of %lld is too long", (long long)n);
  ctx->scratch_bytes = (size_t)n * 2 * sizeof(int64_t);
  return WISP_OK;
}

static int topk_order(const void *c, int64_t a, int64_t b) {
  const view *v = c;
  int r = cmp_elem(v->x->dtype, v->row + a * v->inner * (int64_t)v->es,
                   v->row + b * v->inner * (int64_t)v->es);
  return v->largest ? -r : r;
}

static wisp_status topk_exec(wisp_op_ctx *ctx) {
  const topk_params *p = ctx->params;
  view v;
  view_of(&v, ctx->in[0], p->axis);
  v.largest = p->largest;
  if (!v.len || !p->k) return WISP_OK; /* empty outputs (and no scratch) */
  int64_t n = v.len, k = p->k, *pos = ctx->scratch, *tmp = pos + n;
  size_t es = v.es;
  wisp_tensor *yv = ctx->out[0], *yi = ctx->n_out > 1 ? ctx->out[1] : NULL;
  for (int64_t o = 0; o < v.outer; o++)
    for (int64_t i = 0; i < v.inner; i++) {
      v.row = (const char *)v.x->data + (o * n * v.inner + i) * (int64_t)es;
      for (int64_t j = 0; j < n; j++) pos[j] = j;
      merge_sort(pos, tmp, n, topk_order, &v);
      for (int64_t j = 0; j < k; j++) {
        int64_t e = (o * k + j) * v.inner + i;
        const char *src = v.row + pos[j] * v.inner * (int64_t)es;
        if (yv) memcpy((char *)yv->data + e * (int64_t)es, src, es);
        if (yi) ((int64_t *)yi->data)[e] = pos[j];
      }
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_TopK = {
    "", "TopK", sizeof(topk_params), topk_parse, topk_infer, topk_exec, 0, 1u << 1};

/* ---- Unique: distinct elements (or slices along axis), first indices, inverse, counts ----- */

typedef struct {
  int axis; /* -1: flattened */
  int sorted;
  int64_t groups; /* distinct slices, found at infer */
} unique_params;

static int unique_order(const void *c, int64_t a, int64_t b) {
  const view *v = c;
  const char *x = v->x->data;
  for (int64_t o = 0; o < v->outer; o++)
    for (int64_t i = 0; i < v->inner; i++) {
      int r = cmp_elem(v->x->dtype, x + ((o * v->len + a) * v->inner + i) * (int64_t)v->es,
                       x + ((o * v->len + b) * v->inner + i) * (int64_t)v->es);
      if (r) return r;
    }
  return 0;
}

/* Sorts positions by slice into w[0..len) (w holds 3·len) and numbers the groups of equal
 * slices: gid[j] is position j's group in sorted order. Returns the number of groups. */
static int64_t unique_groups(const view *v, int64_t *w) {
  int64_t n = v->len, *pos = w, *tmp = w + n, *gid = w + 2 * n, g = 0;
  for (int64_t j = 0; j < n; j++) pos[j] = j;
  merge_sort(pos, tmp, n, unique_order, v);
  for (int64_t t = 0; t < n; t++) {
    if (t && unique_order(v, pos[t - 1], pos[t])) g++;
    gid[pos[t]] = g;
  }
  return n ? g + 1 : 0;
}

static wisp_status unique_parse(wisp_op_ctx *ctx) {
  unique_params *p = ctx->params;
  p->sorted = wisp_attr_int(ctx->node, "sorted", 1) != 0;
  return WISP_OK;
}

static wisp_status unique_infer(wisp_op_ctx *ctx) {
  unique_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  const wisp_tensor *x = ctx->in[0];
  if (!sortable(x->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(x->dtype));
  if (!x->data)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "input must be known when input shapes are (it is computed at run time)");
  p->axis = -1;
  if (wisp_node_attr(ctx->node, "axis")) {
    if (x->shape.ndim < 1) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input is a scalar");
    WISP_TRY(wisp_op_axis(ctx, wisp_attr_int(ctx->node, "axis", 0), x->shape.ndim, &p->axis));
  }
  view v;
  view_of(&v, x, p->axis);
  if (v.len > (int64_t)(WISP_MAX_TENSOR_BYTES / (6 * sizeof(int64_t))))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "%lld slices are too many", (long long)v.len);
  size_t bytes = (size_t)v.len * 6 * sizeof(int64_t);
  int64_t *w = malloc(bytes + 1); /* plan time only: exec uses scratch */
  if (!w) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory");
  p->groups = unique_groups(&v, w);
  free(w);
  ctx->scratch_bytes = bytes;
  wisp_tensor *y = ctx->out[0];
  y->dtype = x->dtype;
  if (p->axis < 0) y->shape = (wisp_shape){1, {p->groups}};
  else y->shape = x->shape, y->shape.dims[p->axis] = p->groups;
  for (int i = 1; i < 4 && i < ctx->n_out; i++) {
    if (!ctx->out[i]) continue;
    ctx->out[i]->dtype = WISP_DT_INT64;
    ctx->out[i]->shape = (wisp_shape){1, {i == 2 ? v.len : p->groups}};
  }
  return WISP_OK;
}

static wisp_status unique_exec(wisp_op_ctx *ctx) {
  const unique_params *p = ctx->params;
  view v;
  view_of(&v, ctx->in[0], p->axis);
  if (!v.len) return WISP_OK; /* empty outputs (and no scratch) */
  int64_t n = v.len, *w = ctx->scratch, g = unique_groups(&v, w), *gid = w + 2 * n;
  int64_t *first = w, *out_pos = w + 3 * n, *count = w + 4 * n, *first_at = w + 5 * n;
  if (g != p->groups) return WISP_OP_FAIL(ctx, WISP_ERR_RUNTIME, "input changed since the plan");
  /* first occurrences; output order is the sorted group order or that of first occurrence */
  for (int64_t q = 0; q < g; q++) first[q] = -1, count[q] = 0;
  int64_t next = 0;
  for (int64_t j = 0; j < n; j++) {
    int64_t q = gid[j];
    if (first[q] < 0) first[q] = j, out_pos[q] = p->sorted ? q : next++;
    count[q]++;
  }
  for (int64_t q = 0; q < g; q++) first_at[out_pos[q]] = first[q];
  size_t slice = (size_t)v.inner * v.es;
  char *y = ctx->out[0]->data;
  const char *x = v.x->data;
  for (int64_t o = 0; o < v.outer; o++)
    for (int64_t k = 0; k < g; k++)
      memcpy(y + (size_t)(o * g + k) * slice, x + (size_t)(o * n + first_at[k]) * slice, slice);
  int64_t *idx = ctx->n_out > 1 && ctx->out[1] ? ctx->out[1]->data : NULL;
  int64_t *inv = ctx->n_out > 2 && ctx->out[2] ? ctx->out[2]->data : NULL;
  int64_t *cnt = ctx->n_out > 3 && ctx->out[3] ? ctx->out[3]->data : NULL;
  for (int64_t q = 0; q < g; q++) {
    if (idx) idx[out_pos[q]] = first[q];
    if (cnt) cnt[out_pos[q]] = count[q];
  }
  for (int64_t j = 0; inv && j < n; j++) inv[j] = out_pos[gid[j]];
  return WISP_OK;
}

const wisp_op_def wisp_op_Unique = {
    "", "Unique", sizeof(unique_params), unique_parse, unique_infer, unique_exec, 0, 1u};
