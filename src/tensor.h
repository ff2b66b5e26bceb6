/* tensor.h — dtypes (ONNX TensorProto numbering), shapes, tensors, and checked size math. */
#ifndef WISP_TENSOR_H
#define WISP_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum {
  WISP_DT_UNDEFINED = 0,
  WISP_DT_FLOAT = 1,
  WISP_DT_UINT8 = 2,
  WISP_DT_INT8 = 3,
  WISP_DT_UINT16 = 4,
  WISP_DT_INT16 = 5,
  WISP_DT_INT32 = 6,
  WISP_DT_INT64 = 7,
  WISP_DT_STRING = 8,
  WISP_DT_BOOL = 9,
  WISP_DT_FLOAT16 = 10,
  WISP_DT_DOUBLE = 11,
  WISP_DT_UINT32 = 12,
  WISP_DT_UINT64 = 13,
} wisp_dtype;

#define WISP_MAX_DIMS 8
/* Size arithmetic: wasm32's size_t is 32 bits, so a product of element count and element size
 * can wrap there (2^30 + 1 int64 elements are "8 bytes"). Byte sizes are computed in 64 bits
 * (wisp_shape_bytes, wisp_tensor_bytes saturate instead of wrapping) and every tensor, arena and
 * scratch size is checked against an explicit limit before it becomes a size_t. */
/* Upper bound on any tensor's element count. */
#define WISP_MAX_NUMEL ((int64_t)1 << 31)
/* Upper bound on one tensor's bytes: wasm32 has 4 GB of memory in all. */
#define WISP_MAX_TENSOR_BYTES ((uint64_t)1 << 31)

typedef struct {
  int ndim;
  int64_t dims[WISP_MAX_DIMS];
} wisp_shape;

typedef struct {
  wisp_dtype dtype;
  wisp_shape shape;
  void *data; /* NULL while only the shape is known */
} wisp_tensor;

/* Bytes per element; 0 for dtypes wisp cannot hold (undefined, unknown).
 *
 * Strings: an element of a WISP_DT_STRING tensor is a `const char *` to a NUL-terminated UTF-8
 * string that the tensor does not own. Strings from the model (initializers, attributes) belong
 * to the session's graph; strings an op outputs point at those (e.g. class labels); feeds point
 * at the caller's strings, which must outlive the run and the reading of its outputs (the JS
 * layer copies string[] feeds into the heap for the run, and reads string outputs back as
 * string[] before freeing them). */
size_t wisp_dtype_size(wisp_dtype dt);
const char *wisp_dtype_name(wisp_dtype dt);

int64_t wisp_shape_numel(const wisp_shape *s);
int wisp_shape_equal(const wisp_shape *a, const wisp_shape *b);
/* Writes "[2,3,4]" into buf. */
const char *wisp_shape_str(const wisp_shape *s, char *buf, size_t len);

/* Checks each dim is >= 0 and the element count stays under WISP_MAX_NUMEL. */
wisp_status wisp_shape_check(const wisp_shape *s, const char *what);
/* Bytes of a tensor of shape s with elements of esize bytes, in 64 bits; UINT64_MAX when even
 * that overflows or a dim is negative. */
uint64_t wisp_shape_bytes(const wisp_shape *s, size_t esize);
/* wisp_shape_bytes of t, or SIZE_MAX when it does not fit a size_t: check against
 * WISP_MAX_TENSOR_BYTES before allocating. */
size_t wisp_tensor_bytes(const wisp_tensor *t);

/* Numpy-style broadcast of a and b into out; fails with a message naming `op`. */
wisp_status wisp_broadcast_shape(const wisp_shape *a, const wisp_shape *b, wisp_shape *out,
                                 const char *op);
/* Element strides of `s` broadcast to the rank of `out` (0 on broadcast dims). */
void wisp_broadcast_strides(const wisp_shape *s, const wisp_shape *out, int64_t *strides);

/* Reads element i of an integer or bool tensor as int64 (0 for other dtypes). */
int64_t wisp_tensor_get_int(const wisp_tensor *t, int64_t i);

#endif
