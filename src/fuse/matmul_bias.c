/* matmul_bias.c — MatMul(x, W constant 2-D) → Add(b constant (N)) becomes a MatMul with b packed
 * into W's panels (matmul.c's third input). */
#include "fuser.h"

wisp_status fuse_matmul_bias(wisp_fuser *f, wisp_node *mm) {
  if (!fuse_is_op(mm, "MatMul") || mm->n_in != 2 || mm->in[1] < 0) return WISP_OK;
  wisp_tensor w, bias;
  if (!fuse_constant(f, mm->in[1], &w) || w.dtype != WISP_DT_FLOAT || w.shape.ndim != 2)
    return WISP_OK;
  wisp_node *add = fuse_only_use(f, mm->out[0], "Add");
  int b = add ? fuse_other_input(add, mm->out[0]) : -1;
  if (b < 0 || !fuse_constant(f, b, &bias) || bias.dtype != WISP_DT_FLOAT || bias.shape.ndim != 1 ||
      bias.shape.dims[0] != w.shape.dims[1])
    return WISP_OK;
  int in[3] = {mm->in[0], mm->in[1], b};
  fuse_kill(f, add);
  return fuse_become(f, mm, "", "MatMul", in, 3, add->out[0], NULL, 0);
}
