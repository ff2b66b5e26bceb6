/* cast_string.c — Cast and CastLike between numbers and strings, as wisp's own op CastString
 * (domain "wisp"), which transform.c's Cast calls; models cannot use it themselves. See cast.h
 * for why it is apart. Numbers cast to strings are written into the Cast node's state (sized by
 * its infer), which the output's pointers point into. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cast.h"

/* The shortest %g form that reads back as the same value (numpy's str of a float). */
static void format_float(char *buf, double v, int is_f32) {
  if (v != v || v == INFINITY || v == -INFINITY) {
    snprintf(buf, WISP_CAST_STR_BYTES, v != v ? "nan" : v > 0 ? "inf" : "-inf");
    return;
  }
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, WISP_CAST_STR_BYTES, "%.*g", prec, v);
    if (is_f32 ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v) return;
  }
}

static wisp_status cast_string_infer(wisp_op_ctx *ctx) {
  return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "is wisp's own op: models cannot use it");
}

static wisp_status cast_string_exec(wisp_op_ctx *ctx) {
  const wisp_tensor *x = ctx->in[0];
  wisp_tensor *y = ctx->out[0];
  int64_t n = wisp_shape_numel(&y->shape);
  if (y->dtype == WISP_DT_STRING) {
    const char **s = y->data;
    for (int64_t i = 0; i < n; i++) {
      char *buf = (char *)ctx->state + i * WISP_CAST_STR_BYTES;
      if (wisp_cast_is_float(x->dtype))
        format_float(buf, wisp_cast_load_double(x->data, x->dtype, i), x->dtype != WISP_DT_DOUBLE);
      else if (x->dtype == WISP_DT_UINT64)
        snprintf(buf, WISP_CAST_STR_BYTES, "%llu",
                 (unsigned long long)((const uint64_t *)x->data)[i]);
      else snprintf(buf, WISP_CAST_STR_BYTES, "%lld", (long long)wisp_tensor_get_int(x, i));
      s[i] = buf;
    }
    return WISP_OK;
  }
  const char *const *str = x->data; /* numbers as strtod / strtoll read them ("inf", "NaN" too) */
  for (int64_t i = 0; i < n; i++) {
    const char *e = str[i] ? str[i] : "";
    if (wisp_cast_is_float(y->dtype) || y->dtype == WISP_DT_BOOL)
      wisp_cast_store_double(y->data, y->dtype, i, strtod(e, NULL));
    else if (y->dtype == WISP_DT_UINT64)
      wisp_cast_store_int(y->data, y->dtype, i, (int64_t)strtoull(e, NULL, 10), 1);
    else wisp_cast_store_int(y->data, y->dtype, i, strtoll(e, NULL, 10), 0);
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_wisp_CastString = {
    "wisp", "CastString", 0, NULL, cast_string_infer, cast_string_exec, 0};
