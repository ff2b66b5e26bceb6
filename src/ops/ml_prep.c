/* ml_prep.c — the ai.onnx.ml preprocessing and glue ops: Binarizer, Scaler, Normalizer, Imputer,
 * OneHotEncoder, LabelEncoder, ArrayFeatureExtractor, ZipMap.
 *
 * Lookups (OneHotEncoder categories, LabelEncoder keys) are sorted once at parse into a
 * `keyset` and searched by bisection. Repeated keys resolve as in onnxruntime: the last listing
 * for OneHotEncoder and LabelEncoder 1, the first for LabelEncoder 2+.
 * String elements are `const char *` (see tensor.h); strings an op outputs point into the
 * model's attributes, which live as long as the session.
 *
 * ZipMap returns a sequence of maps in ONNX. wisp keeps its output a float tensor (N, C) (the
 * scores, unchanged) and reports the map keys (the class labels) beside it
 * (wisp_session_output_map_keys in wisp.h); the JS layer turns the pair into an array of plain
 * objects, one per row, as onnxruntime's Python API returns a list of dicts. */
#include <stdlib.h>
#include <string.h>

#include "ml_common.h"

/* ---- Binarizer: Y = X > threshold (same dtype) -------------------------------------------- */

static wisp_status binarizer_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(ml_expect_numeric(ctx, 0));
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

