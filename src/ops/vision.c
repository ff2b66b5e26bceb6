/* vision.c — ops of detection and spatial-transformer models: GridSample (4-D; bilinear,
 * nearest, bicubic; zeros, border, reflection padding; align_corners), RoiAlign (avg and max;
 * half_pixel and output_half_pixel), MaxUnpool and NonMaxSuppression.
 *
 * GridSample follows PyTorch's grid_sampler (which ONNX and onnxruntime copy): a grid value g in
 * [-1, 1] maps to x = (g + 1) / 2 · (W - 1) with align_corners, else ((g + 1) · W - 1) / 2; border
 * and reflection padding move x into the image before bilinear/nearest sampling, while bicubic
 * applies the padding to each of its 16 taps. RoiAlign follows onnxruntime's kernel: each bin
 * averages (or takes the max of) sampling_ratio² bilinear samples, adaptive when it is 0.
 * NonMaxSuppression (at the end) selects at plan time: its output length depends on values. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"

/* ---- GridSample ---- */

enum { GS_BILINEAR, GS_NEAREST, GS_BICUBIC };
enum { GS_ZEROS, GS_BORDER, GS_REFLECTION };

typedef struct {
  int mode, padding, align;
  int64_t N, C, H, W, OH, OW;
} gs_params;

static wisp_status gs_parse(wisp_op_ctx *ctx) {
  gs_params *p = ctx->params;
  const char *mode =
      wisp_attr_string(ctx->node, "mode", ctx->node->opset < 20 ? "bilinear" : "linear");
  const char *pad = wisp_attr_string(ctx->node, "padding_mode", "zeros");
  /* opset 20 renamed bilinear and bicubic to linear and cubic */
  p->mode = !strcmp(mode, ctx->node->opset < 20 ? "bilinear" : "linear") ? GS_BILINEAR
            : !strcmp(mode, "nearest")                                   ? GS_NEAREST
            : !strcmp(mode, ctx->node->opset < 20 ? "bicubic" : "cubic") ? GS_BICUBIC
                                                                         : -1;
  p->padding = !strcmp(pad, "zeros")        ? GS_ZEROS
               : !strcmp(pad, "border")     ? GS_BORDER
               : !strcmp(pad, "reflection") ? GS_REFLECTION
                                            : -1;
  if (p->mode < 0 || p->padding < 0)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "unknown mode '%s' or padding_mode '%s'", mode,
                        pad);
  p->align = wisp_attr_int(ctx->node, "align_corners", 0) != 0;
  return WISP_OK;
}

