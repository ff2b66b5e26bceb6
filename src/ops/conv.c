/* conv.c — Conv (1-D to 3-D; strides, pads, auto_pad, dilations, groups) over the packed f32 GEMM,
 * and the sliding-window geometry shared with the pools (pool.c).
 *
 * Spatial dims are held as 3-D with unit leading dims, so one loop nest serves 1-D, 2-D and 3-D.
 * General conv, per image and group, is one GEMM in NCHW with the weights on the left:
 *   Y (Mg × pixels) = W' (Mg × K') · im2col(X) (K' × pixels),   K' = K + 1 = Cg·kd·kh·kw + 1
 * W' is W with the bias as an extra column (packed once at plan time), and im2col(X) is built
 * a tile of pixels at a time straight into the GEMM's 8-column panel layout, with a row of ones
 * that picks up the bias. The result lands in NCHW with no transpose, and the fused activation
 * (src/fuse/) is the GEMM's clamp; a fused SiLU runs over each block of output the GEMM (or the
 * depthwise loop) just wrote, while it is still in cache.
 * A 1×1 stride-1 conv without padding needs no im2col: its B is the input planes as they lie
 * (wisp_f32_gemm_rowbias), with the bias per row of Y.
 * Depthwise (C/g == 1, g > 1) is a direct loop over a zero-padded copy of each input plane.
 * 3×3 stride-1 convs with constant weights and one group go to Winograd (conv_winograd.c). */
#include <stdint.h>
#include <string.h>

#include "../kernels/config.h"
#include "conv.h"
#include "../threads.h"

/* Reads strides, dilations, pads and auto_pad of a Conv or pool node whose kernel is k over
 * spatial dims in (nsp of them), and computes the output dims and the begin/end pads. Every array
 * has 3 entries, dims right-aligned: the 3 - nsp leading ones are unit dims. */
wisp_status wisp_window_geometry(const wisp_op_ctx *ctx, int nsp, const int64_t *in,
                                 const int64_t *k, int ceil_mode, int64_t *s, int64_t *d,
                                 int64_t *pb, int64_t *pe, int64_t *out) {
  int ns, nd, np;
  const int64_t *as = wisp_attr_ints(ctx->node, "strides", &ns);
  const int64_t *ad = wisp_attr_ints(ctx->node, "dilations", &nd);
  const int64_t *ap = wisp_attr_ints(ctx->node, "pads", &np);
  if ((as && ns != nsp) || (ad && nd != nsp) || (ap && np != 2 * nsp))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "strides, dilations or pads do not match the %d spatial dims", nsp);
  const char *mode = wisp_attr_string(ctx->node, "auto_pad", "NOTSET");
  int same = !strcmp(mode, "SAME_UPPER") ? 1 : !strcmp(mode, "SAME_LOWER") ? 2 : 0;
  int valid = !strcmp(mode, "VALID");
  if (!same && !valid && strcmp(mode, "NOTSET"))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "unknown auto_pad '%s'", mode);
  for (int i = 0, off = 3 - nsp; i < 3; i++) {
    s[i] = d[i] = 1, pb[i] = pe[i] = 0, out[i] = in[i];
    if (i < off) continue;
    int j = i - off;
    if (as) s[i] = as[j];
    if (ad) d[i] = ad[j];
    if (ap && !same && !valid) pb[i] = ap[j], pe[i] = ap[j + nsp];
    if (s[i] <= 0 || d[i] <= 0 || k[i] <= 0 || pb[i] < 0 || pe[i] < 0)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                          "kernel, strides and dilations must be positive, pads non-negative");
    /* bounded so that the products below stay far from int64 overflow */
    if (s[i] > INT32_MAX || d[i] > INT32_MAX || k[i] > INT32_MAX || pb[i] > INT32_MAX ||
        pe[i] > INT32_MAX)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "kernel, strides, dilations or pads too large");
    int64_t eff = (k[i] - 1) * d[i] + 1; /* kernel extent with dilation */
    if (same) {
      out[i] = (in[i] + s[i] - 1) / s[i];
      int64_t total = out[i] ? (out[i] - 1) * s[i] + eff - in[i] : 0;
      if (total < 0) total = 0;
      pb[i] = same == 1 ? total / 2 : total - total / 2;
      pe[i] = total - pb[i];
      continue;
    }
    int64_t span = in[i] + pb[i] + pe[i] - eff;
    if (span < 0)
      return WISP_OP_FAIL(
          ctx, WISP_ERR_INVALID_ARG,
          "kernel extent %lld is larger than the padded input %lld (spatial dim %d)",
          (long long)eff, (long long)(in[i] + pb[i] + pe[i]), j);
    out[i] = span / s[i] + 1;
    /* ceil_mode adds a last partial window, unless it would start inside the end padding */
    if (ceil_mode && span % s[i] && out[i] * s[i] < in[i] + pb[i]) out[i]++;
  }
  return WISP_OK;
}

