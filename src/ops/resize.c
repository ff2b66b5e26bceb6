/* resize.c — Resize (opsets 10 to 21) and Upsample (7, 9): nearest, linear and cubic over any
 * axes, every coordinate transformation mode, antialias, axes and keep_aspect_ratio_policy.
 *
 * Interpolation is separable, so it runs one axis at a time: x viewed as (outer, n_in, inner)
 * becomes (outer, n_out, inner), last axis first. Each resized axis has a table made at infer
 * (in ctx->state): for output position o, T taps idx[o·T + t] (already clamped to [0, n_in)) and
 * their weights, so exec only gathers and multiply-adds. When inner > 1 a tap is a whole
 * contiguous row (y_row = Σ w·x_row), which is the common NCHW H pass. Axes whose table is the
 * identity are skipped. tf_crop_and_resize marks output positions whose source lies outside the
 * input; a last pass writes extrapolation_value wherever any axis is marked.
 *
 * Coordinates follow the ONNX reference (onnx/reference/ops/op_resize.py): the source x of
 * output o is computed in double from the float scale (or out/in for sizes), taps are the n
 * nearest input positions (preferring the lower one, so an exact x sits at the second of two),
 * indices past the edges repeat the edge. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "op.h"

enum { NEAREST, LINEAR, CUBIC };
enum {
  HALF_PIXEL,
  HALF_PIXEL_SYMMETRIC,
  PYTORCH_HALF_PIXEL,
  ALIGN_CORNERS,
  ASYMMETRIC,
  TF_HALF_PIXEL_FOR_NN,
  TF_CROP_AND_RESIZE
};
enum { ROUND_PREFER_FLOOR, ROUND_PREFER_CEIL, FLOOR, CEIL, SIMPLE };
enum { STRETCH, NOT_LARGER, NOT_SMALLER };

#define MAX_TAPS 1024 /* antialias widens the filter by 1/scale: bounded to keep tables sane */

typedef struct {
  int upsample; /* the Upsample op: scales from an attribute (7) or input 1 (9) */
  int mode, coord, nearest, exclude_outside, antialias, policy;
  float cubic_a, extrapolation;
  int n_axes; /* -1: all */
  int64_t axes[WISP_MAX_DIMS];
  /* per plan */
  int rank, empty, crop;
  size_t esize;
  int64_t in[WISP_MAX_DIMS], out[WISP_MAX_DIMS];
  int taps[WISP_MAX_DIMS];       /* 0: axis not resized (identity) */
  size_t idx_off[WISP_MAX_DIMS]; /* byte offsets into ctx->state */
  size_t w_off[WISP_MAX_DIMS], mask_off[WISP_MAX_DIMS];
  size_t buf_bytes; /* one intermediate buffer in scratch (64-aligned) */
  int n_pass;
} resize_params;

static int pick(const char *s, const char *const *names, int n) {
  for (int i = 0; i < n; i++)
    if (!strcmp(s, names[i])) return i;
  return -1;
}

