/* tfidf.c — TfIdfVectorizer (opset 9): counts the n-grams of a pool in each row of tokens.
 *
 * The pool (pool_int64s or pool_strings) lists the 1-grams, then the 2-grams, ...:
 * ngram_counts[n-1] is where the n-grams start. The j-th n-gram of the pool (in pool order, over
 * all n) is counted in output column ngram_indexes[j]. An n-gram is n tokens taken every skip + 1
 * positions, skip in 0..max_skip_count (a 1-gram is counted once per position), for n in
 * min_gram_length..max_gram_length. mode TF gives counts, IDF weight (default 1) where the count
 * is not 0, TFIDF count times weight. Input (C) or (N, C) gives output (cols) or (N, cols). */
#include <string.h>

#include "op.h"

enum { MODE_TF, MODE_IDF, MODE_TFIDF };

typedef struct {
  int mode, strings;
  int64_t min_n, max_n, max_skip;
  int n_counts, n_pool, n_grams;
  const int64_t *counts, *indexes, *pool_i;
  const wisp_bytes *pool_s;
  const float *weights;
  int64_t cols;
  int64_t rows, len; /* input viewed as (rows, len) */
} tfidf_params;

static wisp_status tfidf_parse(wisp_op_ctx *ctx) {
  tfidf_params *p = ctx->params;
  const wisp_node *nd = ctx->node;
  const char *mode = wisp_attr_string(nd, "mode", "");
  if (!strcmp(mode, "TF")) p->mode = MODE_TF;
  else if (!strcmp(mode, "IDF")) p->mode = MODE_IDF;
  else if (!strcmp(mode, "TFIDF")) p->mode = MODE_TFIDF;
  else return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "unknown mode '%s'", mode);
  p->min_n = wisp_attr_int(nd, "min_gram_length", 0);
  p->max_n = wisp_attr_int(nd, "max_gram_length", 0);
  p->max_skip = wisp_attr_int(nd, "max_skip_count", 0);
  p->counts = wisp_attr_ints(nd, "ngram_counts", &p->n_counts);
  p->indexes = wisp_attr_ints(nd, "ngram_indexes", &p->n_grams);
  p->pool_i = wisp_attr_ints(nd, "pool_int64s", &p->n_pool);
  const wisp_attr *ps = wisp_node_attr(nd, "pool_strings");
  if (ps && ps->type == WISP_ATTR_STRINGS)
    p->strings = 1, p->pool_s = ps->strings, p->n_pool = ps->count;
  int n_weights = 0;
  p->weights = wisp_attr_floats(nd, "weights", &n_weights);
  if (p->min_n < 1 || p->max_n < p->min_n || p->max_n > p->n_counts || p->max_skip < 0 ||
      (p->weights && n_weights != p->n_grams) || (!p->pool_i && !p->strings))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "needs 1 <= min_gram_length <= max_gram_length <= len(ngram_counts), "
                        "max_skip_count >= 0, a pool, and one weight per n-gram");
  /* the pool splits into whole n-grams, one output column for each */
  int64_t total = 0;
  for (int n = 1; n <= p->n_counts; n++) {
    int64_t start = p->counts[n - 1], end = n < p->n_counts ? p->counts[n] : p->n_pool;
    if (start < 0 || end < start || end > p->n_pool || (end - start) % n)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "ngram_counts do not split the pool");
    total += (end - start) / n;
  }
  if (total != p->n_grams)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "pool has %lld n-grams, ngram_indexes %d",
                        (long long)total, p->n_grams);
  p->cols = 0;
  for (int j = 0; j < p->n_grams; j++) {
    if (p->indexes[j] < 0 || p->indexes[j] >= WISP_MAX_NUMEL)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "ngram index %lld is out of range",
                          (long long)p->indexes[j]);
    if (p->indexes[j] + 1 > p->cols) p->cols = p->indexes[j] + 1;
  }
  return WISP_OK;
}

static wisp_status tfidf_infer(wisp_op_ctx *ctx) {
  tfidf_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  const wisp_tensor *x = ctx->in[0];
  int want_strings = x->dtype == WISP_DT_STRING;
  if (!want_strings && x->dtype != WISP_DT_INT32 && x->dtype != WISP_DT_INT64)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "input must be string, int32 or int64");
  if (want_strings != p->strings)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "input and pool differ in type");
  const wisp_shape *s = &x->shape;
  if (s->ndim != 1 && s->ndim != 2)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input must be (C) or (N, C)");
  p->rows = s->ndim == 2 ? s->dims[0] : 1;
  p->len = s->dims[s->ndim - 1];
  wisp_tensor *y = ctx->out[0];
  y->dtype = WISP_DT_FLOAT;
  y->shape = s->ndim == 2 ? (wisp_shape){2, {p->rows, p->cols}} : (wisp_shape){1, {p->cols}};
  return WISP_OK;
}

/* Does pool entry e equal token t of x? */
static int token_eq(const tfidf_params *p, const wisp_tensor *x, int64_t t, int64_t e) {
  if (!p->strings) return p->pool_i[e] == wisp_tensor_get_int(x, t);
  const char *s = ((const char *const *)x->data)[t];
  if (!s) s = "";
  size_t n = strlen(s);
  return n == p->pool_s[e].len && !memcmp(s, p->pool_s[e].data, n);
}

static wisp_status tfidf_exec(wisp_op_ctx *ctx) {
  const tfidf_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  float *y = ctx->out[0]->data;
  memset(y, 0, (size_t)(p->rows * p->cols) * sizeof(float));
  for (int64_t r = 0; r < p->rows; r++) {
    float *yr = y + r * p->cols;
    int64_t gram0 = 0; /* index of the first n-gram of size n among all n-grams */
    for (int64_t n = 1; n <= p->max_n; n++) {
      int64_t start = p->counts[n - 1], end = n < p->n_counts ? p->counts[n] : p->n_pool;
      for (int64_t i = 0; n >= p->min_n && i < p->len; i++)
        for (int64_t skip = 0; skip <= (n == 1 ? 0 : p->max_skip); skip++) {
          if (i + (n - 1) * (skip + 1) >= p->len) break;
          for (int64_t e = start; e < end; e += n) { /* each n-gram of the pool */
            int64_t k = 0;
            while (k < n && token_eq(p, x, r * p->len + i + k * (skip + 1), e + k)) k++;
            if (k == n) yr[p->indexes[gram0 + (e - start) / n]] += 1;
          }
        }
      gram0 += (end - start) / n;
    }
    int64_t j = 0;
    for (int64_t n = 1; p->mode != MODE_TF && n <= p->n_counts; n++) { /* weights per n-gram */
      int64_t start = p->counts[n - 1], end = n < p->n_counts ? p->counts[n] : p->n_pool;
      for (int64_t e = start; e < end; e += n, j++) {
        float *c = &yr[p->indexes[j]], w = p->weights ? p->weights[j] : 1.0f;
        *c = p->mode == MODE_IDF ? (*c > 0 ? w : 0) : *c * w;
      }
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_TfIdfVectorizer = {
    "", "TfIdfVectorizer", sizeof(tfidf_params), tfidf_parse, tfidf_infer, tfidf_exec, 0};