wisp_status wisp_conv_parse(wisp_op_ctx *ctx) {
  wisp_conv_params *p = ctx->params;
  const wisp_epilogue *e = wisp_node_epilogue(ctx->node);
  p->lo = e->lo, p->hi = e->hi, p->gate = e->gate;
  p->group = wisp_attr_int(ctx->node, "group", 1);
  if (p->group < 1 || p->group > INT32_MAX)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "group %lld must be positive",
                        (long long)p->group);
  return WISP_OK;
}

static size_t round64(uint64_t n) { return (size_t)((n + 63) / 64 * 64); }

/* W' (M × K+1): each output channel's K weights, then its bias. */
static void weights_with_bias(const wisp_conv_params *p, const float *w, const float *b,
                              float *out) {
  for (int64_t m = 0; m < p->M; m++) {
    memcpy(out + m * (p->K + 1), w + m * p->K, (size_t)p->K * sizeof *w);
    out[m * (p->K + 1) + p->K] = b ? b[m] : 0.0f;
  }
}

wisp_status wisp_conv_check_inputs(const wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 3));
  for (int i = 0; i < ctx->n_in; i++)
    if (ctx->in[i]) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  const wisp_shape *xs = &ctx->in[0]->shape, *ws = &ctx->in[1]->shape;
  if (xs->ndim < 3)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "X has rank %d, needs (N, C, spatial...)",
                        xs->ndim);
  if (xs->ndim > 5)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "X has rank %d; wisp supports 1-D to 3-D",
                        xs->ndim);
  if (ws->ndim != xs->ndim)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "W has rank %d, X has rank %d", ws->ndim,
                        xs->ndim);
  return WISP_OK;
}

wisp_status wisp_conv_spatial_dims(const wisp_op_ctx *ctx, int64_t in[3], int64_t k[3]) {
  const wisp_shape *xs = &ctx->in[0]->shape, *ws = &ctx->in[1]->shape;
  int nsp = xs->ndim - 2, off = 3 - nsp;
  for (int i = 0; i < 3; i++) {
    in[i] = i < off ? 1 : xs->dims[2 + i - off];
    k[i] = i < off ? 1 : ws->dims[2 + i - off];
  }
  int nk;
  const int64_t *ks = wisp_attr_ints(ctx->node, "kernel_shape", &nk);
  for (int j = 0; ks && j < nk; j++)
    if (nk != nsp || ks[j] != ws->dims[2 + j])
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "kernel_shape does not match W's spatial dims");
  return WISP_OK;
}

