/* quant_conv.c — ConvInteger, QLinearConv, and the static QDQ conv: ConvInteger marked
 * wisp_to_float, which src/fuse/qdq_conv.c makes from DequantizeLinear(x_q), DequantizeLinear(W_q
 * constant) → Conv, with inputs (x_q, W_q, x_zp, W_zp, x_scale, W_scale[, B float]) and
 *   y = Σ (x_q - x_zp) · (W_q - W_zp[m]) · (x_scale · W_scale[m]) + B[m]   (float, then the
 * node's epilogue clamp: a folded Relu or Clip); marked wisp_quantize_a too, x is float and
 * quantized here as QuantizeLinear(x, x_scale, x_zp) would.
 *
 * Constant weights (and zero points; the float form's scales too) are packed once, per group,
 * for the int16-pair GEMM of qs8_gemm.h. Each image is centred once (x_q - x_zp as int16, so
 * padding reads 0), then a block of output pixels at a time is laid out as GEMM rows (im2col,
 * K = C/group · kernel size), multiplied, and the (pixels × channels) block stored transposed
 * into NCHW. Depthwise convs (one input and one output channel per group) run the float
 * depthwise kernel on the centred values instead (exact: integers below 2^24): a GEMM with one column would leave 7 of the tile's 8 idle.
 * The integer forms reuse the GEMM's float epilogue with unit scales, exact while every sum
 * stays within 2^24 — packing checks that per channel from the weights (Σ_k |W - W_zp| · 255 +
 * |B|); weights that could exceed it, and weights known only at run time, take a direct loop. */
#include <stdlib.h>
#include <string.h>

#include "../kernels/config.h"
#include "../threads.h"
#include "op.h"
#include "quant.h"

enum { Y_INT32, Y_Q8, Y_FLOAT };  /* ConvInteger, QLinearConv, the QDQ form */
enum { DIRECT, GEMM, DEPTHWISE }; /* how exec runs (GEMM and DEPTHWISE: packed state) */
#define PIX_BLOCK 128             /* output pixels per GEMM (a multiple of the tile's 8) */
#define EXACT_LIMIT (1 << 24)     /* integers a float holds exactly */

typedef struct {
  int64_t group, N, C, M, Cg, in[3], k[3], s[3], d[3], pb[3], pe[3], out[3];
  int64_t K, Mg, lda, ipix, opix;
  int64_t pad[3], ppix; /* the centred image's dims with the pads around, and their product */
  int y_kind, quantize_x, path;
  int w, x_zp, w_zp, x_scale, w_scale, bias; /* input ports, -1 when the op has none */
  size_t group_bytes;                        /* packed weights per group (GEMM path) */
  int64_t kc;  /* integer forms: K is summed in chunks of kc, each exact in the float epilogue */
  int chunked; /* more than one chunk: sums add up in int32, the bias too */
  float lo, hi;
  int slots;         /* GEMM path: per-thread scratch for the tiles over the threads */
  size_t slot_bytes; /* a slot: [B: b_bytes][result: PIX_BLOCK · Mg floats][int32 sums, as many] */
  size_t b_bytes;    /* a block of pixels packed as the GEMM's B, 64-aligned */
  int64_t mc;        /* output channels a tile computes: Mg, or fewer so few pixels still spread */
} qconv_params;

static const wisp_tensor *port(const wisp_op_ctx *ctx, int i) {
  return i >= 0 && i < ctx->n_in ? ctx->in[i] : NULL;
}

static size_t round64(uint64_t n) { return (size_t)((n + 63) / 64 * 64); }

WISP_COLD static wisp_status qconv_parse(wisp_op_ctx *ctx) {
  qconv_params *p = ctx->params;
  p->group = wisp_attr_int(ctx->node, "group", 1);
  if (p->group < 1 || p->group > INT32_MAX)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "group must be positive");
  const wisp_epilogue *e = wisp_node_epilogue(ctx->node);
  p->lo = e->lo, p->hi = e->hi;
  return WISP_OK;
}

