/* einsum.c — Einsum (opset 12+): numpy's einsum over float and double.
 *
 * The equation names each input's dims with letters ("bij,bjk->bik"); "..." stands for leading
 * dims broadcast across inputs. Without "->" the output is the ellipsis dims then the letters
 * used once, in ASCII order. A letter repeated within one input takes a diagonal; a letter absent
 * from the output is summed over. Every label becomes an index variable with a size and, per
 * input, an element stride (the sum of its dims' strides for a diagonal, 0 where broadcast).
 *
 * A float product of two inputs whose labels split into batch (both inputs and the output),
 * M (first input and output), N (second and output) and K (both inputs, summed) runs as GEMMs:
 * the inputs are copied into (batch, M, K) and (batch, K, N) order, each batch's B is packed, and
 * the (batch, M, N) result copied into the output's order. Anything else (one or three inputs,
 * diagonals, a label summed within one input, double) runs the generic loop: for each output
 * element, the sum over the summed variables of the product of the inputs. */
#include <math.h>
#include <string.h>

#include "../kernels/gemm.h"
#include "op.h"

#define MAX_IN 8
#define N_LETTERS 52
#define NV (N_LETTERS + WISP_MAX_DIMS) /* letters, then the ellipsis dims (right-aligned) */
#define ELL (-1)
/* Loop iterations the generic path accepts (output elements times summed combinations). */
#define MAX_WORK ((int64_t)1 << 40)

typedef struct {
  int n_terms, has_arrow, out_len;
  int term_len[MAX_IN];
  signed char term[MAX_IN][WISP_MAX_DIMS + 1]; /* letter codes, ELL for "..." */
  signed char out[WISP_MAX_DIMS + 1];
  /* from infer */
  int n_out_vars, n_red_vars;
  int out_vars[NV], red_vars[NV];
  int64_t size[NV];
  int64_t stride[MAX_IN][NV];
  int gemm;
  int n_cls[4]; /* batch, M, N, K variables for the GEMM path */
  int cls[4][NV];
  int64_t cls_size[4]; /* products of their sizes */
} einsum_params;

enum { C_BATCH, C_M, C_N, C_K };

static int letter_code(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return 26 + c - 'a';
  return -1;
}

/* Parses one term s[0..len) (spaces allowed) into labels; returns its label count or -1. */
static int parse_term(const char *s, size_t len, signed char *labels) {
  int n = 0, ell = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == ' ') continue;
    if (n == WISP_MAX_DIMS + 1) return -1;
    if (s[i] == '.') {
      if (ell || i + 2 >= len || s[i + 1] != '.' || s[i + 2] != '.') return -1;
      ell = 1, i += 2, labels[n++] = ELL;
      continue;
    }
    int c = letter_code(s[i]);
    if (c < 0) return -1;
    labels[n++] = (signed char)c;
  }
  return n;
}

static wisp_status einsum_parse(wisp_op_ctx *ctx) {
  einsum_params *p = ctx->params;
  const wisp_attr *a = wisp_node_attr(ctx->node, "equation");
  if (!a || a->type != WISP_ATTR_STRING)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "needs a string attribute 'equation'");
  const char *eq = a->s.data, *end = eq + a->s.len;
  const char *arrow = NULL;
  for (const char *c = eq; c + 1 < end; c++)
    if (c[0] == '-' && c[1] == '>') {
      arrow = c;
      break;
    }
  const char *lhs_end = arrow ? arrow : end;
  for (const char *t = eq;; p->n_terms++) {
    const char *comma = memchr(t, ',', (size_t)(lhs_end - t));
    const char *te = comma ? comma : lhs_end;
    if (p->n_terms == MAX_IN)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "more than %d inputs", MAX_IN);
    int n = parse_term(t, (size_t)(te - t), p->term[p->n_terms]);
    if (n < 0) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "bad equation '%s'", eq);
    p->term_len[p->n_terms] = n;
    if (!comma) {
      p->n_terms++;
      break;
    }
    t = comma + 1;
  }
  if (arrow) {
    p->has_arrow = 1;
    p->out_len = parse_term(arrow + 2, (size_t)(end - arrow - 2), p->out);
    if (p->out_len < 0) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "bad equation '%s'", eq);
  }
  return WISP_OK;
}

/* a·b, or -1 when it passes `limit`. */
static int64_t mul_capped(int64_t a, int64_t b, int64_t limit) {
  if (a < 0 || b < 0) return -1;
  if (b && a > limit / b) return -1;
  return a * b;
}