static wisp_status gs_infer(wisp_op_ctx *ctx) {
  gs_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  WISP_TRY(wisp_op_expect_dtype(ctx, 1, WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape, *gs = &ctx->in[1]->shape;
  if (xs->ndim != 4)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "X has rank %d; wisp supports (N, C, H, W)",
                        xs->ndim);
  if (gs->ndim != 4 || gs->dims[0] != xs->dims[0] || gs->dims[3] != 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "grid must be (N, H_out, W_out, 2)");
  p->N = xs->dims[0], p->C = xs->dims[1], p->H = xs->dims[2], p->W = xs->dims[3];
  p->OH = gs->dims[1], p->OW = gs->dims[2];
  wisp_tensor *y = ctx->out[0];
  y->dtype = WISP_DT_FLOAT;
  y->shape.ndim = 4;
  y->shape.dims[0] = p->N, y->shape.dims[1] = p->C, y->shape.dims[2] = p->OH,
  y->shape.dims[3] = p->OW;
  return WISP_OK;
}

static double gs_unnormalize(double g, int64_t size, int align) {
  return align ? (g + 1) / 2 * (double)(size - 1) : ((g + 1) * (double)size - 1) / 2;
}

/* Reflects x into [lo2/2, hi2/2] (bounds given doubled, as PyTorch does). */
static double gs_reflect(double x, double lo2, double hi2) {
  if (lo2 == hi2) return 0;
  double lo = lo2 / 2, span = (hi2 - lo2) / 2;
  x = fabs(x - lo);
  double extra = fmod(x, span);
  int even = fmod(floor(x / span), 2) == 0; /* in double: x may be far out */
  return even ? extra + lo : span - extra + lo;
}

static double gs_clip(double x, int64_t size) {
  return x < 0 ? 0 : x > (double)(size - 1) ? (double)(size - 1) : x;
}

/* Border and reflection padding: a coordinate moved into [0, size - 1]. */
static double gs_pad(const gs_params *p, double x, int64_t size) {
  if (p->padding == GS_BORDER) return gs_clip(x, size);
  if (p->padding == GS_REFLECTION) {
    x = p->align ? gs_reflect(x, 0, 2 * (double)(size - 1))
                 : gs_reflect(x, -1, 2 * (double)size - 1);
    return gs_clip(x, size);
  }
  return x;
}

/* The pixel at integer (r, c), or 0 outside the image. */
static float gs_at(const float *plane, int64_t H, int64_t W, int64_t r, int64_t c) {
  return r >= 0 && r < H && c >= 0 && c < W ? plane[r * W + c] : 0.0f;
}

static void gs_cubic_coeffs(double t, double w[4]) {
  const double A = -0.75;
  double x;
  x = t + 1, w[0] = ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  x = t, w[1] = ((A + 2) * x - (A + 3)) * x * x + 1;
  x = 1 - t, w[2] = ((A + 2) * x - (A + 3)) * x * x + 1;
  x = 2 - t, w[3] = ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
}

static wisp_status gs_exec(wisp_op_ctx *ctx) {
  const gs_params *p = ctx->params;
  const float *x = ctx->in[0]->data, *grid = ctx->in[1]->data;
  float *y = ctx->out[0]->data;
  int64_t H = p->H, W = p->W, plane = H * W, opix = p->OH * p->OW;
  for (int64_t n = 0; n < p->N; n++)
    for (int64_t q = 0; q < opix; q++) {
      const float *g = grid + (n * opix + q) * 2;
      double ix = gs_unnormalize(g[0], W, p->align), iy = gs_unnormalize(g[1], H, p->align);
      if (p->mode != GS_BICUBIC) ix = gs_pad(p, ix, W), iy = gs_pad(p, iy, H);
      for (int64_t c = 0; c < p->C; c++) {
        const float *xc = x + (n * p->C + c) * plane;
        float v = 0;
        if (!isfinite(ix) || !isfinite(iy) || fabs(ix) > 1e9 || fabs(iy) > 1e9) {
          v = 0; /* far outside: every padding mode has moved in-range values already */
        } else if (p->mode == GS_NEAREST) {
          v = gs_at(xc, H, W, (int64_t)nearbyint(iy), (int64_t)nearbyint(ix));
        } else if (p->mode == GS_BILINEAR) {
          double fx = floor(ix), fy = floor(iy), tx = ix - fx, ty = iy - fy;
          int64_t c0 = (int64_t)fx, r0 = (int64_t)fy;
          v = (float)((1 - ty) *
                          ((1 - tx) * gs_at(xc, H, W, r0, c0) + tx * gs_at(xc, H, W, r0, c0 + 1)) +
                      ty * ((1 - tx) * gs_at(xc, H, W, r0 + 1, c0) +
                            tx * gs_at(xc, H, W, r0 + 1, c0 + 1)));
        } else {
          double fx = floor(ix), fy = floor(iy), wx[4], wy[4], s = 0;
          gs_cubic_coeffs(ix - fx, wx);
          gs_cubic_coeffs(iy - fy, wy);
          for (int i = 0; i < 4; i++) {
            double row = 0;
            for (int j = 0; j < 4; j++) {
              /* each tap is padded on its own */
              double cx = gs_pad(p, fx - 1 + j, W), cy = gs_pad(p, fy - 1 + i, H);
              row += wx[j] * gs_at(xc, H, W, (int64_t)cy, (int64_t)cx);
            }
            s += wy[i] * row;
          }
          v = (float)s;
        }
        y[(n * p->C + c) * opix + q] = v;
      }
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_GridSample = {
    "", "GridSample", sizeof(gs_params), gs_parse, gs_infer, gs_exec, 0};

/* ---- RoiAlign ---- */

typedef struct {
  int max, half_pixel;
  int64_t OH, OW, sampling;
  float scale;
  int64_t N, C, H, W, R;
} roi_params;

static wisp_status roi_parse(wisp_op_ctx *ctx) {
  roi_params *p = ctx->params;
  const wisp_node *n = ctx->node;
  const char *mode = wisp_attr_string(n, "mode", "avg");
  const char *ct = wisp_attr_string(n, "coordinate_transformation_mode",
                                    n->opset < 16 ? "output_half_pixel" : "half_pixel");
  p->max = !strcmp(mode, "max");
  p->half_pixel = !strcmp(ct, "half_pixel");
  if ((!p->max && strcmp(mode, "avg")) || (!p->half_pixel && strcmp(ct, "output_half_pixel")))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "unknown mode '%s' or coordinate_transformation_mode '%s'", mode, ct);
  p->OH = wisp_attr_int(n, "output_height", 1);
  p->OW = wisp_attr_int(n, "output_width", 1);
  p->sampling = wisp_attr_int(n, "sampling_ratio", 0);
  p->scale = wisp_attr_float(n, "spatial_scale", 1.0f);
  if (p->OH < 1 || p->OW < 1 || p->OH > INT32_MAX || p->OW > INT32_MAX || p->sampling < 0 ||
      p->sampling > 1024)
    return WISP_OP_FAIL(
        ctx, WISP_ERR_INVALID_MODEL,
        "output_height and output_width must be positive, sampling_ratio in [0, 1024]");
  return WISP_OK;
}

static wisp_status roi_infer(wisp_op_ctx *ctx) {
  roi_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 3, 3));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  WISP_TRY(wisp_op_expect_dtype(ctx, 1, WISP_DT_FLOAT));
  WISP_TRY(wisp_op_expect_dtype(ctx, 2, WISP_DT_INT64));
  const wisp_shape *xs = &ctx->in[0]->shape, *rs = &ctx->in[1]->shape, *bs = &ctx->in[2]->shape;
  if (xs->ndim != 4) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "X must be (N, C, H, W)");
  if (rs->ndim != 2 || rs->dims[1] != 4 || bs->ndim != 1 || bs->dims[0] != rs->dims[0])
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "rois must be (num_rois, 4) and batch_indices (num_rois)");
  p->N = xs->dims[0], p->C = xs->dims[1], p->H = xs->dims[2], p->W = xs->dims[3];
  p->R = rs->dims[0];
  wisp_tensor *y = ctx->out[0];
  y->dtype = WISP_DT_FLOAT;
  y->shape.ndim = 4;
  y->shape.dims[0] = p->R, y->shape.dims[1] = p->C, y->shape.dims[2] = p->OH,
  y->shape.dims[3] = p->OW;
  return WISP_OK;
}