static wisp_status binarizer_exec(wisp_op_ctx *ctx) {
  const wisp_tensor *x = ctx->in[0];
  wisp_tensor *y = ctx->out[0];
  double th = wisp_attr_float(ctx->node, "threshold", 0.0f);
  int64_t n = wisp_shape_numel(&x->shape);
  for (int64_t i = 0; i < n; i++) {
    int v = ml_get_f64(x, i) > th;
    switch (x->dtype) {
      case WISP_DT_FLOAT: ((float *)y->data)[i] = (float)v; break;
      case WISP_DT_DOUBLE: ((double *)y->data)[i] = v; break;
      case WISP_DT_INT64: ((int64_t *)y->data)[i] = v; break;
      default: ((int32_t *)y->data)[i] = v; break;
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_ml_Binarizer = {ML_DOMAIN,       "Binarizer",    0, NULL,
                                          binarizer_infer, binarizer_exec, 0};

/* ---- Scaler: Y = (X - offset) · scale, per feature (last dim) ---------------------------- */

typedef struct {
  const float *scale, *offset;
  int n_scale, n_offset;
  int64_t stride;
} scaler_params;

static wisp_status scaler_parse(wisp_op_ctx *ctx) {
  scaler_params *p = ctx->params;
  WISP_TRY(ml_attr_floats(ctx, "scale", &p->scale, &p->n_scale));
  WISP_TRY(ml_attr_floats(ctx, "offset", &p->offset, &p->n_offset));
  return WISP_OK;
}

static wisp_status scaler_infer(wisp_op_ctx *ctx) {
  scaler_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(ml_expect_numeric(ctx, 0));
  const wisp_shape *s = &ctx->in[0]->shape;
  if (s->ndim == 0) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input must have rank >= 1");
  p->stride = s->dims[s->ndim - 1];
  if ((p->n_scale > 1 && p->n_scale != p->stride) || (p->n_offset > 1 && p->n_offset != p->stride))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "%d scales and %d offsets for %lld features",
                        p->n_scale, p->n_offset, (long long)p->stride);
  ctx->out[0]->dtype = WISP_DT_FLOAT;
  ctx->out[0]->shape = *s;
  return WISP_OK;
}

static wisp_status scaler_exec(wisp_op_ctx *ctx) {
  const scaler_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  float *y = ctx->out[0]->data;
  int64_t n = wisp_shape_numel(&x->shape);
  for (int64_t i = 0; i < n; i++) {
    int64_t j = p->stride ? i % p->stride : 0;
    float sc = p->n_scale ? p->scale[p->n_scale > 1 ? j : 0] : 1.0f;
    float of = p->n_offset ? p->offset[p->n_offset > 1 ? j : 0] : 0.0f;
    if (x->dtype == WISP_DT_DOUBLE) y[i] = (float)((((const double *)x->data)[i] - of) * sc);
    else y[i] = (ml_get_f32(x, i) - of) * sc;
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_ml_Scaler = {
    ML_DOMAIN, "Scaler", sizeof(scaler_params), scaler_parse, scaler_infer, scaler_exec, 0};

/* ---- Normalizer: each row divided by its max, L1 or L2 norm (as onnxruntime, in float) ---- */

enum { NORM_MAX, NORM_L1, NORM_L2 };

static wisp_status normalizer_parse(wisp_op_ctx *ctx) {
  int *norm = ctx->params;
  const char *s;
  WISP_TRY(ml_attr_string(ctx, "norm", "MAX", &s));
  if (!strcmp(s, "MAX")) *norm = NORM_MAX;
  else if (!strcmp(s, "L1")) *norm = NORM_L1;
  else if (!strcmp(s, "L2")) *norm = NORM_L2;
  else return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "unknown norm '%s'", s);
  return WISP_OK;
}

static wisp_status normalizer_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(ml_expect_numeric(ctx, 0));
  int64_t n, f;
  WISP_TRY(ml_rows(ctx, ctx->in[0], &n, &f));
  ctx->out[0]->dtype = WISP_DT_FLOAT;
  ctx->out[0]->shape = ctx->in[0]->shape;
  return WISP_OK;
}

/* x·x in the input's own precision, then float (ints widened so nothing overflows). */
static float square_f(const wisp_tensor *x, int64_t i) {
  if (x->dtype == WISP_DT_FLOAT) {
    float v = ((const float *)x->data)[i];
    return v * v;
  }
  double v = ml_get_f64(x, i);
  return (float)(v * v);
}

static wisp_status normalizer_exec(wisp_op_ctx *ctx) {
  const int norm = *(const int *)ctx->params;
  const wisp_tensor *x = ctx->in[0];
  float *y = ctx->out[0]->data;
  int64_t n, f;
  WISP_TRY(ml_rows(ctx, x, &n, &f));
  for (int64_t r = 0; r < n; r++) {
    const int64_t o = r * f;
    float d = 0;
    if (norm == NORM_MAX) {
      d = -3.402823466e+38f;
      for (int64_t j = 0; j < f; j++) {
        float v = ml_get_f32(x, o + j);
        d = d < v ? v : d;
      }
    } else if (norm == NORM_L1) {
      for (int64_t j = 0; j < f; j++) d += (float)fabs(ml_get_f64(x, o + j));
    } else {
      for (int64_t j = 0; j < f; j++) d += y[o + j] = square_f(x, o + j);
    }
    for (int64_t j = 0; j < f; j++) {
      float v = ml_get_f32(x, o + j);
      if (d == 0) y[o + j] = v;
      else if (norm == NORM_L2) y[o + j] = v < 0 ? -sqrtf(y[o + j] / d) : sqrtf(y[o + j] / d);
      else y[o + j] = v / d;
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_ml_Normalizer = {
    ML_DOMAIN, "Normalizer", sizeof(int), normalizer_parse, normalizer_infer, normalizer_exec, 0};

/* ---- Imputer: replaces a sentinel value (replaced_value_*, default 0; NaN matches NaN) ------ */

typedef struct {
  const float *fvals;
  const int64_t *ivals;
  int n_vals;
  float replaced_f;
  int64_t replaced_i;
  int64_t stride;
} imputer_params;

static wisp_status imputer_parse(wisp_op_ctx *ctx) {
  imputer_params *p = ctx->params;
  int nf, ni;
  WISP_TRY(ml_attr_floats(ctx, "imputed_value_floats", &p->fvals, &nf));
  WISP_TRY(ml_attr_ints(ctx, "imputed_value_int64s", &p->ivals, &ni));
  if ((nf > 0) == (ni > 0))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "needs exactly one of imputed_value_floats "
                        "and imputed_value_int64s");
  p->n_vals = nf ? nf : ni;
  if (nf) p->ivals = NULL;
  else p->fvals = NULL;
  p->replaced_f = wisp_attr_float(ctx->node, "replaced_value_float", 0.0f);
  p->replaced_i = wisp_attr_int(ctx->node, "replaced_value_int64", 0);
  return WISP_OK;
}

static wisp_status imputer_infer(wisp_op_ctx *ctx) {
  imputer_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(ml_expect_numeric(ctx, 0));
  const wisp_tensor *x = ctx->in[0];
  int real = x->dtype == WISP_DT_FLOAT || x->dtype == WISP_DT_DOUBLE;
  if (real != (p->fvals != NULL))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "a %s input needs imputed_value_%s",
                        wisp_dtype_name(x->dtype), real ? "floats" : "int64s");
  if (x->shape.ndim == 0)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input must have rank >= 1");
  p->stride = x->shape.dims[x->shape.ndim - 1];
  if (p->n_vals > 1 && p->n_vals != p->stride)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "%d imputed values for %lld features", p->n_vals,
                        (long long)p->stride);
  wisp_op_same_as(ctx->out[0], x);
  return WISP_OK;
}

static wisp_status imputer_exec(wisp_op_ctx *ctx) {
  const imputer_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  void *y = ctx->out[0]->data;
  int64_t n = wisp_shape_numel(&x->shape);
  int nan_sentinel = isnan(p->replaced_f);
  for (int64_t i = 0; i < n; i++) {
    int64_t j = p->n_vals > 1 ? i % p->stride : 0;
    switch (x->dtype) {
      case WISP_DT_FLOAT: {
        float v = ((const float *)x->data)[i];
        ((float *)y)[i] = (nan_sentinel ? isnan(v) : v == p->replaced_f) ? p->fvals[j] : v;
        break;
      }
      case WISP_DT_DOUBLE: {
        double v = ((const double *)x->data)[i];
        ((double *)y)[i] = (nan_sentinel ? isnan(v) : v == p->replaced_f) ? p->fvals[j] : v;
        break;
      }
      case WISP_DT_INT64: {
        int64_t v = ((const int64_t *)x->data)[i];
        ((int64_t *)y)[i] = v == p->replaced_i ? p->ivals[j] : v;
        break;
      }
      default: {
        int32_t v = ((const int32_t *)x->data)[i];
        ((int32_t *)y)[i] = v == p->replaced_i ? (int32_t)p->ivals[j] : v;
        break;
      }
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_ml_Imputer = {
    ML_DOMAIN, "Imputer", sizeof(imputer_params), imputer_parse, imputer_infer, imputer_exec, 0};

/* ---- keysets: sorted keys for lookups ------------------------------------------------------ */

enum { KEY_INT, KEY_REAL, KEY_STRING };

typedef struct {
  int64_t i;
  double d;
  const char *s;
  size_t len;
  int32_t index; /* position in the attribute */
} key_entry;

typedef struct {
  int kind, n;
  int last_wins;   /* a repeated key means its last listing (else its first), as onnxruntime */
  int nan_matches; /* a NaN key matches a NaN input */
  key_entry *e;    /* sorted; heap memory owned by the op's state */
} keyset;

/* NaN sorts last and equals NaN, so a NaN key matches a NaN input. */
static int cmp_real(double a, double b) {
  int na = isnan(a), nb = isnan(b);
  if (na || nb) return na - nb;
  return a < b ? -1 : a > b;
}
static int cmp_bytes(const char *a, size_t al, const char *b, size_t bl) {
  int c = memcmp(a, b, al < bl ? al : bl);
  return c ? c : al < bl ? -1 : al > bl;
}
static int cmp_entry(int kind, const key_entry *a, const key_entry *b) {
  switch (kind) {
    case KEY_INT: return a->i < b->i ? -1 : a->i > b->i;
    case KEY_REAL: return cmp_real(a->d, b->d);
    default: return cmp_bytes(a->s, a->len, b->s, b->len);
  }
}
#define ENTRY_SORT(kind_) \
  static int sort_##kind_(const void *a, const void *b) { \
    int c = cmp_entry(kind_, a, b); \
    return c ? c : ((const key_entry *)a)->index - ((const key_entry *)b)->index; \
  }
ENTRY_SORT(KEY_INT)
ENTRY_SORT(KEY_REAL)
ENTRY_SORT(KEY_STRING)

static void keyset_sort(keyset *k) {
  int (*f)(const void *, const void *) = k->kind == KEY_INT    ? sort_KEY_INT
                                         : k->kind == KEY_REAL ? sort_KEY_REAL
                                                               : sort_KEY_STRING;
  qsort(k->e, (size_t)k->n, sizeof *k->e, f);
}

/* The attribute index of `key` (first or last listed when repeated); -1 when absent. */
static int32_t keyset_find(const keyset *k, const key_entry *key) {
  if (k->kind == KEY_REAL && isnan(key->d) && !k->nan_matches) return -1;
  int lo = 0, hi = k->n;
  while (lo < hi) { /* first entry >= key (last_wins: > key) */
    int mid = lo + (hi - lo) / 2;
    int c = cmp_entry(k->kind, &k->e[mid], key);
    if (c < 0 || (k->last_wins && c == 0)) lo = mid + 1;
    else hi = mid;
  }
  int at = k->last_wins ? lo - 1 : lo;
  return at >= 0 && at < k->n && !cmp_entry(k->kind, &k->e[at], key) ? k->e[at].index : -1;
}

/* The key of element i of an input tensor, as the keyset's kind. */
static key_entry input_key(int kind, const wisp_tensor *t, int64_t i) {
  key_entry e = {0};
  if (kind == KEY_STRING) {
    e.s = ml_str(t, i);
    e.len = strlen(e.s);
  } else if (kind == KEY_INT) {
    e.i = t->dtype == WISP_DT_INT64   ? ((const int64_t *)t->data)[i]
          : t->dtype == WISP_DT_INT32 ? ((const int32_t *)t->data)[i]
                                      : (int64_t)ml_get_f64(t, i);
  } else {
    e.d = ml_get_f64(t, i);
  }
  return e;
}

/* ---- OneHotEncoder: (…) -> (…, C) floats, 1 at the value's category ------------------------ */

typedef struct {
  keyset cats;
  int zeros; /* 0: a value outside the categories is an error */
} onehot_params;

static wisp_status keyset_alloc(wisp_op_ctx *ctx, keyset *k, int kind, int n) {
  k->kind = kind;
  k->n = n;
  k->e = wisp_aligned_alloc(((size_t)n + 1) * sizeof *k->e);
  if (!k->e) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory");
  ctx->state = k->e; /* freed with the plan */
  return WISP_OK;
}

static wisp_status onehot_parse(wisp_op_ctx *ctx) {
  onehot_params *p = ctx->params;
  const int64_t *ints;
  const wisp_bytes *strs;
  int ni, ns;
  WISP_TRY(ml_attr_ints(ctx, "cats_int64s", &ints, &ni));
  WISP_TRY(ml_attr_strings(ctx, "cats_strings", &strs, &ns));
  if ((ni > 0) == (ns > 0))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "needs exactly one of cats_int64s and cats_strings");
  WISP_TRY(keyset_alloc(ctx, &p->cats, ni ? KEY_INT : KEY_STRING, ni ? ni : ns));
  for (int k = 0; k < p->cats.n; k++) {
    key_entry *e = &p->cats.e[k];
    e->index = k;
    if (ni) e->i = ints[k];
    else e->s = strs[k].data, e->len = strs[k].len;
  }
  p->cats.last_wins = 1;
  keyset_sort(&p->cats);
  p->zeros = (int)wisp_attr_int(ctx->node, "zeros", 1);
  return WISP_OK;
}

static wisp_status onehot_infer(wisp_op_ctx *ctx) {
  onehot_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  const wisp_tensor *x = ctx->in[0];
  int is_str = x->dtype == WISP_DT_STRING;
  if (!is_str && !ml_is_numeric(x->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "input is %s", wisp_dtype_name(x->dtype));
  if (is_str != (p->cats.kind == KEY_STRING))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "a %s input needs cats_%s",
                        wisp_dtype_name(x->dtype), is_str ? "strings" : "int64s");
  if (x->shape.ndim >= WISP_MAX_DIMS)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "input rank %d is too high", x->shape.ndim);
  ctx->out[0]->dtype = WISP_DT_FLOAT;
  ctx->out[0]->shape = x->shape;
  ctx->out[0]->shape.dims[ctx->out[0]->shape.ndim++] = p->cats.n;
  return WISP_OK;
}

static wisp_status onehot_exec(wisp_op_ctx *ctx) {
  const onehot_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  float *y = ctx->out[0]->data;
  int64_t n = wisp_shape_numel(&x->shape), C = p->cats.n;
  memset(y, 0, (size_t)(n * C) * sizeof *y);
  for (int64_t i = 0; i < n; i++) {
    int32_t k = -1;
    if (x->dtype == WISP_DT_FLOAT || x->dtype == WISP_DT_DOUBLE) {
      double v = ml_get_f64(x, i); /* a float category is its integer value, as onnxruntime */
      if (v > -9.2e18 && v < 9.2e18) {
        key_entry e = {.i = (int64_t)v};
        k = keyset_find(&p->cats, &e);
      }
    } else {
      key_entry e = input_key(p->cats.kind, x, i);
      k = keyset_find(&p->cats, &e);
    }
    if (k >= 0) y[i * C + k] = 1;
    else if (!p->zeros)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "element %lld is not one of the categories "
                          "(and zeros = 0)",
                          (long long)i);
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_ml_OneHotEncoder = {
    ML_DOMAIN, "OneHotEncoder", sizeof(onehot_params), onehot_parse, onehot_infer, onehot_exec, 0};

/* ---- LabelEncoder: maps keys to values (opset 1: strings <-> their index) ---------------- */

typedef struct {
  keyset keys;
  int v1; /* opset 1: classes_strings; int64 input -> string output */
  wisp_dtype in_type, out_type;
  const int64_t *vi; /* values, by kind of out_type */
  const float *vf;
  const double *vd;
  const char *const *vs; /* string values (NUL-terminated) */
  int n_values;
  int64_t def_i;
  double def_d;
  const char *def_s;
} labelenc_params;

static wisp_status labelenc_parse(wisp_op_ctx *ctx) {
  labelenc_params *p = ctx->params;
  const wisp_node *nd = ctx->node;
  const wisp_bytes *classes;
  int n_classes;
  WISP_TRY(ml_attr_strings(ctx, "classes_strings", &classes, &n_classes));
  p->v1 = nd->opset == 1 || wisp_node_attr(nd, "classes_strings");
  if (p->v1) {
    /* string -> int64 (its index) or int64 -> string (the class at that index) */
    p->def_i = wisp_attr_int(nd, "default_int64", -1);
    WISP_TRY(ml_attr_string(ctx, "default_string", "_Unused", &p->def_s));
    /* one block: the sorted keys, then the names in attribute order */
    key_entry *e = wisp_aligned_alloc(((size_t)n_classes + 1) * (sizeof *e + sizeof(char *)));
    if (!e) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory");
    ctx->state = p->keys.e = e;
    p->keys.kind = KEY_STRING, p->keys.n = n_classes, p->keys.last_wins = 1;
    const char **names = (const char **)(e + n_classes + 1);
    for (int k = 0; k < n_classes; k++) {
      names[k] = classes[k].data;
      e[k] = (key_entry){.s = classes[k].data, .len = classes[k].len, .index = k};
    }
    keyset_sort(&p->keys);
    p->vs = names;
    p->n_values = n_classes;
    return WISP_OK;
  }
  /* opset 2+: keys_* and values_* lists, or opset 4 keys_tensor / values_tensor */
  const int64_t *ki = NULL, *vi = NULL;
  const float *kf = NULL, *vf = NULL;
  const wisp_bytes *ks = NULL, *vs = NULL;
  int nki, nkf, nks, nvi, nvf, nvs;
  WISP_TRY(ml_attr_ints(ctx, "keys_int64s", &ki, &nki));
  WISP_TRY(ml_attr_floats(ctx, "keys_floats", &kf, &nkf));
  WISP_TRY(ml_attr_strings(ctx, "keys_strings", &ks, &nks));
  WISP_TRY(ml_attr_ints(ctx, "values_int64s", &vi, &nvi));
  WISP_TRY(ml_attr_floats(ctx, "values_floats", &vf, &nvf));
  WISP_TRY(ml_attr_strings(ctx, "values_strings", &vs, &nvs));
  const wisp_attr *kt = wisp_node_attr(nd, "keys_tensor"),
                  *vt = wisp_node_attr(nd, "values_tensor");
  const wisp_attr *dt = wisp_node_attr(nd, "default_tensor");
  if ((kt && (kt->type != WISP_ATTR_TENSOR || !kt->t)) ||
      (vt && (vt->type != WISP_ATTR_TENSOR || !vt->t)) ||
      (dt && (dt->type != WISP_ATTR_TENSOR || !dt->t)))
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "keys_tensor, values_tensor and default_tensor "
                        "must be tensors");
  int key_forms = (nki > 0) + (nkf > 0) + (nks > 0) + (kt != NULL);
  int value_forms = (nvi > 0) + (nvf > 0) + (nvs > 0) + (vt != NULL);
  if (key_forms != 1 || value_forms != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "needs exactly one kind of keys and one kind "
                        "of values");
  int n_keys;
  wisp_dtype kdt;
  if (kt) {
    kdt = kt->t->dtype;
    if (kt->t->shape.ndim != 1)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "keys_tensor must be 1-D");
    n_keys = (int)kt->t->shape.dims[0];
  } else {
    kdt = nki ? WISP_DT_INT64 : nkf ? WISP_DT_FLOAT : WISP_DT_STRING;
    n_keys = nki ? nki : nkf ? nkf : nks;
  }
  if (vt) {
    p->out_type = vt->t->dtype;
    if (vt->t->shape.ndim != 1)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "values_tensor must be 1-D");
    p->n_values = (int)vt->t->shape.dims[0];
    switch (p->out_type) {
      case WISP_DT_INT64: p->vi = vt->t->data; break;
      case WISP_DT_FLOAT: p->vf = vt->t->data; break;
      case WISP_DT_DOUBLE: p->vd = vt->t->data; break;
      case WISP_DT_STRING: p->vs = vt->t->data; break;
      default:
        return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "values of type %s",
                            wisp_dtype_name(p->out_type));
    }
  } else {
    p->out_type = nvi ? WISP_DT_INT64 : nvf ? WISP_DT_FLOAT : WISP_DT_STRING;
    p->n_values = nvi ? nvi : nvf ? nvf : nvs;
    p->vi = vi, p->vf = vf;
  }
  if (n_keys != p->n_values)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%d keys but %d values", n_keys, p->n_values);
  p->in_type = kdt;
  int kind = kdt == WISP_DT_STRING                           ? KEY_STRING
             : kdt == WISP_DT_INT64                          ? KEY_INT
             : kdt == WISP_DT_FLOAT || kdt == WISP_DT_DOUBLE ? KEY_REAL
                                                             : -1;
  if (kind < 0)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "keys of type %s", wisp_dtype_name(kdt));
  /* one block: sorted keys, then string value pointers when the values are a string list */
  size_t extra = !vt && nvs ? (size_t)nvs * sizeof(char *) : 0;
  key_entry *e = wisp_aligned_alloc(((size_t)n_keys + 1) * sizeof *e + extra);
  if (!e) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory");
  ctx->state = p->keys.e = e;
  p->keys.kind = kind, p->keys.n = n_keys;
  p->keys.nan_matches = nd->opset >= 4; /* onnxruntime's LabelEncoder 4 hashes NaN as one key */
  if (extra) {
    const char **names = (const char **)(e + n_keys + 1);
    for (int k = 0; k < nvs; k++) names[k] = vs[k].data;
    p->vs = names;
  }
  for (int k = 0; k < n_keys; k++) {
    key_entry *x = &e[k];
    x->index = k;
    if (kt) {
      wisp_tensor tk = *kt->t;
      *x = input_key(kind, &tk, k);
      x->index = k;
    } else if (nki) x->i = ki[k];
    else if (nkf) x->d = kf[k];
    else x->s = ks[k].data, x->len = ks[k].len;
  }
  keyset_sort(&p->keys);
  /* defaults: default_tensor, or default_<kind> */
  p->def_i = wisp_attr_int(nd, "default_int64", -1);
  p->def_d = wisp_node_attr(nd, "default_float") ? wisp_attr_float(nd, "default_float", 0) : -0.0;
  WISP_TRY(ml_attr_string(ctx, "default_string", "_Unused", &p->def_s));
  if (dt) {
    const wisp_tensor *d = dt->t;
    if (d->dtype != p->out_type || wisp_shape_numel(&d->shape) < 1)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "default_tensor must hold one %s",
                          wisp_dtype_name(p->out_type));
    switch (d->dtype) {
      case WISP_DT_INT64: p->def_i = *(const int64_t *)d->data; break;
      case WISP_DT_FLOAT: p->def_d = *(const float *)d->data; break;
      case WISP_DT_DOUBLE: p->def_d = *(const double *)d->data; break;
      default: p->def_s = ml_str(d, 0); break;
    }
  }
  return WISP_OK;
}