/* The output variables (explicit, or implicit from the counts of letters over the inputs). */
static wisp_status einsum_output_vars(wisp_op_ctx *ctx, int n_ell, const int *used) {
  einsum_params *p = ctx->params;
  int in_out[NV] = {0};
  p->n_out_vars = 0;
  if (!p->has_arrow) {
    int count[N_LETTERS] = {0};
    for (int t = 0; t < p->n_terms; t++)
      for (int j = 0; j < p->term_len[t]; j++)
        if (p->term[t][j] != ELL) count[p->term[t][j]]++;
    for (int e = 0; e < n_ell; e++) p->out_vars[p->n_out_vars++] = N_LETTERS + e;
    for (int c = 0; c < N_LETTERS; c++)
      if (count[c] == 1) p->out_vars[p->n_out_vars++] = c;
  } else {
    for (int j = 0; j < p->out_len; j++) {
      int c = p->out[j];
      if (c == ELL) {
        for (int e = 0; e < n_ell; e++) p->out_vars[p->n_out_vars++] = N_LETTERS + e;
        continue;
      }
      if (!used[c] || in_out[c])
        return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                            "output label '%c' is repeated or not in any input",
                            c < 26 ? 'A' + c : 'a' + c - 26);
      in_out[c] = 1;
      p->out_vars[p->n_out_vars++] = c;
    }
  }
  if (p->n_out_vars > WISP_MAX_DIMS)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "output rank %d > %d", p->n_out_vars,
                        WISP_MAX_DIMS);
  return WISP_OK;
}

/* Can this be a batch of GEMMs? Sets p->gemm and the variable classes. */
static void einsum_plan_gemm(einsum_params *p, const wisp_tensor *const *in, const int *used) {
  p->gemm = 0;
  if (p->n_terms != 2 || in[0]->dtype != WISP_DT_FLOAT) return;
  int is_out[NV] = {0}, seen[NV];
  for (int j = 0; j < p->n_out_vars; j++) is_out[p->out_vars[j]] = 1;
  for (int t = 0; t < 2; t++) {
    memset(seen, 0, sizeof seen);
    for (int j = 0; j < p->term_len[t]; j++)
      if (p->term[t][j] != ELL && seen[p->term[t][j]]++) return; /* a diagonal */
  }
  memset(p->n_cls, 0, sizeof p->n_cls);
  for (int k = 0; k < 4; k++) p->cls_size[k] = 1;
  for (int v = 0; v < NV; v++) {
    if (!used[v]) continue;
    int a = used[v] & 1, b = used[v] >> 1 & 1, o = is_out[v], k;
    if (a && b) k = o ? C_BATCH : C_K;
    else if (o) k = a ? C_M : C_N;
    else return; /* summed within one input */
    p->cls[k][p->n_cls[k]++] = v;
    p->cls_size[k] = mul_capped(p->cls_size[k], p->size[v], INT32_MAX / 8);
    if (p->cls_size[k] <= 0) return; /* empty, or too large for the GEMM's int sizes */
  }
  p->gemm = 1;
}