WISP_COLD static wisp_status qconv_shapes(wisp_op_ctx *ctx, wisp_dtype out_dt) {
  qconv_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0], *w = ctx->in[p->w], *xzp = port(ctx, p->x_zp);
  const wisp_tensor *wzp = port(ctx, p->w_zp), *ws = port(ctx, p->w_scale);
  const wisp_tensor *xs_t = port(ctx, p->x_scale), *b = port(ctx, p->bias);
  const wisp_shape *xs = &x->shape, *ws_ = &w->shape;
  int nsp = xs->ndim - 2, off = 3 - nsp;
  if (p->quantize_x ? x->dtype != WISP_DT_FLOAT || !xzp : !is_q8(x->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "X must be uint8 or int8");
  if (!is_q8(w->dtype)) return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "W must be uint8 or int8");
  if (nsp < 1 || nsp > 3 || ws_->ndim != xs->ndim)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "X and W must be (N, C, 1 to 3 spatial dims)");
  p->N = xs->dims[0], p->C = xs->dims[1], p->M = ws_->dims[0], p->Cg = ws_->dims[1];
  for (int i = 0; i < 3; i++) {
    p->in[i] = i < off ? 1 : xs->dims[2 + i - off];
    p->k[i] = i < off ? 1 : ws_->dims[2 + i - off];
  }
  if (p->C != p->Cg * p->group || p->M % p->group)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "channels do not match group %lld",
                        (long long)p->group);
  /* zero points as the data they shift, scalars (per tensor) or one per output channel */
  if ((xzp && (xzp->dtype != (p->quantize_x ? xzp->dtype : x->dtype) || !is_q8(xzp->dtype) ||
               wisp_shape_numel(&xzp->shape) != 1)) ||
      (wzp && (wzp->dtype != w->dtype ||
               (wisp_shape_numel(&wzp->shape) != 1 && wisp_shape_numel(&wzp->shape) != p->M))) ||
      (xs_t && wisp_shape_numel(&xs_t->shape) != 1) ||
      (ws && wisp_shape_numel(&ws->shape) != 1 && wisp_shape_numel(&ws->shape) != p->M) ||
      (b && wisp_shape_numel(&b->shape) != p->M))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "zero points and scales must be per tensor (X) or per output channel "
                        "(W), the bias (%lld)",
                        (long long)p->M);
  WISP_TRY(wisp_window_geometry(ctx, nsp, p->in, p->k, 0, p->s, p->d, p->pb, p->pe, p->out));
  wisp_tensor *y = ctx->out[0];
  y->dtype = out_dt, y->shape.ndim = xs->ndim;
  y->shape.dims[0] = p->N, y->shape.dims[1] = p->M;
  for (int j = 0; j < nsp; j++) y->shape.dims[2 + j] = p->out[off + j];
  WISP_TRY(wisp_shape_check(&y->shape, ctx->node->op_type));
  p->Mg = p->M / p->group, p->K = p->Cg * p->k[0] * p->k[1] * p->k[2], p->lda = (p->K + 1) / 2 * 2;
  p->ipix = p->in[0] * p->in[1] * p->in[2], p->opix = p->out[0] * p->out[1] * p->out[2];
  for (int i = 0; i < 3; i++) p->pad[i] = p->in[i] + p->pb[i] + p->pe[i];
  p->ppix = p->pad[0] * p->pad[1] * p->pad[2];
  return WISP_OK;
}

/* ---- packing (once, at the first plan) ------------------------------------------------------ */

static const wisp_qs8_gemm_config *pairs(void) { return &wisp_kernels()->qs8_gemm_fallback; }

/* Whether every sum over a chunk of kc values of K (plus QLinearConv's bias when whole) stays
 * within 2^24 for every channel: |x - x_zp| ≤ 255. */
WISP_COLD static int chunks_exact(const wisp_op_ctx *ctx, const qconv_params *p, const int32_t *zps,
                                  int64_t kc, int whole) {
  const wisp_tensor *w = ctx->in[p->w], *b = port(ctx, p->bias);
  for (int64_t m = 0; m < p->M; m++) {
    int64_t bi = b && whole ? ((const int32_t *)b->data)[m] : 0;
    for (int64_t k0 = 0; k0 < p->K; k0 += kc) {
      int64_t sum = bi < 0 ? -bi : bi;
      for (int64_t k = k0; k < k0 + kc && k < p->K; k++) {
        int32_t v = qget(w, m * p->K + k) - zps[m];
        sum += 255 * (int64_t)(v < 0 ? -v : v);
      }
      if (sum > EXACT_LIMIT) return 0;
    }
  }
  return 1;
}

/* The GEMM's per-channel scale and bias: the float form's, or unit scales for the integer forms
 * (QLinearConv's int32 bias added exactly); for those, the chunks K is summed in (p->kc). */
