/* plan.c — shape inference, constant folding, buffer lifetimes and the executor. */
#include "plan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Walks back from every value_inputs port to the graph inputs it depends on by value;
 * SHAPE_ONLY ops (Shape, Size) cut the walk since they read only shapes. */
static wisp_status find_value_keyed_inputs(wisp_plan *p) {
  const wisp_graph *g = p->g;
  int *producer = malloc(((size_t)g->n_values + 1) * sizeof(int));
  int *stack = malloc(((size_t)g->n_values + 1) * sizeof(int));
  uint8_t *seen = calloc((size_t)g->n_values + 1, 1);
  p->value_keyed = calloc((size_t)g->n_inputs + 1, 1);
  wisp_status s = WISP_OK;
  if (!producer || !stack || !seen || !p->value_keyed) {
    s = wisp_fail(WISP_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (int v = 0; v < g->n_values; v++) producer[v] = -1;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_out; k++)
      if (g->nodes[i].out[k] >= 0) producer[g->nodes[i].out[k]] = i;
  int top = 0;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_in && k < 32; k++) {
      int v = g->nodes[i].in[k];
      if ((g->nodes[i].op->value_inputs >> k & 1) && v >= 0 && !seen[v])
        seen[v] = 1, stack[top++] = v;
    }
  while (top > 0) {
    int v = stack[--top];
    int i = producer[v];
    if (i < 0 || (g->nodes[i].op->flags & WISP_OP_SHAPE_ONLY)) continue;
    for (int k = 0; k < g->nodes[i].n_in; k++) {
      int u = g->nodes[i].in[k];
      if (u >= 0 && !seen[u]) seen[u] = 1, stack[top++] = u;
    }
  }
  for (int k = 0; k < g->n_inputs; k++) p->value_keyed[k] = seen[g->inputs[k]];
done:
  free(producer);
  free(stack);
  free(seen);
  return s;
}

wisp_status wisp_plan_init(wisp_plan *p, const wisp_graph *g) {
  memset(p, 0, sizeof *p);
  p->g = g;
  size_t n_ptrs = 0;
  for (int i = 0; i < g->n_nodes; i++) n_ptrs += (size_t)g->nodes[i].n_in + g->nodes[i].n_out;
  p->vals = calloc((size_t)g->n_values + 1, sizeof *p->vals);
  p->is_const = calloc((size_t)g->n_values + 1, 1);
  p->ctx = calloc((size_t)g->n_nodes + 1, sizeof *p->ctx);
  p->ptrs = calloc(n_ptrs + 1, sizeof *p->ptrs);
  p->steps = calloc((size_t)g->n_nodes + 1, sizeof *p->steps);
  WISP_CHECK(p->vals && p->is_const && p->ctx && p->ptrs && p->steps, WISP_ERR_NO_MEMORY,
             "out of memory");
  wisp_tensor **ptr = p->ptrs;
  for (int i = 0; i < g->n_nodes; i++) {
    const wisp_node *n = &g->nodes[i];
    wisp_op_ctx *c = &p->ctx[i];
    c->node = n;
    c->n_in = n->n_in;
    c->n_out = n->n_out;
    c->in = ptr, ptr += n->n_in;
    c->out = ptr, ptr += n->n_out;
    for (int k = 0; k < n->n_in; k++) c->in[k] = n->in[k] >= 0 ? &p->vals[n->in[k]] : NULL;
    for (int k = 0; k < n->n_out; k++) c->out[k] = n->out[k] >= 0 ? &p->vals[n->out[k]] : NULL;
    WISP_CHECK(n->n_out > 0, WISP_ERR_INVALID_MODEL, "node '%s' (%s) has no outputs", n->name,
               n->op_type);
    if (n->op->params_size) {
      c->params = calloc(1, n->op->params_size);
      WISP_CHECK(c->params, WISP_ERR_NO_MEMORY, "out of memory");
    }
    if (n->op->parse) WISP_TRY(n->op->parse(c));
  }
  return find_value_keyed_inputs(p);
}

void wisp_plan_free(wisp_plan *p) {
  for (int i = 0; p->ctx && i < p->g->n_nodes; i++) {
    const wisp_op_def *op = p->g->nodes[i].op;
    if (op->release && p->ctx[i].params) op->release(&p->ctx[i]);
    free(p->ctx[i].params);
    wisp_aligned_free(p->ctx[i].state);
  }
  wisp_pool_free(&p->folded);
  wisp_aligned_free(p->arena);
  free(p->vals);
  free(p->is_const);
  free(p->ctx);
  free(p->ptrs);
  free(p->steps);
  free(p->value_keyed);
  memset(p, 0, sizeof *p);
}

