/* fuser.h — what a load-time fusion pattern sees (src/fuse/): the graph with its producers and
 * consumers, the helpers every pattern shares (helpers.c), and the patterns (one file each,
 * run in the order of the table in table.c).
 *
 * A pattern is called once per live node with one output; it looks for its chain starting at
 * that node and, when every value it removes feeds nothing outside the chain and is not a graph
 * output, rewrites the chain in place (`fuse_become`) and marks the nodes it replaced dead. It
 * returns WISP_OK when it did nothing. */
#ifndef WISP_FUSER_H
#define WISP_FUSER_H

#include "../graph.h"
#include "../ops/op.h"

typedef struct {
  wisp_graph *g;
  int *producer;  /* node index per value, -1 for none */
  int *uses;      /* consumers per value (graph outputs count as one) */
  int *first_use; /* CSR: consumers of value v are use_node[first_use[v] .. first_use[v+1]) */
  int *use_node;
  uint8_t *dead;
} wisp_fuser;

typedef struct {
  const char *name;
  /* An ai.onnx op the rewrite creates: the pattern is skipped in builds without it. NULL: none. */
  const char *needs;
  /* 1: runs in a second sweep, after every other pattern has rewritten the graph (activation
   * folding sees the MatMul after its bias was packed in, the Conv after BatchNorm went). */
  int late;
  wisp_status (*rewrite)(wisp_fuser *f, wisp_node *n);
} wisp_fuse_pattern;

extern const wisp_fuse_pattern wisp_fuse_patterns[];
extern const int wisp_fuse_pattern_count;

/* ---- helpers (helpers.c) ---- */
int fuse_is_op(const wisp_node *n, const char *op_type);    /* an ai.onnx op_type */
int fuse_is_ms_op(const wisp_node *n, const char *op_type); /* a com.microsoft op_type */
int fuse_node_index(const wisp_fuser *f, const wisp_node *n);
void fuse_kill(wisp_fuser *f, const wisp_node *n);
/* The live node that makes v, when it is the ai.onnx op_type; NULL otherwise. */
wisp_node *fuse_made_by(const wisp_fuser *f, int v, const char *op_type);
/* The one node that reads v (and nothing else does, nor is v a graph output), when it is the
 * ai.onnx op_type (any op when op_type is NULL); NULL otherwise. */
wisp_node *fuse_only_use(const wisp_fuser *f, int v, const char *op_type);
/* For a binary node reading v: its other input (or -2 when v is not an input). */
int fuse_other_input(const wisp_node *n, int v);
/* A value known at load, into *t: an initializer, a Constant node's value, or either behind
 * Identity nodes (exporters alias equal initializers that way). 0 if not. */
int fuse_constant(const wisp_fuser *f, int v, wisp_tensor *t);
/* The operands of a static QDQ MatMul / Gemm / Conv n: in[0] = DequantizeLinear(x_q, x_scale
 * constant float per tensor, x_zp constant int8 / uint8 scalar) and in[1] = DequantizeLinear(W_q
 * constant int8 / uint8, W_scale constant float, W_zp absent or a constant of W_q's type and
 * W_scale's size, no block_size), read by n alone. 1 with *q filled in; 0 if not. */
typedef struct {
  wisp_node *dqa, *dqw;
  wisp_tensor w, sw; /* W_q, W_scale */
  int za, zw;        /* zero point values (zw -1 when absent) */
} fuse_qdq;
int fuse_qdq_operands(const wisp_fuser *f, const wisp_node *n, fuse_qdq *q);
/* A constant float scalar (any shape of one element). */
int fuse_constant_scalar(const wisp_fuser *f, int v, float *out);
/* Rewrites `node` in place as domain op_type(in...) -> out with the given attributes (copied). */
wisp_status fuse_become(wisp_fuser *f, wisp_node *node, const char *domain, const char *op_type,
                        const int *in, int n_in, int out, const wisp_attr *attrs, int n_attr);
/* Moves node's single output to `out` (the output of the chain it absorbed). */
void fuse_take_output(wisp_fuser *f, wisp_node *node, int out);
/* Appends a constant of dtype dt with room for shape's elements at *data; its value id, or -1
 * when out of memory. The driver leaves room for two new values per node. */
int fuse_new_constant(wisp_fuser *f, const char *name, wisp_dtype dt, const wisp_shape *shape,
                      void **data);
/* The node's epilogue to fill in, made on first use; NULL when out of memory. */
wisp_epilogue *fuse_epilogue(wisp_fuser *f, wisp_node *n);

/* ---- the patterns, one file each ---- */
wisp_status fuse_layer_norm(wisp_fuser *f, wisp_node *n);
wisp_status fuse_gelu(wisp_fuser *f, wisp_node *n);
wisp_status fuse_qdq_matmul(wisp_fuser *f, wisp_node *n);
wisp_status fuse_qdq_conv(wisp_fuser *f, wisp_node *n);
wisp_status fuse_dynamic_quant_conv(wisp_fuser *f, wisp_node *n);
wisp_status fuse_matmul_bias(wisp_fuser *f, wisp_node *n);
wisp_status fuse_bias_gelu(wisp_fuser *f, wisp_node *n);
wisp_status fuse_matmul_scale(wisp_fuser *f, wisp_node *n);
wisp_status fuse_attention(wisp_fuser *f, wisp_node *n);
wisp_status fuse_dynamic_quant_matmul(wisp_fuser *f, wisp_node *n);
wisp_status fuse_matmul_integer_to_float(wisp_fuser *f, wisp_node *n);
wisp_status fuse_batch_norm(wisp_fuser *f, wisp_node *n);
wisp_status fuse_activation(wisp_fuser *f, wisp_node *n);
wisp_status fuse_gate(wisp_fuser *f, wisp_node *n);

#endif