WISP_COLD static void epilogue_terms(const wisp_op_ctx *ctx, qconv_params *p, int32_t *zps,
                                     float *scale, float *bias) {
  const wisp_tensor *ws = port(ctx, p->w_scale), *b = port(ctx, p->bias);
  for (int64_t m = 0; m < p->M; m++) {
    zps[m] = zp_at(port(ctx, p->w_zp), m);
    scale[m] = p->y_kind == Y_FLOAT ? scale_at(ws, m) : 1.0f;
    bias[m] = !b                     ? 0.0f
              : p->y_kind == Y_FLOAT ? ((const float *)b->data)[m]
                                     : (float)((const int32_t *)b->data)[m];
  }
  p->kc = p->K, p->chunked = 0;
  if (p->y_kind == Y_FLOAT) return;
  /* kc ≤ 258 always fits (255 · 255 · 258 < 2^24); pairs stay whole (kc even) */
  for (int64_t parts = 1; !chunks_exact(ctx, p, zps, p->kc, parts == 1); parts++)
    p->kc = (p->K + parts) / (parts + 1) + (p->K + parts) / (parts + 1) % 2, p->chunked = 1;
}

/* DEPTHWISE: [W - W_zp: M × kernel, as floats][scale: M][bias: M]. */
WISP_COLD static void pack_depthwise(const wisp_op_ctx *ctx, const qconv_params *p,
                                     const int32_t *zps, const float *scale, const float *bias,
                                     float *state) {
  for (int64_t m = 0; m < p->M; m++)
    for (int64_t k = 0; k < p->K; k++)
      state[m * p->K + k] = (float)(qget(ctx->in[p->w], m * p->K + k) - zps[m]);
  memcpy(state + p->M * p->K, scale, (size_t)p->M * sizeof(float));
  memcpy(state + p->M * p->K + p->M, bias, (size_t)p->M * sizeof(float));
}

/* GEMM: per group, W's rows (M/group × K) minus their zero points as the GEMM's int16 A rows
 * (lda apart, the pad of the last pair 0); then [scale: M floats][bias: M floats]. */
WISP_COLD static void pack_gemm(const wisp_op_ctx *ctx, const qconv_params *p, const int32_t *zps,
                                const float *scale, const float *bias, void *state) {
  for (int64_t g = 0; g < p->group; g++) {
    int16_t *a = (int16_t *)((char *)state + (size_t)g * p->group_bytes);
    for (int64_t j = 0; j < p->Mg; j++) {
      int64_t m = g * p->Mg + j;
      for (int64_t k = 0; k < p->lda; k++)
        a[j * p->lda + k] = k < p->K ? (int16_t)(qget(ctx->in[p->w], m * p->K + k) - zps[m]) : 0;
    }
  }
  float *f = (float *)((char *)state + (size_t)p->group * p->group_bytes);
  memcpy(f, scale, (size_t)p->M * sizeof(float));
  memcpy(f + p->M, bias, (size_t)p->M * sizeof(float));
}

/* Chooses the path and packs the weights when they, their zero points and (float form) scales
 * and bias are constants; DIRECT otherwise. */
WISP_COLD static wisp_status qconv_pack(wisp_op_ctx *ctx) {
  qconv_params *p = ctx->params;
  const wisp_tensor *w = ctx->in[p->w], *wzp = port(ctx, p->w_zp), *b = port(ctx, p->bias);
  const wisp_tensor *ws = p->y_kind == Y_FLOAT ? port(ctx, p->w_scale) : NULL;
  p->path = DIRECT;
  if (!w->data || (wzp && !wzp->data) || (ws && !ws->data) || (b && !b->data) || p->K > 30000 ||
      p->Mg > INT32_MAX)
    return WISP_OK;
  for (int i = 0; i < 3; i++)
    if (p->pb[i] < 0 || p->pe[i] < 0) return WISP_OK; /* the padded image needs pads ≥ 0 */
  int32_t *zps = malloc(sizeof(int32_t) * (size_t)(p->M + 1));
  float *scale = malloc(sizeof(float) * (size_t)(p->M + 1) * 2), *bias = scale + p->M + 1;
  wisp_status s = WISP_OK;
  if (!zps || !scale) {
    s = WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory packing weights");
  } else if (epilogue_terms(ctx, p, zps, scale, bias), !(p->chunked && p->Cg == 1 && p->Mg == 1)) {
    int dw = p->Cg == 1 && p->Mg == 1; /* (depthwise sums take no chunks: DIRECT then) */
    p->group_bytes = dw ? 0 : round64((uint64_t)p->Mg * p->lda * sizeof(int16_t));
    uint64_t bytes =
        (dw ? (uint64_t)(p->M * p->K) * sizeof(float) : p->group_bytes * (uint64_t)p->group) +
        2 * sizeof(float) * (uint64_t)p->M;
    if (!(ctx->state = wisp_aligned_alloc(bytes)))
      s = WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory packing weights");
    else if (dw) pack_depthwise(ctx, p, zps, scale, bias, ctx->state), p->path = DEPTHWISE;
    else pack_gemm(ctx, p, zps, scale, bias, ctx->state), p->path = GEMM;
  }
  free(zps), free(scale);
  return s;
}