wisp_status wisp_conv_infer(wisp_op_ctx *ctx) {
  wisp_conv_params *p = ctx->params;
  WISP_TRY(wisp_conv_check_inputs(ctx));
  const wisp_tensor *x = ctx->in[0], *w = ctx->in[1], *b = ctx->n_in > 2 ? ctx->in[2] : NULL;
  const wisp_shape *xs = &x->shape, *ws = &w->shape;
  int nsp = xs->ndim - 2, off = 3 - nsp;
  /* x is (N, C, D, H, W), w is (M, C/group, kd, kh, kw), b is (M) */
  int64_t g = p->group;
  p->N = xs->dims[0], p->C = xs->dims[1], p->M = ws->dims[0], p->Cg = ws->dims[1];
  WISP_TRY(wisp_conv_spatial_dims(ctx, p->in, p->k));
  if (p->C != p->Cg * g)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "X has %lld channels but W expects %lld per group × group %lld",
                        (long long)p->C, (long long)p->Cg, (long long)g);
  if (p->M % g)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "W's %lld output channels do not divide by group %lld", (long long)p->M,
                        (long long)g);
  if (b && (b->shape.ndim != 1 || b->shape.dims[0] != p->M))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "B must be (%lld), one bias per output channel",
                        (long long)p->M);
  WISP_TRY(wisp_window_geometry(ctx, nsp, p->in, p->k, 0, p->s, p->d, p->pb, p->pe, p->out));
  wisp_tensor *y = ctx->out[0];
  y->dtype = WISP_DT_FLOAT;
  y->shape.ndim = xs->ndim;
  y->shape.dims[0] = p->N, y->shape.dims[1] = p->M;
  for (int j = 0; j < nsp; j++) y->shape.dims[2 + j] = p->out[off + j];
  WISP_TRY(wisp_shape_check(&y->shape, "Conv output"));
  p->empty = wisp_shape_numel(&y->shape) == 0;
  if (p->empty) return WISP_OK;
  /* Y is non-empty, so M >= 1 and K = numel(W) / M <= 2^31; npix <= numel(Y) <= 2^31. */
  p->Mg = p->M / g;
  p->K = p->Cg * p->k[0] * p->k[1] * p->k[2];
  p->npix = p->out[0] * p->out[1] * p->out[2];
  if (p->K >= INT32_MAX)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "kernel of %lld weights per output is too large",
                        (long long)p->K);
  p->depthwise = p->Cg == 1 && g > 1;
  for (int i = 0; i < 3; i++) p->padded[i] = p->in[i] + p->pb[i] + p->pe[i];
  p->needs_padding = p->pb[0] + p->pb[1] + p->pb[2] + p->pe[0] + p->pe[1] + p->pe[2] > 0;
  /* Winograd when it saves work: enough channels that its GEMMs are not all overhead; the choice
   * (and the tile, wisp_wino_tile) depends on W only, so a new input shape never changes what
   * ctx->state holds */
  p->winograd = nsp == 2 && g == 1 && p->k[1] == 3 && p->k[2] == 3 && p->s[1] == 1 &&
                p->s[2] == 1 && p->d[1] == 1 && p->d[2] == 1 && p->C >= 8 && p->M >= 8 &&
                p->C * p->M <= (1 << 22) && w->data && (!b || b->data);
  p->pointwise = !p->depthwise && !p->needs_padding && p->K == p->Cg && p->s[0] == 1 &&
                 p->s[1] == 1 && p->s[2] == 1;
  uint64_t scratch;
  if (p->pointwise) {
    /* scratch: [the ragged last 8 columns of B][zero bias when there is none] */
    p->tile_bytes = round64((uint64_t)p->K * WISP_GEMM_NR * sizeof(float));
    scratch = p->tile_bytes + (uint64_t)p->Mg * sizeof(float);
  } else if (p->winograd) {
    if (p->in[1] > 32768 || p->in[2] > 32768)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                          "a 3×3 Conv over more than 32768 rows or columns");
    int m = wisp_wino_tile((int)p->C, (int)p->M);
    wisp_wino_geometry(&p->wino, m, (int)p->C, (int)p->M, (int)p->in[1], (int)p->in[2],
                       (int)p->out[1], (int)p->out[2], (int)p->pb[1], (int)p->pb[2]);
    if (!ctx->state) {
      ctx->state = wisp_aligned_alloc((size_t)wisp_wino_weights_bytes(m, (int)p->M, (int)p->C));
      if (!ctx->state) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory for weights");
      wisp_wino_weights(m, (int)p->M, (int)p->C, w->data, ctx->state);
    }
    scratch = wisp_wino_scratch_bytes(&p->wino);
  } else if (p->depthwise) {
    /* scratch: [row offsets][per thread: padded input plane + 4 floats the row kernel may read
     * past it] */
    p->tile_bytes =
        round64(((uint64_t)p->padded[0] * p->padded[1] * p->padded[2] + 4) * sizeof(float));
    p->slots = wisp_threads();
    scratch = round64((uint64_t)p->k[0] * p->k[1] * sizeof(ptrdiff_t)) +
              (uint64_t)p->slots * p->tile_bytes;
  } else {
    /* scratch: [W' unless made once][one tile of packed im2col panels][padded input] */
    uint64_t wbytes = (uint64_t)p->M * (p->K + 1) * sizeof(float);
    int64_t tile = (1 << 16) / (p->K + 1) / WISP_GEMM_NR * WISP_GEMM_NR; /* ~256 KB of panels */
    int64_t all = (p->npix + WISP_GEMM_NR - 1) / WISP_GEMM_NR * WISP_GEMM_NR;
    tile = tile < 64 ? 64 : tile;
    /* with threads and pixels enough for about 4 tiles of 64 a thread, the tiles spread over
     * the threads, each packing its own; else one at a time, the GEMM threaded. A pixel's
     * column comes out the same in any tile, so this changes no result. */
    int64_t share = p->npix / (4 * (int64_t)wisp_threads());
    p->slots = wisp_threads() > 1 && share >= 64 ? wisp_threads() : 1;
    if (p->slots > 1 && (share + WISP_GEMM_NR - 1) / WISP_GEMM_NR * WISP_GEMM_NR < tile)
      tile = (share + WISP_GEMM_NR - 1) / WISP_GEMM_NR * WISP_GEMM_NR;
    p->tile = tile < all ? tile : all;
    uint64_t tbytes = (uint64_t)p->tile * (p->K + 2) * sizeof(float);
    if (wbytes > WISP_MAX_TENSOR_BYTES || tbytes > WISP_MAX_TENSOR_BYTES)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "weights or im2col buffer would exceed 2 GB");
    p->weights_bytes = round64(wbytes), p->tile_bytes = round64(tbytes);
    p->weights_once = w->data && (!b || b->data);
    if (p->weights_once && !ctx->state) {
      ctx->state = wisp_aligned_alloc(p->weights_bytes);
      if (!ctx->state) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory for weights");
      weights_with_bias(p, w->data, b ? b->data : NULL, ctx->state);
    }
    uint64_t pbytes = p->needs_padding ? (uint64_t)p->Cg * p->padded[0] * p->padded[1] *
                                             p->padded[2] * sizeof(float)
                                       : 0;
    if (pbytes > WISP_MAX_TENSOR_BYTES)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "padded input would exceed 2 GB");
    p->padded_bytes = round64(pbytes);
    /* […][where each of a window's K values sits relative to its start] (fewer bytes than a
     * tile's panels, so within 2 GB too) */
    scratch = (p->weights_once ? 0 : p->weights_bytes) + (uint64_t)p->slots * p->tile_bytes +
              p->padded_bytes + (uint64_t)p->K * sizeof(ptrdiff_t);
  }
  if (scratch > WISP_MAX_TENSOR_BYTES)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "scratch would exceed 2 GB");
  ctx->scratch_bytes = scratch;
  return WISP_OK;
}

