/* silu.c — Conv → Sigmoid, Mul(conv, sigmoid) (SiLU / Swish as PyTorch exports it: EfficientNet,
 * YOLO) becomes one Conv that runs x·sigmoid(x) over its output blocks while they are in cache,
 * instead of two passes over the whole tensor. */
#include <math.h>

#include "fuser.h"

wisp_status fuse_silu(wisp_fuser *f, wisp_node *mul) {
  if (!fuse_is_op(mul, "Mul") || mul->n_in != 2) return WISP_OK;
  for (int k = 0; k < 2; k++) {
    int v = mul->in[k], s = mul->in[1 - k];
    wisp_node *conv = fuse_made_by(f, v, "Conv"), *sig = fuse_made_by(f, s, "Sigmoid");
    /* v feeds exactly the Sigmoid and this Mul; the Sigmoid feeds only the Mul */
    if (!conv || !sig || sig->n_in != 1 || sig->in[0] != v || f->uses[v] != 2 || v == s ||
        fuse_only_use(f, s, "Mul") != mul)
      continue;
    const wisp_epilogue *had = wisp_node_epilogue(conv);
    if (had->silu || isfinite(had->lo) || isfinite(had->hi)) return WISP_OK;
    wisp_epilogue *e = fuse_epilogue(f, conv);
    WISP_CHECK(e, WISP_ERR_NO_MEMORY, "out of memory");
    e->silu = 1;
    fuse_take_output(f, conv, mul->out[0]);
    fuse_kill(f, sig);
    fuse_kill(f, mul);
    return WISP_OK;
  }
  return WISP_OK;
}
