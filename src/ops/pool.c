/* pool.c — MaxPool (with optional Indices), AveragePool (1-D to 3-D; strides, pads, auto_pad,
 * dilations, ceil_mode, count_include_pad), GlobalAveragePool and GlobalMaxPool.
 *
 * Spatial dims are held as 3-D with unit leading dims, as in conv.c, whose wisp_window_geometry
 * computes output sizes and pads. For each output the kernel taps are clipped to the input once
 * per dim, so the inner loops have no bounds checks; padding never takes part in a max. */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "op.h"
#include "../kernels/config.h"
#include "../threads.h"

typedef struct {
  int avg, ceil_mode, count_include_pad, storage_order;
  int64_t planes; /* N·C */
  int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], out[3];
} pool_params;

/* The kernel taps j in [*lo, *hi) whose input start + j·d lies in [0, n). */
static void taps(int64_t start, int64_t k, int64_t d, int64_t n, int64_t *lo, int64_t *hi) {
  *lo = start >= 0 ? 0 : (-start + d - 1) / d;
  *hi = start >= n ? 0 : (n - 1 - start) / d + 1;
  if (*hi > k) *hi = k;
  if (*lo > *hi) *lo = *hi;
}

WISP_COLD static wisp_status pool_parse(wisp_op_ctx *ctx, int avg) {
  pool_params *p = ctx->params;
  p->avg = avg;
  p->ceil_mode = wisp_attr_int(ctx->node, "ceil_mode", 0) != 0;
  p->count_include_pad = wisp_attr_int(ctx->node, "count_include_pad", 0) != 0;
  p->storage_order = wisp_attr_int(ctx->node, "storage_order", 0) != 0;
  return WISP_OK;
}
static wisp_status max_pool_parse(wisp_op_ctx *ctx) { return pool_parse(ctx, 0); }
static wisp_status avg_pool_parse(wisp_op_ctx *ctx) { return pool_parse(ctx, 1); }

WISP_COLD static wisp_status pool_infer(wisp_op_ctx *ctx) {
  pool_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  const wisp_tensor *x = ctx->in[0];
  wisp_dtype dt = x->dtype;
  if (dt != WISP_DT_FLOAT && (p->avg || (dt != WISP_DT_UINT8 && dt != WISP_DT_INT8)))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "input type %s is not supported",
                        wisp_dtype_name(dt));
  int nk;
  const int64_t *ks = wisp_attr_ints(ctx->node, "kernel_shape", &nk);
  if (!ks || nk < 1) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "kernel_shape is required");
  if (nk > 3)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "%d-D pooling: wisp supports 1-D to 3-D", nk);
  const wisp_shape *xs = &x->shape;
  if (xs->ndim != nk + 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "X has rank %d, kernel_shape has %d dims",
                        xs->ndim, nk);
  /* x is (N, C, D, H, W) */
  for (int i = 0, off = 3 - nk; i < 3; i++) {
    p->in[i] = i < off ? 1 : xs->dims[2 + i - off];
    p->k[i] = i < off ? 1 : ks[i - off];
  }
  WISP_TRY(
      wisp_window_geometry(ctx, nk, p->in, p->k, p->ceil_mode, p->s, p->d, p->pb, p->pe, p->out));
  p->planes = xs->dims[0] * xs->dims[1];
  wisp_tensor *y = ctx->out[0];
  y->dtype = dt;
  y->shape = *xs;
  for (int j = 0; j < nk; j++) y->shape.dims[2 + j] = p->out[3 - nk + j];
  if (ctx->n_out > 1 && ctx->out[1]) { /* MaxPool's Indices */
    if (p->avg) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "AveragePool has one output");
    ctx->out[1]->dtype = WISP_DT_INT64;
    ctx->out[1]->shape = y->shape;
  }
  return WISP_OK;
}

/* Max over each window; ind (may be NULL) gets the flat index of the max in X, counted in
 * row-major order or, with storage_order 1, column-major within each (D, H, W) plane. */
#define MAX_POOL(T, NAME, LOWEST) \
  static void NAME(const pool_params *p, int64_t c0, int64_t c1, const T *x, T *y, int64_t *ind) { \
    const int64_t *in = p->in, *k = p->k, *s = p->s, *d = p->d, *pb = p->pb; \
    int64_t plane = in[0] * in[1] * in[2]; \
    for (int64_t c = c0; c < c1; c++, x += plane) \
      for (int64_t od = 0; od < p->out[0]; od++) { \
        int64_t z0 = od * s[0] - pb[0], zlo, zhi; \
        taps(z0, k[0], d[0], in[0], &zlo, &zhi); \
        for (int64_t oh = 0; oh < p->out[1]; oh++) { \
          int64_t y0 = oh * s[1] - pb[1], ylo, yhi; \
          taps(y0, k[1], d[1], in[1], &ylo, &yhi); \
          for (int64_t ow = 0; ow < p->out[2]; ow++) { \
            int64_t x0 = ow * s[2] - pb[2], xlo, xhi, at = -1; \
            taps(x0, k[2], d[2], in[2], &xlo, &xhi); \
            T best = LOWEST; \
            for (int64_t kd = zlo; kd < zhi; kd++) \
              for (int64_t kh = ylo; kh < yhi; kh++) { \
                int64_t row = ((z0 + kd * d[0]) * in[1] + y0 + kh * d[1]) * in[2] + x0; \
                for (int64_t kw = xlo; kw < xhi; kw++) { \
                  int64_t i = row + kw * d[2]; \
                  if (at < 0 || x[i] > best) best = x[i], at = i; \
                } \
              } \
            *y++ = best; \
            if (!ind) continue; \
            if (at >= 0 && p->storage_order) { \
              int64_t iz = at / (in[1] * in[2]), iy = at / in[2] % in[1], ix = at % in[2]; \
              at = iz + in[0] * (iy + in[1] * ix); \
            } \
            *ind++ = at < 0 ? -1 : c * plane + at; \
          } \
        } \
      } \
  }
