/* op.h — what an operator is to wisp: three functions and a row in the table (registry.c).
 *
 *   parse(ctx)  once at load: read node attributes into ctx->params, reject what is unsupported.
 *   infer(ctx)  at each plan: set every output's dtype and shape from the inputs. An input's
 *               `data` is non-NULL here only when it is a constant (initializer or folded), so
 *               Reshape can read its shape input and MatMul can prepack constant weights into
 *               ctx->state. Ask for temporary memory by setting ctx->scratch_bytes.
 *   exec(ctx)   compute outputs from inputs; allocates nothing (scratch is in ctx->scratch).
 *
 * When every input of a node is constant the planner runs infer+exec once and the outputs become
 * constants (constant folding); ops flagged WISP_OP_SHAPE_ONLY (Shape, Size) fold as soon as their
 * input's shape is known. To add an op: write its three functions in the family file under
 * src/ops/, add a row to the table in registry.c (kept sorted), add its node tests to
 * tests/conformance/expected_pass.txt. */
#ifndef WISP_OP_H
#define WISP_OP_H

#include "../graph.h"
#include "../status.h"
#include "../tensor.h"

typedef struct wisp_op_ctx {
  const wisp_node *node;
  void *params; /* op's own struct, params_size bytes, zeroed before parse */
  int n_in, n_out;
  wisp_tensor **in; /* in[i] is NULL for an omitted optional input */
  wisp_tensor **out;
  void *
      state; /* op-owned heap memory kept across plans (packed weights); freed with wisp_aligned_free */
  uint64_t scratch_bytes; /* set by infer, computed in 64 bits (tensor.h); the planner checks it
                           * and provides ctx->scratch for exec */
  void *scratch;
} wisp_op_ctx;

enum {
  WISP_OP_SHAPE_ONLY = 1, /* output depends only on input shapes (Shape, Size) */
  WISP_OP_ALIAS = 2,      /* output 0 is input 0's bytes with a new shape (Reshape, Squeeze):
                           * the planner gives both one buffer and exec must not copy */
};

typedef struct wisp_op_def {
  const char *domain; /* "" for ai.onnx */
  const char *op_type;
  size_t params_size;
  wisp_status (*parse)(wisp_op_ctx *ctx); /* may be NULL */
  wisp_status (*infer)(wisp_op_ctx *ctx);
  wisp_status (*exec)(wisp_op_ctx *ctx);
  int flags;
  /* Bit i set: infer needs the value of input i (a shape, axes, a flag), not just its shape.
   * Graph inputs that feed such a port become part of the plan's key (see plan.h). Ops whose
   * output length depends on data (NonZero, Unique, Compress, TopK's K) use this too: the node
   * and what feeds that input fold at plan time, and new values mean a new plan. */
  unsigned value_inputs;
  /* Frees what parse hung off ctx->params beyond the struct (If/Loop/Scan: subgraph plans);
   * may be NULL. Called before params and state are freed. */
  void (*release)(wisp_op_ctx *ctx);
} wisp_op_def;

/* The op for (domain, op_type) whatever the version, or NULL (for fusions that create nodes). */
const wisp_op_def *wisp_op_find(const char *domain, const char *op_type);
typedef enum { WISP_OP_FOUND, WISP_OP_UNKNOWN, WISP_OP_BAD_VERSION, WISP_OP_EXTRA } wisp_op_lookup;
/* The op for a node of a model importing `opset` of its domain (-1: none imported). On
 * WISP_OP_BAD_VERSION *since and *until give the versions wisp implements; WISP_OP_EXTRA: the op
 * is in web/wisp_extra.wasm, not loaded yet (WISP_EXTRA_MODULE builds only, see table.h). */
wisp_op_lookup wisp_op_resolve(const char *domain, const char *op_type, int64_t opset,
                               const wisp_op_def **def, int *since, int *until);
/* Row i of the table (NULL past the end), for tests and for listing supported ops. */
const wisp_op_def *wisp_op_table_entry(int i, int *since, int *until);
int wisp_op_count(void);
#ifdef WISP_EXTRA_MODULE
/* The first op a lookup (wisp_op_find or _resolve) found to be in the extra module while it was
 * not loaded, since the last call (NULL if none): web/ asks after listing a model's external
 * files, then loads it. */
const char *wisp_op_extra_wanted(void);
/* Hands the E rows of table.h their definitions from the loaded module, n of them in table
 * order; fails, changing nothing, when they are another build's. */
wisp_status wisp_op_attach_extra(const wisp_op_def *const *defs, int n);
#endif

/* Helpers for op implementations. */
wisp_status wisp_op_expect_inputs(const wisp_op_ctx *ctx, int min, int max);
wisp_status wisp_op_expect_dtype(const wisp_op_ctx *ctx, int input, wisp_dtype dt);
/* A packed weight input (`what`, e.g. "scales") of dtype dt and exactly numel values, the count
 * K, N and block_size give (the 4-bit MatMuls). */
wisp_status wisp_op_expect_packed(const wisp_op_ctx *ctx, int input, wisp_dtype dt, int64_t numel,
                                  const char *what);
/* Normalises a possibly negative axis against `rank`, failing with the op's name. */
wisp_status wisp_op_axis(const wisp_op_ctx *ctx, int64_t axis, int rank, int *out);
/* Sliding windows (conv.c, shared with pool.c): reads strides, dilations, pads and auto_pad of
 * the node for a kernel k over nsp spatial dims `in`, and computes output dims and begin/end
 * pads. Arrays have 3 entries, right-aligned (leading 3 - nsp are unit dims). */
wisp_status wisp_window_geometry(const wisp_op_ctx *ctx, int nsp, const int64_t *in,
                                 const int64_t *k, int ceil_mode, int64_t *s, int64_t *d,
                                 int64_t *pb, int64_t *pe, int64_t *out);
/* out gets dtype/shape of in (for elementwise unary ops). */
void wisp_op_same_as(wisp_tensor *out, const wisp_tensor *in);

/* For code in an -O3 file that runs once per model or on a few elements (shape arithmetic,
 * integer rows, setup): built for size, so the .wasm download carries its hot loops only. */
#ifdef __clang__
#define WISP_COLD __attribute__((minsize))
#else
#define WISP_COLD __attribute__((cold)) /* GCC's: optimised for size */
#endif

#define WISP_OP_FAIL(ctx, status, fmt, ...) \
  wisp_fail((status), "%s node '%s': " fmt, (ctx)->node->op_type, (ctx)->node->name, ##__VA_ARGS__)

#endif
