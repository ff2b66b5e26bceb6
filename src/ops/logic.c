/* logic.c — comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual), boolean logic
 * (Not, And, Or, Xor), Where, variadic Min/Max/Sum/Mean, and Sign, IsNaN, IsInf.
 *
 * Everything broadcasts numpy-style through `broadcast_rows`, which hands a row kernel one
 * innermost output row at a time with each input's start and element step (0 or 1). */
#include <math.h>
#include <string.h>

#include "op.h"

/* ---- the broadcast walker ----------------------------------------------------------------- */

typedef void (*row_fn)(void *out, const void *const *in, const int64_t *step, int64_t n, int kind);

/* Calls row() for every innermost row of `out`; `in` may include `out` itself (same shape),
 * which the variadic ops use to fold their inputs in place. */
static void broadcast_rows(wisp_tensor *out, const wisp_tensor *const *in, int k, row_fn row,
                           int kind) {
  const wisp_shape *os = &out->shape;
  int nd = os->ndim, flat = 1;
  int64_t numel = wisp_shape_numel(os), st[3][WISP_MAX_DIMS], step[3], idx[WISP_MAX_DIMS] = {0};
  if (!numel) return;
  for (int i = 0; i < k; i++) {
    wisp_broadcast_strides(&in[i]->shape, os, st[i]);
    flat &= wisp_shape_equal(&in[i]->shape, os);
  }
  int64_t inner = flat ? numel : nd ? os->dims[nd - 1] : 1; /* same shapes: one flat row */
  for (int i = 0; i < k; i++) step[i] = flat ? 1 : nd ? st[i][nd - 1] : 0;
  size_t osize = wisp_dtype_size(out->dtype);
  for (int64_t start = 0; start < numel; start += inner) {
    const void *p[3];
    for (int i = 0; i < k; i++) {
      int64_t off = 0;
      for (int d = 0; d < nd - 1 && !flat; d++) off += idx[d] * st[i][d];
      p[i] = (const char *)in[i]->data + off * (int64_t)wisp_dtype_size(in[i]->dtype);
    }
    row((char *)out->data + start * (int64_t)osize, p, step, inner, kind);
    for (int d = nd - 2; d >= 0; d--) {
      if (++idx[d] < os->dims[d]) break;
      idx[d] = 0;
    }
  }
}

/* Element types the numeric kernels are instantiated for: X(dtype, C type). */
#define NUMERIC_TYPES(X) \
  X(WISP_DT_FLOAT, float) \
  X(WISP_DT_DOUBLE, double) \
  X(WISP_DT_INT8, int8_t) \
  X(WISP_DT_INT16, int16_t) \
  X(WISP_DT_INT32, int32_t) \
  X(WISP_DT_INT64, int64_t) \
  X(WISP_DT_UINT8, uint8_t) \
  X(WISP_DT_UINT16, uint16_t) \
  X(WISP_DT_UINT32, uint32_t) \
  X(WISP_DT_UINT64, uint64_t)

#define IS_NAN(x) ((x) != (x)) /* false for integers; keeps one kernel text for all types */

/* ---- comparisons -------------------------------------------------------------------------- */

enum { CMP_EQ, CMP_LT, CMP_GT, CMP_LE, CMP_GE };

#define CMP_ROW(DT, T) \
  static void cmp_##T(void *po, const void *const *in, const int64_t *st, int64_t n, int kind) { \
    const T *a = in[0], *b = in[1]; \
    uint8_t *o = po; \
    int64_t sa = st[0], sb = st[1]; \
    switch (kind) { \
      case CMP_EQ: \
        for (int64_t i = 0; i < n; i++) o[i] = a[i * sa] == b[i * sb]; \
        break; \
      case CMP_LT: \
        for (int64_t i = 0; i < n; i++) o[i] = a[i * sa] < b[i * sb]; \
        break; \
      case CMP_GT: \
        for (int64_t i = 0; i < n; i++) o[i] = a[i * sa] > b[i * sb]; \
        break; \
      case CMP_LE: \
        for (int64_t i = 0; i < n; i++) o[i] = a[i * sa] <= b[i * sb]; \
        break; \
      default: \
        for (int64_t i = 0; i < n; i++) o[i] = a[i * sa] >= b[i * sb]; \
        break; \
    } \
  }