static wisp_status resize_parse_common(wisp_op_ctx *ctx, int upsample) {
  resize_params *p = ctx->params;
  const wisp_node *n = ctx->node;
  p->upsample = upsample;
  const char *mode = wisp_attr_string(n, "mode", "nearest");
  static const char *const modes[] = {"nearest", "linear", "cubic"};
  p->mode = pick(mode, modes, 3);
  if (upsample && !strcmp(mode, "bilinear")) p->mode = LINEAR; /* Upsample-7 spelling */
  if (p->mode < 0 || (p->mode == CUBIC && (upsample || n->opset < 11)))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "unknown mode '%s'", mode);
  p->n_axes = -1;
  p->nearest = SIMPLE, p->coord = ASYMMETRIC;
  if (upsample || n->opset < 11) return WISP_OK;
  static const char *const coords[] = {
      "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
      "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"};
  const char *coord = wisp_attr_string(n, "coordinate_transformation_mode", "half_pixel");
  p->coord = pick(coord, coords, 7);
  if (p->coord < 0 || (p->coord == HALF_PIXEL_SYMMETRIC && n->opset < 19) ||
      (p->coord == TF_HALF_PIXEL_FOR_NN && n->opset >= 13))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "unknown coordinate_transformation_mode '%s'",
                        coord);
  static const char *const nearests[] = {"round_prefer_floor", "round_prefer_ceil", "floor",
                                         "ceil"};
  const char *nm = wisp_attr_string(n, "nearest_mode", "round_prefer_floor");
  p->nearest = pick(nm, nearests, 4);
  if (p->nearest < 0)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "unknown nearest_mode '%s'", nm);
  p->cubic_a = wisp_attr_float(n, "cubic_coeff_a", -0.75f);
  p->exclude_outside = wisp_attr_int(n, "exclude_outside", 0) != 0;
  p->extrapolation = wisp_attr_float(n, "extrapolation_value", 0.0f);
  if (n->opset < 18) return WISP_OK;
  p->antialias = wisp_attr_int(n, "antialias", 0) != 0;
  static const char *const policies[] = {"stretch", "not_larger", "not_smaller"};
  const char *pol = wisp_attr_string(n, "keep_aspect_ratio_policy", "stretch");
  p->policy = pick(pol, policies, 3);
  if (p->policy < 0)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "unknown keep_aspect_ratio_policy '%s'", pol);
  int na;
  const int64_t *axes = wisp_attr_ints(n, "axes", &na);
  if (axes) {
    if (na < 1 || na > WISP_MAX_DIMS)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "axes has %d entries", na);
    p->n_axes = na;
    memcpy(p->axes, axes, (size_t)na * sizeof *axes);
  }
  return WISP_OK;
}
static wisp_status resize_parse(wisp_op_ctx *ctx) { return resize_parse_common(ctx, 0); }
static wisp_status upsample_parse(wisp_op_ctx *ctx) { return resize_parse_common(ctx, 1); }

/* The input i if present and non-empty, else NULL; fails when its values are not known. */
static wisp_status value_input(const wisp_op_ctx *ctx, int i, const char *what,
                               const wisp_tensor **t) {
  *t = NULL;
  if (ctx->n_in <= i || !ctx->in[i] || wisp_shape_numel(&ctx->in[i]->shape) == 0) return WISP_OK;
  if (!ctx->in[i]->data)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "%s must be known when input shapes are (it is computed from data at run "
                        "time)",
                        what);
  if (ctx->in[i]->shape.ndim != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%s must be 1-D", what);
  *t = ctx->in[i];
  return WISP_OK;
}

/* Where output o of an axis samples the input (n_in positions), per the coordinate mode. */
static double source_x(const resize_params *p, int64_t o, int64_t n_in, int64_t n_out, double scale,
                       double roi_lo, double roi_hi) {
  double x = (double)o, width = scale * (double)n_in; /* the reference's float output width */
  switch (p->coord) {
    case ALIGN_CORNERS: return width == 1 ? 0 : x * (double)(n_in - 1) / (width - 1);
    case ASYMMETRIC: return x / scale;
    case TF_HALF_PIXEL_FOR_NN: return (x + 0.5) / scale;
    case TF_CROP_AND_RESIZE:
      return (width == 1 ? (roi_hi - roi_lo) * (double)(n_in - 1) / 2
                         : x * (roi_hi - roi_lo) * (double)(n_in - 1) / (width - 1)) +
             roi_lo * (double)(n_in - 1);
    case PYTORCH_HALF_PIXEL: return width == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
    case HALF_PIXEL_SYMMETRIC: {
      double offset = (double)n_in / 2 * (1 - (double)n_out / width);
      return offset + (x + 0.5) / scale - 0.5;
    }
    default: return (x + 0.5) / scale - 0.5;
  }
}

static int64_t nearest_index(const resize_params *p, double x, double scale) {
  x = x > 1e15 ? 1e15 : x < -1e15 ? -1e15 : x; /* absurd scales: the index is clamped anyway */
  double f = floor(x);
  switch (p->nearest) {
    case ROUND_PREFER_FLOOR: return (int64_t)(x - f <= 0.5 ? f : f + 1);
    case ROUND_PREFER_CEIL: return (int64_t)(x - f < 0.5 ? f : f + 1);
    case FLOOR: return (int64_t)f;
    case CEIL: return (int64_t)ceil(x);
    default: return (int64_t)(scale < 1 ? ceil(x) : f); /* opset < 11, as onnxruntime does */
  }
}

