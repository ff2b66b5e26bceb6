/* gate.c — a Conv whose output is multiplied by a gate of itself becomes one Conv that applies
 * x·gate(x) to each block of its output while it is in cache, instead of two more passes over
 * the whole tensor (the epilogue's gate, graph.h):
 *   SiLU / Swish as PyTorch exports it (EfficientNet, YOLO): Sigmoid, then Mul(conv, sigmoid);
 *   HardSwish (MobileNetV3): the HardSwish op (opset 14), or before it HardSigmoid(alpha 1/6,
 *   beta 1/2), then Mul(conv, hardsigmoid) — other HardSigmoid constants stay as they are. */
#include <math.h>

#include "fuser.h"

/* The Conv making v, when v feeds `uses` nodes and its epilogue has nothing after the GEMM. */
static wisp_node *plain_conv(const wisp_fuser *f, int v, int uses) {
  wisp_node *conv = fuse_made_by(f, v, "Conv");
  if (!conv || f->uses[v] != uses) return NULL;
  const wisp_epilogue *had = wisp_node_epilogue(conv);
  return had->gate || isfinite(had->lo) || isfinite(had->hi) ? NULL : conv;
}

static wisp_status fold(wisp_fuser *f, wisp_node *conv, int gate, int out) {
  wisp_epilogue *e = fuse_epilogue(f, conv);
  WISP_CHECK(e, WISP_ERR_NO_MEMORY, "out of memory");
  e->gate = gate;
  fuse_take_output(f, conv, out);
  return WISP_OK;
}

static int is_hard_swish_gate(const wisp_node *n) {
  return wisp_attr_float(n, "alpha", 0.2f) == 1.0f / 6.0f &&
         wisp_attr_float(n, "beta", 0.5f) == 0.5f;
}

wisp_status fuse_gate(wisp_fuser *f, wisp_node *n) {
  if (fuse_is_op(n, "HardSwish") && n->n_in == 1) {
    wisp_node *conv = plain_conv(f, n->in[0], 1);
    if (!conv) return WISP_OK;
    WISP_TRY(fold(f, conv, WISP_GATE_HARD, n->out[0]));
    fuse_kill(f, n);
    return WISP_OK;
  }
  if (!fuse_is_op(n, "Mul") || n->n_in != 2) return WISP_OK;
  for (int k = 0; k < 2; k++) {
    int v = n->in[k], s = n->in[1 - k];
    wisp_node *conv = plain_conv(f, v, 2), *g = fuse_made_by(f, s, "Sigmoid");
    int gate = g ? WISP_GATE_SIGMOID : WISP_GATE_HARD;
    if (!g && (g = fuse_made_by(f, s, "HardSigmoid")) && !is_hard_swish_gate(g)) g = NULL;
    /* v feeds exactly the gate and this Mul; the gate feeds only the Mul */
    if (!conv || !g || g->n_in != 1 || g->in[0] != v || v == s || fuse_only_use(f, s, "Mul") != n)
      continue;
    WISP_TRY(fold(f, conv, gate, n->out[0]));
    fuse_kill(f, g);
    fuse_kill(f, n);
    return WISP_OK;
  }
  return WISP_OK;
}
