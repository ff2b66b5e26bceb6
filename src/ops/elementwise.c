/* elementwise.c — numpy-broadcast binary ops (Add, Sub, Mul, Div, Pow; Mod and BitShift over
 * every integer width) and unary float ops. */
#include <math.h>
#include <string.h>

#include "../dmath.h"
#include "../threads.h"
#include "../kernels/config.h"
#include "op.h"

/* ---- binary ------------------------------------------------------------------------------ */

typedef enum {
  BIN_ADD,
  BIN_SUB,
  BIN_MUL,
  BIN_DIV,
  BIN_POW,
  BIN_MOD,
  BIN_FMOD,
  BIN_SHL,
  BIN_SHR
} binary_kind;

/* One row: out[i] = a[i*sa] op b[i*sb], strides 0 (broadcast) or 1. Returns 0 on an integer
 * division by zero (which would trap in wasm). */
#define BINARY_ROW(T, NAME, EXPR) \
  WISP_COLD static int NAME(const void *pa, ptrdiff_t sa, const void *pb, ptrdiff_t sb, void *po, \
                            int64_t n) { \
    const T *a = pa, *b = pb; \
    T *o = po; \
    for (int64_t i = 0; i < n; i++) { \
      T x = a[i * sa], y = b[i * sb]; \
      o[i] = EXPR; \
    } \
    return 1; \
  }
/* Float rows (the ones models spend time in) get loops with constant strides, which the compiler
 * vectorises: a scale per channel (squeeze-and-excitation's Mul) is a scalar against a row. */
#define FLOAT_ROW(NAME, EXPR) \
  static int NAME(const void *pa, ptrdiff_t sa, const void *pb, ptrdiff_t sb, void *po, \
                  int64_t n) { \
    const float *a = pa, *b = pb; \
    float *o = po; \
    if (sa == 1 && sb == 1) \
      for (int64_t i = 0; i < n; i++) { \
        float x = a[i], y = b[i]; \
        o[i] = EXPR; \
      } \
    else if (sa == 0 && sb == 1) \
      for (int64_t i = 0; i < n; i++) { \
        float x = a[0], y = b[i]; \
        o[i] = EXPR; \
      } \
    else if (sa == 1 && sb == 0) \
      for (int64_t i = 0; i < n; i++) { \
        float x = a[i], y = b[0]; \
        o[i] = EXPR; \
      } \
    else \
      for (int64_t i = 0; i < n; i++) { \
        float x = a[i * sa], y = b[i * sb]; \
        o[i] = EXPR; \
      } \
    return 1; \
  }
FLOAT_ROW(add_f32, x + y)
FLOAT_ROW(sub_f32, x - y)
FLOAT_ROW(mul_f32, x *y)
FLOAT_ROW(div_f32, x / y)
/* x² is what decomposed LayerNorm asks for: a multiply, not powf */
BINARY_ROW(float, pow_f32, y == 2.0f ? x * x : powf(x, y))
BINARY_ROW(int32_t, add_i32, (int32_t)((uint32_t)x + (uint32_t)y))
BINARY_ROW(int32_t, sub_i32, (int32_t)((uint32_t)x - (uint32_t)y))
BINARY_ROW(int32_t, mul_i32, (int32_t)((uint32_t)x *(uint32_t)y))
BINARY_ROW(uint8_t, add_u8, (uint8_t)(x + y))
BINARY_ROW(uint8_t, sub_u8, (uint8_t)(x - y))
BINARY_ROW(uint8_t, mul_u8, (uint8_t)(x *y))
BINARY_ROW(int64_t, add_i64, (int64_t)((uint64_t)x + (uint64_t)y))
BINARY_ROW(int64_t, sub_i64, (int64_t)((uint64_t)x - (uint64_t)y))
BINARY_ROW(int64_t, mul_i64, (int64_t)((uint64_t)x *(uint64_t)y))

/* Integer division truncates like C (ONNX Div on ints). */
#define DIV_ROW(T, NAME, OVERFLOWS) \
  WISP_COLD static int NAME(const void *pa, ptrdiff_t sa, const void *pb, ptrdiff_t sb, void *po, \
                            int64_t n) { \
    const T *a = pa, *b = pb; \
    T *o = po; \
    for (int64_t i = 0; i < n; i++) { \
      T x = a[i * sa], y = b[i * sb]; \
      if (y == 0 || (OVERFLOWS)) return 0; \
      o[i] = x / y; \
    } \
    return 1; \
  }
