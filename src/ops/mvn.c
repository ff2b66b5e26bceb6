/* mvn.c — MeanVarianceNormalization: y = (x - mean) / (std + 1e-9) with mean and std over
 * `axes` (default [0, 2, 3]), as the spec's function body computes it. */
#include <math.h>

#include "op.h"

typedef struct {
  int nk, nr; /* kept and reduced dims */
  int kept[WISP_MAX_DIMS], red[WISP_MAX_DIMS];
  int64_t n_kept, n_red;
} mvn_params;

static wisp_status mvn_infer(wisp_op_ctx *ctx) {
  mvn_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  const wisp_shape *s = &ctx->in[0]->shape;
  static const int64_t dflt[] = {0, 2, 3};
  int n;
  const int64_t *axes = wisp_attr_ints(ctx->node, "axes", &n);
  if (!axes) axes = dflt, n = 3;
  unsigned mask = 0;
  for (int k = 0; k < n; k++) {
    int a;
    WISP_TRY(wisp_op_axis(ctx, axes[k], s->ndim, &a));
    if (mask >> a & 1) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "axis %d repeats", a);
    mask |= 1u << a;
  }
  p->nk = p->nr = 0;
  p->n_kept = p->n_red = 1;
  for (int d = 0; d < s->ndim; d++) {
    if (mask >> d & 1) p->red[p->nr++] = d, p->n_red *= s->dims[d];
    else p->kept[p->nk++] = d, p->n_kept *= s->dims[d];
  }
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

/* Element offset of the flat index i over the listed dims of s (row-major among them). */
static int64_t offset_of(int64_t i, const int *dims, int n, const wisp_shape *s,
                         const int64_t *st) {
  int64_t off = 0;
  for (int j = n - 1; j >= 0; j--) {
    int64_t len = s->dims[dims[j]];
    off += i % len * st[dims[j]];
    i /= len;
  }
  return off;
}

static wisp_status mvn_exec(wisp_op_ctx *ctx) {
  const mvn_params *p = ctx->params;
  const wisp_shape *s = &ctx->in[0]->shape;
  const float *x = ctx->in[0]->data;
  float *y = ctx->out[0]->data;
  if (!wisp_shape_numel(s)) return WISP_OK;
  int64_t st[WISP_MAX_DIMS], acc = 1;
  for (int d = s->ndim - 1; d >= 0; d--) st[d] = acc, acc *= s->dims[d];
  for (int64_t k = 0; k < p->n_kept; k++) {
    int64_t base = offset_of(k, p->kept, p->nk, s, st);
    double sum = 0, sq = 0;
    for (int64_t r = 0; r < p->n_red; r++) sum += x[base + offset_of(r, p->red, p->nr, s, st)];
    double mean = sum / (double)p->n_red;
    for (int64_t r = 0; r < p->n_red; r++) {
      double dv = x[base + offset_of(r, p->red, p->nr, s, st)] - mean;
      sq += dv * dv;
    }
    double inv = 1.0 / (sqrt(sq / (double)p->n_red) + 1e-9);
    for (int64_t r = 0; r < p->n_red; r++) {
      int64_t o = base + offset_of(r, p->red, p->nr, s, st);
      y[o] = (float)((x[o] - mean) * inv);
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_MeanVarianceNormalization = {
    "", "MeanVarianceNormalization", sizeof(mvn_params), NULL, mvn_infer, mvn_exec, 0};
