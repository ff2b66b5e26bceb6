/* matrix.c — ops on the last two dims as matrices: EyeLike, Trilu, Det. */
#include <math.h>
#include <string.h>

#include "op.h"

/* ---- EyeLike: zeros of X's shape (dtype attribute or X's) with ones on diagonal k --------- */

typedef struct {
  wisp_dtype dtype; /* UNDEFINED: X's */
  int64_t k;
} eyelike_params;

static int numeric(wisp_dtype dt) { return dt != WISP_DT_STRING && wisp_dtype_size(dt); }

static wisp_status eyelike_parse(wisp_op_ctx *ctx) {
  eyelike_params *p = ctx->params;
  p->k = wisp_attr_int(ctx->node, "k", 0);
  if (wisp_node_attr(ctx->node, "dtype")) {
    int64_t dt = wisp_attr_int(ctx->node, "dtype", 0);
    if (dt <= 0 || dt > WISP_DT_UINT64 || !numeric((wisp_dtype)dt))
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %lld is not supported", (long long)dt);
    p->dtype = (wisp_dtype)dt;
  }
  return WISP_OK;
}

static wisp_status eyelike_infer(wisp_op_ctx *ctx) {
  const eyelike_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  const wisp_tensor *x = ctx->in[0];
  wisp_dtype dt = p->dtype ? p->dtype : x->dtype;
  if (x->shape.ndim != 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input must be 2-D, has rank %d", x->shape.ndim);
  if (!numeric(dt) || dt == WISP_DT_FLOAT16)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "dtype %s is not supported",
                        wisp_dtype_name(dt));
  ctx->out[0]->dtype = dt;
  ctx->out[0]->shape = x->shape;
  return WISP_OK;
}

static void store_one(void *data, wisp_dtype dt, int64_t i) {
  switch (dt) {
    case WISP_DT_FLOAT: ((float *)data)[i] = 1.0f; break;
    case WISP_DT_DOUBLE: ((double *)data)[i] = 1.0; break;
    case WISP_DT_INT64:
    case WISP_DT_UINT64: ((int64_t *)data)[i] = 1; break;
    case WISP_DT_INT32:
    case WISP_DT_UINT32: ((int32_t *)data)[i] = 1; break;
    case WISP_DT_INT16:
    case WISP_DT_UINT16: ((int16_t *)data)[i] = 1; break;
    default: ((uint8_t *)data)[i] = 1; break; /* int8, uint8, bool */
  }
}

static wisp_status eyelike_exec(wisp_op_ctx *ctx) {
  const eyelike_params *p = ctx->params;
  wisp_tensor *y = ctx->out[0];
  int64_t rows = y->shape.dims[0], cols = y->shape.dims[1];
  memset(y->data, 0, wisp_tensor_bytes(y));
  for (int64_t i = 0; i < rows; i++) {
    if (p->k > cols || p->k < -rows) break; /* the diagonal misses the matrix (no overflow) */
    int64_t j = i + p->k;
    if (j >= 0 && j < cols) store_one(y->data, y->dtype, i * cols + j);
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_EyeLike = {
    "", "EyeLike", sizeof(eyelike_params), eyelike_parse, eyelike_infer, eyelike_exec, 0};

/* ---- Trilu: keeps the upper (j - i >= k) or lower (j - i <= k) triangle, zeros the rest ----- */

typedef struct {
  int upper;
} trilu_params;

static wisp_status trilu_parse(wisp_op_ctx *ctx) {
  int64_t u = wisp_attr_int(ctx->node, "upper", 1);
  if (u != 0 && u != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "upper must be 0 or 1, not %lld",
                        (long long)u);
  ((trilu_params *)ctx->params)->upper = (int)u;
  return WISP_OK;
}

static wisp_status trilu_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 2));
  const wisp_tensor *x = ctx->in[0], *k = ctx->n_in > 1 ? ctx->in[1] : NULL;
  if (x->shape.ndim < 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input must have rank >= 2, has %d",
                        x->shape.ndim);
  if (x->dtype == WISP_DT_STRING)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "string input is not supported");
  if (k && (k->dtype != WISP_DT_INT64 || wisp_shape_numel(&k->shape) != 1))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "k must be an int64 scalar");
  wisp_op_same_as(ctx->out[0], x);
  return WISP_OK;
}

