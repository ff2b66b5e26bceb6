/* signal.c — the opset 17 signal ops: HannWindow, HammingWindow, BlackmanWindow,
 * MelWeightMatrix, DFT and STFT, over float and double.
 *
 * Complex tensors have a last dim of 2 (real, imaginary); real signals a last dim of 1. The DFT
 * is the direct sum over a table of twiddles cos/sin(2πm/L), m = j·k mod L, computed in double:
 * O(L²) per transform, exact to rounding for any length (no FFT: these ops are rare in models). */
#include <math.h>
#include <string.h>

#include "op.h"

#define PI 3.14159265358979323846

static double load(const void *x, wisp_dtype dt, int64_t i) {
  return dt == WISP_DT_FLOAT ? ((const float *)x)[i] : ((const double *)x)[i];
}
static void store(void *x, wisp_dtype dt, int64_t i, double v) {
  if (dt == WISP_DT_FLOAT) ((float *)x)[i] = (float)v;
  else ((double *)x)[i] = v;
}
static int is_float(wisp_dtype dt) { return dt == WISP_DT_FLOAT || dt == WISP_DT_DOUBLE; }

/* The integer scalar input i, which infer needs (a value_inputs port). */
static wisp_status scalar_int(wisp_op_ctx *ctx, int i, const char *what, int64_t *v) {
  const wisp_tensor *t = ctx->in[i];
  if (t->dtype != WISP_DT_INT32 && t->dtype != WISP_DT_INT64)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%s must be int32 or int64", what);
  if (wisp_shape_numel(&t->shape) != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%s must be a scalar", what);
  if (!t->data)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "%s must be known when input shapes are", what);
  *v = wisp_tensor_get_int(t, 0);
  return WISP_OK;
}

static wisp_status output_datatype(wisp_op_ctx *ctx, wisp_dtype *dt) {
  int64_t v = wisp_attr_int(ctx->node, "output_datatype", WISP_DT_FLOAT);
  if (v != WISP_DT_FLOAT && v != WISP_DT_DOUBLE)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "output_datatype %lld: wisp supports float and "
                        "double",
                        (long long)v);
  *dt = (wisp_dtype)v;
  return WISP_OK;
}

/* ---- HannWindow, HammingWindow, BlackmanWindow ------------------------------------------- */
/* w[n] = a0 - a1·cos(2πn/N) + a2·cos(4πn/N), N = size (periodic) or size - 1 (symmetric). */

typedef struct {
  double a0, a1, a2;
  int periodic;
} window_params;

static wisp_status window_parse(wisp_op_ctx *ctx, double a0, double a1, double a2) {
  window_params *p = ctx->params;
  p->a0 = a0, p->a1 = a1, p->a2 = a2;
  p->periodic = wisp_attr_int(ctx->node, "periodic", 1) != 0;
  return WISP_OK;
}
static wisp_status hann_parse(wisp_op_ctx *ctx) { return window_parse(ctx, 0.5, 0.5, 0); }
static wisp_status hamming_parse(wisp_op_ctx *ctx) {
  return window_parse(ctx, 25.0 / 46, 21.0 / 46, 0);
}
static wisp_status blackman_parse(wisp_op_ctx *ctx) { return window_parse(ctx, 0.42, 0.5, 0.08); }

static wisp_status window_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  int64_t size = 0;
  WISP_TRY(scalar_int(ctx, 0, "size", &size));
  if (size < 0 || size > WISP_MAX_NUMEL)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "size %lld is out of range", (long long)size);
  WISP_TRY(output_datatype(ctx, &ctx->out[0]->dtype));
  ctx->out[0]->shape = (wisp_shape){1, {size}};
  return WISP_OK;
}

static wisp_status window_exec(wisp_op_ctx *ctx) {
  const window_params *p = ctx->params;
  wisp_tensor *y = ctx->out[0];
  int64_t size = y->shape.dims[0], period = p->periodic ? size : size - 1;
  for (int64_t n = 0; n < size; n++) {
    double x = period > 0 ? 2 * PI * (double)n / (double)period : 0; /* size 1: w = a0 - a1 + a2 */
    store(y->data, y->dtype, n, p->a0 - p->a1 * cos(x) + p->a2 * cos(2 * x));
  }
  return WISP_OK;
}

/* ---- MelWeightMatrix ------------------------------------------------------------------------ */
/* Triangles with peak 1 between num_mel_bins + 2 points equally spaced in mel (2595·log10(1 +
 * f/700)) from lower to upper edge, each point mapped to the DFT bin floor((L+1)·f / rate). */