/* One bilinear sample at (y, x) of an H×W plane, as onnxruntime's RoiAlign takes it: zero
 * beyond one pixel outside (or NaN), clamped to the edge inside that margin. The four weighted corners
 * go to *sum (avg) and their largest to *max. */
static void roi_sample(const float *plane, int64_t H, int64_t W, double yy, double xx, double *sum,
                       double *max) {
  if (!(yy >= -1.0 && yy <= (double)H && xx >= -1.0 && xx <= (double)W)) { /* and NaN */
    *sum = 0, *max = 0;
    return;
  }
  if (yy <= 0) yy = 0;
  if (xx <= 0) xx = 0;
  int64_t y0 = (int64_t)yy, x0 = (int64_t)xx, y1, x1;
  if (y0 >= H - 1) y0 = y1 = H - 1, yy = (double)y0;
  else y1 = y0 + 1;
  if (x0 >= W - 1) x0 = x1 = W - 1, xx = (double)x0;
  else x1 = x0 + 1;
  double ly = yy - (double)y0, lx = xx - (double)x0, hy = 1 - ly, hx = 1 - lx;
  double v1 = hy * hx * plane[y0 * W + x0], v2 = hy * lx * plane[y0 * W + x1];
  double v3 = ly * hx * plane[y1 * W + x0], v4 = ly * lx * plane[y1 * W + x1];
  *sum = v1 + v2 + v3 + v4;
  *max = fmax(fmax(v1, v2), fmax(v3, v4));
}