/* Copies one image and group's input (Cg, D, H, W) into a zero-padded (Cg, Dp, Hp, Wp) buffer, so
 * packing reads every tap without bounds checks. */
static void pad_input(const wisp_conv_params *p, const float *x, float *xp) {
  const int64_t *in = p->in, *pd = p->padded, *pb = p->pb;
  wisp_f32_copy_rows_fn copy_rows = wisp_kernels()->copy.rows;
  memset(xp, 0, (size_t)(p->Cg * pd[0] * pd[1] * pd[2]) * sizeof *xp);
  for (int64_t c = 0; c < p->Cg; c++)
    for (int64_t z = 0; z < in[0]; z++)
      copy_rows((size_t)in[1], (size_t)in[2], x + (c * in[0] + z) * in[1] * in[2], (ptrdiff_t)in[2],
                xp + ((c * pd[0] + z + pb[0]) * pd[1] + pb[1]) * pd[2] + pb[2], (ptrdiff_t)pd[2]);
}

/* Packs output pixels [p0, p0 + cols) of one image and group as the GEMM's B (K+1 × cols) in
 * 8-pixel panels: [8 zeros (panel bias slot)][k = 0: 8 inputs]…[k = K: 8 ones], inputs under the
 * kernel in W's (c, kd, kh, kw) order, value k of a window off[k] past its start. xp is the
 * padded input (Cg, Dp, Hp, Wp) (pad_input; the input itself when there is no padding). Columns
 * past the last pixel repeat the first: the GEMM never stores them. */