/* The filter at distance d (in input pixels scaled by the antialias factor). */
static double filter(const resize_params *p, double d) {
  d = fabs(d);
  if (p->mode == LINEAR) return d < 1 ? 1 - d : 0;
  double a = p->cubic_a;
  if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
  if (d < 2) return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
  return 0;
}

/* Taps for one axis: n_taps per output; returns 1 when the table is the identity. */
static int axis_table(const resize_params *p, int64_t n_in, int64_t n_out, double scale,
                      double roi_lo, double roi_hi, int n_taps, double support, int32_t *idx,
                      float *w, uint8_t *outside) {
  int identity = n_in == n_out;
  for (int64_t o = 0; o < n_out; o++) {
    double x = source_x(p, o, n_in, n_out, scale, roi_lo, roi_hi);
    int32_t *io = idx + o * n_taps;
    float *wo = w + o * n_taps;
    outside[o] = p->coord == TF_CROP_AND_RESIZE && (x < 0 || x > (double)(n_in - 1));
    if (outside[o]) identity = 0;
    if (p->mode == NEAREST) {
      int64_t i = nearest_index(p, x, scale);
      i = i < 0 ? 0 : i >= n_in ? n_in - 1 : i;
      io[0] = (int32_t)i, wo[0] = 1;
      if (i != o) identity = 0;
      continue;
    }
    /* base: the input position just below x, or x - 1 when x is whole (then ratio is 1) */
    double base = ceil(x) - 1;
    if (!(fabs(base) < 1e15)) base = 0; /* NaN or absurd coordinates from absurd scales */
    int64_t first = (int64_t)base + 1 - n_taps / 2;
    double ws[MAX_TAPS], sum = 0;
    for (int t = 0; t < n_taps; t++) {
      int64_t i = first + t;
      ws[t] = filter(p, ((double)i - x) * support);
      if (p->exclude_outside && (i < 0 || i >= n_in)) ws[t] = 0;
      sum += ws[t];
    }
    for (int t = 0; t < n_taps; t++) {
      int64_t i = first + t;
      i = i < 0 ? 0 : i >= n_in ? n_in - 1 : i;
      io[t] = (int32_t)i;
      wo[t] = (float)(sum != 0 ? ws[t] / sum : 0);
      if (fabs(wo[t] - (i == o ? 1.0 : 0.0)) > 1e-7) identity = 0;
    }
  }
  return identity;
}

static size_t round64(uint64_t n) { return (size_t)((n + 63) / 64 * 64); }

