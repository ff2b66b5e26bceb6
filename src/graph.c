/* graph.c — attribute and epilogue lookup, and topological order over the loaded graph. */
#include "graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const wisp_epilogue *wisp_node_epilogue(const wisp_node *n) {
  static const wisp_epilogue none = {-INFINITY, INFINITY, 1.0f};
  return n->epilogue ? n->epilogue : &none;
}

const wisp_attr *wisp_node_attr(const wisp_node *n, const char *name) {
  for (int i = 0; i < n->n_attr; i++)
    if (strcmp(n->attrs[i].name, name) == 0) return &n->attrs[i];
  return NULL;
}

int64_t wisp_attr_int(const wisp_node *n, const char *name, int64_t dflt) {
  const wisp_attr *a = wisp_node_attr(n, name);
  return a && a->type == WISP_ATTR_INT ? a->i : dflt;
}

float wisp_attr_float(const wisp_node *n, const char *name, float dflt) {
  const wisp_attr *a = wisp_node_attr(n, name);
  if (a && a->type == WISP_ATTR_FLOAT) return a->f;
  if (a && a->type == WISP_ATTR_INT) return (float)a->i;
  return dflt;
}

const char *wisp_attr_string(const wisp_node *n, const char *name, const char *dflt) {
  const wisp_attr *a = wisp_node_attr(n, name);
  return a && a->type == WISP_ATTR_STRING ? a->s.data : dflt;
}

const int64_t *wisp_attr_ints(const wisp_node *n, const char *name, int *count) {
  const wisp_attr *a = wisp_node_attr(n, name);
  *count = a && a->type == WISP_ATTR_INTS ? a->count : 0;
  return *count || (a && a->type == WISP_ATTR_INTS) ? a->ints : NULL;
}

const float *wisp_attr_floats(const wisp_node *n, const char *name, int *count) {
  const wisp_attr *a = wisp_node_attr(n, name);
  *count = a && a->type == WISP_ATTR_FLOATS ? a->count : 0;
  return *count || (a && a->type == WISP_ATTR_FLOATS) ? a->floats : NULL;
}

void wisp_graph_free(wisp_graph *g) {
  for (int i = 0; g->nodes && i < g->n_nodes; i++)
    for (int j = 0; g->nodes[i].attrs && j < g->nodes[i].n_attr; j++)
      if (g->nodes[i].attrs[j].g) wisp_graph_free(g->nodes[i].attrs[j].g);
  free(g->values);
  free(g->order);
  wisp_pool_free(&g->pool);
  free(g->model);
  memset(g, 0, sizeof *g);
}

/* Kahn's algorithm over value producers, O(nodes + edges). Also checks single assignment:
 * every value is written once, by one node, and never over an initializer or a graph input
 * (ops size their outputs by the plan, so a second writer would write past a buffer sized for
 * someone else); and every node input is defined (graph input, initializer, or a node output). */
wisp_status wisp_graph_sort(wisp_graph *g) {
  enum { UNDEFINED = -1, GRAPH_INPUT = -2 };
  wisp_status s = WISP_OK;
  size_t nv = (size_t)g->n_values + 1, nn = (size_t)g->n_nodes + 1;
  int *producer = malloc(nv * sizeof(int));
  int *pending = calloc(nn, sizeof(int));
  int *queue = malloc(nn * sizeof(int));
  /* consumers of each value as CSR: first_use[v] .. first_use[v + 1] index into users */
  int *first_use = calloc(nv + 1, sizeof(int));
  int *users = NULL;
  g->order = malloc(nn * sizeof(int));
  if (!producer || !pending || !queue || !first_use || !g->order) goto oom;
  for (int v = 0; v < g->n_values; v++) producer[v] = UNDEFINED;
  for (int k = 0; k < g->n_inputs; k++) {
    int v = g->inputs[k];
    if (producer[v] == GRAPH_INPUT) {
      s = wisp_fail(WISP_ERR_INVALID_MODEL, "onnx: graph input '%s' is declared twice",
                    g->values[v].name);
      goto done;
    }
    producer[v] = GRAPH_INPUT;
  }
  size_t n_edges = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const wisp_node *n = &g->nodes[i];
    for (int o = 0; o < n->n_out; o++) {
      int v = n->out[o];
      if (v < 0) continue;
      if (producer[v] != UNDEFINED || g->values[v].init_data) {
        s = wisp_fail(WISP_ERR_INVALID_MODEL, "onnx: node '%s' (%s) writes '%s', which is %s",
                      n->name, n->op_type, g->values[v].name,
                      producer[v] == GRAPH_INPUT ? "a graph input"
                      : g->values[v].init_data   ? "an initializer"
                                                 : "already written by another node");
        goto done;
      }
      producer[v] = i;
    }
    for (int k = 0; k < n->n_in; k++)
      if (n->in[k] >= 0) first_use[n->in[k] + 1]++, n_edges++;
  }
  for (size_t v = 0; v < (size_t)g->n_values; v++) first_use[v + 1] += first_use[v];
  users = malloc((n_edges + 1) * sizeof(int));
  if (!users) goto oom;
  /* fill users; pending[i] counts node i's inputs that a node still has to produce */
  for (int i = 0; i < g->n_nodes; i++) {
    const wisp_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_in; k++) {
      int v = n->in[k];
      if (v < 0) continue;
      users[first_use[v]++] = i; /* first_use[v] now runs ahead; restored below */
      if (g->values[v].init_data || producer[v] == GRAPH_INPUT) continue;
      if (producer[v] == UNDEFINED) {
        s = wisp_fail(WISP_ERR_INVALID_MODEL,
                      "onnx: node '%s' (%s) reads '%s', which nothing defines", n->name, n->op_type,
                      g->values[v].name);
        goto done;
      }
      pending[i]++;
    }
  }
  for (int v = g->n_values; v > 0; v--) first_use[v] = first_use[v - 1];
  first_use[0] = 0;
  int head = 0, tail = 0;
  for (int i = 0; i < g->n_nodes; i++)
    if (!pending[i]) queue[tail++] = i;
  while (head < tail) {
    int i = queue[head++];
    const wisp_node *n = &g->nodes[i];
    g->order[g->n_order++] = i;
    for (int o = 0; o < n->n_out; o++) {
      int v = n->out[o];
      if (v < 0) continue;
      /* a node reading v twice appears twice in users and counted v twice in pending */
      for (int u = first_use[v]; u < first_use[v + 1]; u++)
        if (--pending[users[u]] == 0) queue[tail++] = users[u];
    }
  }
  if (g->n_order != g->n_nodes) {
    s = wisp_fail(WISP_ERR_INVALID_MODEL, "onnx: graph has a cycle");
    goto done;
  }
  for (int k = 0; k < g->n_outputs; k++) {
    int v = g->outputs[k];
    if (producer[v] == UNDEFINED && !g->values[v].init_data) {
      s = wisp_fail(WISP_ERR_INVALID_MODEL, "onnx: graph output '%s' is never computed",
                    g->values[v].name);
      goto done;
    }
  }
  goto done;
oom:
  s = wisp_fail(WISP_ERR_NO_MEMORY, "out of memory");
done:
  free(producer);
  free(pending);
  free(queue);
  free(first_use);
  free(users);
  return s;
}
