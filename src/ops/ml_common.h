/* ml_common.h — shared by the ai.onnx.ml ops (ml_trees.c, ml_linear.c, ml_prep.c).
 *
 * Score post-transforms are computed the way onnxruntime computes them (in float, same formulas:
 * ml_common.h there), because onnxruntime is what users compare against; attribute readers
 * check the kind of every list they read, since attributes are untrusted model bytes. */
#ifndef WISP_ML_COMMON_H
#define WISP_ML_COMMON_H

#include <math.h>

#include "op.h"

#define ML_DOMAIN "ai.onnx.ml"

typedef enum {
  ML_POST_NONE,
  ML_POST_LOGISTIC,
  ML_POST_SOFTMAX,
  ML_POST_SOFTMAX_ZERO,
  ML_POST_PROBIT,
} ml_post;

/* Reads the "post_transform" attribute (default NONE); fails on an unknown name. */
wisp_status ml_parse_post(const wisp_op_ctx *ctx, ml_post *out);

float ml_logistic(float x);
float ml_probit(float x); /* sqrt(2) * erfinv(2x - 1), onnxruntime's approximation */
void ml_softmax(float *v, int n);
void ml_softmax_zero(float *v, int n); /* softmax that leaves exact zeros at (nearly) zero */
/* Applies the transform to n >= 2 scores in place (the per-row case of onnxruntime's write_scores). */
void ml_post_apply(ml_post post, float *v, int n);

/* List attributes, checked for kind: *v = NULL and *n = 0 when absent; a failure when the
 * attribute exists with another kind. */
wisp_status ml_attr_ints(const wisp_op_ctx *ctx, const char *name, const int64_t **v, int *n);
wisp_status ml_attr_floats(const wisp_op_ctx *ctx, const char *name, const float **v, int *n);
wisp_status ml_attr_strings(const wisp_op_ctx *ctx, const char *name, const wisp_bytes **v, int *n);
/* A string attribute (kind checked), or dflt when absent. */
wisp_status ml_attr_string(const wisp_op_ctx *ctx, const char *name, const char *dflt,
                           const char **out);
/* A float list given as "<name>" (floats) or "<name>_as_tensor" (a float or double tensor):
 * copies it into dst (room for `cap` values) as doubles; *n gets the count (0 when absent). */
wisp_status ml_attr_reals(const wisp_op_ctx *ctx, const char *name, double *dst, int cap, int *n);
/* Count of ml_attr_reals' values, to size dst; fails when both forms are given. */
wisp_status ml_attr_reals_count(const wisp_op_ctx *ctx, const char *name, int *n);

/* Class labels: "classlabels_int64s" (or `ints_name`) or "classlabels_strings", exactly one. */
typedef struct {
  int n;
  const int64_t *ints;       /* int64 labels, or NULL */
  const wisp_bytes *strings; /* string labels, or NULL */
} ml_labels;
wisp_status ml_parse_labels(const wisp_op_ctx *ctx, const char *ints_name, ml_labels *out);
/* Writes label k of `l` into element i of `out` (an int64 or string tensor). */
void ml_write_label(const ml_labels *l, int k, wisp_tensor *out, int64_t i);

/* Numeric inputs the ml ops accept (float, double, int64, int32) read as float / double. */
int ml_is_numeric(wisp_dtype dt);
wisp_status ml_expect_numeric(const wisp_op_ctx *ctx, int input);
static inline double ml_get_f64(const wisp_tensor *t, int64_t i) {
  switch (t->dtype) {
    case WISP_DT_FLOAT: return ((const float *)t->data)[i];
    case WISP_DT_DOUBLE: return ((const double *)t->data)[i];
    case WISP_DT_INT64: return (double)((const int64_t *)t->data)[i];
    case WISP_DT_INT32: return ((const int32_t *)t->data)[i];
    default: return 0;
  }
}
/* As C++ converts int64 -> float in a comparison with a float: directly, not through double. */
static inline float ml_get_f32(const wisp_tensor *t, int64_t i) {
  switch (t->dtype) {
    case WISP_DT_FLOAT: return ((const float *)t->data)[i];
    case WISP_DT_DOUBLE: return (float)((const double *)t->data)[i];
    case WISP_DT_INT64: return (float)((const int64_t *)t->data)[i];
    case WISP_DT_INT32: return (float)((const int32_t *)t->data)[i];
    default: return 0;
  }
}

/* The (N, F) view of a rank-1 ([F], one row) or rank-2 input; fails for other ranks. */
wisp_status ml_rows(const wisp_op_ctx *ctx, const wisp_tensor *x, int64_t *n, int64_t *f);

/* A string element; NULL pointers (possible in C feeds) read as "". */
static inline const char *ml_str(const wisp_tensor *t, int64_t i) {
  const char *s = ((const char *const *)t->data)[i];
  return s ? s : "";
}

#endif
