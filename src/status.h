/* status.h — one status enum, one last-error message, and the helpers that set them.
 *
 * Untrusted input (model bytes, feeds) returns a status with a message; internal invariants
 * use assert(). Nothing reachable from bad input aborts: in a browser that kills the instance. */
#ifndef WISP_STATUS_H
#define WISP_STATUS_H

#include <stddef.h>

typedef enum {
  WISP_OK = 0,
  WISP_ERR_INVALID_MODEL = 1, /* malformed or truncated protobuf / ONNX */
  WISP_ERR_UNSUPPORTED = 2,   /* op, attribute value or dtype wisp does not implement */
  WISP_ERR_INVALID_ARG = 3,   /* wrong input name, shape, dtype, or a bad API call */
  WISP_ERR_NO_MEMORY = 4,
  WISP_ERR_RUNTIME = 5, /* data-dependent failure while running, e.g. index out of range */
} wisp_status;

/* Records a printf-style message as the last error and returns `status`. */
wisp_status wisp_fail(wisp_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *wisp_last_error(void);
/* snprintf for wisp's messages: %s (and %.*s), %c, %d/%i/%u with l, ll or z, and %g (whole
 * numbers in full, others with 6 significant digits). No widths or flags. */
int wisp_snprintf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The status of the last wisp_fail (for callers that only get a NULL back, e.g. the wasm shim). */
wisp_status wisp_last_status(void);
void wisp_clear_error(void);

/* Evaluate `expr`; on a non-OK status return it from the calling function. */
#define WISP_TRY(expr) \
  do { \
    wisp_status wisp_s_ = (expr); \
    if (wisp_s_ != WISP_OK) return wisp_s_; \
  } while (0)

/* Fail with a message when `cond` does not hold (for checks on untrusted data). */
#define WISP_CHECK(cond, status, ...) \
  do { \
    if (!(cond)) return wisp_fail((status), __VA_ARGS__); \
  } while (0)

#endif