static wisp_status resize_infer(wisp_op_ctx *ctx) {
  resize_params *p = ctx->params;
  const wisp_node *n = ctx->node;
  int opset = (int)n->opset, up = p->upsample;
  WISP_TRY(wisp_op_expect_inputs(ctx,
                                 up && opset < 9    ? 1
                                 : up || opset < 11 ? 2
                                                    : 1,
                                 up && opset < 9    ? 1
                                 : up || opset < 11 ? 2
                                                    : 4));
  const wisp_tensor *x = ctx->in[0];
  int rank = x->shape.ndim;
  p->rank = rank;
  p->esize = wisp_dtype_size(x->dtype);
  if (p->mode != NEAREST && x->dtype != WISP_DT_FLOAT)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "%s interpolation of %s: wisp supports float",
                        p->mode == LINEAR ? "linear" : "cubic", wisp_dtype_name(x->dtype));
  if (x->dtype == WISP_DT_STRING || !p->esize)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "input type %s", wisp_dtype_name(x->dtype));
  if (rank < 1) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "X must have rank >= 1");

  /* Which axes are resized, and the scales or sizes given for them */
  int axis_of[WISP_MAX_DIMS], na = p->n_axes < 0 ? rank : p->n_axes;
  int seen[WISP_MAX_DIMS] = {0};
  for (int k = 0; k < na; k++) {
    if (p->n_axes < 0) axis_of[k] = k;
    else WISP_TRY(wisp_op_axis(ctx, p->axes[k], rank, &axis_of[k]));
    if (seen[axis_of[k]]++) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "axes repeat an axis");
  }
  const wisp_tensor *roi = NULL, *scales = NULL, *sizes = NULL;
  float attr_scales[WISP_MAX_DIMS];
  if (up && opset < 9) {
    int ns;
    const float *s = wisp_attr_floats(n, "scales", &ns);
    if (!s || ns != rank)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "scales must have one entry per axis");
    memcpy(attr_scales, s, (size_t)rank * sizeof *s);
  } else if (up || opset < 11) {
    WISP_TRY(value_input(ctx, 1, "scales", &scales));
    if (!scales) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "scales is required");
  } else {
    WISP_TRY(value_input(ctx, 1, "roi", &roi));
    WISP_TRY(value_input(ctx, 2, "scales", &scales));
    WISP_TRY(value_input(ctx, 3, "sizes", &sizes));
    if (!!scales == !!sizes)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "exactly one of scales and sizes is needed");
  }
  if (scales && (scales->dtype != WISP_DT_FLOAT || scales->shape.dims[0] != na))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "scales must be %d floats", na);
  if (sizes && (sizes->dtype != WISP_DT_INT64 || sizes->shape.dims[0] != na))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "sizes must be %d int64s", na);
  if (roi && p->coord == TF_CROP_AND_RESIZE &&
      (roi->dtype != WISP_DT_FLOAT || roi->shape.dims[0] != 2 * na))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "roi must be %d floats", 2 * na);

  double scale[WISP_MAX_DIMS], roi_lo[WISP_MAX_DIMS], roi_hi[WISP_MAX_DIMS];
  for (int d = 0; d < rank; d++) {
    p->in[d] = p->out[d] = x->shape.dims[d];
    scale[d] = 1, roi_lo[d] = 0, roi_hi[d] = 1;
  }
  double common = 0; /* keep_aspect_ratio_policy's one scale */
  for (int k = 0; sizes && p->policy != STRETCH && k < na; k++) {
    int64_t in = p->in[axis_of[k]];
    double s = in ? (double)((const int64_t *)sizes->data)[k] / (double)in : 1;
    if (k == 0 || (p->policy == NOT_LARGER ? s < common : s > common)) common = s;
  }
  for (int k = 0; k < na; k++) {
    int d = axis_of[k];
    int64_t in = p->in[d];
    double s, o;
    if (sizes && p->policy != STRETCH) s = common, o = round(common * (double)in);
    else if (sizes) {
      o = (double)((const int64_t *)sizes->data)[k];
      s = in ? o / (double)in : 1;
    } else {
      s = scales ? ((const float *)scales->data)[k] : attr_scales[k];
      o = floor(s * (double)in);
    }
    if (!(s > 0) || !(o >= 0) || o > (double)WISP_MAX_NUMEL)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "axis %d: scale %g or size %g is invalid", d,
                          s, o);
    scale[d] = s, p->out[d] = (int64_t)o;
    if (roi && p->coord == TF_CROP_AND_RESIZE) {
      roi_lo[d] = ((const float *)roi->data)[k];
      roi_hi[d] = ((const float *)roi->data)[na + k];
    }
  }
  wisp_tensor *y = ctx->out[0];
  y->dtype = x->dtype;
  y->shape.ndim = rank;
  memcpy(y->shape.dims, p->out, (size_t)rank * sizeof *p->out);
  WISP_TRY(wisp_shape_check(&y->shape, "Resize output"));
  p->empty = wisp_shape_numel(&y->shape) == 0 || wisp_shape_numel(&x->shape) == 0;
  if (p->empty && wisp_shape_numel(&y->shape) != 0)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "cannot resize an empty tensor to a non-empty one");

  /* Tables: sized first, then filled. */
  uint64_t bytes = 0;
  double support[WISP_MAX_DIMS];
  for (int d = 0; d < rank; d++) {
    p->taps[d] = 0;
    if (p->empty || (scale[d] == 1 && p->out[d] == p->in[d] && p->coord != TF_CROP_AND_RESIZE &&
                     p->coord != HALF_PIXEL_SYMMETRIC))
      continue;
    if (p->in[d] > INT32_MAX)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "axis %d is too long to resize", d);
    int t = p->mode == NEAREST ? 1 : p->mode == LINEAR ? 2 : 4;
    support[d] = 1;
    if (p->antialias && p->mode != NEAREST && scale[d] < 1) {
      double half = (p->mode == LINEAR ? 1 : 2) / scale[d]; /* the widened filter's half width */
      if (half > MAX_TAPS / 2 - 1)
        return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "antialias over a %g× reduction",
                            1 / scale[d]);
      t = 2 - 2 * (int)(floor(-half) + 1);
      support[d] = scale[d];
    }
    p->taps[d] = t;
    p->idx_off[d] = (size_t)bytes;
    bytes += round64((uint64_t)p->out[d] * (uint64_t)t * 4);
    p->w_off[d] = (size_t)bytes;
    bytes += round64((uint64_t)p->out[d] * (uint64_t)t * 4);
    p->mask_off[d] = (size_t)bytes;
    bytes += round64((uint64_t)p->out[d]);
    if (bytes > WISP_MAX_TENSOR_BYTES)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "interpolation tables would exceed 2 GB");
  }
  if (ctx->state) wisp_aligned_free(ctx->state), ctx->state = NULL;
  if (bytes) {
    ctx->state = wisp_aligned_alloc((size_t)bytes);
    if (!ctx->state) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory for tables");
  }
  p->crop = 0, p->n_pass = 0;
  uint64_t cur = (uint64_t)wisp_shape_numel(&x->shape), biggest = 0;
  for (int d = rank - 1; d >= 0; d--) {
    if (!p->taps[d]) continue;
    char *s = ctx->state;
    uint8_t *mask = (uint8_t *)(s + p->mask_off[d]);
    int identity =
        axis_table(p, p->in[d], p->out[d], scale[d], roi_lo[d], roi_hi[d], p->taps[d], support[d],
                   (int32_t *)(s + p->idx_off[d]), (float *)(s + p->w_off[d]), mask);
    for (int64_t o = 0; o < p->out[d]; o++) p->crop |= mask[o];
    if (identity) {
      p->taps[d] = 0;
      continue;
    }
    /* this pass's result is an intermediate unless it is the last (the one for the lowest d) */
    if (p->n_pass++ && cur > biggest) biggest = cur;
    cur = cur / (uint64_t)p->in[d] * (uint64_t)p->out[d];
  }
  if (p->crop && x->dtype != WISP_DT_FLOAT)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "extrapolation into a %s tensor",
                        wisp_dtype_name(x->dtype));
  /* an intermediate can exceed both X and Y: (1000, 1) -> (1, 10^6) passes through (1000, 10^6) */
  if (biggest > WISP_MAX_NUMEL || 2 * (biggest * p->esize + 80) > WISP_MAX_TENSOR_BYTES)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "an intermediate of the resize would exceed 2 GB");
  p->buf_bytes = round64(biggest * p->esize + 16);
  ctx->scratch_bytes = p->n_pass < 2 ? 0 : p->buf_bytes * (p->n_pass == 2 ? 1 : 2);
  return WISP_OK;
}