static wisp_status einsum_infer(wisp_op_ctx *ctx) {
  einsum_params *p = ctx->params;
  if (ctx->n_in != p->n_terms)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "equation has %d inputs, node has %d",
                        p->n_terms, ctx->n_in);
  WISP_TRY(wisp_op_expect_inputs(ctx, p->n_terms, p->n_terms));
  wisp_dtype dt = ctx->in[0]->dtype;
  if (dt != WISP_DT_FLOAT && dt != WISP_DT_DOUBLE)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "input is %s, wisp supports float and double",
                        wisp_dtype_name(dt));
  for (int t = 1; t < p->n_terms; t++)
    if (ctx->in[t]->dtype != dt)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "inputs differ in dtype");
  /* bit t of used[v]: input t has variable v */
  int used[NV] = {0}, n_ell = 0;
  for (int v = 0; v < NV; v++) p->size[v] = 1;
  memset(p->stride, 0, sizeof p->stride);
  for (int t = 0; t < p->n_terms; t++) {
    int has_ell = 0, rank = ctx->in[t]->shape.ndim;
    for (int j = 0; j < p->term_len[t]; j++) has_ell |= p->term[t][j] == ELL;
    int ell_rank = rank - (p->term_len[t] - has_ell);
    if (ell_rank < 0 || (!has_ell && ell_rank != 0))
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input %d has rank %d, its term has %d labels",
                          t, rank, p->term_len[t] - has_ell);
    if (ell_rank > n_ell) n_ell = ell_rank;
  }
  for (int t = 0; t < p->n_terms; t++) {
    const wisp_shape *s = &ctx->in[t]->shape;
    int64_t st[WISP_MAX_DIMS], acc = 1;
    for (int d = s->ndim - 1; d >= 0; d--) st[d] = acc, acc *= s->dims[d];
    int has_ell = 0;
    for (int j = 0; j < p->term_len[t]; j++) has_ell |= p->term[t][j] == ELL;
    int ell_rank = s->ndim - (p->term_len[t] - has_ell);
    for (int j = 0, d = 0; j < p->term_len[t]; j++) {
      if (p->term[t][j] == ELL) {
        for (int e = 0; e < ell_rank; e++, d++) {
          int v = N_LETTERS + n_ell - ell_rank + e;
          int64_t n = s->dims[d];
          if (used[v] && p->size[v] != n && p->size[v] != 1 && n != 1)
            return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "ellipsis dims do not broadcast");
          if (!used[v] || p->size[v] == 1) p->size[v] = n;
          if (n != 1) p->stride[t][v] += st[d];
          used[v] |= 1 << t;
        }
        continue;
      }
      int v = p->term[t][j];
      if (used[v] && p->size[v] != s->dims[d])
        return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "label '%c' has sizes %lld and %lld",
                            v < 26 ? 'A' + v : 'a' + v - 26, (long long)p->size[v],
                            (long long)s->dims[d]);
      p->size[v] = s->dims[d];
      p->stride[t][v] += st[d];
      used[v] |= 1 << t;
      d++;
    }
  }
  WISP_TRY(einsum_output_vars(ctx, n_ell, used));
  int is_out[NV] = {0};
  wisp_tensor *o = ctx->out[0];
  o->dtype = dt;
  o->shape.ndim = p->n_out_vars;
  int64_t out_n = 1, red_n = 1;
  for (int j = 0; j < p->n_out_vars; j++) {
    is_out[p->out_vars[j]] = 1;
    o->shape.dims[j] = p->size[p->out_vars[j]];
    out_n = mul_capped(out_n, p->size[p->out_vars[j]], MAX_WORK);
  }
  p->n_red_vars = 0;
  for (int v = 0; v < NV; v++)
    if (used[v] && !is_out[v]) {
      p->red_vars[p->n_red_vars++] = v;
      red_n = mul_capped(red_n, p->size[v], MAX_WORK);
    }
  if (out_n < 0 || red_n < 0 || mul_capped(out_n, red_n, MAX_WORK) < 0)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "more than 2^40 multiply-adds");
  einsum_plan_gemm(p, (const wisp_tensor *const *)ctx->in, used);
  if (p->gemm) {
    int64_t b = p->cls_size[C_BATCH], m = p->cls_size[C_M], n = p->cls_size[C_N],
            k = p->cls_size[C_K];
    uint64_t floats =
        (uint64_t)(b * m * k + b * k * n + b * m * n) + wisp_f32_gemm_packed_size((int)k, (int)n);
    if (b * m * k > WISP_MAX_NUMEL || b * k * n > WISP_MAX_NUMEL || b * m * n > WISP_MAX_NUMEL)
      p->gemm = 0;
    else ctx->scratch_bytes = floats * sizeof(float);
  }
  return WISP_OK;
}

/* dst[dst_off(i)] = src[src_off(i)] over the index space of nv variables (sizes), offsets being
 * the dot products of the index with src_st and dst_st. */
static void copy_strided(int nv, const int64_t *sizes, const int64_t *src_st, const int64_t *dst_st,
                         const float *src, float *dst) {
  int64_t idx[NV] = {0}, so = 0, d_o = 0, total = 1;
  for (int j = 0; j < nv; j++) total *= sizes[j];
  for (int64_t it = 0; it < total; it++) {
    dst[d_o] = src[so];
    for (int j = nv - 1; j >= 0; j--) {
      so += src_st[j], d_o += dst_st[j];
      if (++idx[j] < sizes[j]) break;
      so -= src_st[j] * idx[j], d_o -= dst_st[j] * idx[j];
      idx[j] = 0;
    }
  }
}

/* Copies between input/output tensor t (strides tst per variable) and a contiguous buffer
 * ordered by the variables of classes k0, k1, k2 (pass -1 to skip). */