static size_t image_bytes(const qconv_params *p) {
  return p->path == GEMM ? round64((uint64_t)p->C * p->ppix * sizeof(int16_t))
                         : round64((uint64_t)p->C * p->ppix * sizeof(float) + 16);
}

WISP_COLD static wisp_status qconv_setup(wisp_op_ctx *ctx, wisp_dtype out_dt) {
  qconv_params *p = ctx->params;
  WISP_TRY(qconv_shapes(ctx, out_dt));
  if (!ctx->state) WISP_TRY(qconv_pack(ctx));
  if (p->path == DIRECT && p->quantize_x) /* the fusion makes these with constant weights */
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "float X needs constant weights");
  uint64_t y_numel = (uint64_t)wisp_shape_numel(&ctx->out[0]->shape);
  if (p->path == DIRECT) /* int32 sums (ConvInteger's output itself), one channel as floats */
    ctx->scratch_bytes =
        p->y_kind == Y_INT32 ? 0 : round64(y_numel * sizeof(int32_t)) + p->opix * sizeof(float);
  else if (p->path == GEMM) { /* the centred image, the window offsets of K, then per thread a
                               * block of pixels packed as the GEMM's B, its result and sums */
    int64_t blocks = p->group * ((p->opix + PIX_BLOCK - 1) / PIX_BLOCK), t = wisp_threads();
    /* a late layer's few pixels (7×7: one block) split its channels instead, in multiples of
     * the GEMM's 4 rows; each tile then packs its pixels again (K·128 against mc·K·128) */
    p->mc = t > 1 && blocks < 2 * t ? (p->Mg / (2 * t) + 3) / 4 * 4 : p->Mg;
    if (p->mc < 32) p->mc = p->Mg < 32 ? p->Mg : 32;
    blocks *= (p->Mg + p->mc - 1) / p->mc;
    p->slots = t > 1 && blocks >= 2 * t ? t : 1;
    p->b_bytes = round64(wisp_qs8_gemm_packed_size((int)p->K, PIX_BLOCK));
    p->slot_bytes = round64(p->b_bytes + (uint64_t)PIX_BLOCK * p->Mg * sizeof(float) * 2);
    ctx->scratch_bytes = image_bytes(p) + round64((uint64_t)p->K * sizeof(ptrdiff_t)) +
                         (uint64_t)p->slots * p->slot_bytes;
  } else /* the centred image as floats (the depthwise kernel may read 4 past its end), the
          * kernel rows' offsets and one channel */
    ctx->scratch_bytes = image_bytes(p) + round64((uint64_t)p->k[0] * p->k[1] * sizeof(ptrdiff_t)) +
                         (uint64_t)p->opix * sizeof(float);
  return WISP_OK;
}

/* ---- exec ------------------------------------------------------------------------------------- */

/* Writes output channel m of image n, pixels p0 .. p0 + count, from v[i · stride]: the GEMM
 * epilogue's values (integer sums, plus QLinearConv's bias, for the integer forms). */
static void store_channel(const wisp_op_ctx *ctx, int64_t n, int64_t m, int64_t p0, int64_t count,
                          const float *v, ptrdiff_t stride) {
  const qconv_params *p = ctx->params;
  int64_t base = (n * p->M + m) * p->opix + p0;
  if (p->y_kind == Y_INT32) {
    int32_t *y = (int32_t *)ctx->out[0]->data + base;
    for (int64_t i = 0; i < count; i++) y[i] = (int32_t)v[i * stride];
  } else if (p->y_kind ==
             Y_Q8) { /* QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp) */
    float mult = scale_at(ctx->in[1], 0) * scale_at(ctx->in[4], m) / scale_at(ctx->in[6], 0);
    int32_t zy = zp_at(ctx->in[7], 0);
    for (int64_t i = 0; i < count; i++)
      qstore(ctx->out[0]->data, ctx->out[0]->dtype, base + i, v[i * stride] * mult, zy);
  } else {
    float *y = (float *)ctx->out[0]->data + base, lo = p->lo, hi = p->hi;
    for (int64_t i = 0; i < count; i++) {
      float t = v[i * stride];
      y[i] = t < lo ? lo : t > hi ? hi : t;
    }
  }
}

/* The integer forms' output channel m from its int32 sums (v: room for count floats). */
static void store_sums(const wisp_op_ctx *ctx, int64_t n, int64_t m, int64_t p0, int64_t count,
                       const int32_t *acc, float *v) {
  const qconv_params *p = ctx->params;
  if (p->y_kind == Y_INT32) {
    memcpy((int32_t *)ctx->out[0]->data + (n * p->M + m) * p->opix + p0, acc,
           (size_t)count * sizeof *acc);
    return;
  }
  const wisp_tensor *b = port(ctx, p->bias);
  int32_t bias = b ? ((const int32_t *)b->data)[m] : 0;
  for (int64_t i = 0; i < count; i++) v[i] = (float)(acc[i] + bias);
  store_channel(ctx, n, m, p0, count, v, 1);
}