DIV_ROW(int32_t, div_i32, x == INT32_MIN && y == -1)
DIV_ROW(int64_t, div_i64, x == INT64_MIN && y == -1)
DIV_ROW(uint8_t, div_u8, 0)

/* Mod: fmod=0 takes the divisor's sign (Python's %), fmod=1 the dividend's (C's). x % -1 is
 * computed as 0 since INT_MIN % -1 traps. */
#define IMOD_ROWS(T, S) \
  WISP_COLD static int mod_##S(const void *pa, ptrdiff_t sa, const void *pb, ptrdiff_t sb, \
                               void *po, int64_t n) { \
    const T *a = pa, *b = pb; \
    T *o = po; \
    for (int64_t i = 0; i < n; i++) { \
      T x = a[i * sa], y = b[i * sb]; \
      if (y == 0) return 0; \
      T r = (T)(y == (T)-1 ? 0 : x % y); \
      o[i] = (T)(r != 0 && (r < 0) != (y < 0) ? r + y : r); \
    } \
    return 1; \
  } \
  WISP_COLD static int fmod_##S(const void *pa, ptrdiff_t sa, const void *pb, ptrdiff_t sb, \
                                void *po, int64_t n) { \
    const T *a = pa, *b = pb; \
    T *o = po; \
    for (int64_t i = 0; i < n; i++) { \
      T x = a[i * sa], y = b[i * sb]; \
      if (y == 0) return 0; \
      o[i] = (T)(y == (T)-1 ? 0 : x % y); \
    } \
    return 1; \
  }
IMOD_ROWS(int8_t, i8)
IMOD_ROWS(int16_t, i16)
IMOD_ROWS(int32_t, i32)
IMOD_ROWS(int64_t, i64)
/* unsigned: both modes are C's % */
#define UMOD_ROW(T, NAME) \
  WISP_COLD static int NAME(const void *pa, ptrdiff_t sa, const void *pb, ptrdiff_t sb, void *po, \
                            int64_t n) { \
    const T *a = pa, *b = pb; \
    T *o = po; \
    for (int64_t i = 0; i < n; i++) { \
      T x = a[i * sa], y = b[i * sb]; \
      if (y == 0) return 0; \
      o[i] = (T)(x % y); \
    } \
    return 1; \
  }