/* Runs infer for node i and checks what it produced. */
static wisp_status infer_node(wisp_plan *p, int i) {
  wisp_op_ctx *c = &p->ctx[i];
  const wisp_node *n = c->node;
  for (int k = 0; k < n->n_in; k++) {
    if (c->in[k] && c->in[k]->dtype == WISP_DT_UNDEFINED)
      return wisp_fail(WISP_ERR_INVALID_MODEL, "node '%s' (%s): input '%s' has no known type",
                       n->name, n->op_type, p->g->values[n->in[k]].name);
  }
  c->scratch_bytes = 0;
  c->scratch = NULL;
  WISP_TRY(n->op->infer(c));
  for (int k = 0; k < n->n_out; k++) {
    if (!c->out[k]) continue;
    wisp_tensor *t = c->out[k];
    WISP_CHECK(wisp_dtype_size(t->dtype), WISP_ERR_UNSUPPORTED,
               "node '%s' (%s): output type %s is not supported", n->name, n->op_type,
               wisp_dtype_name(t->dtype));
    WISP_TRY(wisp_shape_check(&t->shape, p->g->values[n->out[k]].name));
    WISP_CHECK(wisp_tensor_bytes(t) <= WISP_MAX_TENSOR_BYTES, WISP_ERR_INVALID_ARG,
               "node '%s' (%s): output would be over 2 GB", n->name, n->op_type);
  }
  WISP_CHECK(c->scratch_bytes <= WISP_MAX_TENSOR_BYTES, WISP_ERR_INVALID_ARG,
             "node '%s' (%s): temporary memory would be over 2 GB", n->name, n->op_type);
  return WISP_OK;
}

/* A step whose outputs are all empty has nothing to write; skipping it also spares loops over
 * huge batch shapes of nothing (a MatMul of 227M empty matrices, found by fuzz_external). */
static int outputs_empty(const wisp_op_ctx *c) {
  for (int k = 0; k < c->n_out; k++)
    if (c->out[k] && wisp_shape_numel(&c->out[k]->shape) != 0) return 0;
  return c->n_out > 0;
}

static wisp_status fold_node(wisp_plan *p, int i) {
  wisp_op_ctx *c = &p->ctx[i];
  for (int k = 0; k < c->n_out; k++) {
    if (!c->out[k]) continue;
    c->out[k]->data = wisp_pool_alloc(&p->folded, wisp_tensor_bytes(c->out[k]));
    WISP_CHECK(c->out[k]->data, WISP_ERR_NO_MEMORY, "out of memory");
    p->is_const[c->node->out[k]] = 1;
  }
  if (c->scratch_bytes) {
    c->scratch = wisp_pool_alloc(&p->folded, c->scratch_bytes);
    WISP_CHECK(c->scratch, WISP_ERR_NO_MEMORY, "out of memory");
  }
  return outputs_empty(c) ? WISP_OK : c->node->op->exec(c);
}

typedef struct {
  uint64_t bytes, offset; /* 64-bit: sums of sizes must not wrap on wasm32 */
  int first, last;        /* step indices during which the buffer is live */
  int value;              /* value id, or -1 - node index for a node's scratch */
} buffer;