static wisp_status labelenc_infer(wisp_op_ctx *ctx) {
  labelenc_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  const wisp_tensor *x = ctx->in[0];
  wisp_dtype want =
      p->v1 ? (x->dtype == WISP_DT_STRING ? WISP_DT_STRING : WISP_DT_INT64) : p->in_type;
  if (x->dtype != want)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input is %s; the keys are %s",
                        wisp_dtype_name(x->dtype), wisp_dtype_name(want));
  ctx->out[0]->dtype =
      p->v1 ? (x->dtype == WISP_DT_STRING ? WISP_DT_INT64 : WISP_DT_STRING) : p->out_type;
  ctx->out[0]->shape = x->shape;
  return WISP_OK;
}

static wisp_status labelenc_exec(wisp_op_ctx *ctx) {
  const labelenc_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0];
  void *y = ctx->out[0]->data;
  int64_t n = wisp_shape_numel(&x->shape);
  if (p->v1 && x->dtype == WISP_DT_INT64) { /* index -> class name */
    for (int64_t i = 0; i < n; i++) {
      int64_t v = ((const int64_t *)x->data)[i];
      ((const char **)y)[i] = v >= 0 && v < p->n_values ? p->vs[v] : p->def_s;
    }
    return WISP_OK;
  }
  for (int64_t i = 0; i < n; i++) {
    key_entry e = input_key(p->keys.kind, x, i);
    int32_t k = keyset_find(&p->keys, &e);
    if (p->v1) {
      ((int64_t *)y)[i] = k >= 0 ? k : p->def_i;
      continue;
    }
    switch (p->out_type) {
      case WISP_DT_INT64: ((int64_t *)y)[i] = k >= 0 ? p->vi[k] : p->def_i; break;
      case WISP_DT_FLOAT: ((float *)y)[i] = k >= 0 ? p->vf[k] : (float)p->def_d; break;
      case WISP_DT_DOUBLE: ((double *)y)[i] = k >= 0 ? p->vd[k] : p->def_d; break;
      default:
        ((const char **)y)[i] = k >= 0 && p->vs[k] ? p->vs[k] : k >= 0 ? "" : p->def_s;
        break;
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_ml_LabelEncoder = {ML_DOMAIN,
                                             "LabelEncoder",
                                             sizeof(labelenc_params),
                                             labelenc_parse,
                                             labelenc_infer,
                                             labelenc_exec,
                                             0};

/* ---- ArrayFeatureExtractor: X[..., indices] along the last axis ---------------------------- */

static wisp_status afe_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 2));
  WISP_TRY(wisp_op_expect_dtype(ctx, 1, WISP_DT_INT64));
  const wisp_tensor *x = ctx->in[0];
  if (x->shape.ndim == 0) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "X must have rank >= 1");
  int64_t k = wisp_shape_numel(&ctx->in[1]->shape);
  wisp_tensor *y = ctx->out[0];
  y->dtype = x->dtype;
  y->shape = x->shape;
  if (x->shape.ndim == 1) y->shape = (wisp_shape){2, {1, k}}; /* as onnxruntime */
  else y->shape.dims[y->shape.ndim - 1] = k;
  return WISP_OK;
}

