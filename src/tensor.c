#include "tensor.h"

#include <string.h>

size_t wisp_dtype_size(wisp_dtype dt) {
  switch (dt) {
    case WISP_DT_FLOAT:
    case WISP_DT_INT32:
    case WISP_DT_UINT32: return 4;
    case WISP_DT_UINT8:
    case WISP_DT_INT8:
    case WISP_DT_BOOL: return 1;
    case WISP_DT_UINT16:
    case WISP_DT_INT16:
    case WISP_DT_FLOAT16: return 2;
    case WISP_DT_INT64:
    case WISP_DT_UINT64:
    case WISP_DT_DOUBLE: return 8;
    case WISP_DT_STRING: return sizeof(const char *);
    default: return 0;
  }
}

const char *wisp_dtype_name(wisp_dtype dt) {
  static const char *names[] = {"undefined", "float32", "uint8",  "int8",   "uint16",
                                "int16",     "int32",   "int64",  "string", "bool",
                                "float16",   "float64", "uint32", "uint64"};
  return (unsigned)dt < sizeof names / sizeof *names ? names[dt] : "unknown";
}

int64_t wisp_shape_numel(const wisp_shape *s) {
  int64_t n = 1;
  for (int i = 0; i < s->ndim; i++) n *= s->dims[i];
  return n;
}

int wisp_shape_equal(const wisp_shape *a, const wisp_shape *b) {
  if (a->ndim != b->ndim) return 0;
  for (int i = 0; i < a->ndim; i++)
    if (a->dims[i] != b->dims[i]) return 0;
  return 1;
}

const char *wisp_shape_str(const wisp_shape *s, char *buf, size_t len) {
  size_t used = (size_t)wisp_snprintf(buf, len, "[");
  for (int i = 0; i < s->ndim && used < len; i++)
    used +=
        (size_t)wisp_snprintf(buf + used, len - used, i ? ",%lld" : "%lld", (long long)s->dims[i]);
  if (used < len) wisp_snprintf(buf + used, len - used, "]");
  return buf;
}

wisp_status wisp_shape_check(const wisp_shape *s, const char *what) {
  WISP_CHECK(s->ndim >= 0 && s->ndim <= WISP_MAX_DIMS, WISP_ERR_UNSUPPORTED,
             "%s: rank %d is over wisp's limit of %d", what, s->ndim, WISP_MAX_DIMS);
  /* the bound holds for the non-zero dims of an empty tensor too: ops compute strides from them */
  int64_t n = 1;
  for (int i = 0; i < s->ndim; i++) {
    WISP_CHECK(s->dims[i] >= 0, WISP_ERR_INVALID_ARG, "%s: negative dimension %lld", what,
               (long long)s->dims[i]);
    if (s->dims[i] == 0) continue;
    WISP_CHECK(s->dims[i] <= WISP_MAX_NUMEL / n, WISP_ERR_INVALID_ARG,
               "%s: tensor too large (over 2^31 elements)", what);
    n *= s->dims[i];
  }
  return WISP_OK;
}

uint64_t wisp_shape_bytes(const wisp_shape *s, size_t esize) {
  uint64_t n = esize;
  for (int i = 0; i < s->ndim; i++) {
    if (s->dims[i] < 0) return UINT64_MAX;
    if (s->dims[i] == 0) return 0;
    if (n > UINT64_MAX / (uint64_t)s->dims[i]) return UINT64_MAX;
    n *= (uint64_t)s->dims[i];
  }
  return n;
}

size_t wisp_tensor_bytes(const wisp_tensor *t) {
  uint64_t n = wisp_shape_bytes(&t->shape, wisp_dtype_size(t->dtype));
  return n > SIZE_MAX ? SIZE_MAX : (size_t)n;
}

wisp_status wisp_broadcast_shape(const wisp_shape *a, const wisp_shape *b, wisp_shape *out,
                                 const char *op) {
  int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
  out->ndim = nd;
  for (int i = 0; i < nd; i++) {
    int ia = i - (nd - a->ndim), ib = i - (nd - b->ndim);
    int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if (da == db || db == 1) out->dims[i] = da;
    else if (da == 1) out->dims[i] = db;
    else {
      char sa[96], sb[96];
      return wisp_fail(WISP_ERR_INVALID_ARG, "%s: shapes %s and %s do not broadcast", op,
                       wisp_shape_str(a, sa, sizeof sa), wisp_shape_str(b, sb, sizeof sb));
    }
  }
  return WISP_OK;
}

void wisp_broadcast_strides(const wisp_shape *s, const wisp_shape *out, int64_t *strides) {
  int64_t stride = 1;
  for (int i = out->ndim - 1; i >= 0; i--) {
    int is = i - (out->ndim - s->ndim);
    int64_t d = is >= 0 ? s->dims[is] : 1;
    strides[i] = d == 1 ? 0 : stride;
    stride *= d;
  }
}

int64_t wisp_tensor_get_int(const wisp_tensor *t, int64_t i) {
  switch (t->dtype) {
    case WISP_DT_INT64: return ((const int64_t *)t->data)[i];
    case WISP_DT_INT32: return ((const int32_t *)t->data)[i];
    case WISP_DT_UINT8:
    case WISP_DT_BOOL: return ((const uint8_t *)t->data)[i];
    case WISP_DT_INT8: return ((const int8_t *)t->data)[i];
    case WISP_DT_INT16: return ((const int16_t *)t->data)[i];
    case WISP_DT_UINT16: return ((const uint16_t *)t->data)[i];
    case WISP_DT_UINT32: return ((const uint32_t *)t->data)[i];
    case WISP_DT_UINT64: return (int64_t)((const uint64_t *)t->data)[i];
    default: return 0;
  }
}
