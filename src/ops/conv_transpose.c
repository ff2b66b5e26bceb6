/* conv_transpose.c — ConvTranspose (1-D to 3-D; strides, dilations, pads, auto_pad, group,
 * output_padding, output_shape) as a GEMM followed by col2im.
 *
 * Per image and group, every input pixel spreads into a kernel-sized patch of the output:
 *   cols (Mg·kvol × pixels) = Wᵀg (Mg·kvol × Cg) · X_g (Cg × pixels)
 * then each cols row (m, kd, kh, kw) is added into output channel m shifted by the tap (col2im).
 * Wᵀ is made once at plan time when W is constant; X_g is packed into the GEMM's panels a chunk
 * of input rows at a time, so cols stays ~1 MB. (Reading X_g unpacked with
 * wisp_f32_gemm_rowbias measured 1.23-1.28× onnxruntime-web's time on a 64→32-channel 4×4
 * stride-2 layer at 128×128; packed, 0.77-0.90×.) Spatial
 * dims are held as 3-D with unit leading dims, as in conv.c. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../kernels/config.h"
#include "conv.h"

typedef struct {
  int64_t group;
  int64_t N, C, M, Cg, Mg, kvol, R; /* R = Mg·kvol rows of cols */
  int64_t in[3], k[3], s[3], d[3], pb[3], out[3];
  int64_t rows_per_chunk; /* input rows (of in[2] pixels) per GEMM */
  int empty, weights_once;
  size_t wt_bytes, cols_bytes, packed_bytes;
} convt_params;

static wisp_status convt_parse(wisp_op_ctx *ctx) {
  convt_params *p = ctx->params;
  p->group = wisp_attr_int(ctx->node, "group", 1);
  if (p->group < 1 || p->group > INT32_MAX)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "group %lld must be positive",
                        (long long)p->group);
  return WISP_OK;
}

static size_t round64(uint64_t n) { return (size_t)((n + 63) / 64 * 64); }

/* Wᵀ per group: (Mg·kvol × Cg) from W (C, Mg, kvol). */
static void transpose_weights(const convt_params *p, const float *w, float *wt) {
  for (int64_t g = 0; g < p->group; g++, wt += p->R * p->Cg)
    for (int64_t c = 0; c < p->Cg; c++) {
      const float *wc = w + (g * p->Cg + c) * p->R;
      for (int64_t r = 0; r < p->R; r++) wt[r * p->Cg + c] = wc[r];
    }
}

/* Output dims and begin pads from the attributes, for spatial dim i (right-aligned, 3 - nsp
 * leading unit dims). */
static wisp_status geometry(wisp_op_ctx *ctx, convt_params *p, int nsp) {
  const wisp_node *n = ctx->node;
  int ns, nd, np, nop, nos;
  const int64_t *as = wisp_attr_ints(n, "strides", &ns), *ad = wisp_attr_ints(n, "dilations", &nd);
  const int64_t *ap = wisp_attr_ints(n, "pads", &np);
  const int64_t *aop = wisp_attr_ints(n, "output_padding", &nop);
  const int64_t *aos = wisp_attr_ints(n, "output_shape", &nos);
  if ((as && ns != nsp) || (ad && nd != nsp) || (ap && np != 2 * nsp) || (aop && nop != nsp) ||
      (aos && nos != nsp && nos != nsp + 2))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "strides, dilations, pads, output_padding or output_shape do not match the "
                        "%d spatial dims",
                        nsp);
  if (aos && nos == nsp + 2) aos += 2;
  const char *mode = wisp_attr_string(n, "auto_pad", "NOTSET");
  int upper = !strcmp(mode, "SAME_UPPER"), lower = !strcmp(mode, "SAME_LOWER");
  if (!upper && !lower && strcmp(mode, "NOTSET") && strcmp(mode, "VALID"))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "unknown auto_pad '%s'", mode);
  for (int i = 0, off = 3 - nsp; i < 3; i++) {
    p->s[i] = p->d[i] = 1, p->pb[i] = 0, p->out[i] = p->in[i];
    if (i < off) continue;
    int j = i - off;
    int64_t s = as ? as[j] : 1, d = ad ? ad[j] : 1, op = aop ? aop[j] : 0;
    int64_t pb = ap && !upper && !lower ? ap[j] : 0, pe = ap && !upper && !lower ? ap[j + nsp] : 0;
    if (s < 1 || d < 1 || op < 0 || pb < 0 || pe < 0 || s > INT32_MAX || d > INT32_MAX ||
        op > INT32_MAX || pb > INT32_MAX || pe > INT32_MAX)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                          "strides and dilations must be positive, pads and output_padding "
                          "non-negative (and below 2^31)");
    if (s * (p->in[i] - 1) > WISP_MAX_NUMEL || (p->k[i] - 1) * d > WISP_MAX_NUMEL)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "strides or dilations too large for the output");
    /* the full extent every input pixel's patch covers */
    int64_t full = s * (p->in[i] - 1) + op + (p->k[i] - 1) * d + 1;
    int64_t out = full - pb - pe;
    if (aos || upper || lower) {
      out = aos ? aos[j] : p->in[i] * s;
      if (out < 0 || out > INT32_MAX)
        return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "output_shape %lld is invalid",
                            (long long)out);
      int64_t total = full - out; /* negative: the output reaches past every patch */
      if (total < 0) total = 0;
      pb = upper ? total / 2 : total - total / 2;
    }
    if (out < 0)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "pads exceed the output (spatial dim %d)", j);
    p->s[i] = s, p->d[i] = d, p->pb[i] = pb, p->out[i] = out;
  }
  return WISP_OK;
}