/* Image n as x_q - x_zp (int16, or float for the depthwise kernel) with the pads around each
 * channel as zeros (C × padded pixels): windows then read it without bounds checks. The float
 * form's x is quantized first. */
static void center_image(const wisp_op_ctx *ctx, int64_t n, void *image) {
  const qconv_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0], *xzp = port(ctx, p->x_zp);
  int32_t zx = zp_at(xzp, 0);
  float sx = p->quantize_x ? scale_at(ctx->in[p->x_scale], 0) : 1.0f;
  float lo = xzp && xzp->dtype == WISP_DT_UINT8 ? 0.0f : -128.0f, hi = lo + 255.0f;
  int as_float = p->path == DEPTHWISE;
  size_t size = as_float ? sizeof(float) : sizeof(int16_t);
  if (p->ppix != p->ipix) memset(image, 0, (size_t)(p->C * p->ppix) * size);
  int64_t len = p->in[2], rows = p->C * p->in[0] * p->in[1];
  for (int64_t r = 0; r < rows; r++) { /* one input row at a time */
    int64_t c = r / (p->in[0] * p->in[1]), i0 = r / p->in[1] % p->in[0], i1 = r % p->in[1];
    int64_t at =
        ((c * p->pad[0] + i0 + p->pb[0]) * p->pad[1] + i1 + p->pb[1]) * p->pad[2] + p->pb[2];
    int16_t *dst = (int16_t *)image + at;
    float *dstf = (float *)image + at;
    int64_t o = (n * rows + r) * len;
    if (p->quantize_x) {
      const float *xf = (const float *)x->data + o;
      for (int64_t i = 0; i < len; i++) { /* QuantizeLinear: saturate(rint(x / scale) + zp) */
        float v = rintf(xf[i] / sx) + (float)zx;
        v = v >= lo ? (v <= hi ? v : hi) : lo; /* NaN -> lo */
        if (as_float) dstf[i] = v - (float)zx;
        else dst[i] = (int16_t)((int32_t)v - zx);
      }
    } else if (x->dtype == WISP_DT_UINT8) {
      const uint8_t *q = (const uint8_t *)x->data + o;
      if (as_float)
        for (int64_t i = 0; i < len; i++) dstf[i] = (float)(q[i] - zx);
      else
        for (int64_t i = 0; i < len; i++) dst[i] = (int16_t)(q[i] - zx);
    } else {
      const int8_t *q = (const int8_t *)x->data + o;
      if (as_float)
        for (int64_t i = 0; i < len; i++) dstf[i] = (float)(q[i] - zx);
      else
        for (int64_t i = 0; i < len; i++) dst[i] = (int16_t)(q[i] - zx);
    }
  }
}

/* Output pixels p0 .. p0 + count of the group whose padded channels start at xc, as the GEMM's B
 * (K × pixels, im2col transposed) in the panel layout of qs8_gemm.h with unit scales and no bias:
 * off[k] is where value k of a window sits relative to the window's start. */
static void pack_pixels(const qconv_params *p, const int16_t *xc, const ptrdiff_t *off, int64_t K,
                        int64_t p0, int count, void *packed) {
  int64_t kp = (K + 1) / 2;
  char *panel = packed;
  for (int j0 = 0; j0 < count; j0 += WISP_QS8_NR) {
    float *head = (float *)panel;
    int16_t *b = (int16_t *)(head + 2 * WISP_QS8_NR);
    ptrdiff_t base[WISP_QS8_NR];
    int nc = count - j0 < WISP_QS8_NR ? count - j0 : WISP_QS8_NR;
    for (int j = 0; j < WISP_QS8_NR; j++) {
      int64_t o = p0 + j0 + (j < nc ? j : 0), o2 = o % p->out[2], o1 = o / p->out[2] % p->out[1];
      int64_t o0 = o / (p->out[2] * p->out[1]);
      base[j] = (ptrdiff_t)(((o0 * p->s[0]) * p->pad[1] + o1 * p->s[1]) * p->pad[2] + o2 * p->s[2]);
      head[j] = 1.0f, head[WISP_QS8_NR + j] = 0.0f;
    }
    /* 8 pixels evenly spaced in the image, stride 1 or 2 (bases rise by the stride across a
     * row's end only when the next row continues the spacing: any rise is at least 1): SIMD */
    if (nc == WISP_QS8_NR && p->s[2] <= 2 && base[WISP_QS8_NR - 1] - base[0] == 7 * p->s[2]) {
      pairs()->pack_cols8((size_t)kp, (size_t)K, xc + base[0], off, (int)p->s[2], b);
      panel = (char *)(b + 2 * WISP_QS8_NR * kp);
      continue;
    }
    for (int64_t q = 0; q < kp; q++, b += 2 * WISP_QS8_NR) {
      const int16_t *x0 = xc + off[2 * q], *x1 = 2 * q + 1 < K ? xc + off[2 * q + 1] : NULL;
      for (int j = 0; j < WISP_QS8_NR; j++) {
        b[2 * j] = x0[base[j]];
        b[2 * j + 1] = x1 ? x1[base[j]] : 0;
      }
    }
    panel = (char *)b;
  }
}

