/* registry.c — the one table of ops: (domain, op_type) -> parse / infer / exec.
 * Rows are sorted by domain then op_type (a test checks); lookup is a binary search. */
#include <string.h>

#include "op.h"

#define OPS(X)                                                                               \
  X(Abs) X(Add) X(Ceil) X(Constant) X(Div) X(Dropout) X(Erf) X(Exp) X(Flatten) X(Floor)      \
  X(Gemm) X(Identity) X(Log) X(LogSoftmax) X(MatMul) X(Mul) X(Neg) X(Pow) X(Reciprocal)      \
  X(Relu) X(Reshape) X(Shape) X(Sigmoid) X(Softmax) X(Sqrt) X(Sub) X(Tanh)

#define DECLARE(name) extern const wisp_op_def wisp_op_##name;
OPS(DECLARE)
#define ROW(name) &wisp_op_##name,
static const wisp_op_def *const table[] = {OPS(ROW)};

static int compare(const char *domain, const char *op_type, const wisp_op_def *def) {
  int c = strcmp(domain, def->domain);
  return c ? c : strcmp(op_type, def->op_type);
}

const wisp_op_def *wisp_op_find(const char *domain, const char *op_type) {
  int lo = 0, hi = (int)(sizeof table / sizeof *table) - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    int c = compare(domain, op_type, table[mid]);
    if (!c) return table[mid];
    if (c < 0) hi = mid - 1;
    else lo = mid + 1;
  }
  return NULL;
}

const wisp_op_def *const *wisp_op_table(int *count) {
  *count = (int)(sizeof table / sizeof *table);
  return table;
}