static wisp_status convt_infer(wisp_op_ctx *ctx) {
  convt_params *p = ctx->params;
  WISP_TRY(wisp_conv_check_inputs(ctx));
  const wisp_tensor *x = ctx->in[0], *w = ctx->in[1], *b = ctx->n_in > 2 ? ctx->in[2] : NULL;
  const wisp_shape *xs = &x->shape, *ws = &w->shape;
  int nsp = xs->ndim - 2, off = 3 - nsp;
  /* x is (N, C, D, H, W), w is (C, M/group, kd, kh, kw), b is (M) */
  int64_t g = p->group;
  p->N = xs->dims[0], p->C = xs->dims[1], p->Mg = ws->dims[1], p->M = p->Mg * g;
  if (ws->dims[0] != p->C || p->C % g)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "W has %lld input channels, X has %lld (must also divide by group %lld)",
                        (long long)ws->dims[0], (long long)p->C, (long long)g);
  p->Cg = p->C / g;
  WISP_TRY(wisp_conv_spatial_dims(ctx, p->in, p->k));
  if (b && (b->shape.ndim != 1 || b->shape.dims[0] != p->M))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "B must be (%lld), one bias per output channel",
                        (long long)p->M);
  WISP_TRY(geometry(ctx, p, nsp));
  wisp_tensor *y = ctx->out[0];
  y->dtype = WISP_DT_FLOAT;
  y->shape.ndim = xs->ndim;
  y->shape.dims[0] = p->N, y->shape.dims[1] = p->M;
  for (int j = 0; j < nsp; j++) y->shape.dims[2 + j] = p->out[off + j];
  WISP_TRY(wisp_shape_check(&y->shape, "ConvTranspose output"));
  p->empty = wisp_shape_numel(&y->shape) == 0;
  if (p->empty) return WISP_OK;
  /* W's numel and X's are checked, so kvol, R and the pixel counts are below 2^31 */
  p->kvol = p->k[0] * p->k[1] * p->k[2];
  p->R = p->Mg * p->kvol;
  if (p->R >= INT32_MAX || p->Cg >= INT32_MAX)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "kernel too large");
  int64_t rows = p->in[0] * p->in[1], row = p->in[2];
  int64_t chunk = ((int64_t)1 << 18) / (p->R * (row ? row : 1));
  p->rows_per_chunk = chunk < 1 ? 1 : chunk > rows ? rows : chunk;
  uint64_t wbytes = (uint64_t)g * p->R * p->Cg * sizeof(float);
  uint64_t cbytes = (uint64_t)p->R * p->rows_per_chunk * row * sizeof(float);
  if (wbytes > WISP_MAX_TENSOR_BYTES || cbytes > WISP_MAX_TENSOR_BYTES)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "weights or column buffer would exceed 2 GB");
  p->wt_bytes = round64(wbytes), p->cols_bytes = round64(cbytes);
  p->packed_bytes =
      round64((uint64_t)wisp_f32_gemm_packed_size((int)p->Cg, (int)(p->rows_per_chunk * row)) *
              sizeof(float));
  p->weights_once = w->data != NULL;
  if (p->weights_once && !ctx->state) {
    ctx->state = wisp_aligned_alloc(p->wt_bytes);
    if (!ctx->state) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory for weights");
    transpose_weights(p, w->data, ctx->state);
  }
  /* scratch: [Wᵀ unless made once][cols][a chunk of X packed as the GEMM's B] */
  uint64_t scratch =
      (p->weights_once ? 0 : p->wt_bytes) + (uint64_t)p->cols_bytes + (uint64_t)p->packed_bytes;
  if (scratch > WISP_MAX_TENSOR_BYTES)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "scratch would exceed 2 GB");
  ctx->scratch_bytes = (size_t)scratch;
  return WISP_OK;
}