UMOD_ROW(uint8_t, mod_u8)
UMOD_ROW(uint16_t, mod_u16)
UMOD_ROW(uint32_t, mod_u32)
UMOD_ROW(uint64_t, mod_u64)
BINARY_ROW(float, fmod_f32, fmodf(x, y))
BINARY_ROW(double, fmod_f64, fmod(x, y))
/* BitShift on unsigned types: shifting by the bit width or more gives 0 (not C's undefined). */
#define SHIFT_ROWS(T, S) \
  BINARY_ROW(T, shl_##S, (T)(y >= 8 * sizeof(T) ? 0 : (uint64_t)x << y)) \
  BINARY_ROW(T, shr_##S, (T)(y >= 8 * sizeof(T) ? 0 : x >> y))
SHIFT_ROWS(uint8_t, u8)
SHIFT_ROWS(uint16_t, u16)
SHIFT_ROWS(uint32_t, u32)
SHIFT_ROWS(uint64_t, u64)

typedef int (*binary_row)(const void *, ptrdiff_t, const void *, ptrdiff_t, void *, int64_t);

/* Mod and BitShift: (mod, fmod, shl, shr) rows per dtype. */
static binary_row pick_int_row(binary_kind k, wisp_dtype dt) {
  static const binary_row i8[] = {mod_i8, fmod_i8, NULL, NULL};
  static const binary_row i16[] = {mod_i16, fmod_i16, NULL, NULL};
  static const binary_row i32[] = {mod_i32, fmod_i32, NULL, NULL};
  static const binary_row i64[] = {mod_i64, fmod_i64, NULL, NULL};
  static const binary_row u8[] = {mod_u8, mod_u8, shl_u8, shr_u8};
  static const binary_row u16[] = {mod_u16, mod_u16, shl_u16, shr_u16};
  static const binary_row u32[] = {mod_u32, mod_u32, shl_u32, shr_u32};
  static const binary_row u64[] = {mod_u64, mod_u64, shl_u64, shr_u64};
  static const binary_row f32[] = {NULL, fmod_f32, NULL, NULL}; /* floats need fmod=1 */
  static const binary_row f64[] = {NULL, fmod_f64, NULL, NULL};
  int j = k - BIN_MOD;
  switch (dt) {
    case WISP_DT_INT8: return i8[j];
    case WISP_DT_INT16: return i16[j];
    case WISP_DT_INT32: return i32[j];
    case WISP_DT_INT64: return i64[j];
    case WISP_DT_UINT8: return u8[j];
    case WISP_DT_UINT16: return u16[j];
    case WISP_DT_UINT32: return u32[j];
    case WISP_DT_UINT64: return u64[j];
    case WISP_DT_FLOAT: return f32[j];
    case WISP_DT_DOUBLE: return f64[j];
    default: return NULL;
  }
}

static binary_row pick_row(binary_kind k, wisp_dtype dt) {
  if (k >= BIN_MOD) return pick_int_row(k, dt);
  static const binary_row f32[] = {add_f32, sub_f32, mul_f32, div_f32, pow_f32};
  static const binary_row i32[] = {add_i32, sub_i32, mul_i32, div_i32, NULL};
  static const binary_row i64[] = {add_i64, sub_i64, mul_i64, div_i64, NULL};
  static const binary_row u8[] = {add_u8, sub_u8, mul_u8, div_u8, NULL};
  switch (dt) {
    case WISP_DT_FLOAT: return f32[k];
    case WISP_DT_INT32: return i32[k];
    case WISP_DT_INT64: return i64[k];
    case WISP_DT_UINT8: return u8[k];
    default: return NULL;
  }
}

typedef struct {
  binary_kind kind;
} binary_params;

WISP_COLD static wisp_status binary_infer(wisp_op_ctx *ctx) {
  const binary_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  const wisp_tensor *a = ctx->in[0], *b = ctx->in[1];
  /* Pow allows a float base with an integer exponent; the others need equal types. */
  if (p->kind == BIN_POW) {
    int ok_base =
        a->dtype == WISP_DT_FLOAT || a->dtype == WISP_DT_INT32 || a->dtype == WISP_DT_INT64;
    int ok_exp = ok_base || b->dtype == WISP_DT_DOUBLE || wisp_dtype_size(b->dtype);
    if (!ok_base || !ok_exp || b->dtype == WISP_DT_FLOAT16)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "Pow of %s by %s is not supported",
                          wisp_dtype_name(a->dtype), wisp_dtype_name(b->dtype));
  } else if (a->dtype != b->dtype) {
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "input types differ (%s, %s)",
                        wisp_dtype_name(a->dtype), wisp_dtype_name(b->dtype));
  }
  if (p->kind == BIN_MOD && (a->dtype == WISP_DT_FLOAT || a->dtype == WISP_DT_DOUBLE))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "fmod must be 1 for floating-point inputs");
  if (p->kind != BIN_POW && !pick_row(p->kind, a->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(a->dtype));
  ctx->out[0]->dtype = a->dtype;
  return wisp_broadcast_shape(&a->shape, &b->shape, &ctx->out[0]->shape, ctx->node->op_type);
}

/* Element i of a numeric tensor as double (Pow's mixed-type forms). */
static double number_at(const wisp_tensor *t, int64_t i) {
  switch (t->dtype) {
    case WISP_DT_FLOAT: return ((const float *)t->data)[i];
    case WISP_DT_DOUBLE: return ((const double *)t->data)[i];
    default: return (double)wisp_tensor_get_int(t, i);
  }
}

/* An integer Pow can leave the type's range (2^100, or inf from 0^-1): saturated, NaN as 0, since
 * an out-of-range double -> int conversion is undefined in C. */
static int64_t saturate(double v, int64_t lo, int64_t hi) {
  if (v != v) return 0;
  if (v <= (double)lo) return lo;
  return v >= -(double)lo ? hi : (int64_t)v; /* -lo: 2^31 or 2^63, exact as a double */
}

