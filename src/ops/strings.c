/* strings.c — StringNormalizer (opset 10): drops stopwords from a (C) or (1, C) string tensor
 * and optionally lower- or upper-cases what is left (ASCII letters only; other bytes, e.g. the
 * rest of UTF-8, are kept as they are). Nothing left gives one empty string.
 *
 * The output's length depends on the strings, so input 0 is a value input: the planner gives
 * infer its strings (a graph input feeding it is part of the plan's key), and infer sizes the
 * output and, for a case change, the node's state that holds the changed strings. exec checks
 * the strings still give that size. Unchanged strings are the input's own pointers. */
#include <string.h>

#include "op.h"

enum { CASE_NONE, CASE_LOWER, CASE_UPPER };

typedef struct {
  int action, case_sensitive;
  int n_stop;
  const wisp_bytes *stop;
  int64_t kept;       /* strings kept, from infer */
  size_t bytes;       /* their bytes with NULs, when the case changes */
  size_t state_bytes; /* capacity of ctx->state */
} strnorm_params;

static wisp_status strnorm_parse(wisp_op_ctx *ctx) {
  strnorm_params *p = ctx->params;
  const char *a = wisp_attr_string(ctx->node, "case_change_action", "NONE");
  if (!strcmp(a, "NONE")) p->action = CASE_NONE;
  else if (!strcmp(a, "LOWER")) p->action = CASE_LOWER;
  else if (!strcmp(a, "UPPER")) p->action = CASE_UPPER;
  else return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "unknown case_change_action '%s'", a);
  p->case_sensitive = wisp_attr_int(ctx->node, "is_case_sensitive", 0) != 0;
  const wisp_attr *sw = wisp_node_attr(ctx->node, "stopwords");
  if (sw && sw->type == WISP_ATTR_STRINGS) p->stop = sw->strings, p->n_stop = sw->count;
  return WISP_OK;
}

static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

static int is_stopword(const strnorm_params *p, const char *s) {
  size_t n = strlen(s);
  for (int i = 0; i < p->n_stop; i++) {
    if (p->stop[i].len != n) continue;
    size_t k = 0;
    if (p->case_sensitive) k = memcmp(s, p->stop[i].data, n) ? 0 : n;
    else
      while (k < n && ascii_lower(s[k]) == ascii_lower(p->stop[i].data[k])) k++;
    if (k == n) return 1;
  }
  return 0;
}

static const char *str_at(const wisp_tensor *x, int64_t i) {
  const char *s = ((const char *const *)x->data)[i];
  return s ? s : "";
}

/* Strings kept and the bytes (with NULs) they need. */
static void count_kept(const strnorm_params *p, const wisp_tensor *x, int64_t *kept,
                       size_t *bytes) {
  int64_t n = wisp_shape_numel(&x->shape);
  *kept = 0, *bytes = 0;
  for (int64_t i = 0; i < n; i++) {
    const char *s = str_at(x, i);
    if (is_stopword(p, s)) continue;
    ++*kept, *bytes += strlen(s) + 1;
  }
}

static wisp_status strnorm_infer(wisp_op_ctx *ctx) {
  strnorm_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  const wisp_tensor *x = ctx->in[0];
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_STRING));
  const wisp_shape *s = &x->shape;
  if (s->ndim != 1 && !(s->ndim == 2 && s->dims[0] == 1))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input must be (C) or (1, C)");
  if (!x->data)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "its input must be known when planning (a graph input or a constant)");
  count_kept(p, x, &p->kept, &p->bytes);
  ctx->out[0]->dtype = WISP_DT_STRING;
  ctx->out[0]->shape = *s;
  ctx->out[0]->shape.dims[s->ndim - 1] = p->kept ? p->kept : 1;
  if (p->action != CASE_NONE && p->bytes > p->state_bytes) {
    wisp_aligned_free(ctx->state);
    p->state_bytes = 0;
    ctx->state = wisp_aligned_alloc(p->bytes);
    if (!ctx->state) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory for strings");
    p->state_bytes = p->bytes;
  }
  return WISP_OK;
}

static wisp_status strnorm_exec(wisp_op_ctx *ctx) {
  const strnorm_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  const char **y = ctx->out[0]->data;
  int64_t kept;
  size_t bytes;
  count_kept(p, x, &kept, &bytes); /* the same strings as planned? (a caller may reuse buffers) */
  if (kept != p->kept || bytes != p->bytes)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input strings changed since planning");
  if (!kept) {
    y[0] = "";
    return WISP_OK;
  }
  char *buf = ctx->state;
  int64_t n = wisp_shape_numel(&x->shape), j = 0;
  for (int64_t i = 0; i < n; i++) {
    const char *s = str_at(x, i);
    if (is_stopword(p, s)) continue;
    if (p->action == CASE_NONE) {
      y[j++] = s;
      continue;
    }
    y[j++] = buf;
    for (; *s; s++)
      *buf++ = p->action == CASE_LOWER  ? ascii_lower(*s)
               : *s >= 'a' && *s <= 'z' ? (char)(*s - 32)
                                        : *s;
    *buf++ = 0;
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_StringNormalizer = {
    "", "StringNormalizer", sizeof(strnorm_params), strnorm_parse, strnorm_infer, strnorm_exec, 0,
    1u};