static void pack_pixels(const wisp_conv_params *p, const float *xp, const ptrdiff_t *off,
                        int64_t p0, int64_t cols, float *packed) {
  const int64_t *s = p->s, *pd = p->padded;
  for (int64_t j0 = 0; j0 < cols; j0 += WISP_GEMM_NR, packed += (p->K + 2) * WISP_GEMM_NR) {
    int64_t first = p0 + j0;
    int nc = p->npix - first < WISP_GEMM_NR ? (int)(p->npix - first) : WISP_GEMM_NR;
    /* where each pixel's window starts in the padded input */
    ptrdiff_t base[WISP_GEMM_NR];
    for (int j = 0; j < WISP_GEMM_NR; j++) {
      int64_t q = first + (j < nc ? j : 0);
      int64_t ow = q % p->out[2], oh = q / p->out[2] % p->out[1], od = q / p->out[2] / p->out[1];
      base[j] = (ptrdiff_t)(((od * s[0]) * pd[1] + oh * s[1]) * pd[2] + ow * s[2]);
    }
    int even = nc == WISP_GEMM_NR && s[2] <= 2; /* 8 pixels s[2] apart, even across rows: SIMD */
    for (int j = 1; j < WISP_GEMM_NR; j++) even = even && base[j] - base[j - 1] == s[2];
    float *w = packed;
    memset(w, 0, WISP_GEMM_NR * sizeof *w);
    w += WISP_GEMM_NR;
    if (even) {
      wisp_kernels()->copy.pack_cols8((size_t)p->K, xp + base[0], off, (int)s[2], w);
      w += p->K * WISP_GEMM_NR;
    } else
      for (int64_t k = 0; k < p->K; k++, w += WISP_GEMM_NR)
        for (int j = 0; j < WISP_GEMM_NR; j++) w[j] = xp[off[k] + base[j]];
    for (int j = 0; j < WISP_GEMM_NR; j++) w[j] = 1.0f; /* the bias row */
  }
}

/* The epilogue's x·gate(x) (WISP_GATE_*), or NULL. */
static wisp_f32_vunary_fn gate_kernel(int gate) {
  const wisp_vmath_config *vm = &wisp_kernels()->vmath;
  return gate == WISP_GATE_SIGMOID ? vm->silu : gate == WISP_GATE_HARD ? vm->hswish : NULL;
}

typedef struct {
  const wisp_conv_params *p;
  const float *x, *w, *b;
  float lo, hi, *planes, *y;
  const ptrdiff_t *tap;
} dw_job;

/* Images [n, n + nn) × output channels [m, m + nm), in this thread's padded plane. */
static void dw_tile(void *ctx, int thread, size_t n0, size_t m0, size_t nn, size_t nm) {
  const dw_job *j = ctx;
  const wisp_conv_params *p = j->p;
  const int64_t *in = p->in, *k = p->k, *s = p->s, *d = p->d, *pb = p->pb, *pd = p->padded;
  wisp_f32_dwconv_rows_fn rows_kernel = wisp_kernels()->dwconv.rows;
  wisp_f32_copy_rows_fn copy_rows = wisp_kernels()->copy.rows;
  wisp_f32_vunary_fn gate = gate_kernel(p->gate);
  int64_t plane = in[0] * in[1] * in[2], oh_n = p->out[1], ow_n = p->out[2];
  float *padded = (float *)((char *)j->planes + (size_t)thread * p->tile_bytes);
  memset(padded, 0, (size_t)(pd[0] * pd[1] * pd[2]) * sizeof *padded);
  for (int64_t n = (int64_t)n0; n < (int64_t)(n0 + nn); n++)
    for (int64_t m = (int64_t)m0; m < (int64_t)(m0 + nm); m++) {
      int64_t c = m / p->Mg;
      if (m == (int64_t)m0 || m % p->Mg == 0) { /* a new input plane; the padding stays zero */
        const float *xc = j->x + (n * p->C + c) * plane;
        for (int64_t z = 0; z < in[0]; z++)
          copy_rows((size_t)in[1], (size_t)in[2], xc + z * in[1] * in[2], (ptrdiff_t)in[2],
                    padded + ((z + pb[0]) * pd[1] + pb[1]) * pd[2] + pb[2], (ptrdiff_t)pd[2]);
      }
      float *ym = j->y + (n * p->M + m) * p->npix;
      for (int64_t od = 0; od < p->out[0]; od++, ym += oh_n * ow_n) {
        rows_kernel((int)oh_n, (int)ow_n, (int)(k[0] * k[1]), (int)k[2], (int)s[2], (int)d[2],
                    padded + od * s[0] * pd[1] * pd[2], (ptrdiff_t)(s[1] * pd[2]), j->tap,
                    j->w + m * p->K, j->b ? j->b[m] : 0.0f, j->lo, j->hi, ym);
        if (gate) gate((size_t)(oh_n * ow_n), ym, ym);
      }
    }
}

