/* conv.c — Conv (1-D to 3-D; strides, pads, auto_pad, dilations, groups) over the packed f32 GEMM,
 * and the sliding-window geometry shared with the pools (pool.c).
 *
 * Spatial dims are held as 3-D with unit leading dims, so one loop nest serves 1-D, 2-D and 3-D.
 * General conv, per image and group: output pixels go in tiles of `tile` rows; a tile's im2col
 * rows (tile × K, K = C/g·kd·kh·kw in W's (c, kd, kh, kw) order) are multiplied by Wᵀ packed
 * as the GEMM's B (K × M/g, bias in the panels), and the (tile × M/g) result is transposed into
 * NCHW. Tiling keeps im2col memory small (a whole 224×224 image would need ~100 MB).
 * Depthwise (C/g == 1, g > 1) is a direct loop: as a GEMM it has N = M/g columns, often 1. */
#include <stdint.h>
#include <string.h>

#include "../kernels/gemm.h"
#include "op.h"

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
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "kernel, strides, dilations or pads too large");
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
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "kernel extent %lld is larger than the padded input %lld (spatial dim %d)",
                          (long long)eff, (long long)(in[i] + pb[i] + pe[i]), j);
    out[i] = span / s[i] + 1;
    /* ceil_mode adds a last partial window, unless it would start inside the end padding */
    if (ceil_mode && span % s[i] && out[i] * s[i] < in[i] + pb[i]) out[i]++;
  }
  return WISP_OK;
}

typedef struct {
  int64_t group;
  int64_t N, C, M, Cg, Mg, K;      /* K = Cg·kd·kh·kw */
  int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], out[3];
  int64_t npix, tile;              /* output pixels per image; im2col rows per GEMM call */
  int empty, depthwise, packed_once;
  size_t group_floats;             /* packed Wᵀ of one group */
  size_t pack_bytes, col_bytes, tile_bytes; /* scratch parts, each rounded up to 64 bytes */
} conv_params;

static wisp_status conv_parse(wisp_op_ctx *ctx) {
  conv_params *p = ctx->params;
  p->group = wisp_attr_int(ctx->node, "group", 1);
  if (p->group < 1 || p->group > INT32_MAX)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "group %lld must be positive",
                        (long long)p->group);
  return WISP_OK;
}

static size_t round64(uint64_t n) { return (size_t)((n + 63) / 64 * 64); }

static wisp_status conv_infer(wisp_op_ctx *ctx) {
  conv_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 3));
  const wisp_tensor *x = ctx->in[0], *w = ctx->in[1], *b = ctx->n_in > 2 ? ctx->in[2] : NULL;
  for (int i = 0; i < ctx->n_in; i++)
    if (ctx->in[i]) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  const wisp_shape *xs = &x->shape, *ws = &w->shape;
  int nsp = xs->ndim - 2, off = 3 - nsp;
  if (nsp < 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "X has rank %d, needs (N, C, spatial...)",
                        xs->ndim);
  if (nsp > 3)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "X has rank %d; wisp supports 1-D to 3-D Conv",
                        xs->ndim);
  if (ws->ndim != xs->ndim)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "W has rank %d, X has rank %d", ws->ndim,
                        xs->ndim);
  /* x is (N, C, D, H, W), w is (M, C/group, kd, kh, kw), b is (M) */
  int64_t g = p->group;
  p->N = xs->dims[0], p->C = xs->dims[1], p->M = ws->dims[0], p->Cg = ws->dims[1];
  for (int i = 0; i < 3; i++) {
    p->in[i] = i < off ? 1 : xs->dims[2 + i - off];
    p->k[i] = i < off ? 1 : ws->dims[2 + i - off];
  }
  int nk;
  const int64_t *ks = wisp_attr_ints(ctx->node, "kernel_shape", &nk);
  for (int j = 0; ks && j < nk; j++)
    if (nk != nsp || ks[j] != ws->dims[2 + j])
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "kernel_shape does not match W's spatial dims");
  if (p->C != p->Cg * g)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "X has %lld channels but W expects %lld per group × group %lld",
                        (long long)p->C, (long long)p->Cg, (long long)g);
  if (p->M % g)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "W's %lld output channels do not divide by group %lld",
                        (long long)p->M, (long long)g);
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
  if (p->depthwise) return WISP_OK;

  /* scratch: [packed Wᵀ unless packed once][im2col tile (tile × K)][GEMM out tile (tile × Mg)] */
  uint64_t panels = ((uint64_t)p->Mg + WISP_GEMM_NR - 1) / WISP_GEMM_NR;
  uint64_t pack = (uint64_t)g * panels * ((uint64_t)p->K + 1) * WISP_GEMM_NR * sizeof(float);
  int64_t tile = p->K ? (1 << 17) / p->K : 1024; /* about 512 KB of im2col */
  tile = tile < 16 ? 16 : tile > 1024 ? 1024 : tile / 4 * 4;
  p->tile = tile < p->npix ? tile : p->npix;
  uint64_t col = (uint64_t)p->tile * p->K * sizeof(float);
  uint64_t out = (uint64_t)p->tile * p->Mg * sizeof(float);
  if (pack > WISP_MAX_TENSOR_BYTES || col > WISP_MAX_TENSOR_BYTES || out > WISP_MAX_TENSOR_BYTES)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "weights or im2col buffer would exceed 2 GB");
  p->group_floats = wisp_f32_gemm_packed_size((int)p->K, (int)p->Mg);
  p->pack_bytes = round64(pack), p->col_bytes = round64(col), p->tile_bytes = round64(out);
  p->packed_once = w->data && (!b || b->data);
  if (p->packed_once && !ctx->state) {
    ctx->state = wisp_aligned_alloc(p->pack_bytes);
    if (!ctx->state) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory packing weights");
    const float *wd = w->data, *bd = b ? b->data : NULL;
    for (int64_t gi = 0; gi < g; gi++) /* B = Wᵀ: B(k, n) = W[(gi·Mg + n)·K + k] */
      wisp_f32_gemm_pack((int)p->K, (int)p->Mg, wd + gi * p->Mg * p->K, 1, p->K,
                         bd ? bd + gi * p->Mg : NULL, (float *)ctx->state + gi * p->group_floats);
  }
  uint64_t total = (p->packed_once ? 0 : p->pack_bytes) + (uint64_t)p->col_bytes + p->tile_bytes;
  if (total > WISP_MAX_TENSOR_BYTES)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "scratch would exceed 2 GB");
  ctx->scratch_bytes = (size_t)total;
  return WISP_OK;
}