/* One axis of float data: x (outer, n_in, inner) -> y (outer, n_out, inner). */
static void interp_axis(const float *x, float *y, int64_t outer, int64_t n_in, int64_t n_out,
                        int64_t inner, int T, const int32_t *idx, const float *w) {
  for (int64_t b = 0; b < outer; b++, x += n_in * inner, y += n_out * inner) {
    if (inner == 1) {
      for (int64_t o = 0; o < n_out; o++) {
        const int32_t *io = idx + o * T;
        const float *wo = w + o * T;
        float s = 0;
        for (int t = 0; t < T; t++) s += wo[t] * x[io[t]];
        y[o] = s;
      }
      continue;
    }
    for (int64_t o = 0; o < n_out; o++) {
      const int32_t *io = idx + o * T;
      const float *wo = w + o * T;
      float *yo = y + o * inner;
      if (T == 2) { /* linear: y_row = w0·x_row0 + w1·x_row1 */
        const float *x0 = x + io[0] * inner, *x1 = x + io[1] * inner;
        float w0 = wo[0], w1 = wo[1];
        for (int64_t i = 0; i < inner; i++) yo[i] = w0 * x0[i] + w1 * x1[i];
        continue;
      }
      const float *x0 = x + io[0] * inner;
      for (int64_t i = 0; i < inner; i++) yo[i] = wo[0] * x0[i];
      for (int t = 1; t < T; t++) {
        const float *xt = x + io[t] * inner;
        float wt = wo[t];
        for (int64_t i = 0; i < inner; i++) yo[i] += wt * xt[i];
      }
    }
  }
}