typedef struct {
  const wisp_op_ctx *ctx;
  int64_t n;
  const int16_t *xc;
  const ptrdiff_t *off;
  char *slots;
  float a_scale;
} gemm_job;

/* Tile (group g, tile j: a pixel block and mc of its output channels) into the scratch slot of
 * its thread: tiles write disjoint outputs and every output sums its K in the same order, so
 * any thread count gives the 1-thread result. */
static void gemm_block(void *job_, int thread, size_t g, size_t j, size_t ng, size_t nj) {
  const gemm_job *job = job_;
  const wisp_op_ctx *ctx = job->ctx;
  const qconv_params *p = ctx->params;
  const float *scale =
      (const float *)((const char *)ctx->state + (size_t)p->group * p->group_bytes);
  const float *bias = scale + p->M;
  char *B = job->slots + (p->slots > 1 ? (size_t)thread * p->slot_bytes : 0);
  float *Cb = (float *)(B + p->b_bytes);
  int32_t *acc = (int32_t *)(Cb + PIX_BLOCK * p->Mg);
  int64_t chunks = (p->Mg + p->mc - 1) / p->mc, m0 = (int64_t)j % chunks * p->mc;
  int64_t mn = p->Mg - m0 < p->mc ? p->Mg - m0 : p->mc, p0 = (int64_t)j / chunks * PIX_BLOCK;
  const int16_t *A = (const int16_t *)((const char *)ctx->state + g * p->group_bytes) + m0 * p->lda;
  int count = (int)(p->opix - p0 < PIX_BLOCK ? p->opix - p0 : PIX_BLOCK);
  for (int64_t k0 = 0; k0 < p->K; k0 += p->kc) {
    int64_t kn = p->K - k0 < p->kc ? p->K - k0 : p->kc;
    pack_pixels(p, job->xc + (int64_t)g * p->Cg * p->ppix, job->off + k0, kn, p0, count, B);
    /* rows: this group's output channels (A, packed at load); columns: the pixels */
    wisp_qs8_gemm_with(pairs()->gemm, (int)mn, count, (int)kn, A + k0, p->lda, B, 1.0f, Cb, count);
    for (int64_t i = 0; p->chunked && i < mn * count; i++) /* exact integers */
      acc[i] = (k0 ? acc[i] : 0) + (int32_t)Cb[i];
  }
  for (int64_t r = 0; r < mn; r++) {
    int64_t m = (int64_t)g * p->Mg + m0 + r;
    float mult = job->a_scale * scale[m], *v = Cb + r * count;
    if (p->chunked) {
      store_sums(ctx, job->n, m, p0, count, acc + r * count, v);
      continue;
    }
    for (int i = 0; i < count; i++) v[i] = v[i] * mult + bias[m]; /* integer forms: 1, exact */
    store_channel(ctx, job->n, m, p0, count, v, 1);
  }
  (void)ng, (void)nj;
}

static void run_gemm(const wisp_op_ctx *ctx, int64_t n, const int16_t *xc, char *work,
                     float a_scale) {
  const qconv_params *p = ctx->params;
  ptrdiff_t *off = (ptrdiff_t *)work;
  int64_t kk = p->k[0] * p->k[1] * p->k[2];
  for (int64_t k = 0; k < p->K; k++) { /* k = (c, k0, k1, k2) */
    int64_t c = k / kk, k0 = k % kk / (p->k[1] * p->k[2]), k1 = k % (p->k[1] * p->k[2]) / p->k[2];
    off[k] = (ptrdiff_t)(c * p->ppix + (k0 * p->d[0] * p->pad[1] + k1 * p->d[1]) * p->pad[2] +
                         k % p->k[2] * p->d[2]);
  }
  gemm_job job = {ctx, n, xc, off, work + round64((uint64_t)p->K * sizeof(ptrdiff_t)), a_scale};
  size_t tiles = (size_t)((p->opix + PIX_BLOCK - 1) / PIX_BLOCK * ((p->Mg + p->mc - 1) / p->mc));
  if (p->slots > 1 && wisp_threads() <= p->slots)
    wisp_parallel_2d((size_t)p->group, tiles, 1, 1, gemm_block, &job);
  else
    for (size_t g = 0; g < (size_t)p->group; g++)
      for (size_t j = 0; j < tiles; j++) gemm_block(&job, 0, g, j, 1, 1);
}