static wisp_status roi_exec(wisp_op_ctx *ctx) {
  const roi_params *p = ctx->params;
  const float *x = ctx->in[0]->data, *rois = ctx->in[1]->data;
  const int64_t *batch = ctx->in[2]->data;
  float *y = ctx->out[0]->data;
  int64_t plane = p->H * p->W;
  double offset = p->half_pixel ? 0.5 : 0;
  if (!plane) { /* nothing to sample */
    memset(y, 0, wisp_tensor_bytes(ctx->out[0]));
    return WISP_OK;
  }
  for (int64_t r = 0; r < p->R; r++) {
    if (batch[r] < 0 || batch[r] >= p->N)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "batch index %lld of roi %lld is outside [0, %lld)", (long long)batch[r],
                          (long long)r, (long long)p->N);
    const float *box = rois + r * 4;
    double x0 = box[0] * p->scale - offset, y0 = box[1] * p->scale - offset;
    double rw = box[2] * p->scale - offset - x0, rh = box[3] * p->scale - offset - y0;
    if (!p->half_pixel) rw = fmax(rw, 1.0), rh = fmax(rh, 1.0);
    double bh = rh / (double)p->OH, bw = rw / (double)p->OW;
    double gh_d = p->sampling ? (double)p->sampling : ceil(rh / (double)p->OH);
    double gw_d = p->sampling ? (double)p->sampling : ceil(rw / (double)p->OW);
    /* adaptive grids of absurd boxes are bounded so a bin stays cheap */
    int64_t gh = gh_d > 1024 ? 1024 : gh_d < 0 || gh_d != gh_d ? 0 : (int64_t)gh_d;
    int64_t gw = gw_d > 1024 ? 1024 : gw_d < 0 || gw_d != gw_d ? 0 : (int64_t)gw_d;
    double count = gh * gw > 1 ? (double)(gh * gw) : 1;
    for (int64_t c = 0; c < p->C; c++) {
      const float *xc = x + (batch[r] * p->C + c) * plane;
      float *yc = y + (r * p->C + c) * p->OH * p->OW;
      for (int64_t ph = 0; ph < p->OH; ph++)
        for (int64_t pw = 0; pw < p->OW; pw++) {
          double acc = 0, best = 0;
          int any = 0;
          for (int64_t iy = 0; iy < gh; iy++) {
            double yy = y0 + (double)ph * bh + ((double)iy + 0.5) * bh / (double)gh;
            for (int64_t ix = 0; ix < gw; ix++) {
              double xx = x0 + (double)pw * bw + ((double)ix + 0.5) * bw / (double)gw, s, m;
              roi_sample(xc, p->H, p->W, yy, xx, &s, &m);
              acc += s;
              best = any ? fmax(best, m) : m;
              any = 1;
            }
          }
          yc[ph * p->OW + pw] = (float)(p->max ? best : acc / count);
        }
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_RoiAlign = {
    "", "RoiAlign", sizeof(roi_params), roi_parse, roi_infer, roi_exec, 0};

/* ---- MaxUnpool: Y (zeros) with Y.flat[I[i]] = X.flat[i] ----
 * I indexes the tensor the pool read, whose shape is the default output shape; a larger
 * output_shape places each value at the same coordinates, with the extra rows at the ends. */

typedef struct {
  int rank, reshaped;
  int64_t numel_in, numel_def;
  wisp_shape def; /* the default output shape */
} unpool_params;

static wisp_status unpool_infer(wisp_op_ctx *ctx) {
  unpool_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 3));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  WISP_TRY(wisp_op_expect_dtype(ctx, 1, WISP_DT_INT64));
  const wisp_shape *xs = &ctx->in[0]->shape;
  int nsp = xs->ndim - 2;
  if (nsp < 1) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "X must be (N, C, spatial...)");
  if (!wisp_shape_equal(xs, &ctx->in[1]->shape))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "I must have X's shape");
  int nk, ns, np;
  const int64_t *k = wisp_attr_ints(ctx->node, "kernel_shape", &nk);
  const int64_t *s = wisp_attr_ints(ctx->node, "strides", &ns);
  const int64_t *pads = wisp_attr_ints(ctx->node, "pads", &np);
  if (!k || nk != nsp || (s && ns != nsp) || (pads && np != 2 * nsp))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "kernel_shape, strides and pads must match the %d spatial dims", nsp);
  wisp_tensor *y = ctx->out[0];
  y->dtype = WISP_DT_FLOAT;
  p->def = *xs;
  for (int j = 0; j < nsp; j++) {
    int64_t sj = s ? s[j] : 1, pb = pads ? pads[j] : 0, pe = pads ? pads[j + nsp] : 0;
    if (sj < 1 || k[j] < 1 || pb < 0 || pe < 0 || sj > INT32_MAX || k[j] > INT32_MAX ||
        pb > INT32_MAX || pe > INT32_MAX)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "bad kernel_shape, strides or pads");
    p->def.dims[2 + j] = (xs->dims[2 + j] - 1) * sj + k[j] - pb - pe;
  }
  WISP_TRY(wisp_shape_check(&p->def, "MaxUnpool output"));
  y->shape = p->def;
  const wisp_tensor *os = ctx->n_in > 2 ? ctx->in[2] : NULL;
  if (os) {
    if (!os->data)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                          "output_shape must be known when input shapes are (it is computed from "
                          "data at run time)");
    if (os->dtype != WISP_DT_INT64 || os->shape.ndim != 1 || os->shape.dims[0] != xs->ndim)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "output_shape must be %d int64s", xs->ndim);
    for (int i = 0; i < xs->ndim; i++) y->shape.dims[i] = ((const int64_t *)os->data)[i];
    for (int i = 0; i < xs->ndim; i++)
      if (y->shape.dims[i] < p->def.dims[i] || (i < 2 && y->shape.dims[i] != xs->dims[i]))
        return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                            "output_shape must keep N and C and not be smaller than the pooled "
                            "input's shape");
  }
  WISP_TRY(wisp_shape_check(&y->shape, "MaxUnpool output"));
  p->rank = xs->ndim;
  p->reshaped = !wisp_shape_equal(&y->shape, &p->def);
  p->numel_in = wisp_shape_numel(xs);
  p->numel_def = wisp_shape_numel(&p->def);
  return WISP_OK;
}

