/* matmul_scale.c — MatMul → Div by a constant scalar (attention's √d) becomes a MatMul that
 * scales its packed B (the epilogue's scale): one pass over K·N instead of one over M·N. */
#include <math.h>

#include "fuser.h"

wisp_status fuse_matmul_scale(wisp_fuser *f, wisp_node *mm) {
  if (!fuse_is_op(mm, "MatMul") || wisp_node_epilogue(mm)->scale != 1.0f) return WISP_OK;
  wisp_node *div = fuse_only_use(f, mm->out[0], "Div");
  float k;
  if (!div || div->n_in != 2 || div->in[0] != mm->out[0] ||
      !fuse_constant_scalar(f, div->in[1], &k) || k == 0.0f || !isfinite(1.0f / k))
    return WISP_OK;
  wisp_epilogue *e = fuse_epilogue(f, mm);
  WISP_CHECK(e, WISP_ERR_NO_MEMORY, "out of memory");
  e->scale = 1.0f / k;
  fuse_take_output(f, mm, div->out[0]); /* the MatMul now writes the Div's output */
  fuse_kill(f, div);
  return WISP_OK;
}