static wisp_status trilu_exec(wisp_op_ctx *ctx) {
  const trilu_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0], *kt = ctx->n_in > 1 ? ctx->in[1] : NULL;
  wisp_tensor *y = ctx->out[0];
  const wisp_shape *s = &x->shape;
  int64_t rows = s->dims[s->ndim - 2], cols = s->dims[s->ndim - 1];
  int64_t k = kt ? *(const int64_t *)kt->data : 0;
  k = k < -rows ? -rows : k > cols ? cols : k; /* same triangles, and i + k cannot overflow */
  int64_t mats = rows && cols ? wisp_shape_numel(s) / (rows * cols) : 0;
  size_t es = wisp_dtype_size(x->dtype);
  const char *src = x->data;
  char *dst = y->data;
  for (int64_t m = 0; m < mats; m++)
    for (int64_t i = 0; i < rows; i++) {
      /* row i keeps columns [lo, hi): j - i >= k (upper) or j - i <= k (lower), clamped */
      int64_t lo = 0, hi = cols, edge = p->upper ? i + k : i + k + 1;
      edge = edge < 0 ? 0 : edge > cols ? cols : edge;
      if (p->upper) lo = edge;
      else hi = edge;
      size_t row = (size_t)((m * rows + i) * cols) * es;
      memset(dst + row, 0, (size_t)cols * es);
      if (hi > lo)
        memcpy(dst + row + (size_t)lo * es, src + row + (size_t)lo * es, (size_t)(hi - lo) * es);
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_Trilu = {
    "", "Trilu", sizeof(trilu_params), trilu_parse, trilu_infer, trilu_exec, 0};

/* ---- Det: determinant of each trailing square matrix, by LU with partial pivoting ---------- */

static wisp_status det_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  const wisp_shape *s = &ctx->in[0]->shape;
  if (s->ndim < 2 || s->dims[s->ndim - 1] != s->dims[s->ndim - 2]) {
    char b[96];
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input %s is not a (batch of) square matrices",
                        wisp_shape_str(s, b, sizeof b));
  }
  int64_t n = s->dims[s->ndim - 1];
  if (n * n > (int64_t)(WISP_MAX_TENSOR_BYTES / sizeof(double)))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "matrix of %lld rows is too large",
                        (long long)n);
  ctx->scratch_bytes = (size_t)(n * n) * sizeof(double);
  ctx->out[0]->dtype = WISP_DT_FLOAT;
  ctx->out[0]->shape = *s;
  ctx->out[0]->shape.ndim -= 2;
  return WISP_OK;
}

static wisp_status det_exec(wisp_op_ctx *ctx) {
  const wisp_shape *s = &ctx->in[0]->shape;
  int64_t n = s->dims[s->ndim - 1], mats = wisp_shape_numel(&ctx->out[0]->shape);
  const float *x = ctx->in[0]->data;
  float *y = ctx->out[0]->data;
  double *a = ctx->scratch;
  for (int64_t m = 0; m < mats; m++) {
    for (int64_t i = 0; i < n * n; i++) a[i] = x[m * n * n + i];
    double det = 1.0;
    for (int64_t c = 0; c < n && det != 0.0; c++) {
      int64_t piv = c;
      for (int64_t r = c + 1; r < n; r++)
        if (fabs(a[r * n + c]) > fabs(a[piv * n + c])) piv = r;
      if (a[piv * n + c] == 0.0) {
        det = 0.0;
        break;
      }
      if (piv != c) {
        for (int64_t j = 0; j < n; j++) {
          double t = a[c * n + j];
          a[c * n + j] = a[piv * n + j], a[piv * n + j] = t;
        }
        det = -det;
      }
      det *= a[c * n + c];
      for (int64_t r = c + 1; r < n; r++) {
        double f = a[r * n + c] / a[c * n + c];
        for (int64_t j = c; j < n; j++) a[r * n + j] -= f * a[c * n + j];
      }
    }
    y[m] = (float)det;
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_Det = {"", "Det", 0, NULL, det_infer, det_exec, 0};