/* One axis, nearest, any element size: rows of inner elements are copied whole. */
static void nearest_axis(const char *x, char *y, int64_t outer, int64_t n_in, int64_t n_out,
                         int64_t inner, size_t es, const int32_t *idx) {
  size_t row = (size_t)inner * es;
  for (int64_t b = 0; b < outer; b++, x += n_in * row, y += n_out * row) {
    if (inner == 1 && es == 4) {
      for (int64_t o = 0; o < n_out; o++) ((uint32_t *)y)[o] = ((const uint32_t *)x)[idx[o]];
      continue;
    }
    for (int64_t o = 0; o < n_out; o++) memcpy(y + o * row, x + idx[o] * row, row);
  }
}

/* tf_crop_and_resize: extrapolation_value wherever any axis samples outside the input. */
static void extrapolate(const resize_params *p, const char *state, float *y) {
  int64_t total = 1;
  for (int d = 0; d < p->rank; d++) total *= p->out[d];
  for (int64_t i = 0; i < total; i++) {
    int64_t r = i;
    for (int d = p->rank - 1; d >= 0; d--) {
      int64_t o = r % p->out[d];
      r /= p->out[d];
      if (p->taps[d] && ((const uint8_t *)(state + p->mask_off[d]))[o]) {
        y[i] = p->extrapolation;
        break;
      }
    }
  }
}

static wisp_status resize_exec(wisp_op_ctx *ctx) {
  const resize_params *p = ctx->params;
  if (p->empty) return WISP_OK;
  const char *src = ctx->in[0]->data, *state = ctx->state;
  char *out = ctx->out[0]->data;
  if (!p->n_pass) {
    memcpy(out, src, wisp_tensor_bytes(ctx->out[0]));
  } else {
    int64_t cur[WISP_MAX_DIMS];
    memcpy(cur, p->in, sizeof cur);
    int pass = 0;
    for (int d = p->rank - 1; d >= 0; d--) {
      if (!p->taps[d]) continue;
      pass++;
      char *dst = pass == p->n_pass ? out : (char *)ctx->scratch + (pass % 2 ? 0 : p->buf_bytes);
      int64_t outer = 1, inner = 1;
      for (int k = 0; k < d; k++) outer *= cur[k];
      for (int k = d + 1; k < p->rank; k++) inner *= cur[k];
      const int32_t *idx = (const int32_t *)(state + p->idx_off[d]);
      if (p->mode == NEAREST)
        nearest_axis(src, dst, outer, p->in[d], p->out[d], inner, p->esize, idx);
      else
        interp_axis((const float *)src, (float *)dst, outer, p->in[d], p->out[d], inner, p->taps[d],
                    idx, (const float *)(state + p->w_off[d]));
      cur[d] = p->out[d];
      src = dst;
    }
  }
  if (p->crop) extrapolate(p, state, (float *)out);
  return WISP_OK;
}

const wisp_op_def wisp_op_Resize = {"",
                                    "Resize",
                                    sizeof(resize_params),
                                    resize_parse,
                                    resize_infer,
                                    resize_exec,
                                    0,
                                    (1u << 1) | (1u << 2) | (1u << 3)};
const wisp_op_def wisp_op_Upsample = {
    "", "Upsample", sizeof(resize_params), upsample_parse, resize_infer, resize_exec, 0, 1u << 1};