/* One channel per group: output channel m reads input channel m, through the float depthwise
 * kernel (kernels/dwconv.h): products of centred 8-bit values and every partial sum are integers
 * below 2^24 (packing checked), so its float sums are exact. */
static void run_depthwise(const wisp_op_ctx *ctx, int64_t n, const float *xf, char *work,
                          float a_scale) {
  const qconv_params *p = ctx->params;
  const float *wts = ctx->state, *scale = wts + p->M * p->K, *bias = scale + p->M;
  ptrdiff_t *tap = (ptrdiff_t *)work;
  float *v = (float *)(work + round64((uint64_t)p->k[0] * p->k[1] * sizeof(ptrdiff_t)));
  for (int64_t kd = 0; kd < p->k[0]; kd++) /* where each kernel row starts, in W's order */
    for (int64_t kh = 0; kh < p->k[1]; kh++)
      tap[kd * p->k[1] + kh] = (ptrdiff_t)((kd * p->d[0] * p->pad[1] + kh * p->d[1]) * p->pad[2]);
  wisp_f32_dwconv_rows_fn rows = wisp_kernels()->dwconv.rows;
  int64_t plane = p->out[1] * p->out[2];
  for (int64_t m = 0; m < p->M; m++) {
    for (int64_t od = 0; od < p->out[0]; od++)
      rows((int)p->out[1], (int)p->out[2], (int)(p->k[0] * p->k[1]), (int)p->k[2], (int)p->s[2],
           (int)p->d[2], xf + m * p->ppix + od * p->s[0] * p->pad[1] * p->pad[2],
           (ptrdiff_t)(p->s[1] * p->pad[2]), tap, wts + m * p->K, 0.0f, -INFINITY, INFINITY,
           v + od * plane);
    float mult = a_scale * scale[m];
    for (int64_t i = 0; i < p->opix; i++) v[i] = v[i] * mult + bias[m]; /* as the GEMM */
    store_channel(ctx, n, m, 0, p->opix, v, 1);
  }
}

/* DIRECT: y (N, M, out pixels) = Σ (x - x_zp) · (w - w_zp[m]) in int32; padding adds 0. */
static void direct_sums(const wisp_op_ctx *ctx, int32_t *y) {
  const qconv_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0], *w = ctx->in[p->w], *wzp = port(ctx, p->w_zp);
  int64_t kk = p->k[0] * p->k[1] * p->k[2];
  int32_t zx = zp_at(port(ctx, p->x_zp), 0);
  for (int64_t n = 0; n < p->N; n++)
    for (int64_t m = 0; m < p->M; m++) {
      int32_t zw = zp_at(wzp, m);
      int64_t g = m / p->Mg;
      for (int64_t o0 = 0; o0 < p->out[0]; o0++)
        for (int64_t o1 = 0; o1 < p->out[1]; o1++)
          for (int64_t o2 = 0; o2 < p->out[2]; o2++) {
            int32_t acc = 0;
            for (int64_t c = 0; c < p->Cg; c++) {
              int64_t xo = (n * p->C + g * p->Cg + c) * p->ipix, wo = (m * p->Cg + c) * kk;
              for (int64_t k0 = 0; k0 < p->k[0]; k0++) {
                int64_t i0 = o0 * p->s[0] - p->pb[0] + k0 * p->d[0];
                if (i0 < 0 || i0 >= p->in[0]) continue;
                for (int64_t k1 = 0; k1 < p->k[1]; k1++) {
                  int64_t i1 = o1 * p->s[1] - p->pb[1] + k1 * p->d[1];
                  if (i1 < 0 || i1 >= p->in[1]) continue;
                  for (int64_t k2 = 0; k2 < p->k[2]; k2++) {
                    int64_t i2 = o2 * p->s[2] - p->pb[2] + k2 * p->d[2];
                    if (i2 < 0 || i2 >= p->in[2]) continue;
                    acc += (qget(x, xo + (i0 * p->in[1] + i1) * p->in[2] + i2) - zx) *
                           (qget(w, wo + (k0 * p->k[1] + k1) * p->k[2] + k2) - zw);
                  }
                }
              }
            }
            *y++ = acc;
          }
    }
}