typedef struct {
  int64_t n_mel, dft_length, rate;
  double lower, upper;
} mel_params;

static wisp_status mel_infer(wisp_op_ctx *ctx) {
  mel_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 5, 5));
  WISP_TRY(scalar_int(ctx, 0, "num_mel_bins", &p->n_mel));
  WISP_TRY(scalar_int(ctx, 1, "dft_length", &p->dft_length));
  WISP_TRY(scalar_int(ctx, 2, "sample_rate", &p->rate));
  for (int i = 3; i < 5; i++) {
    const wisp_tensor *t = ctx->in[i];
    if (!is_float(t->dtype) || wisp_shape_numel(&t->shape) != 1)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "edge frequencies must be float scalars");
    if (!t->data)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "edge frequencies must be known at load");
  }
  p->lower = load(ctx->in[3]->data, ctx->in[3]->dtype, 0);
  p->upper = load(ctx->in[4]->data, ctx->in[4]->dtype, 0);
  if (p->n_mel < 0 || p->dft_length < 1 || p->rate < 1 || p->n_mel > WISP_MAX_NUMEL ||
      p->dft_length > WISP_MAX_NUMEL || !(p->lower >= 0 && p->lower <= p->upper))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "needs num_mel_bins >= 0, dft_length and sample_rate >= 1, "
                        "0 <= lower_edge_hertz <= upper_edge_hertz");
  WISP_TRY(output_datatype(ctx, &ctx->out[0]->dtype));
  ctx->out[0]->shape = (wisp_shape){2, {p->dft_length / 2 + 1, p->n_mel}};
  return WISP_OK;
}

/* The DFT bin of point i, as a double (it may be past the last bin, or infinite). */
static double mel_point(const mel_params *p, int64_t i) {
  double lo = 2595 * log10(1 + p->lower / 700), hi = 2595 * log10(1 + p->upper / 700);
  double mel = lo + (double)i * (hi - lo) / (double)(p->n_mel + 2);
  double hz = 700 * (pow(10, mel / 2595) - 1);
  return floor((double)(p->dft_length + 1) * hz / (double)p->rate);
}

static wisp_status mel_exec(wisp_op_ctx *ctx) {
  const mel_params *p = ctx->params;
  wisp_tensor *y = ctx->out[0];
  int64_t bins = y->shape.dims[0], n_mel = p->n_mel;
  memset(y->data, 0, wisp_tensor_bytes(y));
  for (int64_t m = 0; m < n_mel; m++) {
    double last = mel_point(p, m + 2);
    if (!(last < (double)bins)) /* also NaN, infinity */
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "upper_edge_hertz is past the Nyquist bin");
    int64_t lo = (int64_t)mel_point(p, m), mid = (int64_t)mel_point(p, m + 1), hi = (int64_t)last;
    if (mid == lo) store(y->data, y->dtype, mid * n_mel + m, 1);
    for (int64_t j = lo; mid > lo && j <= mid; j++)
      store(y->data, y->dtype, j * n_mel + m, (double)(j - lo) / (double)(mid - lo));
    for (int64_t j = mid; j < hi; j++)
      store(y->data, y->dtype, j * n_mel + m, (double)(hi - j) / (double)(hi - mid));
  }
  return WISP_OK;
}

/* ---- the transform shared by DFT and STFT -------------------------------------------------- */

/* Twiddles for length L: tw[2m] = cos(2πm/L), tw[2m+1] = sin(2πm/L). */
static void twiddles(int64_t L, double *tw) {
  for (int64_t m = 0; m < L; m++) {
    double a = 2 * PI * (double)m / (double)L;
    tw[2 * m] = cos(a), tw[2 * m + 1] = sin(a);
  }
}

/* Y[k] = scale · Σ_{j<n} X[j]·e^{∓2πi·jk/L} for k < n_out; X has n samples (stride xs,
 * complex when cx, each multiplied by win[j·ws] when win), Y is complex with stride ys. */