static wisp_status afe_exec(wisp_op_ctx *ctx) {
  const wisp_tensor *x = ctx->in[0], *ix = ctx->in[1];
  const int64_t *idx = ix->data;
  size_t es = wisp_dtype_size(x->dtype);
  int64_t last = x->shape.dims[x->shape.ndim - 1], k = wisp_shape_numel(&ix->shape);
  int64_t rows = last ? wisp_shape_numel(&x->shape) / last : 0;
  for (int64_t j = 0; j < k; j++)
    if (idx[j] < 0 || idx[j] >= last)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "index %lld is out of [0, %lld)",
                          (long long)idx[j], (long long)last);
  const char *src = x->data;
  char *dst = ctx->out[0]->data;
  for (int64_t r = 0; r < rows; r++)
    for (int64_t j = 0; j < k; j++)
      memcpy(dst + (size_t)(r * k + j) * es, src + (size_t)(r * last + idx[j]) * es, es);
  return WISP_OK;
}

const wisp_op_def wisp_op_ml_ArrayFeatureExtractor = {
    ML_DOMAIN, "ArrayFeatureExtractor", 0, NULL, afe_infer, afe_exec, 0};

/* ---- ZipMap: (N, C) scores, keyed by the class labels (see the top of this file) ----------- */

static wisp_status zipmap_parse(wisp_op_ctx *ctx) {
  ml_labels *l = ctx->params;
  return ml_parse_labels(ctx, "classlabels_int64s", l);
}

static wisp_status zipmap_infer(wisp_op_ctx *ctx) {
  const ml_labels *l = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  int64_t n, c;
  WISP_TRY(ml_rows(ctx, ctx->in[0], &n, &c));
  if (c != l->n)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "input has %lld columns for %d labels",
                        (long long)c, l->n);
  ctx->out[0]->dtype = WISP_DT_FLOAT;
  ctx->out[0]->shape = (wisp_shape){2, {n, c}};
  return WISP_OK;
}

static wisp_status zipmap_exec(wisp_op_ctx *ctx) {
  size_t bytes = wisp_tensor_bytes(ctx->out[0]);
  if (bytes) memmove(ctx->out[0]->data, ctx->in[0]->data, bytes);
  return WISP_OK;
}

const wisp_op_def wisp_op_ml_ZipMap = {
    ML_DOMAIN, "ZipMap", sizeof(ml_labels), zipmap_parse, zipmap_infer, zipmap_exec, 0};