static int by_size_desc(const void *a, const void *b) {
  const buffer *x = a, *y = b;
  return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static int by_offset(const void *a, const void *b) {
  const buffer *x = *(const buffer *const *)a, *y = *(const buffer *const *)b;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Assigns arena offsets: largest first, each at the lowest offset that does not collide with
 * an already placed buffer whose lifetime overlaps. Placed buffers are listed under every step
 * they live in, so a buffer is compared only with those it overlaps in time: the cost is the sum
 * of the buffers' lifetimes (linear for chains), not buffers squared. Steps run from -1 (graph
 * inputs) to n_steps (graph outputs). Returns the arena size, or UINT64_MAX when out of memory. */
static uint64_t place_buffers(buffer *b, int n, int n_steps) {
  qsort(b, (size_t)n, sizeof *b, by_size_desc);
  size_t n_times = (size_t)n_steps + 2;
  uint64_t total = 0;
  int *len = calloc(n_times, sizeof(int)), *cap = calloc(n_times, sizeof(int));
  int **live = calloc(n_times, sizeof(int *));
  int *seen = malloc(((size_t)n + 1) * sizeof(int));
  const buffer **near = malloc(((size_t)n + 1) * sizeof *near);
  if (!len || !cap || !live || !seen || !near) total = UINT64_MAX;
  for (int i = 0; i < n && total != UINT64_MAX; i++) seen[i] = -1;
  for (int i = 0; i < n && total != UINT64_MAX; i++) {
    int n_near = 0;
    for (int t = b[i].first + 1; t <= b[i].last + 1; t++)
      for (int k = 0; k < len[t]; k++) {
        int j = live[t][k];
        if (seen[j] != i) seen[j] = i, near[n_near++] = &b[j];
      }
    qsort(near, (size_t)n_near, sizeof *near, by_offset);
    uint64_t offset = 0;
    for (int k = 0; k < n_near && near[k]->offset < offset + b[i].bytes; k++)
      if (near[k]->offset + near[k]->bytes > offset) offset = near[k]->offset + near[k]->bytes;
    b[i].offset = offset;
    if (offset + b[i].bytes > total) total = offset + b[i].bytes;
    for (int t = b[i].first + 1; t <= b[i].last + 1 && total != UINT64_MAX; t++) {
      if (len[t] == cap[t]) {
        int *grown = realloc(live[t], (size_t)(cap[t] = cap[t] ? 2 * cap[t] : 4) * sizeof(int));
        if (!grown) total = UINT64_MAX;
        else live[t] = grown;
      }
      if (total != UINT64_MAX) live[t][len[t]++] = i;
    }
  }
  for (size_t t = 0; live && t < n_times; t++) free(live[t]);
  free(live);
  free(len);
  free(cap);
  free(seen);
  free(near);
  return total;
}

static uint64_t round_up(uint64_t n) {
  return (n + WISP_PAD + WISP_ALIGN - 1) / WISP_ALIGN * WISP_ALIGN;
}

static wisp_status assign_memory(wisp_plan *p) {
  const wisp_graph *g = p->g;
  int *first = malloc(((size_t)g->n_values + 1) * sizeof(int));
  int *last = malloc(((size_t)g->n_values + 1) * sizeof(int));
  int *root = malloc(((size_t)g->n_values + 1) * sizeof(int)); /* value whose buffer it uses */
  buffer *bufs = malloc(((size_t)g->n_values + (size_t)p->n_steps + 1) * sizeof *bufs);
  wisp_status s = WISP_OK;
  if (!first || !last || !root || !bufs) {
    s = wisp_fail(WISP_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (int v = 0; v < g->n_values; v++) first[v] = last[v] = -2; /* -2: not in the arena */
  for (int k = 0; k < g->n_inputs; k++) first[g->inputs[k]] = last[g->inputs[k]] = -1;
  for (int t = 0; t < p->n_steps; t++) {
    const wisp_node *n = &g->nodes[p->steps[t]];
    for (int k = 0; k < n->n_in; k++)
      if (n->in[k] >= 0 && !p->is_const[n->in[k]]) last[n->in[k]] = t;
    for (int k = 0; k < n->n_out; k++)
      if (n->out[k] >= 0) first[n->out[k]] = last[n->out[k]] = t;
  }
  for (int k = 0; k < g->n_outputs; k++)
    if (first[g->outputs[k]] != -2) last[g->outputs[k]] = p->n_steps;
  /* Reshape-like steps (WISP_OP_ALIAS) write nothing: their output shares the input's buffer,
   * which then lives as long as either. Steps run in order, so roots resolve in one pass. */
  for (int v = 0; v < g->n_values; v++) root[v] = v;
  for (int t = 0; t < p->n_steps; t++) {
    const wisp_node *n = &g->nodes[p->steps[t]];
    if (!(n->op->flags & WISP_OP_ALIAS) || n->in[0] < 0 || p->is_const[n->in[0]]) continue;
    int r = root[n->in[0]], o = n->out[0];
    root[o] = r;
    if (last[o] > last[r]) last[r] = last[o];
  }
  int nb = 0;
  for (int v = 0; v < g->n_values; v++) {
    if (first[v] == -2 || p->is_const[v] || root[v] != v) continue;
    bufs[nb++] = (buffer){round_up(wisp_tensor_bytes(&p->vals[v])), 0, first[v], last[v], v};
  }
  for (int t = 0; t < p->n_steps; t++) {
    uint64_t sb = p->ctx[p->steps[t]].scratch_bytes;
    if (sb) bufs[nb++] = (buffer){round_up(sb), 0, t, t, -1 - p->steps[t]};
  }
  uint64_t total = place_buffers(bufs, nb, p->n_steps);
  if (total == UINT64_MAX) {
    s = wisp_fail(WISP_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  if (total > WISP_MAX_ALLOC_BYTES) {
    s = wisp_fail(WISP_ERR_NO_MEMORY,
                  "these input shapes need %llu MB of working memory, over wisp's 2 GB limit",
                  (unsigned long long)(total >> 20));
    goto done;
  }
  if (total > p->arena_bytes) {
    wisp_aligned_free(p->arena);
    p->arena_bytes = 0;
    p->arena = wisp_aligned_alloc(total);
    if (!p->arena) {
      s = wisp_fail(WISP_ERR_NO_MEMORY, "out of memory: the plan needs %llu bytes",
                    (unsigned long long)total);
      goto done;
    }
    p->arena_bytes = total;
  }
  for (int i = 0; i < nb; i++) {
    if (bufs[i].value >= 0) p->vals[bufs[i].value].data = p->arena + (size_t)bufs[i].offset;
    else p->ctx[-1 - bufs[i].value].scratch = p->arena + (size_t)bufs[i].offset;
  }
  for (int v = 0; v < g->n_values; v++)
    if (root[v] != v) p->vals[v].data = p->vals[root[v]].data;
done:
  free(root);
  free(first);
  free(last);
  free(bufs);
  return s;
}

wisp_status wisp_plan_build(wisp_plan *p, const wisp_tensor *inputs) {
  const wisp_graph *g = p->g;
  wisp_pool_free(&p->folded);
  for (int v = 0; v < g->n_values; v++) {
    const wisp_value *val = &g->values[v];
    p->is_const[v] = val->init_data != NULL;
    p->vals[v].dtype = val->init_data ? val->dtype : WISP_DT_UNDEFINED;
    p->vals[v].shape = val->shape;
    p->vals[v].data = val->init_data;
  }
  for (int k = 0; k < g->n_inputs; k++) {
    wisp_tensor *t = &p->vals[g->inputs[k]];
    t->dtype = inputs[k].dtype;
    t->shape = inputs[k].shape;
    if (!p->value_keyed[k]) continue;
    t->data = wisp_pool_alloc(&p->folded, wisp_tensor_bytes(t));
    WISP_CHECK(t->data, WISP_ERR_NO_MEMORY, "out of memory");
    memcpy(t->data, inputs[k].data, wisp_tensor_bytes(t));
    p->is_const[g->inputs[k]] = 1;
  }
  p->n_steps = 0;
  for (int o = 0; o < g->n_order; o++) {
    int i = g->order[o];
    const wisp_op_ctx *c = &p->ctx[i];
    int foldable = 1; /* all inputs constant, or only their shapes matter */
    if (!(c->node->op->flags & WISP_OP_SHAPE_ONLY))
      for (int k = 0; k < c->n_in; k++)
        if (c->node->in[k] >= 0 && !p->is_const[c->node->in[k]]) foldable = 0;
    WISP_TRY(infer_node(p, i));
    if (foldable) WISP_TRY(fold_node(p, i));
    else p->steps[p->n_steps++] = i;
  }
  return assign_memory(p);
}

int wisp_plan_fits(const wisp_plan *p, const wisp_tensor *inputs) {
  for (int k = 0; k < p->g->n_inputs; k++) {
    const wisp_tensor *t = &p->vals[p->g->inputs[k]];
    if (t->dtype != inputs[k].dtype || !wisp_shape_equal(&t->shape, &inputs[k].shape)) return 0;
    if (p->value_keyed[k] && memcmp(t->data, inputs[k].data, wisp_tensor_bytes(t))) return 0;
  }
  return 1;
}

#ifdef WISP_PROFILE /* bench/op_profile.c: time per step */
double wisp_profile_now(void);
void wisp_profile_step(const wisp_op_ctx *c, double ms);
#endif

wisp_status wisp_plan_exec(wisp_plan *p) {
  for (int t = 0; t < p->n_steps; t++) {
    wisp_op_ctx *c = &p->ctx[p->steps[t]];
    if (outputs_empty(c)) continue;
#ifdef WISP_PROFILE
    double t0 = wisp_profile_now();
    WISP_TRY(c->node->op->exec(c));
    wisp_profile_step(c, wisp_profile_now() - t0);
#else
    WISP_TRY(c->node->op->exec(c));
#endif
  }
  return WISP_OK;
}