static void store_number(wisp_tensor *t, int64_t i, double v) {
  switch (t->dtype) {
    case WISP_DT_FLOAT: ((float *)t->data)[i] = (float)v; break;
    case WISP_DT_INT32: ((int32_t *)t->data)[i] = (int32_t)saturate(v, INT32_MIN, INT32_MAX); break;
    default: ((int64_t *)t->data)[i] = saturate(v, INT64_MIN, INT64_MAX); break;
  }
}

typedef struct {
  const binary_params *p;
  const wisp_tensor *a, *b;
  wisp_tensor *o;
  binary_row row;
  size_t esize;
  int nd, flat, failed;
  int64_t numel, inner, sa[WISP_MAX_DIMS], sb[WISP_MAX_DIMS], dims[WISP_MAX_DIMS];
  ptrdiff_t ia, ib;
} binary_job;

/* Rows [r0, r0 + nr) of `inner` outputs each (a thread's chunk). */
static void binary_rows(void *ctx, int thread, size_t r0, size_t j, size_t nr, size_t nj) {
  binary_job *q = ctx;
  const wisp_tensor *a = q->a, *b = q->b;
  wisp_tensor *o = q->o;
  int64_t esize = (int64_t)q->esize, idx[WISP_MAX_DIMS] = {0};
  for (int64_t r = (int64_t)r0, d = q->nd - 2; d >= 0; d--) /* r's outer index */
    idx[d] = r % q->dims[d], r /= q->dims[d];
  for (int64_t row = (int64_t)r0; row < (int64_t)(r0 + nr); row++) {
    int64_t offa = 0, offb = 0, start = row * q->inner, inner = q->inner;
    for (int d = 0; d < q->nd - 1; d++) offa += idx[d] * q->sa[d], offb += idx[d] * q->sb[d];
    if (q->flat) /* one flat row, cut into chunks (the last may be short) */
      offa = offb = start, inner = q->numel - start < inner ? q->numel - start : inner;
    char *po = (char *)o->data + start * esize;
    int ok;
    if (q->p->kind == BIN_POW && (a->dtype != WISP_DT_FLOAT || b->dtype != WISP_DT_FLOAT)) {
      ok = 1; /* mixed types: through double, result in the base's type */
      for (int64_t i = 0; i < inner; i++)
        store_number(o, start + i,
                     wisp_pow(number_at(a, offa + i * q->ia), number_at(b, offb + i * q->ib)));
    } else {
      ok = q->row((const char *)a->data + offa * esize, q->ia, (const char *)b->data + offb * esize,
                  q->ib, po, inner);
    }
    if (!ok) q->failed = 1;
    for (int d = q->nd - 2; d >= 0; d--) { /* advance the outer index */
      if (++idx[d] < q->dims[d]) break;
      idx[d] = 0;
    }
  }
}