NUMERIC_TYPES(CMP_ROW)

static row_fn cmp_row(wisp_dtype dt) {
  switch (dt) {
#define CASE(DT, T) \
  case DT: return cmp_##T;
    NUMERIC_TYPES(CASE)
#undef CASE
    case WISP_DT_BOOL: return cmp_uint8_t;
    default: return NULL;
  }
}

typedef struct {
  int kind;
} kind_params;

static wisp_status same_types(const wisp_op_ctx *ctx) {
  for (int i = 1; i < ctx->n_in; i++)
    if (!ctx->in[i] || ctx->in[i]->dtype != ctx->in[0]->dtype)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                          "inputs must be present and of one type (%s)",
                          wisp_dtype_name(ctx->in[0]->dtype));
  return WISP_OK;
}

/* Output shape: all inputs broadcast together. */
static wisp_status broadcast_all(const wisp_op_ctx *ctx, int first, wisp_shape *out) {
  *out = ctx->in[first]->shape;
  for (int i = first + 1; i < ctx->n_in; i++) {
    wisp_shape a = *out; /* wisp_broadcast_shape's output must not alias an input */
    WISP_TRY(wisp_broadcast_shape(&a, &ctx->in[i]->shape, out, ctx->node->op_type));
  }
  return WISP_OK;
}

static wisp_status compare_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  WISP_TRY(same_types(ctx));
  if (!cmp_row(ctx->in[0]->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(ctx->in[0]->dtype));
  ctx->out[0]->dtype = WISP_DT_BOOL;
  return broadcast_all(ctx, 0, &ctx->out[0]->shape);
}

static wisp_status compare_exec(wisp_op_ctx *ctx) {
  const wisp_tensor *in[2] = {ctx->in[0], ctx->in[1]};
  broadcast_rows(ctx->out[0], in, 2, cmp_row(in[0]->dtype), ((kind_params *)ctx->params)->kind);
  return WISP_OK;
}

#define KIND_OP(NAME, KIND, INFER, EXEC) \
  static wisp_status NAME##_parse(wisp_op_ctx *ctx) { \
    ((kind_params *)ctx->params)->kind = KIND; \
    return WISP_OK; \
  } \
  const wisp_op_def wisp_op_##NAME = {"", #NAME, sizeof(kind_params), NAME##_parse, INFER, EXEC, 0};
KIND_OP(Equal, CMP_EQ, compare_infer, compare_exec)
KIND_OP(Less, CMP_LT, compare_infer, compare_exec)
KIND_OP(Greater, CMP_GT, compare_infer, compare_exec)
KIND_OP(LessOrEqual, CMP_LE, compare_infer, compare_exec)
KIND_OP(GreaterOrEqual, CMP_GE, compare_infer, compare_exec)

/* ---- boolean logic ------------------------------------------------------------------------ */

enum { LOGIC_AND, LOGIC_OR, LOGIC_XOR };

static void logic_row(void *po, const void *const *in, const int64_t *st, int64_t n, int kind) {
  const uint8_t *a = in[0], *b = in[1];
  uint8_t *o = po;
  for (int64_t i = 0; i < n; i++) {
    int x = a[i * st[0]] != 0, y = b[i * st[1]] != 0;
    o[i] = (uint8_t)(kind == LOGIC_AND ? x & y : kind == LOGIC_OR ? x | y : x ^ y);
  }
}

static wisp_status logic_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  WISP_TRY(same_types(ctx));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_BOOL));
  ctx->out[0]->dtype = WISP_DT_BOOL;
  return broadcast_all(ctx, 0, &ctx->out[0]->shape);
}

static wisp_status logic_exec(wisp_op_ctx *ctx) {
  const wisp_tensor *in[2] = {ctx->in[0], ctx->in[1]};
  broadcast_rows(ctx->out[0], in, 2, logic_row, ((kind_params *)ctx->params)->kind);
  return WISP_OK;
}

KIND_OP(And, LOGIC_AND, logic_infer, logic_exec)
KIND_OP(Or, LOGIC_OR, logic_infer, logic_exec)
KIND_OP(Xor, LOGIC_XOR, logic_infer, logic_exec)

