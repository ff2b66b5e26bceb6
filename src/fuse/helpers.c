/* helpers.c — what the fusion patterns share: finding producers, sole consumers and constants,
 * and rewriting a node in place. */
#include <math.h>
#include <string.h>

#include "fuser.h"

int fuse_is_op(const wisp_node *n, const char *op_type) {
  return !*n->domain && !strcmp(n->op_type, op_type);
}

int fuse_is_ms_op(const wisp_node *n, const char *op_type) {
  return !strcmp(n->domain, "com.microsoft") && !strcmp(n->op_type, op_type);
}

int fuse_node_index(const wisp_fuser *f, const wisp_node *n) { return (int)(n - f->g->nodes); }

void fuse_kill(wisp_fuser *f, const wisp_node *n) { f->dead[fuse_node_index(f, n)] = 1; }

wisp_node *fuse_made_by(const wisp_fuser *f, int v, const char *op_type) {
  if (v < 0 || f->producer[v] < 0 || f->dead[f->producer[v]]) return NULL;
  wisp_node *n = &f->g->nodes[f->producer[v]];
  return fuse_is_op(n, op_type) ? n : NULL;
}

wisp_node *fuse_only_use(const wisp_fuser *f, int v, const char *op_type) {
  if (v < 0 || f->uses[v] != 1 || f->first_use[v + 1] - f->first_use[v] != 1) return NULL;
  int i = f->use_node[f->first_use[v]];
  wisp_node *n = &f->g->nodes[i];
  return !f->dead[i] && (!op_type || fuse_is_op(n, op_type)) ? n : NULL;
}

int fuse_other_input(const wisp_node *n, int v) {
  return n->n_in != 2 ? -2 : n->in[0] == v ? n->in[1] : n->in[1] == v ? n->in[0] : -2;
}

int fuse_constant(const wisp_fuser *f, int v, wisp_tensor *t) {
  for (const wisp_node *id; v >= 0 && (id = fuse_made_by(f, v, "Identity")) && id->n_in == 1;)
    v = id->in[0];
  if (v < 0) return 0;
  const wisp_value *val = &f->g->values[v];
  const wisp_node *c = fuse_made_by(f, v, "Constant");
  const wisp_attr *a = c ? wisp_node_attr(c, "value") : NULL;
  if (val->init_data) *t = (wisp_tensor){val->dtype, val->shape, val->init_data};
  else if (a && a->t) *t = *a->t;
  else return 0;
  return 1;
}

int fuse_constant_scalar(const wisp_fuser *f, int v, float *out) {
  wisp_tensor t;
  if (!fuse_constant(f, v, &t) || t.dtype != WISP_DT_FLOAT || wisp_shape_numel(&t.shape) != 1)
    return 0;
  *out = *(const float *)t.data;
  return 1;
}

wisp_status fuse_become(wisp_fuser *f, wisp_node *node, const char *domain, const char *op_type,
                        const int *in, int n_in, int out, const wisp_attr *attrs, int n_attr) {
  wisp_pool *pool = &f->g->pool;
  int *ins = wisp_pool_alloc(pool, (size_t)n_in * sizeof(int));
  wisp_attr *copy = wisp_pool_alloc(pool, (size_t)n_attr * sizeof(wisp_attr));
  WISP_CHECK(ins && copy, WISP_ERR_NO_MEMORY, "out of memory");
  memcpy(ins, in, (size_t)n_in * sizeof(int));
  if (n_attr) memcpy(copy, attrs, (size_t)n_attr * sizeof(wisp_attr));
  node->domain = domain;
  node->op_type = op_type;
  node->op = wisp_op_find(domain, op_type);
  node->opset = 20; /* the op's semantics as of today */
  node->in = ins, node->n_in = n_in;
  node->out[0] = out, node->n_out = 1;
  node->attrs = copy, node->n_attr = n_attr;
  f->producer[out] = fuse_node_index(f, node);
  return WISP_OK;
}

void fuse_take_output(wisp_fuser *f, wisp_node *node, int out) {
  node->out[0] = out;
  f->producer[out] = fuse_node_index(f, node);
}

int fuse_new_constant(wisp_fuser *f, const char *name, wisp_dtype dt, const wisp_shape *shape,
                      void **data) {
  wisp_graph *g = f->g;
  *data = wisp_pool_alloc_uninit(&g->pool, (size_t)wisp_shape_numel(shape) * wisp_dtype_size(dt));
  char *copy = wisp_pool_strndup(&g->pool, name, strlen(name));
  if (!*data || !copy) return -1;
  wisp_value *v = &g->values[g->n_values];
  *v = (wisp_value){.name = copy, .dtype = dt, .shape = *shape, .has_shape = 1, .init_data = *data};
  f->producer[g->n_values] = -1;
  return g->n_values++;
}

wisp_epilogue *fuse_epilogue(wisp_fuser *f, wisp_node *n) {
  if (!n->epilogue && (n->epilogue = wisp_pool_alloc(&f->g->pool, sizeof *n->epilogue)))
    *n->epilogue = (wisp_epilogue){-INFINITY, INFINITY, 1.0f};
  return n->epilogue;
}

/* A DequantizeLinear's constant float scale and its zero point's value (-1 when absent). */
static int dequantize_inputs(const wisp_fuser *f, const wisp_node *dq, wisp_tensor *scale,
                             int *zp) {
  *zp = dq->n_in > 2 ? dq->in[2] : -1;
  return dq->n_in >= 2 && dq->n_out == 1 && fuse_constant(f, dq->in[1], scale) &&
         scale->dtype == WISP_DT_FLOAT;
}

int fuse_qdq_operands(const wisp_fuser *f, const wisp_node *n, fuse_qdq *q) {
  wisp_tensor sa, t;
  q->dqa = fuse_made_by(f, n->in[0], "DequantizeLinear");
  q->dqw = fuse_made_by(f, n->in[1], "DequantizeLinear");
  /* x_q must be a value: the fusions count its readers (a missing input "" is -1) */
  if (!q->dqa || !q->dqw || q->dqa == q->dqw || q->dqa->in[0] < 0 ||
      !dequantize_inputs(f, q->dqa, &sa, &q->za) || !dequantize_inputs(f, q->dqw, &q->sw, &q->zw) ||
      wisp_shape_numel(&sa.shape) != 1 || !fuse_constant(f, q->dqw->in[0], &q->w) ||
      (q->w.dtype != WISP_DT_INT8 && q->w.dtype != WISP_DT_UINT8) || f->uses[n->in[1]] != 1 ||
      wisp_attr_int(q->dqw, "block_size", 0) != 0)
    return 0;
  /* x_q's type is only known from its zero point: the int8 GEMM takes int8 and uint8 */
  return q->za >= 0 && fuse_constant(f, q->za, &t) && wisp_shape_numel(&t.shape) == 1 &&
         (t.dtype == WISP_DT_INT8 || t.dtype == WISP_DT_UINT8) &&
         (q->zw < 0 || (fuse_constant(f, q->zw, &t) && t.dtype == q->w.dtype &&
                        wisp_shape_numel(&t.shape) == wisp_shape_numel(&q->sw.shape)));
}