/* Rows [p0, p0 + rows) of one group's im2col matrix: row r is output pixel p0 + r, its K columns
 * the inputs under the kernel, in W's (c, kd, kh, kw) order, zeros where they fall in padding.
 * x is (Cg, D, H, W) of this image and group; col is (rows, K). */
static void im2col(const conv_params *p, const float *x, int64_t p0, int64_t rows, float *col) {
  const int64_t *in = p->in;
  int64_t ow = p0 % p->out[2], oh = p0 / p->out[2] % p->out[1], od = p0 / p->out[2] / p->out[1];
  for (int64_t r = 0; r < rows; r++) {
    int64_t z0 = od * p->s[0] - p->pb[0], y0 = oh * p->s[1] - p->pb[1], x0 = ow * p->s[2] - p->pb[2];
    for (int64_t c = 0; c < p->Cg; c++)
      for (int64_t kd = 0; kd < p->k[0]; kd++) {
        int64_t iz = z0 + kd * p->d[0];
        for (int64_t kh = 0; kh < p->k[1]; kh++) {
          int64_t iy = y0 + kh * p->d[1];
          if (iz < 0 || iz >= in[0] || iy < 0 || iy >= in[1]) { /* a row of padding */
            memset(col, 0, (size_t)p->k[2] * sizeof *col);
            col += p->k[2];
            continue;
          }
          const float *xr = x + ((c * in[0] + iz) * in[1] + iy) * in[2];
          if (p->d[2] == 1 && x0 >= 0 && x0 + p->k[2] <= in[2]) { /* all inside: one copy */
            memcpy(col, xr + x0, (size_t)p->k[2] * sizeof *col);
            col += p->k[2];
            continue;
          }
          for (int64_t kw = 0; kw < p->k[2]; kw++) {
            int64_t ix = x0 + kw * p->d[2];
            *col++ = ix >= 0 && ix < in[2] ? xr[ix] : 0.0f;
          }
        }
      }
    if (++ow == p->out[2]) {
      ow = 0;
      if (++oh == p->out[1]) oh = 0, od++;
    }
  }
}

/* The kernel taps j in [*lo, *hi) whose input start + j·d lies in [0, n). */
static void taps(int64_t start, int64_t k, int64_t d, int64_t n, int64_t *lo, int64_t *hi) {
  *lo = start >= 0 ? 0 : (-start + d - 1) / d;
  *hi = start >= n ? 0 : (n - 1 - start) / d + 1;
  if (*hi > k) *hi = k;
  if (*lo > *hi) *lo = *hi;
}

