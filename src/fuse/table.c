/* table.c — the load-time fusions in the order they run, and the driver that runs them once
 * over the graph before planning. Adding a fusion: one file in src/fuse/ with its rewrite
 * (fuser.h says what it may do), its declaration in fuser.h, one row here. */
#include <stdlib.h>

#include "../fuse.h"
#include "fuser.h"

const wisp_fuse_pattern wisp_fuse_patterns[] = {
    {"layer_norm", "LayerNormalization", 0, fuse_layer_norm},
    {"gelu", "Gelu", 0, fuse_gelu},
    {"qdq_matmul", NULL, 0, fuse_qdq_matmul}, /* before matmul_bias, which would keep floats */
    {"qdq_conv", NULL, 0, fuse_qdq_conv},     /* before batch_norm, which would keep floats */
    {"dynamic_quant_conv", NULL, 0, fuse_dynamic_quant_conv},
    {"matmul_bias", NULL, 0, fuse_matmul_bias},
    {"bias_gelu", "Gelu", 0, fuse_bias_gelu},
    {"attention", NULL, 0, fuse_attention}, /* also takes the scale matmul_scale folded */
    {"matmul_scale", NULL, 0, fuse_matmul_scale},
    {"dynamic_quant_matmul", NULL, 0, fuse_dynamic_quant_matmul},
    {"matmul_integer_to_float", NULL, 0, fuse_matmul_integer_to_float},
    {"batch_norm", NULL, 0, fuse_batch_norm},
    {"activation", NULL, 1, fuse_activation},
    {"gate", NULL, 1, fuse_gate}, /* after batch_norm: the Conv then writes BN's output */
};
const int wisp_fuse_pattern_count = sizeof wisp_fuse_patterns / sizeof *wisp_fuse_patterns;

/* Producers, use counts and consumer lists of every value; room for new constants. */
static wisp_status index_graph(wisp_fuser *f) {
  wisp_graph *g = f->g;
  /* room for the constants patterns add: two per node at most */
  size_t nv = (size_t)g->n_values + 2 * (size_t)g->n_nodes + 2, n_uses = 0;
  wisp_value *grown = realloc(g->values, nv * sizeof *grown);
  if (!grown) return wisp_fail(WISP_ERR_NO_MEMORY, "out of memory");
  g->values = grown;
  for (int i = 0; i < g->n_nodes; i++) n_uses += (size_t)g->nodes[i].n_in;
  f->producer = malloc(nv * sizeof(int));
  f->uses = calloc(nv, sizeof(int));
  f->first_use = calloc(nv, sizeof(int));
  f->use_node = malloc((n_uses + 1) * sizeof(int));
  f->dead = calloc((size_t)g->n_nodes + 1, 1);
  int *fill = calloc(nv, sizeof(int));
  if (!f->producer || !f->uses || !f->first_use || !f->use_node || !f->dead || !fill) {
    free(fill);
    return wisp_fail(WISP_ERR_NO_MEMORY, "out of memory");
  }
  for (size_t v = 0; v < nv; v++) f->producer[v] = -1;
  for (int i = 0; i < g->n_nodes; i++) {
    const wisp_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_in; k++)
      if (n->in[k] >= 0) f->uses[n->in[k]]++, f->first_use[n->in[k] + 1]++;
    for (int k = 0; k < n->n_out; k++)
      if (n->out[k] >= 0) f->producer[n->out[k]] = i;
  }
  for (int v = 0; v < g->n_values; v++) f->first_use[v + 1] += f->first_use[v];
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_in; k++) {
      int v = g->nodes[i].in[k];
      if (v >= 0) f->use_node[f->first_use[v] + fill[v]++] = i;
    }
  free(fill);
  for (int k = 0; k < g->n_outputs; k++) f->uses[g->outputs[k]]++;
  return WISP_OK;
}

wisp_status wisp_graph_fuse(wisp_graph *g) {
  wisp_fuser f = {g};
  wisp_status s = index_graph(&f);
  int enabled[sizeof wisp_fuse_patterns / sizeof *wisp_fuse_patterns];
  for (int p = 0; p < wisp_fuse_pattern_count; p++)
    enabled[p] = !wisp_fuse_patterns[p].needs || wisp_op_find("", wisp_fuse_patterns[p].needs);
  for (int late = 0; late <= 1; late++)
    for (int i = 0; i < g->n_nodes && s == WISP_OK; i++)
      for (int p = 0; p < wisp_fuse_pattern_count && s == WISP_OK; p++) {
        wisp_node *n = &g->nodes[i];
        if (f.dead[i] || n->n_out != 1 || n->out[0] < 0) break;
        if (enabled[p] && wisp_fuse_patterns[p].late == late)
          s = wisp_fuse_patterns[p].rewrite(&f, n);
      }
  if (f.dead) { /* drop the fused-away nodes, then re-sort */
    int j = 0;
    for (int i = 0; i < g->n_nodes; i++)
      if (!f.dead[i]) g->nodes[j++] = g->nodes[i];
    g->n_nodes = j;
    g->n_order = 0;
    free(g->order);
    g->order = NULL;
  }
  if (s == WISP_OK) s = wisp_graph_sort(g);
  free(f.producer);
  free(f.uses);
  free(f.first_use);
  free(f.use_node);
  free(f.dead);
  return s;
}
