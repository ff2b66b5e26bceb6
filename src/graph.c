/* graph.c — attribute lookup and topological order over the loaded graph. */
#include "graph.h"

#include <stdlib.h>
#include <string.h>

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

wisp_status wisp_graph_sort(wisp_graph *g) {
  /* Kahn's algorithm over value producers; also checks each value has one producer and every
   * node input is defined (graph input, initializer, or an earlier node's output). */
  wisp_status s = WISP_OK;
  int *producer = malloc((size_t)(g->n_values + 1) * sizeof(int));
  int *pending = calloc((size_t)g->n_nodes + 1, sizeof(int));
  int *queue = malloc((size_t)(g->n_nodes + 1) * sizeof(int));
  g->order = malloc((size_t)(g->n_nodes + 1) * sizeof(int));
  if (!producer || !pending || !queue || !g->order) {
    s = wisp_fail(WISP_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (int v = 0; v < g->n_values; v++) producer[v] = -1;
  for (int i = 0; i < g->n_nodes; i++) {
    const wisp_node *n = &g->nodes[i];
    for (int o = 0; o < n->n_out; o++) {
      int v = n->out[o];
      if (v < 0) continue;
      if (producer[v] >= 0 || g->values[v].init_data) {
        s = wisp_fail(WISP_ERR_INVALID_MODEL, "onnx: value '%s' is produced twice",
                      g->values[v].name);
        goto done;
      }
      producer[v] = i;
    }
  }
  for (int k = 0; k < g->n_inputs; k++) producer[g->inputs[k]] = -2; /* graph input */
  int head = 0, tail = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    const wisp_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_in; k++) {
      int v = n->in[k];
      if (v < 0 || g->values[v].init_data || producer[v] == -2) continue;
      if (producer[v] == -1) {
        s = wisp_fail(WISP_ERR_INVALID_MODEL, "onnx: node '%s' (%s) reads '%s', which nothing defines",
                      n->name, n->op_type, g->values[v].name);
        goto done;
      }
      pending[i]++;
    }
    if (!pending[i]) queue[tail++] = i;
  }
  while (head < tail) {
    int i = queue[head++];
    g->order[g->n_order++] = i;
    /* release consumers of this node's outputs (quadratic in the worst case, fine at load) */
    for (int j = 0; j < g->n_nodes; j++) {
      if (!pending[j]) continue;
      const wisp_node *m = &g->nodes[j];
      for (int k = 0; k < m->n_in; k++)
        if (m->in[k] >= 0 && producer[m->in[k]] == i && --pending[j] == 0) queue[tail++] = j;
    }
  }
  if (g->n_order != g->n_nodes) {
    s = wisp_fail(WISP_ERR_INVALID_MODEL, "onnx: graph has a cycle");
    goto done;
  }
  for (int k = 0; k < g->n_outputs; k++) {
    int v = g->outputs[k];
    if (producer[v] == -1 && !g->values[v].init_data) {
      s = wisp_fail(WISP_ERR_INVALID_MODEL, "onnx: graph output '%s' is never computed",
                    g->values[v].name);
      goto done;
    }
  }
done:
  free(producer);
  free(pending);
  free(queue);
  return s;
}