static void dft(int64_t L, int64_t n, int64_t n_out, int inverse, const double *tw, const void *x,
                wisp_dtype dt, int64_t xs, int cx, const void *win, int64_t ws, void *y,
                int64_t ys) {
  double sign = inverse ? 1 : -1, scale = inverse ? 1.0 / (double)L : 1;
  for (int64_t k = 0; k < n_out; k++) {
    double re = 0, im = 0;
    for (int64_t j = 0, m = 0; j < n; j++, m = m + k >= L ? m + k - L : m + k) { /* j·k mod L */
      double w = win ? load(win, dt, j * ws) : 1;
      double xr = load(x, dt, j * xs) * w, xi = cx ? load(x, dt, j * xs + 1) * w : 0;
      double c = tw[2 * m], s = sign * tw[2 * m + 1];
      re += xr * c - xi * s, im += xr * s + xi * c;
    }
    store(y, dt, k * ys, re * scale);
    store(y, dt, k * ys + 1, im * scale);
  }
}

/* ---- DFT ---------------------------------------------------------------------------------- */
/* Input (..., n, ..., 1 or 2) transformed along `axis` (an attribute before opset 20, input 2
 * from 20) with length L = dft_length (default n; the signal is cut or zero padded to it);
 * onesided keeps bins 0..L/2 of a real signal's spectrum; inverse divides by L. */

typedef struct {
  int onesided, inverse;
  int64_t axis;
  int64_t outer, n, inner, L, n_out;
  int cx;
} dft_params;

static wisp_status dft_parse(wisp_op_ctx *ctx) {
  dft_params *p = ctx->params;
  p->onesided = wisp_attr_int(ctx->node, "onesided", 0) != 0;
  p->inverse = wisp_attr_int(ctx->node, "inverse", 0) != 0;
  p->axis = wisp_attr_int(ctx->node, "axis", 1);
  return WISP_OK;
}

static wisp_status dft_infer(wisp_op_ctx *ctx) {
  dft_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, ctx->node->opset >= 20 ? 3 : 2));
  const wisp_tensor *x = ctx->in[0];
  const wisp_shape *s = &x->shape;
  if (!is_float(x->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "input is %s, wisp supports float and double",
                        wisp_dtype_name(x->dtype));
  if (s->ndim < 3 || (s->dims[s->ndim - 1] != 1 && s->dims[s->ndim - 1] != 2))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input must be (batch, ..., 1 or 2)");
  p->cx = s->dims[s->ndim - 1] == 2;
  int64_t axis = p->axis;
  if (ctx->node->opset >= 20) {
    axis = -2;
    if (ctx->n_in > 2 && ctx->in[2]) WISP_TRY(scalar_int(ctx, 2, "axis", &axis));
  }
  int a;
  WISP_TRY(wisp_op_axis(ctx, axis, s->ndim, &a));
  if (a == s->ndim - 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "axis is the real/imaginary dim");
  p->n = s->dims[a], p->L = p->n;
  if (ctx->n_in > 1 && ctx->in[1]) WISP_TRY(scalar_int(ctx, 1, "dft_length", &p->L));
  if (p->L < 1 || p->L > WISP_MAX_NUMEL)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "dft_length %lld is out of range",
                        (long long)p->L);
  if (p->onesided && (p->cx || p->inverse))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "onesided is for the forward DFT of a real signal");
  p->n_out = p->onesided ? p->L / 2 + 1 : p->L;
  p->outer = p->inner = 1;
  for (int d = 0; d < s->ndim - 1; d++)
    if (d < a) p->outer *= s->dims[d];
    else if (d > a) p->inner *= s->dims[d];
  wisp_tensor *y = ctx->out[0];
  y->dtype = x->dtype;
  y->shape = *s;
  y->shape.dims[a] = p->n_out;
  y->shape.dims[s->ndim - 1] = 2;
  ctx->scratch_bytes = (size_t)p->L * 2 * sizeof(double);
  return WISP_OK;
}

static wisp_status dft_exec(wisp_op_ctx *ctx) {
  const dft_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  int c = p->cx ? 2 : 1;
  int64_t n = p->n < p->L ? p->n : p->L; /* samples past L are cut, missing ones are zeros */
  twiddles(p->L, ctx->scratch);
  for (int64_t o = 0; o < p->outer; o++)
    for (int64_t i = 0; i < p->inner; i++) {
      const char *xb = (const char *)x->data +
                       (size_t)((o * p->n * p->inner + i) * c) * wisp_dtype_size(x->dtype);
      char *yb = (char *)ctx->out[0]->data +
                 (size_t)((o * p->n_out * p->inner + i) * 2) * wisp_dtype_size(x->dtype);
      dft(p->L, n, p->n_out, p->inverse, ctx->scratch, xb, x->dtype, p->inner * c, p->cx, NULL, 0,
          yb, p->inner * 2);
    }
  return WISP_OK;
}

