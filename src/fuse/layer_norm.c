/* layer_norm.c — ReduceMean → Sub → Pow 2 → ReduceMean → Add ε → Sqrt → Div → Mul γ → Add β
 * (what exporters emit before opset 17) becomes one LayerNormalization. */
#include "fuser.h"

/* ReduceMean over the last axis only, keeping dims (as exporters write it before opset 18). */
static int mean_of_last_axis(const wisp_node *n) {
  int count;
  const int64_t *axes = wisp_attr_ints(n, "axes", &count);
  return n->n_in == 1 && count == 1 && axes[0] == -1 && wisp_attr_int(n, "keepdims", 1) == 1;
}

wisp_status fuse_layer_norm(wisp_fuser *f, wisp_node *mean) {
  if (!fuse_is_op(mean, "ReduceMean") || !mean_of_last_axis(mean)) return WISP_OK;
  int x = mean->in[0], m = mean->out[0];
  wisp_node *sub = fuse_only_use(f, m, "Sub");
  if (!sub || sub->in[0] != x || sub->in[1] != m) return WISP_OK;
  int d = sub->out[0];
  /* d feeds exactly a Pow and a Div */
  if (f->uses[d] != 2 || f->first_use[d + 1] - f->first_use[d] != 2) return WISP_OK;
  wisp_node *pw = NULL, *div = NULL;
  for (int u = f->first_use[d]; u < f->first_use[d + 1]; u++) {
    wisp_node *n = &f->g->nodes[f->use_node[u]];
    if (fuse_is_op(n, "Pow") && n->in[0] == d) pw = n;
    if (fuse_is_op(n, "Div") && n->in[0] == d) div = n;
  }
  float two, eps;
  if (!pw || !div || !fuse_constant_scalar(f, pw->in[1], &two) || two != 2.0f) return WISP_OK;
  wisp_node *var = fuse_only_use(f, pw->out[0], "ReduceMean");
  if (!var || !mean_of_last_axis(var)) return WISP_OK;
  wisp_node *add_eps = fuse_only_use(f, var->out[0], "Add");
  if (!add_eps || !fuse_constant_scalar(f, fuse_other_input(add_eps, var->out[0]), &eps))
    return WISP_OK;
  wisp_node *sq = fuse_only_use(f, add_eps->out[0], "Sqrt");
  if (!sq || fuse_only_use(f, sq->out[0], "Div") != div || div->in[1] != sq->out[0]) return WISP_OK;
  wisp_node *scale = fuse_only_use(f, div->out[0], "Mul");
  if (!scale) return WISP_OK;
  wisp_node *shift = fuse_only_use(f, scale->out[0], "Add");
  int gamma = fuse_other_input(scale, div->out[0]);
  int beta = shift ? fuse_other_input(shift, scale->out[0]) : -2;
  if (gamma < 0 || beta < 0) return WISP_OK;
  const wisp_node *removed[] = {sub, pw, var, add_eps, sq, div, scale, shift};
  for (size_t i = 0; i < sizeof removed / sizeof *removed; i++) fuse_kill(f, removed[i]);
  int in[3] = {x, gamma, beta};
  const wisp_attr attrs[2] = {{.name = "axis", .type = WISP_ATTR_INT, .i = -1},
                              {.name = "epsilon", .type = WISP_ATTR_FLOAT, .f = eps}};
  return fuse_become(f, mean, "", "LayerNormalization", in, 3, shift->out[0], attrs, 2);
}