static void run_direct(const wisp_op_ctx *ctx, float a_scale) {
  const qconv_params *p = ctx->params;
  if (p->y_kind == Y_INT32) {
    direct_sums(ctx, ctx->out[0]->data);
    return;
  }
  int32_t *acc = ctx->scratch;
  float *v = (float *)((char *)ctx->scratch +
                       round64((uint64_t)wisp_shape_numel(&ctx->out[0]->shape) * sizeof(int32_t)));
  const wisp_tensor *b = port(ctx, p->bias);
  direct_sums(ctx, acc);
  for (int64_t n = 0; n < p->N; n++)
    for (int64_t m = 0; m < p->M; m++, acc += p->opix) {
      if (p->y_kind == Y_Q8) {
        store_sums(ctx, n, m, 0, p->opix, acc, v);
        continue;
      }
      float mult = a_scale * scale_at(ctx->in[p->w_scale], m);
      float bias = b ? ((const float *)b->data)[m] : 0.0f;
      for (int64_t i = 0; i < p->opix; i++) v[i] = (float)acc[i] * mult + bias;
      store_channel(ctx, n, m, 0, p->opix, v, 1);
    }
}

static wisp_status qconv_exec(wisp_op_ctx *ctx) {
  const qconv_params *p = ctx->params;
  float a_scale = p->y_kind == Y_FLOAT ? scale_at(ctx->in[p->x_scale], 0) : 1.0f;
  if (p->path == DIRECT) {
    run_direct(ctx, a_scale);
    return WISP_OK;
  }
  char *work = (char *)ctx->scratch + image_bytes(p);
  for (int64_t n = 0; n < p->N; n++) {
    center_image(ctx, n, ctx->scratch);
    if (p->path == GEMM) run_gemm(ctx, n, ctx->scratch, work, a_scale);
    else run_depthwise(ctx, n, ctx->scratch, work, a_scale);
  }
  return WISP_OK;
}

/* ---- the ops ---------------------------------------------------------------------------------- */

/* ConvInteger(x, w, x_zp?, w_zp?); marked wisp_to_float: (x, w, x_zp, w_zp?, x_scale, w_scale,
 * B?) with float output, the QDQ conv. */
WISP_COLD static wisp_status convi_infer(wisp_op_ctx *ctx) {
  qconv_params *p = ctx->params;
  int to_float = (int)wisp_attr_int(ctx->node, "wisp_to_float", 0);
  WISP_TRY(wisp_op_expect_inputs(ctx, to_float ? 6 : 2, to_float ? 7 : 4));
  p->w = 1, p->x_zp = 2, p->w_zp = 3, p->x_scale = -1, p->w_scale = -1, p->bias = -1;
  p->y_kind = to_float ? Y_FLOAT : Y_INT32;
  if (to_float) {
    p->x_scale = 4, p->w_scale = 5, p->bias = 6;
    p->quantize_x = (int)wisp_attr_int(ctx->node, "wisp_quantize_a", 0);
    for (int i = 4; i < ctx->n_in; i++)
      if (ctx->in[i]) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
    if (!ctx->in[2] || !ctx->in[4] || !ctx->in[5])
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "x's zero point and both scales are needed");
  }
  return qconv_setup(ctx, to_float ? WISP_DT_FLOAT : WISP_DT_INT32);
}

const wisp_op_def wisp_op_ConvInteger = {
    "", "ConvInteger", sizeof(qconv_params), qconv_parse, convi_infer, qconv_exec, 0};

/* QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B int32) */
WISP_COLD static wisp_status qlconv_infer(wisp_op_ctx *ctx) {
  qconv_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 8, 9));
  for (int i = 1; i < 8; i += i == 4 ? 2 : 3) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  if (!ctx->in[7] || !is_q8(ctx->in[7]->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "y_zero_point must be uint8 or int8");
  if (ctx->n_in > 8 && ctx->in[8]) WISP_TRY(wisp_op_expect_dtype(ctx, 8, WISP_DT_INT32));
  if (wisp_shape_numel(&ctx->in[6]->shape) != 1 || wisp_shape_numel(&ctx->in[7]->shape) != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "y_scale and y_zero_point must be scalars");
  p->w = 3, p->x_zp = 2, p->w_zp = 5, p->x_scale = 1, p->w_scale = 4, p->bias = 8;
  p->y_kind = Y_Q8;
  return qconv_setup(ctx, ctx->in[7]->dtype);
}

const wisp_op_def wisp_op_QLinearConv = {
    "", "QLinearConv", sizeof(qconv_params), qconv_parse, qlconv_infer, qconv_exec, 0};