/* ---- Where: dtype-agnostic, by element size ----------------------------------------------- */

static void where_row(void *po, const void *const *in, const int64_t *st, int64_t n, int esize) {
  const uint8_t *c = in[0];
  switch (esize) {
#define ROW(T) \
  for (int64_t i = 0; i < n; i++) \
    ((T *)po)[i] = c[i * st[0]] ? ((const T *)in[1])[i * st[1]] : ((const T *)in[2])[i * st[2]]; \
  break;
    case 1: ROW(uint8_t)
    case 2: ROW(uint16_t)
    case 4: ROW(uint32_t)
    default: ROW(uint64_t)
#undef ROW
  }
}

static wisp_status where_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 3, 3));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_BOOL));
  const wisp_tensor *x = ctx->in[1], *y = ctx->in[2];
  if (x->dtype != y->dtype)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "X and Y differ in type (%s, %s)",
                        wisp_dtype_name(x->dtype), wisp_dtype_name(y->dtype));
  size_t es = wisp_dtype_size(x->dtype);
  if (es != 1 && es != 2 && es != 4 && es != 8)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(x->dtype));
  ctx->out[0]->dtype = x->dtype;
  return broadcast_all(ctx, 0, &ctx->out[0]->shape);
}

static wisp_status where_exec(wisp_op_ctx *ctx) {
  const wisp_tensor *in[3] = {ctx->in[0], ctx->in[1], ctx->in[2]};
  broadcast_rows(ctx->out[0], in, 3, where_row, (int)wisp_dtype_size(ctx->out[0]->dtype));
  return WISP_OK;
}

const wisp_op_def wisp_op_Where = {"", "Where", 0, NULL, where_infer, where_exec, 0};

/* ---- variadic Min, Max, Sum, Mean: out = in0 op in1, then out = out op in_k ---------------- */

enum { VAR_MIN, VAR_MAX, VAR_SUM, VAR_MEAN };

/* Min and Max propagate NaN, as numpy's minimum and maximum do. */
#define VAR_ROW(DT, T) \
  static void var_##T(void *po, const void *const *in, const int64_t *st, int64_t n, int kind) { \
    const T *a = in[0], *b = in[1]; \
    T *o = po; \
    for (int64_t i = 0; i < n; i++) { \
      T x = a[i * st[0]], y = b[i * st[1]]; \
      if (kind == VAR_MIN) o[i] = IS_NAN(x) || x < y ? x : y; \
      else if (kind == VAR_MAX) o[i] = IS_NAN(x) || x > y ? x : y; \
      else o[i] = (T)(x + y); \
    } \
  }
NUMERIC_TYPES(VAR_ROW)

static row_fn var_row(wisp_dtype dt, int kind) {
  if (kind >= VAR_SUM && dt != WISP_DT_FLOAT && dt != WISP_DT_DOUBLE) return NULL; /* as ONNX */
  switch (dt) {
#define CASE(DT, T) \
  case DT: return var_##T;
    NUMERIC_TYPES(CASE)
#undef CASE
    default: return NULL;
  }
}

static wisp_status variadic_infer(wisp_op_ctx *ctx) {
  int kind = ((kind_params *)ctx->params)->kind;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1 << 20));
  WISP_TRY(same_types(ctx));
  if (!var_row(ctx->in[0]->dtype, kind))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(ctx->in[0]->dtype));
  ctx->out[0]->dtype = ctx->in[0]->dtype;
  return broadcast_all(ctx, 0, &ctx->out[0]->shape);
}

static wisp_status variadic_exec(wisp_op_ctx *ctx) {
  int kind = ((kind_params *)ctx->params)->kind;
  wisp_tensor *y = ctx->out[0];
  row_fn row = var_row(y->dtype, kind);
  if (ctx->n_in == 1) {
    memcpy(y->data, ctx->in[0]->data, wisp_tensor_bytes(y));
    return WISP_OK;
  }
  const wisp_tensor *in[2] = {ctx->in[0], ctx->in[1]};
  broadcast_rows(y, in, 2, row, kind);
  for (int i = 2; i < ctx->n_in; i++) {
    in[0] = y, in[1] = ctx->in[i];
    broadcast_rows(y, in, 2, row, kind);
  }
  if (kind == VAR_MEAN) {
    int64_t n = wisp_shape_numel(&y->shape);
    for (int64_t i = 0; i < n; i++) {
      if (y->dtype == WISP_DT_FLOAT) ((float *)y->data)[i] /= (float)ctx->n_in;
      else ((double *)y->data)[i] /= ctx->n_in;
    }
  }
  return WISP_OK;
}