MAX_POOL(float, max_pool_f32, -FLT_MAX)
MAX_POOL(uint8_t, max_pool_u8, 0)
MAX_POOL(int8_t, max_pool_i8, INT8_MIN)

/* Mean over each window: of the taps inside X, or with count_include_pad of the taps inside
 * the padded input (a ceil_mode window may reach past the end padding; those do not count). */
static void avg_pool_f32(const pool_params *p, int64_t c0, int64_t c1, const float *x, float *y) {
  const int64_t *in = p->in, *k = p->k, *s = p->s, *d = p->d, *pb = p->pb, *pe = p->pe;
  int64_t plane = in[0] * in[1] * in[2], lo, hi;
  for (int64_t c = c0; c < c1; c++, x += plane)
    for (int64_t od = 0; od < p->out[0]; od++) {
      int64_t z0 = od * s[0] - pb[0], zlo, zhi;
      taps(z0, k[0], d[0], in[0], &zlo, &zhi);
      for (int64_t oh = 0; oh < p->out[1]; oh++) {
        int64_t y0 = oh * s[1] - pb[1], ylo, yhi;
        taps(y0, k[1], d[1], in[1], &ylo, &yhi);
        for (int64_t ow = 0; ow < p->out[2]; ow++) {
          int64_t x0 = ow * s[2] - pb[2], xlo, xhi;
          taps(x0, k[2], d[2], in[2], &xlo, &xhi);
          float sum = 0.0f;
          for (int64_t kd = zlo; kd < zhi; kd++)
            for (int64_t kh = ylo; kh < yhi; kh++) {
              int64_t row = ((z0 + kd * d[0]) * in[1] + y0 + kh * d[1]) * in[2] + x0;
              for (int64_t kw = xlo; kw < xhi; kw++) sum += x[row + kw * d[2]];
            }
          int64_t count = (zhi - zlo) * (yhi - ylo) * (xhi - xlo);
          if (p->count_include_pad) {
            count = 1;
            int64_t start[3] = {z0, y0, x0};
            for (int i = 0; i < 3; i++) {
              taps(start[i] + pb[i], k[i], d[i], in[i] + pb[i] + pe[i], &lo, &hi);
              count *= hi - lo;
            }
          }
          *y++ = count ? sum / (float)count : 0.0f;
        }
      }
    }
}

/* The CNN case: 2-D float max pool without dilation or indices (ResNet's and DenseNet's 3×3
 * stride 2 pad 1), separably (kernels/pool.h): per output row, the max down its input rows
 * into a row padded with -INFINITY, then across each window of it. It needs every window to hold
 * an input pixel (the general loop gives an empty one -FLT_MAX) and the padded row to fit
 * ROW_FLOATS. The answer is the general loop's unless a window holds a NaN (kernels/pool.h). */
enum { ROW_FLOATS = 2048, ROW_SLACK = 8 };

/* Input columns past the end that the last window reaches, along dim i. */
static int64_t overhang(const pool_params *p, int i) {
  int64_t r = (p->out[i] - 1) * p->s[i] + p->k[i] - p->pb[i] - p->in[i];
  return r > 0 ? r : 0;
}

static int max_pool_separable(const pool_params *p) {
  if (p->in[0] != 1 || p->k[0] != 1 || p->out[0] != 1 || p->pb[0] || p->d[1] != 1 || p->d[2] != 1)
    return 0;
  for (int i = 1; i < 3; i++) /* the first and last windows hold an input pixel, so all do */
    if (p->pb[i] >= p->k[i] || (p->out[i] - 1) * p->s[i] - p->pb[i] >= p->in[i]) return 0;
  return p->pb[2] + p->in[2] + overhang(p, 2) + ROW_SLACK <= ROW_FLOATS;
}

