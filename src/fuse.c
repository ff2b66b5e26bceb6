/* fuse.c — graph rewrites made once at load, before planning.
 *
 * Activation folding: Conv / Gemm / MatMul followed by Relu or Clip (constant bounds) becomes
 * one node that clamps in its GEMM epilogue, saving a pass over the output (MobileNet's ReLU6,
 * ResNet's ReLU). Only when the producer's output feeds nothing else and is not a graph output. */
#include "fuse.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_one_of(const char *s, const char *const *names) {
  for (; *names; names++)
    if (!strcmp(s, *names)) return 1;
  return 0;
}

/* A float scalar known at load: an initializer or a Constant node's value; 0 if not. */
static int constant_scalar(const wisp_graph *g, const int *producer, int v, float *out) {
  const wisp_value *val = &g->values[v];
  wisp_tensor init = {val->dtype, val->shape, val->init_data};
  const wisp_tensor *t = NULL;
  if (val->init_data) {
    t = &init;
  } else if (producer[v] >= 0 && !strcmp(g->nodes[producer[v]].op_type, "Constant") &&
             !*g->nodes[producer[v]].domain) {
    const wisp_attr *a = wisp_node_attr(&g->nodes[producer[v]], "value");
    t = a ? a->t : NULL;
  }
  if (!t || t->dtype != WISP_DT_FLOAT || wisp_shape_numel(&t->shape) != 1) return 0;
  *out = *(const float *)t->data;
  return 1;
}

/* The bounds of a Relu or Clip node; 0 when they are not constants known at load. */
static int activation_bounds(const wisp_graph *g, const int *producer, const wisp_node *n,
                             float *lo, float *hi) {
  if (!strcmp(n->op_type, "Relu")) {
    *lo = 0.0f, *hi = INFINITY;
    return 1;
  }
  if (n->opset < 11) { /* bounds as attributes */
    *lo = wisp_attr_float(n, "min", -FLT_MAX), *hi = wisp_attr_float(n, "max", FLT_MAX);
    return 1;
  }
  float bound[2] = {-INFINITY, INFINITY};
  for (int k = 1; k <= 2 && k < n->n_in; k++)
    if (n->in[k] >= 0 && !constant_scalar(g, producer, n->in[k], &bound[k - 1])) return 0;
  *lo = bound[0], *hi = bound[1];
  return 1;
}

static wisp_status fold_activations(wisp_graph *g) {
  static const char *const producers[] = {"Conv", "Gemm", "MatMul", NULL};
  static const char *const activations[] = {"Relu", "Clip", NULL};
  int *producer = malloc(((size_t)g->n_values + 1) * sizeof(int));
  int *uses = calloc((size_t)g->n_values + 1, sizeof(int));
  uint8_t *dead = calloc((size_t)g->n_nodes + 1, 1);
  wisp_status s = WISP_OK;
  if (!producer || !uses || !dead) {
    s = wisp_fail(WISP_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (int v = 0; v < g->n_values; v++) producer[v] = -1;
  for (int i = 0; i < g->n_nodes; i++) {
    const wisp_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_in; k++)
      if (n->in[k] >= 0) uses[n->in[k]]++;
    if (n->n_out == 1 && n->out[0] >= 0) producer[n->out[0]] = i;
  }
  for (int k = 0; k < g->n_outputs; k++) uses[g->outputs[k]]++;
  int n_dead = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    wisp_node *act = &g->nodes[i];
    if (*act->domain || !is_one_of(act->op_type, activations) || act->n_out != 1 || act->n_in < 1)
      continue;
    int v = act->in[0];
    int pi = v >= 0 ? producer[v] : -1;
    if (pi < 0 || uses[v] != 1) continue;
    wisp_node *prod = &g->nodes[pi];
    float lo, hi;
    if (*prod->domain || !is_one_of(prod->op_type, producers) || isfinite(prod->act_min) ||
        isfinite(prod->act_max) || !activation_bounds(g, producer, act, &lo, &hi))
      continue;
    if (g->values[v].dtype != WISP_DT_UNDEFINED && g->values[v].dtype != WISP_DT_FLOAT) continue;
    prod->act_min = lo, prod->act_max = hi;
    prod->out[0] = act->out[0]; /* the producer now writes the activation's output */
    if (act->out[0] >= 0) producer[act->out[0]] = pi;
    dead[i] = 1, n_dead++;
  }
  if (n_dead) { /* drop the folded nodes; the caller re-sorts */
    int j = 0;
    for (int i = 0; i < g->n_nodes; i++)
      if (!dead[i]) g->nodes[j++] = g->nodes[i];
    g->n_nodes = j;
  }
done:
  free(producer);
  free(uses);
  free(dead);
  return s;
}

wisp_status wisp_graph_fuse(wisp_graph *g) {
  WISP_TRY(fold_activations(g));
  g->n_order = 0;
  free(g->order);
  g->order = NULL;
  return wisp_graph_sort(g);
}