KIND_OP(Min, VAR_MIN, variadic_infer, variadic_exec)
KIND_OP(Max, VAR_MAX, variadic_infer, variadic_exec)
KIND_OP(Sum, VAR_SUM, variadic_infer, variadic_exec)
KIND_OP(Mean, VAR_MEAN, variadic_infer, variadic_exec)

/* ---- unary: Not, Sign, IsNaN, IsInf ------------------------------------------------------- */

static wisp_status not_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_BOOL));
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

static wisp_status not_exec(wisp_op_ctx *ctx) {
  const uint8_t *x = ctx->in[0]->data;
  uint8_t *y = ctx->out[0]->data;
  int64_t n = wisp_shape_numel(&ctx->out[0]->shape);
  for (int64_t i = 0; i < n; i++) y[i] = !x[i];
  return WISP_OK;
}

const wisp_op_def wisp_op_Not = {"", "Not", 0, NULL, not_infer, not_exec, 0};

#define SIGN_ROW(DT, T) \
  static void sign_##T(const void *px, void *py, int64_t n) { \
    const T *x = px; \
    T *y = py; \
    for (int64_t i = 0; i < n; i++) \
      y[i] = IS_NAN(x[i]) ? x[i] : (T)(x[i] > 0 ? 1 : x[i] == 0 ? 0 : -1); \
  }
NUMERIC_TYPES(SIGN_ROW)

typedef void (*sign_fn)(const void *, void *, int64_t);

static sign_fn sign_row(wisp_dtype dt) {
  switch (dt) {
#define CASE(DT, T) \
  case DT: return sign_##T;
    NUMERIC_TYPES(CASE)
#undef CASE
    default: return NULL;
  }
}

static wisp_status sign_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  if (!sign_row(ctx->in[0]->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(ctx->in[0]->dtype));
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

static wisp_status sign_exec(wisp_op_ctx *ctx) {
  sign_row(ctx->in[0]->dtype)(ctx->in[0]->data, ctx->out[0]->data,
                              wisp_shape_numel(&ctx->out[0]->shape));
  return WISP_OK;
}

const wisp_op_def wisp_op_Sign = {"", "Sign", 0, NULL, sign_infer, sign_exec, 0};

/* IsNaN and IsInf: float or double in, bool out. */
static wisp_status isclass_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  wisp_dtype dt = ctx->in[0]->dtype;
  if (dt != WISP_DT_FLOAT && dt != WISP_DT_DOUBLE)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(dt));
  ctx->out[0]->dtype = WISP_DT_BOOL;
  ctx->out[0]->shape = ctx->in[0]->shape;
  return WISP_OK;
}

static wisp_status isclass_exec(wisp_op_ctx *ctx) {
  const wisp_tensor *x = ctx->in[0];
  uint8_t *y = ctx->out[0]->data;
  int64_t n = wisp_shape_numel(&x->shape);
  int is_nan = !strcmp(ctx->node->op_type, "IsNaN");
  int neg = (int)wisp_attr_int(ctx->node, "detect_negative", 1);
  int pos = (int)wisp_attr_int(ctx->node, "detect_positive", 1);
  for (int64_t i = 0; i < n; i++) {
    double v =
        x->dtype == WISP_DT_FLOAT ? ((const float *)x->data)[i] : ((const double *)x->data)[i];
    y[i] = (uint8_t)(is_nan ? isnan(v) : isinf(v) && (v > 0 ? pos : neg));
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_IsNaN = {"", "IsNaN", 0, NULL, isclass_infer, isclass_exec, 0};
const wisp_op_def wisp_op_IsInf = {"", "IsInf", 0, NULL, isclass_infer, isclass_exec, 0};