static void copy_classes(const einsum_params *p, const int64_t *tst, int k0, int k1, int k2,
                         const float *src, float *dst, int to_buffer) {
  int64_t sizes[NV], ts[NV], bs[NV];
  int nv = 0, ks[3] = {k0, k1, k2};
  for (int i = 0; i < 3; i++)
    for (int j = 0; ks[i] >= 0 && j < p->n_cls[ks[i]]; j++) {
      int v = p->cls[ks[i]][j];
      sizes[nv] = p->size[v], ts[nv++] = tst[v];
    }
  int64_t acc = 1;
  for (int j = nv - 1; j >= 0; j--) bs[j] = acc, acc *= sizes[j];
  if (to_buffer) copy_strided(nv, sizes, ts, bs, src, dst);
  else copy_strided(nv, sizes, bs, ts, src, dst);
}

static void einsum_gemm(const einsum_params *p, wisp_op_ctx *ctx) {
  int b = (int)p->cls_size[C_BATCH], M = (int)p->cls_size[C_M], N = (int)p->cls_size[C_N],
      K = (int)p->cls_size[C_K];
  float *a = ctx->scratch, *bb = a + (size_t)b * M * K, *c = bb + (size_t)b * K * N;
  float *packed = c + (size_t)b * M * N;
  copy_classes(p, p->stride[0], C_BATCH, C_M, C_K, ctx->in[0]->data, a, 1);
  copy_classes(p, p->stride[1], C_BATCH, C_K, C_N, ctx->in[1]->data, bb, 1);
  for (int i = 0; i < b; i++) {
    wisp_f32_gemm_pack(K, N, bb + (size_t)i * K * N, N, 1, NULL, packed);
    wisp_f32_gemm(M, N, K, a + (size_t)i * M * K, K, packed, c + (size_t)i * M * N, N, -INFINITY,
                  INFINITY);
  }
  int64_t ost[NV] = {0}, acc = 1;
  for (int j = p->n_out_vars - 1; j >= 0; j--)
    ost[p->out_vars[j]] = acc, acc *= p->size[p->out_vars[j]];
  copy_classes(p, ost, C_BATCH, C_M, C_N, c, ctx->out[0]->data, 0);
}

static double load(const void *x, wisp_dtype dt, int64_t i) {
  return dt == WISP_DT_FLOAT ? ((const float *)x)[i] : ((const double *)x)[i];
}

static wisp_status einsum_exec(wisp_op_ctx *ctx) {
  const einsum_params *p = ctx->params;
  if (p->gemm) {
    einsum_gemm(p, ctx);
    return WISP_OK;
  }
  wisp_dtype dt = ctx->in[0]->dtype;
  int nt = p->n_terms, no = p->n_out_vars, nr = p->n_red_vars;
  int64_t out_n = 1, red_n = 1;
  for (int j = 0; j < no; j++) out_n *= p->size[p->out_vars[j]];
  for (int j = 0; j < nr; j++) red_n *= p->size[p->red_vars[j]];
  int64_t oi[NV] = {0}, ri[NV] = {0}, base[MAX_IN] = {0}, off[MAX_IN];
  for (int64_t o = 0; o < out_n; o++) {
    double acc = 0;
    memcpy(off, base, sizeof off);
    for (int64_t r = 0; r < red_n; r++) {
      double prod = 1;
      for (int t = 0; t < nt; t++) prod *= load(ctx->in[t]->data, dt, off[t]);
      acc += prod;
      for (int j = nr - 1; j >= 0; j--) { /* next summed index */
        int v = p->red_vars[j];
        for (int t = 0; t < nt; t++) off[t] += p->stride[t][v];
        if (++ri[j] < p->size[v]) break;
        for (int t = 0; t < nt; t++) off[t] -= p->stride[t][v] * ri[j];
        ri[j] = 0;
      }
    }
    if (dt == WISP_DT_FLOAT) ((float *)ctx->out[0]->data)[o] = (float)acc;
    else ((double *)ctx->out[0]->data)[o] = acc;
    for (int j = no - 1; j >= 0; j--) { /* next output index */
      int v = p->out_vars[j];
      for (int t = 0; t < nt; t++) base[t] += p->stride[t][v];
      if (++oi[j] < p->size[v]) break;
      for (int t = 0; t < nt; t++) base[t] -= p->stride[t][v] * oi[j];
      oi[j] = 0;
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_Einsum = {
    "", "Einsum", sizeof(einsum_params), einsum_parse, einsum_infer, einsum_exec, 0};