/* Depthwise: output channel m reads only input channel m / Mg. */
static void conv_depthwise(const conv_params *p, const float *x, const float *w, const float *b,
                           float lo, float hi, float *y) {
  const int64_t *in = p->in, *k = p->k, *s = p->s, *d = p->d, *pb = p->pb;
  int64_t plane = in[0] * in[1] * in[2];
  for (int64_t n = 0; n < p->N; n++)
    for (int64_t m = 0; m < p->M; m++) {
      const float *xc = x + (n * p->C + m / p->Mg) * plane, *wm = w + m * p->K;
      float *ym = y + (n * p->M + m) * p->npix;
      for (int64_t od = 0; od < p->out[0]; od++) {
        int64_t z0 = od * s[0] - pb[0], zlo, zhi;
        taps(z0, k[0], d[0], in[0], &zlo, &zhi);
        for (int64_t oh = 0; oh < p->out[1]; oh++) {
          int64_t y0 = oh * s[1] - pb[1], ylo, yhi;
          taps(y0, k[1], d[1], in[1], &ylo, &yhi);
          for (int64_t ow = 0; ow < p->out[2]; ow++) {
            int64_t x0 = ow * s[2] - pb[2], xlo, xhi;
            taps(x0, k[2], d[2], in[2], &xlo, &xhi);
            float acc = b ? b[m] : 0.0f;
            for (int64_t kd = zlo; kd < zhi; kd++)
              for (int64_t kh = ylo; kh < yhi; kh++) {
                int64_t row = ((z0 + kd * d[0]) * in[1] + y0 + kh * d[1]) * in[2] + x0;
                const float *wr = wm + (kd * k[1] + kh) * k[2];
                for (int64_t kw = xlo; kw < xhi; kw++) acc += xc[row + kw * d[2]] * wr[kw];
              }
            *ym++ = acc < lo ? lo : acc > hi ? hi : acc; /* fused activation (fuse.c) */
          }
        }
      }
    }
}

static wisp_status conv_exec(wisp_op_ctx *ctx) {
  const conv_params *p = ctx->params;
  if (p->empty) return WISP_OK;
  const float *x = ctx->in[0]->data, *w = ctx->in[1]->data;
  const float *b = ctx->n_in > 2 && ctx->in[2] ? ctx->in[2]->data : NULL;
  float *y = ctx->out[0]->data;
  if (p->depthwise) {
    conv_depthwise(p, x, w, b, ctx->node->act_min, ctx->node->act_max, y);
    return WISP_OK;
  }
  char *scratch = ctx->scratch;
  const float *packed = ctx->state;
  if (!p->packed_once) {
    float *pk = (float *)scratch;
    for (int64_t g = 0; g < p->group; g++)
      wisp_f32_gemm_pack((int)p->K, (int)p->Mg, w + g * p->Mg * p->K, 1, p->K,
                         b ? b + g * p->Mg : NULL, pk + g * p->group_floats);
    packed = pk;
    scratch += p->pack_bytes;
  }
  float *col = (float *)scratch, *tile = (float *)(scratch + p->col_bytes);
  int64_t plane = p->in[0] * p->in[1] * p->in[2], Mg = p->Mg, npix = p->npix;
  for (int64_t n = 0; n < p->N; n++)
    for (int64_t g = 0; g < p->group; g++) {
      const float *xg = x + (n * p->C + g * p->Cg) * plane;
      float *yg = y + (n * p->M + g * Mg) * npix; /* (Mg, npix) */
      for (int64_t p0 = 0; p0 < npix; p0 += p->tile) {
        int64_t rows = npix - p0 < p->tile ? npix - p0 : p->tile;
        im2col(p, xg, p0, rows, col);
        /* tile (rows, Mg) = col (rows, K) · Wᵀ (K, Mg) + bias */
        wisp_f32_gemm((int)rows, (int)Mg, (int)p->K, col, p->K, packed + g * p->group_floats,
                      tile, Mg, ctx->node->act_min, ctx->node->act_max);
        for (int64_t m = 0; m < Mg; m++)
          for (int64_t r = 0; r < rows; r++) yg[m * npix + p0 + r] = tile[r * Mg + m];
      }
    }
  return WISP_OK;
}

const wisp_op_def wisp_op_Conv = {"", "Conv", sizeof(conv_params), conv_parse, conv_infer,
                                  conv_exec, 0};