static wisp_status binary_exec(wisp_op_ctx *ctx) {
  const binary_params *p = ctx->params;
  const wisp_tensor *a = ctx->in[0], *b = ctx->in[1];
  wisp_tensor *o = ctx->out[0];
  const wisp_shape *os = &o->shape;
  int64_t numel = wisp_shape_numel(os);
  if (!numel) return WISP_OK;
  binary_job q = {p, a, b, o, pick_row(p->kind, a->dtype), wisp_dtype_size(o->dtype)};
  q.numel = numel;
  int64_t *sa = q.sa, *sb = q.sb, *dims = q.dims, sa0[WISP_MAX_DIMS], sb0[WISP_MAX_DIMS];
  wisp_broadcast_strides(&a->shape, os, sa0);
  wisp_broadcast_strides(&b->shape, os, sb0);
  /* merge each dim into the previous one where both inputs step through them as one (both
   * contiguous, or both broadcast): (1, C, H, W) · (1, C, 1, 1) runs as C rows of H·W */
  int nd = 0;
  for (int d = 0; d < os->ndim; d++) {
    if (nd && sa[nd - 1] == sa0[d] * os->dims[d] && sb[nd - 1] == sb0[d] * os->dims[d]) {
      dims[nd - 1] *= os->dims[d], sa[nd - 1] = sa0[d], sb[nd - 1] = sb0[d];
      continue;
    }
    dims[nd] = os->dims[d], sa[nd] = sa0[d], sb[nd] = sb0[d], nd++;
  }
  q.nd = nd;
  q.inner = nd ? dims[nd - 1] : 1;
  q.ia = nd ? (ptrdiff_t)sa[nd - 1] : 0, q.ib = nd ? (ptrdiff_t)sb[nd - 1] : 0;
  if (wisp_shape_equal(&a->shape, &b->shape)) { /* one flat row: in whole-vector chunks */
    size_t per = (size_t)wisp_threads() * 4;
    q.inner = (int64_t)(((size_t)numel / per + 63) / 64 * 64);
    if (q.inner < WISP_PARALLEL_MIN_WORK / 4) q.inner = numel;
    q.ia = q.ib = 1, q.nd = 1, q.flat = 1;
  }
  size_t rows = (size_t)((numel + q.inner - 1) / q.inner);
  /* float rows never fail; integer ones may (division by zero) and stay on one thread */
  if (o->dtype == WISP_DT_FLOAT) wisp_parallel_rows(rows, (size_t)q.inner, binary_rows, &q);
  else binary_rows(&q, 0, 0, 0, rows, 1);
  if (q.failed) return WISP_OP_FAIL(ctx, WISP_ERR_RUNTIME, "integer division by zero or overflow");
  return WISP_OK;
}

#define BINARY_OP(NAME, KIND) \
  static wisp_status NAME##_parse(wisp_op_ctx *ctx) { \
    ((binary_params *)ctx->params)->kind = KIND; \
    return WISP_OK; \
  } \
  const wisp_op_def wisp_op_##NAME = { \
      "", #NAME, sizeof(binary_params), NAME##_parse, binary_infer, binary_exec, 0};
BINARY_OP(Add, BIN_ADD)
BINARY_OP(Sub, BIN_SUB)
BINARY_OP(Mul, BIN_MUL)
BINARY_OP(Div, BIN_DIV)
BINARY_OP(Pow, BIN_POW)

WISP_COLD static wisp_status mod_parse(wisp_op_ctx *ctx) {
  int64_t f = wisp_attr_int(ctx->node, "fmod", 0);
  if (f != 0 && f != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "fmod must be 0 or 1, not %lld", (long long)f);
  ((binary_params *)ctx->params)->kind = f ? BIN_FMOD : BIN_MOD;
  return WISP_OK;
}

WISP_COLD static wisp_status bitshift_parse(wisp_op_ctx *ctx) {
  const char *dir = wisp_attr_string(ctx->node, "direction", "");
  if (strcmp(dir, "LEFT") && strcmp(dir, "RIGHT"))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "direction must be LEFT or RIGHT, not '%s'",
                        dir);
  ((binary_params *)ctx->params)->kind = strcmp(dir, "LEFT") ? BIN_SHR : BIN_SHL;
  return WISP_OK;
}

const wisp_op_def wisp_op_Mod = {"",          "Mod", sizeof(binary_params), mod_parse, binary_infer,
                                 binary_exec, 0};
const wisp_op_def wisp_op_BitShift = {
    "", "BitShift", sizeof(binary_params), bitshift_parse, binary_infer, binary_exec, 0};

/* ---- unary float ------------------------------------------------------------------------- */

typedef struct {
  float (*fn)(float x, const wisp_node *n);
} unary_params;

WISP_COLD static wisp_status unary_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

/* Erf and Sigmoid have vectorised kernels (GELU spends most of its time in Erf; SiLU that is
 * not folded into a Conv in Sigmoid). */
static wisp_status erf_exec(wisp_op_ctx *ctx) {
  wisp_parallel_map(wisp_kernels()->vmath.erf, (size_t)wisp_shape_numel(&ctx->out[0]->shape),
                    ctx->in[0]->data, ctx->out[0]->data);
  return WISP_OK;
}

static wisp_status sigmoid_exec(wisp_op_ctx *ctx) {
  wisp_parallel_map(wisp_kernels()->vmath.sigmoid, (size_t)wisp_shape_numel(&ctx->out[0]->shape),
                    ctx->in[0]->data, ctx->out[0]->data);
  return WISP_OK;
}

