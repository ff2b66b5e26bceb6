/* cast.h — Cast's element conversions (transform.c), shared with cast_string.c, the part of Cast
 * between numbers and strings. That part is apart because strtod (with the long-double arithmetic
 * it needs) is the only float parser of the core: the WebAssembly build links it into
 * web/wisp_extra.wasm (src/ops/table.h), 6.6 KB gzip out of wisp.wasm. */
#ifndef WISP_CAST_H
#define WISP_CAST_H

#include "op.h"

/* the bytes of one number written as a string, in Cast's state */
#define WISP_CAST_STR_BYTES 32

static inline int wisp_cast_is_float(wisp_dtype dt) {
  return dt == WISP_DT_FLOAT || dt == WISP_DT_DOUBLE || dt == WISP_DT_FLOAT16;
}
/* element i of float array p (float, double or float16) */
double wisp_cast_load_double(const void *p, wisp_dtype dt, int64_t i);
/* stores v as element i of p, integers saturating (NaN gives 0) */
void wisp_cast_store_double(void *p, wisp_dtype dt, int64_t i, double v);
/* stores v (from a uint64 when from_u64) as element i of p */
void wisp_cast_store_int(void *p, wisp_dtype dt, int64_t i, int64_t v, int from_u64);

#endif