/* Input positions i in [*lo, *hi) whose output i·s + tap lands in [0, n). */
static void span(int64_t tap, int64_t s, int64_t n, int64_t len, int64_t *lo, int64_t *hi) {
  *lo = tap >= 0 ? 0 : (-tap + s - 1) / s;
  *hi = n - 1 - tap < 0 ? 0 : (n - 1 - tap) / s + 1;
  if (*hi > len) *hi = len;
  if (*lo > *hi) *lo = *hi;
}

/* Adds cols (R × rows·in[2], rows [r0, r1) of input rows) into y (Mg, out...). */
static void col2im(const convt_params *p, const float *cols, int64_t r0, int64_t r1, float *y) {
  const int64_t *in = p->in, *out = p->out, *k = p->k, *s = p->s, *d = p->d, *pb = p->pb;
  int64_t P = (r1 - r0) * in[2], oplane = out[0] * out[1] * out[2];
  for (int64_t m = 0; m < p->Mg; m++)
    for (int64_t kd = 0; kd < k[0]; kd++)
      for (int64_t kh = 0; kh < k[1]; kh++)
        for (int64_t kw = 0; kw < k[2]; kw++, cols += P) {
          int64_t tw = kw * d[2] - pb[2], lo, hi;
          span(tw, s[2], out[2], in[2], &lo, &hi);
          if (lo >= hi) continue;
          for (int64_t q = r0; q < r1; q++) {
            int64_t od = q / in[1] * s[0] + kd * d[0] - pb[0];
            int64_t oh = q % in[1] * s[1] + kh * d[1] - pb[1];
            if (od < 0 || od >= out[0] || oh < 0 || oh >= out[1]) continue;
            float *yr = y + m * oplane + (od * out[1] + oh) * out[2] + tw;
            const float *c = cols + (q - r0) * in[2];
            if (s[2] == 1)
              for (int64_t i = lo; i < hi; i++) yr[i] += c[i];
            else
              for (int64_t i = lo; i < hi; i++) yr[i * s[2]] += c[i];
          }
        }
}

static wisp_status convt_exec(wisp_op_ctx *ctx) {
  const convt_params *p = ctx->params;
  if (p->empty) return WISP_OK;
  const float *x = ctx->in[0]->data;
  const float *b = ctx->n_in > 2 && ctx->in[2] ? ctx->in[2]->data : NULL;
  float *y = ctx->out[0]->data;
  char *scratch = ctx->scratch;
  const float *wt = ctx->state;
  if (!p->weights_once) {
    transpose_weights(p, ctx->in[1]->data, (float *)scratch);
    wt = (const float *)scratch;
    scratch += p->wt_bytes;
  }
  float *cols = (float *)scratch, *packed = (float *)(scratch + p->cols_bytes);
  int64_t ipix = p->in[0] * p->in[1] * p->in[2], opix = p->out[0] * p->out[1] * p->out[2];
  int64_t rows = p->in[0] * p->in[1];
  for (int64_t m = 0; m < p->N * p->M; m++) { /* y starts as the bias */
    float v = b ? b[m % p->M] : 0.0f;
    for (int64_t i = 0; i < opix; i++) y[m * opix + i] = v;
  }
  if (!ipix) return WISP_OK;
  for (int64_t n = 0; n < p->N; n++)
    for (int64_t g = 0; g < p->group; g++) {
      const float *xg = x + (n * p->C + g * p->Cg) * ipix;
      float *yg = y + (n * p->M + g * p->Mg) * opix;
      for (int64_t r0 = 0; r0 < rows; r0 += p->rows_per_chunk) {
        int64_t r1 = r0 + p->rows_per_chunk < rows ? r0 + p->rows_per_chunk : rows;
        int64_t P = (r1 - r0) * p->in[2];
        /* cols (R × P) = Wᵀg (R × Cg) · X_g[:, chunk] (Cg × P) */
        wisp_f32_gemm_pack((int)p->Cg, (int)P, xg + r0 * p->in[2], ipix, 1, NULL, packed);
        wisp_f32_gemm((int)p->R, (int)P, (int)p->Cg, wt + g * p->R * p->Cg, p->Cg, packed, cols, P,
                      -INFINITY, INFINITY);
        col2im(p, cols, r0, r1, yg);
      }
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_ConvTranspose = {
    "", "ConvTranspose", sizeof(convt_params), convt_parse, convt_infer, convt_exec, 0};