/* A Relu that no GEMM epilogue took (DenseNet's after BatchNorm: 18% of its run through a
 * call per element) as a loop the compiler vectorises. */
static void relu_map(size_t n, const float *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

static wisp_status relu_exec(wisp_op_ctx *ctx) {
  wisp_parallel_map(relu_map, (size_t)wisp_shape_numel(&ctx->out[0]->shape), ctx->in[0]->data,
                    ctx->out[0]->data);
  return WISP_OK;
}

typedef struct {
  float (*fn)(float x, const wisp_node *n);
  const wisp_node *node;
  const float *x;
  float *y;
} unary_job;

static void unary_chunk(void *ctx, int thread, size_t i, size_t j, size_t ni, size_t nj) {
  const unary_job *u = ctx;
  for (size_t k = i; k < i + ni; k++) u->y[k] = u->fn(u->x[k], u->node);
}

static wisp_status unary_exec(wisp_op_ctx *ctx) {
  const unary_params *p = ctx->params;
  const float *x = ctx->in[0]->data;
  float *y = ctx->out[0]->data;
  unary_job u = {p->fn, ctx->node, x, y};
  wisp_parallel_rows((size_t)wisp_shape_numel(&ctx->out[0]->shape), 1, unary_chunk, &u);
  return WISP_OK;
}

static float tanh_(float x, const wisp_node *n) { return tanhf(x); }
static float exp_(float x, const wisp_node *n) { return expf(x); }
static float log_(float x, const wisp_node *n) { return logf(x); }
static float sqrt_(float x, const wisp_node *n) { return sqrtf(x); }
static float reciprocal(float x, const wisp_node *n) { return 1.0f / x; }
static float floor_(float x, const wisp_node *n) { return floorf(x); }
static float ceil_(float x, const wisp_node *n) { return ceilf(x); }
static float sin_(float x, const wisp_node *n) { return sinf(x); }
static float cos_(float x, const wisp_node *n) { return cosf(x); }
static float tan_(float x, const wisp_node *n) { return tanf(x); }
static float asin_(float x, const wisp_node *n) { return asinf(x); }
static float acos_(float x, const wisp_node *n) { return acosf(x); }
static float atan_(float x, const wisp_node *n) { return atanf(x); }
static float sinh_(float x, const wisp_node *n) { return sinhf(x); }
static float cosh_(float x, const wisp_node *n) { return coshf(x); }
static float asinh_(float x, const wisp_node *n) { return asinhf(x); }
static float acosh_(float x, const wisp_node *n) { return acoshf(x); }
static float atanh_(float x, const wisp_node *n) { return atanhf(x); }

#define UNARY_OP(NAME, FN) \
  static wisp_status NAME##_parse(wisp_op_ctx *ctx) { \
    ((unary_params *)ctx->params)->fn = FN; \
    return WISP_OK; \
  } \
  const wisp_op_def wisp_op_##NAME = { \
      "", #NAME, sizeof(unary_params), NAME##_parse, unary_infer, unary_exec, 0};
UNARY_OP(Tanh, tanh_)
UNARY_OP(Exp, exp_)
UNARY_OP(Log, log_)
UNARY_OP(Sqrt, sqrt_)
UNARY_OP(Reciprocal, reciprocal)
UNARY_OP(Floor, floor_)
UNARY_OP(Ceil, ceil_)
UNARY_OP(Sin, sin_)
UNARY_OP(Cos, cos_)
UNARY_OP(Tan, tan_)
UNARY_OP(Asin, asin_)
UNARY_OP(Acos, acos_)
UNARY_OP(Atan, atan_)
UNARY_OP(Sinh, sinh_)
UNARY_OP(Cosh, cosh_)
UNARY_OP(Asinh, asinh_)
UNARY_OP(Acosh, acosh_)
UNARY_OP(Atanh, atanh_)

/* ---- Identity and Dropout (inference: a copy; Dropout's optional mask is all true) -------- */