/* ---- STFT --------------------------------------------------------------------------------- */
/* Signal (batch, length, 1 or 2), frame_step, optional window (frame_length) and frame_length:
 * output (batch, frames, bins, 2), frames = (length - frame_length) / frame_step + 1, each the
 * DFT of length frame_length of a windowed frame; onesided (default) keeps frame_length/2 + 1
 * bins of a real signal's spectrum. */

typedef struct {
  int onesided, cx;
  int64_t batch, length, step, frame, frames, bins;
} stft_params;

static wisp_status stft_parse(wisp_op_ctx *ctx) {
  stft_params *p = ctx->params;
  p->onesided = wisp_attr_int(ctx->node, "onesided", 1) != 0;
  return WISP_OK;
}

static wisp_status stft_infer(wisp_op_ctx *ctx) {
  stft_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 4));
  const wisp_tensor *x = ctx->in[0], *win = ctx->n_in > 2 ? ctx->in[2] : NULL;
  const wisp_shape *s = &x->shape;
  if (!is_float(x->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "signal is %s, wisp supports float and double",
                        wisp_dtype_name(x->dtype));
  if (s->ndim != 3 || (s->dims[2] != 1 && s->dims[2] != 2))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "signal must be (batch, length, 1 or 2)");
  p->cx = s->dims[2] == 2, p->batch = s->dims[0], p->length = s->dims[1];
  WISP_TRY(scalar_int(ctx, 1, "frame_step", &p->step));
  p->frame = -1;
  if (ctx->n_in > 3 && ctx->in[3]) WISP_TRY(scalar_int(ctx, 3, "frame_length", &p->frame));
  if (win) {
    if (win->dtype != x->dtype || win->shape.ndim != 1)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "window must be 1-D of the signal's dtype");
    if (p->frame >= 0 && p->frame != win->shape.dims[0])
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "window length %lld is not frame_length %lld",
                          (long long)win->shape.dims[0], (long long)p->frame);
    p->frame = win->shape.dims[0];
  }
  if (p->frame < 1 || p->frame > p->length || p->step < 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "needs 1 <= frame_length <= signal length and frame_step >= 1");
  if (p->onesided && p->cx)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "onesided is for a real signal");
  p->frames = (p->length - p->frame) / p->step + 1;
  p->bins = p->onesided ? p->frame / 2 + 1 : p->frame;
  ctx->out[0]->dtype = x->dtype;
  ctx->out[0]->shape = (wisp_shape){4, {p->batch, p->frames, p->bins, 2}};
  ctx->scratch_bytes = (size_t)p->frame * 2 * sizeof(double);
  return WISP_OK;
}

static wisp_status stft_exec(wisp_op_ctx *ctx) {
  const stft_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0], *win = ctx->n_in > 2 ? ctx->in[2] : NULL;
  size_t es = wisp_dtype_size(x->dtype);
  int c = p->cx ? 2 : 1;
  twiddles(p->frame, ctx->scratch);
  for (int64_t b = 0; b < p->batch; b++)
    for (int64_t f = 0; f < p->frames; f++) {
      const char *xb = (const char *)x->data + (size_t)((b * p->length + f * p->step) * c) * es;
      char *yb = (char *)ctx->out[0]->data + (size_t)((b * p->frames + f) * p->bins * 2) * es;
      dft(p->frame, p->frame, p->bins, 0, ctx->scratch, xb, x->dtype, c, p->cx,
          win ? win->data : NULL, 1, yb, 2);
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_HannWindow = {
    "", "HannWindow", sizeof(window_params), hann_parse, window_infer, window_exec, 0, 1u};
const wisp_op_def wisp_op_HammingWindow = {
    "", "HammingWindow", sizeof(window_params), hamming_parse, window_infer, window_exec, 0, 1u};
const wisp_op_def wisp_op_BlackmanWindow = {
    "", "BlackmanWindow", sizeof(window_params), blackman_parse, window_infer, window_exec, 0, 1u};
const wisp_op_def wisp_op_MelWeightMatrix = {
    "", "MelWeightMatrix", sizeof(mel_params), NULL, mel_infer, mel_exec, 0, 31u};
const wisp_op_def wisp_op_DFT = {"", "DFT", sizeof(dft_params), dft_parse, dft_infer, dft_exec,
                                 0,  6u};
const wisp_op_def wisp_op_STFT = {
    "", "STFT", sizeof(stft_params), stft_parse, stft_infer, stft_exec, 0, 10u};