static wisp_status unpool_exec(wisp_op_ctx *ctx) {
  const unpool_params *p = ctx->params;
  const float *x = ctx->in[0]->data;
  const int64_t *idx = ctx->in[1]->data;
  float *y = ctx->out[0]->data;
  const wisp_shape *os = &ctx->out[0]->shape;
  memset(y, 0, wisp_tensor_bytes(ctx->out[0]));
  for (int64_t i = 0; i < p->numel_in; i++) {
    int64_t at = idx[i];
    if (at < 0 || at >= p->numel_def)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "index %lld is outside the pooled input's %lld values", (long long)at,
                          (long long)p->numel_def);
    if (p->reshaped) { /* the same coordinates in the bigger output */
      int64_t r = at, stride = 1;
      at = 0;
      for (int d = p->rank - 1; d >= 0; d--) {
        at += r % p->def.dims[d] * stride;
        r /= p->def.dims[d], stride *= os->dims[d];
      }
    }
    y[at] = x[i];
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_MaxUnpool = {
    "", "MaxUnpool", sizeof(unpool_params), NULL, unpool_infer, unpool_exec, 0, 1u << 2};

/* ---- NonMaxSuppression ----
 * The output's length depends on the boxes' and scores' values, so every input is a value input:
 * the selection runs at infer (the plan is keyed on those values when they are graph inputs) into
 * ctx->state, and exec copies it out. Boxes and scores computed inside the graph are refused.
 * Per batch and class, as onnxruntime does: candidates scoring above score_threshold, highest
 * score first (ties to the lower index), each kept unless its IoU with a kept box exceeds
 * iou_threshold, until max_output_boxes_per_class are kept. */

typedef struct {
  int center;
  int64_t count; /* selected triples in ctx->state */
} nms_params;

static wisp_status nms_parse(wisp_op_ctx *ctx) {
  nms_params *p = ctx->params;
  int64_t c = wisp_attr_int(ctx->node, "center_point_box", 0);
  if (c != 0 && c != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "center_point_box must be 0 or 1");
  p->center = (int)c;
  return WISP_OK;
}

/* Box i as (y1, x1, y2, x2) with y1 <= y2, x1 <= x2. */
static void nms_box(const float *b, int center, float out[4]) {
  if (center) {
    out[0] = b[1] - b[3] / 2, out[2] = b[1] + b[3] / 2;
    out[1] = b[0] - b[2] / 2, out[3] = b[0] + b[2] / 2;
    return;
  }
  out[0] = fminf(b[0], b[2]), out[2] = fmaxf(b[0], b[2]);
  out[1] = fminf(b[1], b[3]), out[3] = fmaxf(b[1], b[3]);
}

static int nms_overlaps(const float *a, const float *b, float threshold) {
  float area_a = (a[2] - a[0]) * (a[3] - a[1]), area_b = (b[2] - b[0]) * (b[3] - b[1]);
  if (area_a <= 0 || area_b <= 0) return 0;
  float h = fminf(a[2], b[2]) - fmaxf(a[0], b[0]), w = fminf(a[3], b[3]) - fmaxf(a[1], b[1]);
  if (h <= 0 || w <= 0) return 0;
  float inter = h * w;
  return inter / (area_a + area_b - inter) > threshold;
}

typedef struct {
  float score;
  int32_t box;
} nms_cand;

static int nms_order(const void *pa, const void *pb) {
  const nms_cand *a = pa, *b = pb;
  if (a->score != b->score) return a->score > b->score ? -1 : 1;
  return a->box < b->box ? -1 : a->box > b->box;
}

static wisp_status nms_infer(wisp_op_ctx *ctx) {
  nms_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 5));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  WISP_TRY(wisp_op_expect_dtype(ctx, 1, WISP_DT_FLOAT));
  const wisp_tensor *boxes = ctx->in[0], *scores = ctx->in[1];
  const wisp_tensor *tmax = ctx->n_in > 2 ? ctx->in[2] : NULL;
  const wisp_tensor *tiou = ctx->n_in > 3 ? ctx->in[3] : NULL;
  const wisp_tensor *tscore = ctx->n_in > 4 ? ctx->in[4] : NULL;
  const wisp_shape *bs = &boxes->shape, *ss = &scores->shape;
  if (bs->ndim != 3 || bs->dims[2] != 4 || ss->ndim != 3 || ss->dims[0] != bs->dims[0] ||
      ss->dims[2] != bs->dims[1])
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "boxes must be (batch, boxes, 4) and scores (batch, classes, boxes)");
  for (int i = 0; i < ctx->n_in; i++)
    if (ctx->in[i] && !ctx->in[i]->data)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                          "input %d must be known when the plan is made (the output's length "
                          "depends on it); boxes computed inside the graph are not supported",
                          i);
  if ((tmax && (tmax->dtype != WISP_DT_INT64 || wisp_shape_numel(&tmax->shape) > 1)) ||
      (tiou && (tiou->dtype != WISP_DT_FLOAT || wisp_shape_numel(&tiou->shape) > 1)) ||
      (tscore && (tscore->dtype != WISP_DT_FLOAT || wisp_shape_numel(&tscore->shape) > 1)))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "max_output_boxes_per_class (int64), iou_threshold and score_threshold "
                        "(float) must be scalars");
  int64_t max_out = tmax && wisp_shape_numel(&tmax->shape) ? *(const int64_t *)tmax->data : 0;
  float iou = tiou && wisp_shape_numel(&tiou->shape) ? *(const float *)tiou->data : 0;
  int has_score = tscore && wisp_shape_numel(&tscore->shape);
  float min_score = has_score ? *(const float *)tscore->data : 0;
  if (!(iou >= 0 && iou <= 1))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "iou_threshold %g is not in [0, 1]", iou);
  int64_t B = bs->dims[0], S = bs->dims[1], K = ss->dims[1];
  if (max_out < 0) max_out = 0;
  if (max_out > S) max_out = S;
  if (S > INT32_MAX / 4)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "%lld boxes are too many", (long long)S);
  /* state: [selected (batch, class, box) triples, at most B·K·max_out][order S][kept boxes] */
  uint64_t most = (uint64_t)B * (uint64_t)K * (uint64_t)max_out;
  if (most > (uint64_t)WISP_MAX_NUMEL)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "too many boxes to select");
  uint64_t bytes = most * 3 * sizeof(int64_t) + (uint64_t)S * sizeof(nms_cand) +
                   (uint64_t)max_out * 4 * sizeof(float) + 64;
  if (bytes > WISP_MAX_TENSOR_BYTES)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "too many boxes to select");
  if (ctx->state) wisp_aligned_free(ctx->state);
  ctx->state = wisp_aligned_alloc((size_t)bytes);
  if (!ctx->state) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory");
  int64_t *sel = ctx->state;
  nms_cand *order = (nms_cand *)(sel + most * 3);
  float *kept = (float *)(order + S);
  p->count = 0;
  for (int64_t b = 0; b < B && max_out; b++)
    for (int64_t k = 0; k < K; k++) {
      const float *sc = (const float *)scores->data + (b * K + k) * S;
      const float *bx = (const float *)boxes->data + b * S * 4;
      int64_t n = 0, nkept = 0;
      for (int64_t i = 0; i < S; i++)
        if (!has_score || sc[i] > min_score) order[n].score = sc[i], order[n++].box = (int32_t)i;
      qsort(order, (size_t)n, sizeof *order, nms_order);
      for (int64_t j = 0; j < n && nkept < max_out; j++) {
        float box[4];
        nms_box(bx + order[j].box * 4, p->center, box);
        int keep = 1;
        for (int64_t q = 0; q < nkept && keep; q++) keep = !nms_overlaps(kept + q * 4, box, iou);
        if (!keep) continue;
        memcpy(kept + nkept++ * 4, box, sizeof box);
        sel[p->count * 3] = b, sel[p->count * 3 + 1] = k, sel[p->count * 3 + 2] = order[j].box;
        p->count++;
      }
    }
  wisp_tensor *y = ctx->out[0];
  y->dtype = WISP_DT_INT64;
  y->shape.ndim = 2;
  y->shape.dims[0] = p->count, y->shape.dims[1] = 3;
  return WISP_OK;
}

static wisp_status nms_exec(wisp_op_ctx *ctx) {
  const nms_params *p = ctx->params;
  memcpy(ctx->out[0]->data, ctx->state, (size_t)p->count * 3 * sizeof(int64_t));
  return WISP_OK;
}

const wisp_op_def wisp_op_NonMaxSuppression = {
    "", "NonMaxSuppression", sizeof(nms_params), nms_parse, nms_infer, nms_exec, 0, 0x1f};