/* Depthwise: output channel m reads only input channel m / Mg. Each input plane is copied into
 * a zero-padded buffer first, so the row kernel (kernels/dwconv.h) has no edge cases; it runs a
 * whole channel's rows per call. Channels spread over the threads, each with its own buffer. */
static void conv_depthwise(const wisp_conv_params *p, const float *x, const float *w,
                           const float *b, float lo, float hi, void *scratch, float *y) {
  const int64_t *k = p->k, *d = p->d, *pd = p->padded;
  ptrdiff_t *tap = scratch;
  for (int64_t kd = 0; kd < k[0]; kd++) /* where each kernel row starts, in W's (kd, kh) order */
    for (int64_t kh = 0; kh < k[1]; kh++)
      tap[kd * k[1] + kh] = (ptrdiff_t)((kd * d[0] * pd[1] + kh * d[1]) * pd[2]);
  float *planes =
      (float *)((char *)scratch + (((size_t)k[0] * k[1] * sizeof(ptrdiff_t) + 63) / 64 * 64));
  dw_job j = {p, x, w, b, lo, hi, planes, y, tap};
  if (wisp_threads() > p->slots) { /* planned for fewer threads: one plane */
    dw_tile(&j, 0, 0, 0, (size_t)p->N, (size_t)p->M);
    return;
  }
  /* about 8 tiles a thread (claimed as threads go: balance); a plane to clear per tile */
  size_t per = (size_t)wisp_threads() * 8, tm = ((size_t)p->M + per - 1) / per;
  tm = tm < 4 ? 4 : tm;
  wisp_parallel_2d((size_t)p->N, (size_t)p->M, 1, tm, dw_tile, &j);
}

typedef struct {
  const wisp_conv_params *p;
  const float *src, *wb; /* the (padded) input and W' of one image and group */
  const ptrdiff_t *off;  /* pack_pixels' window offsets */
  char *tiles;           /* per-thread tiles of packed panels */
  float *yg, lo, hi;     /* Y (Mg, npix) of that image and group */
  wisp_f32_vunary_fn gate;
} im2col_job;

/* Pixel tiles [t0, t0 + nt), each packed in this thread's buffer and multiplied by W'. */
static void im2col_tiles(void *ctx, int thread, size_t t0, size_t j, size_t nt, size_t nj) {
  const im2col_job *b = ctx;
  const wisp_conv_params *p = b->p;
  float *packed = (float *)(b->tiles + (size_t)thread * p->tile_bytes);
  int64_t Mg = p->Mg, npix = p->npix, K1 = p->K + 1;
  for (int64_t p0 = (int64_t)t0 * p->tile; p0 < npix && p0 < (int64_t)(t0 + nt) * p->tile;
       p0 += p->tile) {
    int64_t cols = npix - p0 < p->tile ? npix - p0 : p->tile;
    pack_pixels(p, b->src, b->off, p0, cols, packed);
    /* Y[:, p0 : p0 + cols] = W'g (Mg × K+1) · packed (K+1 × cols) */
    wisp_f32_gemm((int)Mg, (int)cols, (int)K1, b->wb, K1, packed, b->yg + p0, npix, b->lo, b->hi);
    for (int64_t m = 0; b->gate && m < Mg; m++)
      b->gate((size_t)cols, b->yg + m * npix + p0, b->yg + m * npix + p0);
  }
}