static void max_pool_f32_separable(const pool_params *p, int64_t c0, int64_t c1, const float *x,
                                   float *y) {
  const wisp_kernel_set *ks = wisp_kernels();
  int64_t H = p->in[1], W = p->in[2], OH = p->out[1], OW = p->out[2], left = p->pb[2];
  int64_t used = left + W + overhang(p, 2) + ROW_SLACK;
  float row[ROW_FLOATS];
  for (int64_t i = 0; i < used; i++) row[i] = -INFINITY; /* the columns get overwritten */
  for (int64_t c = c0; c < c1; c++, x += H * W)
    for (int64_t oh = 0; oh < OH; oh++, y += OW) {
      int64_t y0 = oh * p->s[1] - p->pb[1], ylo, yhi;
      taps(y0, p->k[1], 1, H, &ylo, &yhi);
      ks->pool.vmax_rows((int)W, (int)(yhi - ylo), x + (y0 + ylo) * W, (ptrdiff_t)W, row + left);
      ks->pool.hmax((int)OW, (int)p->k[2], (int)p->s[2], row, y);
    }
}

typedef struct {
  const pool_params *p;
  wisp_dtype dt;
  const void *x;
  void *y;
  int64_t *ind;
} pool_job;

/* Planes (N·C) [c0, c0 + nc): a thread's chunk. */
static void pool_planes(void *ctx, int thread, size_t c0, size_t j, size_t nc, size_t nj) {
  const pool_job *b = ctx;
  const pool_params *p = b->p;
  int64_t c = (int64_t)c0, c1 = (int64_t)(c0 + nc);
  size_t in = (size_t)(c * p->in[0] * p->in[1] * p->in[2]);
  size_t out = (size_t)(c * p->out[0] * p->out[1] * p->out[2]);
  int64_t *ind = b->ind ? b->ind + out : NULL;
  if (p->avg) avg_pool_f32(p, c, c1, (const float *)b->x + in, (float *)b->y + out);
  else if (b->dt == WISP_DT_FLOAT) {
    if (!ind && max_pool_separable(p))
      max_pool_f32_separable(p, c, c1, (const float *)b->x + in, (float *)b->y + out);
    else max_pool_f32(p, c, c1, (const float *)b->x + in, (float *)b->y + out, ind);
  } else if (b->dt == WISP_DT_UINT8)
    max_pool_u8(p, c, c1, (const uint8_t *)b->x + in, (uint8_t *)b->y + out, ind);
  else max_pool_i8(p, c, c1, (const int8_t *)b->x + in, (int8_t *)b->y + out, ind);
}

static wisp_status pool_exec(wisp_op_ctx *ctx) {
  const pool_params *p = ctx->params;
  int64_t *ind = ctx->n_out > 1 && ctx->out[1] ? ctx->out[1]->data : NULL;
  if (!p->planes) return WISP_OK; /* else the plane sizes are bounded by X's numel */
  pool_job b = {p, ctx->in[0]->dtype, ctx->in[0]->data, ctx->out[0]->data, ind};
  int64_t taps = p->k[0] * p->k[1] * p->k[2], out = p->out[0] * p->out[1] * p->out[2];
  wisp_parallel_rows((size_t)p->planes, (size_t)(out * taps), pool_planes, &b);
  return WISP_OK;
}

const wisp_op_def wisp_op_MaxPool = {
    "", "MaxPool", sizeof(pool_params), max_pool_parse, pool_infer, pool_exec, 0};
const wisp_op_def wisp_op_AveragePool = {
    "", "AveragePool", sizeof(pool_params), avg_pool_parse, pool_infer, pool_exec, 0};

/* ---- GlobalAveragePool, GlobalMaxPool: x (N, C, spatial...) -> y (N, C, 1, ...) ---------- */

WISP_COLD static wisp_status global_pool_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape;
  if (xs->ndim < 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "X has rank %d, needs (N, C, ...)", xs->ndim);
  wisp_tensor *y = ctx->out[0];
  y->dtype = WISP_DT_FLOAT;
  y->shape = *xs;
  for (int i = 2; i < xs->ndim; i++) y->shape.dims[i] = 1;
  return WISP_OK;
}

static wisp_status global_pool_exec(wisp_op_ctx *ctx, int avg) {
  const wisp_shape *xs = &ctx->in[0]->shape;
  const float *x = ctx->in[0]->data;
  float *y = ctx->out[0]->data;
  int64_t planes = xs->dims[0] * xs->dims[1], n = 1;
  if (!planes) return WISP_OK; /* else n is bounded by X's numel */
  for (int i = 2; i < xs->ndim; i++) n *= xs->dims[i];
  wisp_f32_vsum_fn sum = wisp_kernels()->pool.sum;
  for (int64_t c = 0; c < planes; c++, x += n) {
    float acc = -FLT_MAX;
    if (avg) acc = n ? sum((size_t)n, x) / (float)n : 0.0f;
    else {
      for (int64_t i = 0; i < n; i++) acc = x[i] > acc ? x[i] : acc;
    }
    y[c] = acc;
  }
  return WISP_OK;
}
static wisp_status global_avg_exec(wisp_op_ctx *ctx) { return global_pool_exec(ctx, 1); }
static wisp_status global_max_exec(wisp_op_ctx *ctx) { return global_pool_exec(ctx, 0); }

const wisp_op_def wisp_op_GlobalAveragePool = {
    "", "GlobalAveragePool", 0, NULL, global_pool_infer, global_avg_exec, 0};
const wisp_op_def wisp_op_GlobalMaxPool = {
    "", "GlobalMaxPool", 0, NULL, global_pool_infer, global_max_exec, 0};
