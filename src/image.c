/* image.c — image preprocessing as Hugging Face image processors do it (with PIL).
 *
 * The pipeline: convert to the channels wanted (PIL 'L' luma or RGB) → resize → center crop →
 * (v * rescale - mean) / std, channel-first. Models were trained and evaluated on PIL's pixels,
 * so the resize reproduces Pillow's libImaging/Resample.c (8-bit path) and Geometry.c (nearest)
 * operation for operation; the tests compare against Pillow 9.4 and expect exact equality.
 *
 * PIL's convolution resize, in short: per output index, a window of input indices with weights
 * filter((i - center + 0.5) / filterscale), normalized to sum 1, where filterscale = max(1,
 * in/out) widens the filter when downscaling (that is the antialiasing). Weights become 22-bit
 * fixed point; the horizontal pass runs first and is rounded to uint8 before the vertical pass. */
#include "image.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dmath.h"
#include "wisp.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define PRECISION_BITS 22 /* PIL: 32 - 8 bits of pixel - 2 bits of headroom for negative lobes */

/* ---- filters (Pillow's, constants and operation order included) ---- */

static double box_filter(double x) { return x > -0.5 && x <= 0.5 ? 1.0 : 0.0; }

static double bilinear_filter(double x) {
  if (x < 0.0) x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

static double hamming_filter(double x) {
  if (x < 0.0) x = -x;
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x = x * M_PI;
  return wisp_sin(x) / x * (0.54f + 0.46f * wisp_cos(x)); /* float constants, as in Pillow */
}

static double bicubic_filter(double x) {
  const double a = -0.5; /* Keys' cubic convolution, as PIL */
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

static double sinc_filter(double x) {
  if (x == 0.0) return 1.0;
  x = x * M_PI;
  return wisp_sin(x) / x;
}

static double lanczos_filter(double x) {
  return -3.0 <= x && x < 3.0 ? sinc_filter(x) * sinc_filter(x / 3) : 0.0;
}

typedef struct {
  double (*fn)(double);
  double support;
} filter;

static const filter *filter_for(int resample) {
  static const filter lanczos = {lanczos_filter, 3.0}, bilinear = {bilinear_filter, 1.0},
                      bicubic = {bicubic_filter, 2.0}, box = {box_filter, 0.5},
                      hamming = {hamming_filter, 1.0};
  switch (resample) {
    case WISP_RESAMPLE_LANCZOS: return &lanczos;
    case WISP_RESAMPLE_BILINEAR: return &bilinear;
    case WISP_RESAMPLE_BICUBIC: return &bicubic;
    case WISP_RESAMPLE_BOX: return &box;
    case WISP_RESAMPLE_HAMMING: return &hamming;
    default: return NULL;
  }
}

/* PIL's precompute_coeffs + normalize_coeffs_8bpc for one axis. For output index i: the input
 * window starts at bounds[2i] and has bounds[2i+1] taps, weights kk[i*ksize ...] in fixed point.
 * Returns ksize, or 0 when out of memory. */
static int coeffs(int in_size, int out_size, const filter *f, int **bounds_out, int32_t **kk_out) {
  double scale = (double)in_size / out_size, filterscale = scale < 1.0 ? 1.0 : scale;
  double support = f->support * filterscale;
  int ksize = (int)ceil(support) * 2 + 1; /* ≤ 6·16384 + 3: products below fit size_t */
  int *bounds = malloc(2 * (size_t)out_size * sizeof *bounds);
  int32_t *kk = malloc((size_t)out_size * ksize * sizeof *kk);
  double *w = malloc((size_t)ksize * sizeof *w);
  if (!bounds || !kk || !w) {
    free(bounds), free(kk), free(w);
    return 0;
  }
  for (int i = 0; i < out_size; i++) {
    double center = (i + 0.5) * scale, ss = 1.0 / filterscale, ww = 0.0;
    int xmin = (int)(center - support + 0.5); /* truncation toward zero, as PIL */
    if (xmin < 0) xmin = 0;
    int xmax = (int)(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    for (int x = 0; x < xmax; x++) {
      w[x] = f->fn((x + xmin - center + 0.5) * ss);
      ww += w[x];
    }
    int32_t *k = kk + (size_t)i * ksize;
    for (int x = 0; x < ksize; x++) {
      double v = x < xmax ? (ww != 0.0 ? w[x] / ww : w[x]) : 0.0;
      k[x] = v < 0 ? (int32_t)(-0.5 + v * (1 << PRECISION_BITS))
                   : (int32_t)(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[2 * i] = xmin, bounds[2 * i + 1] = xmax;
  }
  free(w);
  *bounds_out = bounds, *kk_out = kk;
  return ksize;
}

/* PIL's clip8: the accumulator started at 0.5 in fixed point, so the shift rounds. */
static inline uint8_t clip8(int32_t v) {
  if (v < 0) return 0;
  v >>= PRECISION_BITS;
  return v > 255 ? 255 : (uint8_t)v;
}

/* Horizontal pass: rows [y0, y0 + rows) of src (·, w, c) → dst (rows, out_w, c), for the output
 * columns whose bounds and weights are given (a window of the full resize). */
static void resample_h(const uint8_t *src, int w, int c, int y0, int rows, uint8_t *dst, int out_w,
                       int ksize, const int *bounds, const int32_t *kk) {
  for (int y = 0; y < rows; y++) {
    const uint8_t *row = src + (size_t)(y0 + y) * w * c;
    for (int xx = 0; xx < out_w; xx++) {
      const int32_t *k = kk + (size_t)xx * ksize;
      const uint8_t *p = row + (size_t)bounds[2 * xx] * c;
      int32_t ss[4] = {1 << (PRECISION_BITS - 1), 1 << (PRECISION_BITS - 1),
                       1 << (PRECISION_BITS - 1), 1 << (PRECISION_BITS - 1)};
      for (int x = 0; x < bounds[2 * xx + 1]; x++)
        for (int ch = 0; ch < c; ch++) ss[ch] += p[x * c + ch] * k[x];
      for (int ch = 0; ch < c; ch++) dst[((size_t)y * out_w + xx) * c + ch] = clip8(ss[ch]);
    }
  }
}

/* Vertical pass: `span` bytes of each src row (stride src_stride) → dst (out_h, span); bounds
 * are rows of src. */
static void resample_v(const uint8_t *src, size_t src_stride, size_t span, uint8_t *dst, int out_h,
                       int ksize, const int *bounds, const int32_t *kk) {
  for (int yy = 0; yy < out_h; yy++) {
    const int32_t *k = kk + (size_t)yy * ksize;
    const uint8_t *col = src + (size_t)bounds[2 * yy] * src_stride;
    for (size_t i = 0; i < span; i++) {
      int32_t ss = 1 << (PRECISION_BITS - 1);
      for (int y = 0; y < bounds[2 * yy + 1]; y++) ss += col[y * src_stride + i] * k[y];
      dst[yy * span + i] = clip8(ss);
    }
  }
}

/* PIL's NEAREST resize is an affine transform (ImagingScaleAffine): the source coordinate is
 * accumulated by repeated addition of in/out, starting at half a step, and floored. Only the
 * window (x0, y0, ww, wh) of the output is written; the sums still start at index 0. */
static wisp_status resize_nearest(const uint8_t *src, int w, int h, int c, int out_w, int out_h,
                                  int x0, int y0, int ww, int wh, uint8_t *dst) {
  int *xin = malloc((size_t)ww * sizeof *xin);
  if (!xin) return wisp_fail(WISP_ERR_NO_MEMORY, "image resize: out of memory");
  double ax = (double)w / out_w, ay = (double)h / out_h, xo = ax * 0.5, yo = ay * 0.5;
  for (int x = 0; x < x0 + ww; x++, xo += ax)
    if (x >= x0) xin[x - x0] = xo >= w ? w - 1 : (int)xo; /* clamp: never hit */
  for (int y = 0; y < y0 + wh; y++, yo += ay) {
    if (y < y0) continue;
    int yi = yo >= h ? h - 1 : (int)yo;
    for (int x = 0; x < ww; x++)
      memcpy(dst + ((size_t)(y - y0) * ww + x) * c, src + ((size_t)yi * w + xin[x]) * c, c);
  }
  free(xin);
  return WISP_OK;
}

/* The window (x0, y0, ww, wh) of src resized to out_w × out_h, into dst (wh, ww, c). Each output
 * pixel depends only on its own coordinates, so a window equals the same crop of the full resize;
 * a center crop of a huge resize costs only what it keeps. */
static wisp_status resize_window(const uint8_t *src, int w, int h, int c, int out_w, int out_h,
                                 int x0, int y0, int ww, int wh, uint8_t *dst, int resample) {
  size_t row_bytes = (size_t)ww * c;
  if (out_w == w && out_h == h) { /* PIL returns a copy */
    for (int y = 0; y < wh; y++)
      memcpy(dst + y * row_bytes, src + ((size_t)(y0 + y) * w + x0) * c, row_bytes);
    return WISP_OK;
  }
  if (resample == WISP_RESAMPLE_NEAREST)
    return resize_nearest(src, w, h, c, out_w, out_h, x0, y0, ww, wh, dst);
  const filter *f = filter_for(resample);
  WISP_CHECK(f, WISP_ERR_INVALID_ARG,
             "image resize: resample %d is not a PIL filter (0 nearest, 1 lanczos, 2 bilinear, "
             "3 bicubic, 4 box, 5 hamming)",
             resample);
  /* PIL skips a pass whose size is unchanged (its weights would be the identity anyway). */
  int need_h = out_w != w, need_v = out_h != h;
  wisp_status st = WISP_OK;
  int *bh = NULL, *bv = NULL;
  int32_t *kh = NULL, *kv = NULL;
  uint8_t *tmp = NULL;
  int ksize_h = need_h ? coeffs(w, out_w, f, &bh, &kh) : 0;
  int ksize_v = need_v ? coeffs(h, out_h, f, &bv, &kv) : 0;
  if ((need_h && !ksize_h) || (need_v && !ksize_v)) goto oom;
  const int *wbh = need_h ? bh + 2 * (size_t)x0 : NULL, *wbv = need_v ? bv + 2 * (size_t)y0 : NULL;
  const int32_t *wkh = need_h ? kh + (size_t)x0 * ksize_h : NULL;
  const int32_t *wkv = need_v ? kv + (size_t)y0 * ksize_v : NULL;
  if (!need_v) {
    resample_h(src, w, c, y0, wh, dst, ww, ksize_h, wbh, wkh);
  } else if (!need_h) {
    resample_v(src + (size_t)x0 * c, (size_t)w * c, row_bytes, dst, wh, ksize_v, wbv, wkv);
  } else {
    /* Only the rows the vertical pass reads go through the horizontal one (as PIL). */
    int first = wbv[0], last = wbv[2 * (wh - 1)] + wbv[2 * (wh - 1) + 1];
    if (!(tmp = malloc((size_t)(last - first) * row_bytes))) goto oom;
    resample_h(src, w, c, first, last - first, tmp, ww, ksize_h, wbh, wkh);
    for (int i = 0; i < wh; i++) bv[2 * (y0 + i)] -= first;
    resample_v(tmp, row_bytes, row_bytes, dst, wh, ksize_v, wbv, wkv);
  }
  goto done;
oom:
  st = wisp_fail(WISP_ERR_NO_MEMORY, "image resize %dx%d -> %dx%d: out of memory", w, h, out_w,
                 out_h);
done:
  free(bh), free(bv), free(kh), free(kv), free(tmp);
  return st;
}

wisp_status wisp_image_resize_u8(const uint8_t *src, int w, int h, int c, uint8_t *dst, int out_w,
                                 int out_h, int resample) {
  const int M = WISP_IMAGE_MAX_SIDE;
  WISP_CHECK(src && dst, WISP_ERR_INVALID_ARG, "image resize: NULL buffer");
  WISP_CHECK(w > 0 && w <= M && h > 0 && h <= M && out_w > 0 && out_w <= M && out_h > 0 &&
                 out_h <= M && c >= 1 && c <= 4,
             WISP_ERR_INVALID_ARG, "image resize: bad size %dx%dx%d -> %dx%d", w, h, c, out_w,
             out_h);
  return resize_window(src, w, h, c, out_w, out_h, 0, 0, out_w, out_h, dst, resample);
}

/* ---- preprocessing ---- */

static wisp_status check_size(const char *what, int w, int h, int optional) {
  if (optional && w == 0 && h == 0) return WISP_OK;
  WISP_CHECK(w > 0 && w <= WISP_IMAGE_MAX_SIDE && h > 0 && h <= WISP_IMAGE_MAX_SIDE,
             WISP_ERR_INVALID_ARG, "image preprocess: %s %dx%d must be within 1..%d%s", what, w, h,
             WISP_IMAGE_MAX_SIDE, optional ? " (or 0x0 for none)" : "");
  return WISP_OK;
}

static wisp_status check_config(const wisp_image_config *cfg) {
  WISP_CHECK(cfg, WISP_ERR_INVALID_ARG, "image preprocess: NULL config");
  WISP_TRY(check_size("resize", cfg->resize_width, cfg->resize_height, 1));
  WISP_TRY(check_size("crop", cfg->crop_width, cfg->crop_height, 1));
  WISP_CHECK(cfg->resample == WISP_RESAMPLE_NEAREST || filter_for(cfg->resample),
             WISP_ERR_INVALID_ARG,
             "image preprocess: resample %d is not a PIL filter (0 nearest, 1 lanczos, "
             "2 bilinear, 3 bicubic, 4 box, 5 hamming)",
             cfg->resample);
  WISP_CHECK(cfg->out_channels == 1 || cfg->out_channels == 3, WISP_ERR_INVALID_ARG,
             "image preprocess: out_channels %d must be 1 (gray) or 3 (RGB)", cfg->out_channels);
  WISP_CHECK(isfinite(cfg->rescale), WISP_ERR_INVALID_ARG,
             "image preprocess: rescale is not finite");
  for (int c = 0; cfg->normalize && c < cfg->out_channels; c++)
    WISP_CHECK(isfinite(cfg->mean[c]) && isfinite(cfg->std[c]) && cfg->std[c] != 0,
               WISP_ERR_INVALID_ARG,
               "image preprocess: mean[%d] = %g, std[%d] = %g: need finite values, std != 0", c,
               cfg->mean[c], c, cfg->std[c]);
  return WISP_OK;
}

wisp_status wisp_image_output_size(const wisp_image_config *cfg, int width, int height, int *out_w,
                                   int *out_h) {
  WISP_CHECK(out_w && out_h, WISP_ERR_INVALID_ARG, "image output size: NULL output pointer");
  WISP_TRY(check_config(cfg));
  WISP_TRY(check_size("image", width, height, 0));
  *out_w = cfg->crop_width ? cfg->crop_width : cfg->resize_width ? cfg->resize_width : width;
  *out_h = cfg->crop_height ? cfg->crop_height : cfg->resize_height ? cfg->resize_height : height;
  return WISP_OK;
}

/* Python's // for the crop offset: HF's center_crop takes top = (h - crop_h) // 2, and when the
 * crop is larger its zero padding puts the image at the same (negative) offset. */
static int floor_half(int v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

wisp_status wisp_image_preprocess(const uint8_t *pixels, int width, int height, int channels,
                                  const wisp_image_config *cfg, float *out) {
  WISP_CHECK(pixels && out, WISP_ERR_INVALID_ARG, "image preprocess: NULL %s",
             pixels ? "output buffer" : "pixels");
  WISP_CHECK(
      channels >= 1 && channels <= 4, WISP_ERR_INVALID_ARG,
      "image preprocess: %d channels; expected 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA)",
      channels);
  int ow, oh;
  WISP_TRY(wisp_image_output_size(cfg, width, height, &ow, &oh));
  int rw = cfg->resize_width ? cfg->resize_width : width;
  int rh = cfg->resize_height ? cfg->resize_height : height;
  /* Work in 1 channel when the source is gray or gray is wanted: resizing one plane and
   * replicating it equals resizing three equal planes. */
  int wc = channels <= 2 || cfg->out_channels == 1 ? 1 : 3;
  size_t n = (size_t)width * height;
  uint8_t *conv = NULL, *resized = NULL;
  const uint8_t *img = pixels;
  wisp_status st = WISP_OK;

  if (channels != wc) {
    if (!(conv = malloc(n * wc))) goto oom;
    for (size_t i = 0; i < n; i++) {
      const uint8_t *p = pixels + i * channels;
      if (wc == 3) { /* RGBA → RGB: alpha dropped, as PIL's convert('RGB') */
        memcpy(conv + 3 * i, p, 3);
      } else if (channels == 2) { /* gray + alpha → gray */
        conv[i] = p[0];
      } else { /* PIL's rgb2l: ITU-R 601-2 luma in 16-bit fixed point, rounded */
        conv[i] = (uint8_t)((p[0] * 19595 + p[1] * 38470 + p[2] * 7471 + 0x8000) >> 16);
      }
    }
    img = conv;
  }
  /* out is (C, oh, ow): a window of the (rh, rw, wc) resized image at (top, left), zeros
   * outside. Only the part of the window inside the image is resized. */
  int top = floor_half(rh - oh), left = floor_half(rw - ow);
  int x0 = left > 0 ? left : 0, y0 = top > 0 ? top : 0;
  int x1 = left + ow < rw ? left + ow : rw, y1 = top + oh < rh ? top + oh : rh;
  int img_w = width, img_x0 = 0, img_y0 = 0; /* img's row length and where it sits in rw × rh */
  if ((rw != width || rh != height) && x1 > x0 && y1 > y0) {
    if (!(resized = malloc((size_t)(x1 - x0) * (y1 - y0) * wc))) goto oom;
    if ((st = resize_window(img, width, height, wc, rw, rh, x0, y0, x1 - x0, y1 - y0, resized,
                            cfg->resample)))
      goto done;
    img = resized, img_w = x1 - x0, img_x0 = x0, img_y0 = y0;
  }
  float rescale = cfg->rescale != 0 ? cfg->rescale : 1.0f;
  for (int c = 0; c < cfg->out_channels; c++) {
    float mean = cfg->normalize ? cfg->mean[c] : 0.0f, std = cfg->normalize ? cfg->std[c] : 1.0f;
    int sc = wc == 1 ? 0 : c;
    for (int y = 0; y < oh; y++) {
      int sy = y + top;
      float *o = out + ((size_t)c * oh + y) * ow;
      for (int x = 0; x < ow; x++) {
        int sx = x + left;
        int v = sy >= y0 && sy < y1 && sx >= x0 && sx < x1
                    ? img[((size_t)(sy - img_y0) * img_w + (sx - img_x0)) * wc + sc]
                    : 0;
        o[x] = ((float)v * rescale - mean) / std; /* HF: rescale, then (x - mean) / std */
      }
    }
  }
  goto done;
oom:
  st = wisp_fail(WISP_ERR_NO_MEMORY, "image preprocess %dx%d: out of memory", width, height);
done:
  free(conv), free(resized);
  return st;
}