wisp_status wisp_conv_exec(wisp_op_ctx *ctx) {
  const wisp_conv_params *p = ctx->params;
  if (p->empty) return WISP_OK;
  const float *x = ctx->in[0]->data, *w = ctx->in[1]->data;
  const float *b = ctx->n_in > 2 && ctx->in[2] ? ctx->in[2]->data : NULL;
  float *y = ctx->out[0]->data, lo = p->lo, hi = p->hi;
  wisp_f32_vunary_fn gate = gate_kernel(p->gate);
  if (p->pointwise) {
    float *tail = ctx->scratch, *zeros = (float *)((char *)ctx->scratch + p->tile_bytes);
    if (!b) memset(zeros, 0, (size_t)p->Mg * sizeof *zeros);
    for (int64_t n = 0; n < p->N; n++)
      for (int64_t g = 0; g < p->group; g++)
        wisp_f32_gemm_rowbias((int)p->Mg, (int)p->npix, (int)p->K, w + g * p->Mg * p->K, p->K,
                              x + (n * p->C + g * p->Cg) * p->npix, p->npix,
                              b ? b + g * p->Mg : zeros, y + (n * p->M + g * p->Mg) * p->npix,
                              p->npix, lo, hi, gate, tail);
    return WISP_OK;
  }
  if (p->winograd) {
    size_t xsize = (size_t)p->C * p->in[1] * p->in[2], ysize = (size_t)p->M * p->npix;
    for (int64_t n = 0; n < p->N; n++)
      wisp_wino_conv(&p->wino, x + n * xsize, ctx->state, b, lo, hi, ctx->scratch, y + n * ysize);
    if (gate) gate((size_t)p->N * ysize, y, y);
    return WISP_OK;
  }
  if (p->depthwise) {
    conv_depthwise(p, x, w, b, lo, hi, ctx->scratch, y);
    return WISP_OK;
  }
  char *scratch = ctx->scratch;
  const float *wb = ctx->state;
  if (!p->weights_once) {
    weights_with_bias(p, w, b, (float *)scratch);
    wb = (const float *)scratch;
    scratch += p->weights_bytes;
  }
  float *padded = (float *)(scratch + (size_t)p->slots * p->tile_bytes);
  ptrdiff_t *off = (ptrdiff_t *)((char *)padded + p->padded_bytes), *o = off;
  const int64_t *k = p->k, *d = p->d, *pd = p->padded;
  for (int64_t c = 0; c < p->Cg; c++)
    for (int64_t kd = 0; kd < k[0]; kd++)
      for (int64_t kh = 0; kh < k[1]; kh++)
        for (int64_t kw = 0; kw < k[2]; kw++)
          *o++ = (ptrdiff_t)(((c * pd[0] + kd * d[0]) * pd[1] + kh * d[1]) * pd[2] + kw * d[2]);
  int64_t plane = p->in[0] * p->in[1] * p->in[2], Mg = p->Mg, npix = p->npix;
  size_t tiles = (size_t)((npix + p->tile - 1) / p->tile);
  int spread = p->slots > 1 && wisp_threads() > 1 && wisp_threads() <= p->slots;
  for (int64_t n = 0; n < p->N; n++)
    for (int64_t g = 0; g < p->group; g++) {
      const float *xg = x + (n * p->C + g * p->Cg) * plane;
      if (p->needs_padding) pad_input(p, xg, padded);
      im2col_job j = {p,
                      p->needs_padding ? padded : xg,
                      wb + g * Mg * (p->K + 1),
                      off,
                      scratch,
                      y + (n * p->M + g * Mg) * npix,
                      lo,
                      hi,
                      gate};
      if (spread) wisp_parallel_2d(tiles, 1, 1, 1, im2col_tiles, &j);
      else im2col_tiles(&j, 0, 0, 0, tiles, 1);
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_Conv = {
    "", "Conv", sizeof(wisp_conv_params), wisp_conv_parse, wisp_conv_infer, wisp_conv_exec, 0};
