/* graph.h — the model as wisp holds it after loading: values, nodes, attributes.
 *
 * The loader (onnx.c) fills a wisp_graph from ModelProto bytes; the session (session.c) plans
 * and runs it. Values are numbered: node inputs and outputs are indices into `values`, with -1
 * for an omitted optional input. Everything here is owned by `pool` or, for initializers used in
 * place, by `model`. */
#ifndef WISP_GRAPH_H
#define WISP_GRAPH_H

#include "mem.h"
#include "tensor.h"

typedef enum {
  WISP_ATTR_UNDEFINED = 0,
  WISP_ATTR_FLOAT = 1,
  WISP_ATTR_INT = 2,
  WISP_ATTR_STRING = 3,
  WISP_ATTR_TENSOR = 4,
  WISP_ATTR_GRAPH = 5,
  WISP_ATTR_FLOATS = 6,
  WISP_ATTR_INTS = 7,
  WISP_ATTR_STRINGS = 8,
  WISP_ATTR_TENSORS = 9,
  WISP_ATTR_GRAPHS = 10,
  WISP_ATTR_SPARSE_TENSOR = 11,
  WISP_ATTR_SPARSE_TENSORS = 12,
  WISP_ATTR_TYPE_PROTO = 13,
  WISP_ATTR_TYPE_PROTOS = 14,
} wisp_attr_type;

typedef struct {
  const char *data; /* not NUL-terminated when it holds bytes; always followed by a NUL */
  size_t len;
} wisp_bytes;

typedef struct {
  const char *name;
  wisp_attr_type type;
  float f;
  int64_t i;
  wisp_bytes s;
  wisp_tensor *t;
  int count; /* element count of the list kinds below */
  float *floats;
  int64_t *ints;
  wisp_bytes *strings;
  wisp_tensor *tensors;
  struct wisp_graph *g; /* GRAPH: the subgraph (If branches, Loop and Scan bodies) */
} wisp_attr;

struct wisp_op_def;

/* What a load-time fusion (src/fuse/) folded into a node's output; the ops that support it
 * (Conv, Gemm, MatMul; BatchNormalization the clamp) copy it into their params at parse. A new
 * epilogue is a field here. */
typedef struct {
  float lo, hi; /* an activation's clamp (Relu, Clip); -INFINITY, INFINITY when none */
  float scale;  /* a constant factor on a MatMul's B (attention's Div by √d); 1 when none */
  int gate;     /* Conv only: then x·gate(x) (WISP_GATE_*), on each output block in cache */
} wisp_epilogue;

enum {
  WISP_GATE_NONE,
  WISP_GATE_SIGMOID, /* SiLU / Swish, exported as Sigmoid and Mul */
  WISP_GATE_HARD     /* HardSwish: clamp(x/6 + 1/2, 0, 1), or HardSigmoid(1/6, 1/2) and Mul */
};

typedef struct {
  const char *name, *op_type, *domain; /* domain "" is the default ONNX domain */
  int64_t opset;                       /* version of the node's domain imported by the model */
  int n_in, n_out, n_attr;
  int *in, *out;
  /* The last n_captured inputs are outer values the node's subgraphs read by name, appended at
   * load in attribute order (each subgraph's own captured inputs, see wisp_graph). */
  int n_captured;
  wisp_attr *attrs;
  const struct wisp_op_def *op; /* resolved at load */
  wisp_epilogue *epilogue;      /* NULL when nothing was folded: read it with wisp_node_epilogue */
} wisp_node;

typedef struct {
  const char *name;
  wisp_dtype dtype; /* declared type (UNDEFINED when the model does not say) */
  wisp_shape shape; /* declared shape; dims are -1 where symbolic or unknown */
  int has_shape;
  const char *dim_params[WISP_MAX_DIMS]; /* symbolic dim names, NULL where fixed */
  void *init_data;                       /* initializer data, NULL for non-initializers */
} wisp_value;

typedef struct wisp_graph {
  wisp_pool pool;
  void *model; /* the model bytes (malloc'd), which initializers may point into */
  int n_values, n_nodes, n_inputs, n_outputs;
  wisp_value *values;
  wisp_node *nodes;
  int *inputs; /* graph inputs that are not initializers, in declared order */
  /* A subgraph's last n_captured inputs are the names it reads but does not define: values of
   * the enclosing graphs, which the owning node binds (its captured inputs). 0 at top level. */
  int n_captured;
  int *outputs;
  int n_order;
  int *order; /* node indices in topological order (wisp_graph_sort) */
} wisp_graph;

/* The node's epilogue, or one that changes nothing. */
const wisp_epilogue *wisp_node_epilogue(const wisp_node *n);
/* Attribute lookup by name; NULL when absent. */
const wisp_attr *wisp_node_attr(const wisp_node *n, const char *name);
int64_t wisp_attr_int(const wisp_node *n, const char *name, int64_t dflt);
float wisp_attr_float(const wisp_node *n, const char *name, float dflt);
/* The string attribute, or dflt when absent. */
const char *wisp_attr_string(const wisp_node *n, const char *name, const char *dflt);
/* The ints attribute and its count; NULL (count 0) when absent. */
const int64_t *wisp_attr_ints(const wisp_node *n, const char *name, int *count);
const float *wisp_attr_floats(const wisp_node *n, const char *name, int *count);

/* Fills g->order in O(nodes + edges); fails on cycles, undefined inputs and any value written
 * twice or written over an initializer or a graph input (single assignment). */
wisp_status wisp_graph_sort(wisp_graph *g);
/* Frees the graph and, first, the subgraphs of its nodes' attributes. */
void wisp_graph_free(wisp_graph *g);

#endif