static wisp_status identity_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 3));
  /* Dropout(x, ratio, training_mode): only inference, where it is the identity */
  const wisp_tensor *ratio = ctx->n_in > 1 ? ctx->in[1] : NULL;
  const wisp_tensor *training = ctx->n_in > 2 ? ctx->in[2] : NULL;
  int train = training && training->data && wisp_tensor_get_int(training, 0);
  float r =
      ratio && ratio->data && ratio->dtype == WISP_DT_FLOAT ? *(const float *)ratio->data : 0.5f;
  if (train && r != 0.0f)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "training mode (random dropout) is not supported");
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  if (ctx->n_out > 1 && ctx->out[1]) {
    ctx->out[1]->dtype = WISP_DT_BOOL;
    ctx->out[1]->shape = ctx->in[0]->shape;
  }
  return WISP_OK;
}

static wisp_status identity_exec(wisp_op_ctx *ctx) {
  size_t bytes = wisp_tensor_bytes(ctx->out[0]);
  if (bytes && ctx->out[0]->data != ctx->in[0]->data) /* WISP_OP_ALIAS: usually one buffer */
    memcpy(ctx->out[0]->data, ctx->in[0]->data, bytes);
  if (ctx->n_out > 1 && ctx->out[1]) memset(ctx->out[1]->data, 1, wisp_tensor_bytes(ctx->out[1]));
  return WISP_OK;
}

/* ---- Neg and Abs: also on signed integers (exporters negate int64 shapes and axes) -------- */

typedef struct {
  int abs;
} sign_params;

WISP_COLD static wisp_status sign_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  wisp_dtype dt = ctx->in[0]->dtype;
  if (dt != WISP_DT_FLOAT && dt != WISP_DT_INT64 && dt != WISP_DT_INT32 && dt != WISP_DT_INT8)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(dt));
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

#define SIGN_LOOP(T, ABS) \
  do { \
    const T *x = ctx->in[0]->data; \
    T *y = ctx->out[0]->data; \
    for (int64_t i = 0; i < n; i++) { /* negate through unsigned: no signed overflow */ \
      T neg = (T)(0ull - (unsigned long long)x[i]); \
      y[i] = (ABS) && x[i] >= 0 ? x[i] : neg; \
    } \
  } while (0)

static wisp_status sign_exec(wisp_op_ctx *ctx) {
  int a = ((const sign_params *)ctx->params)->abs;
  int64_t n = wisp_shape_numel(&ctx->out[0]->shape);
  switch (ctx->in[0]->dtype) {
    case WISP_DT_FLOAT: { /* fabsf keeps -0.0 and NaN right */
      const float *x = ctx->in[0]->data;
      float *y = ctx->out[0]->data;
      for (int64_t i = 0; i < n; i++) y[i] = a ? fabsf(x[i]) : -x[i];
      break;
    }
    /* two's complement wrap for the most negative value, as numpy does */
    case WISP_DT_INT64: SIGN_LOOP(int64_t, a); break;
    case WISP_DT_INT32: SIGN_LOOP(int32_t, a); break;
    default: SIGN_LOOP(int8_t, a); break;
  }
  return WISP_OK;
}

static wisp_status neg_parse(wisp_op_ctx *ctx) { return WISP_OK; }
static wisp_status abs_parse(wisp_op_ctx *ctx) {
  ((sign_params *)ctx->params)->abs = 1;
  return WISP_OK;
}
const wisp_op_def wisp_op_Neg = {"",        "Neg", sizeof(sign_params), neg_parse, sign_infer,
                                 sign_exec, 0};
const wisp_op_def wisp_op_Abs = {"",        "Abs", sizeof(sign_params), abs_parse, sign_infer,
                                 sign_exec, 0};

const wisp_op_def wisp_op_Erf = {"", "Erf", 0, NULL, unary_infer, erf_exec, 0};
const wisp_op_def wisp_op_Sigmoid = {"", "Sigmoid", 0, NULL, unary_infer, sigmoid_exec, 0};
const wisp_op_def wisp_op_Relu = {"", "Relu", 0, NULL, unary_infer, relu_exec, 0};

const wisp_op_def wisp_op_Identity = {
    "", "Identity", 0, NULL, identity_infer, identity_exec, WISP_OP_ALIAS};
const wisp_op_def wisp_op_Dropout = {
    "", "Dropout", 0, NULL, identity_infer, identity_exec, WISP_OP_ALIAS, 1u << 1 | 1u << 2};
