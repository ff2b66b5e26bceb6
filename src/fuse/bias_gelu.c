/* bias_gelu.c — onnxruntime's saved form of MatMul → Add b → GELU is MatMul → com.microsoft
 * BiasGelu(b): it becomes the same MatMul with b packed in, then a plain Gelu. */
#include "fuser.h"

wisp_status fuse_bias_gelu(wisp_fuser *f, wisp_node *mm) {
  if (!fuse_is_op(mm, "MatMul") || mm->n_in != 2 || mm->in[1] < 0) return WISP_OK;
  wisp_node *bg = fuse_only_use(f, mm->out[0], NULL);
  wisp_tensor w, bias;
  if (!bg || !fuse_is_ms_op(bg, "BiasGelu") || bg->n_in != 2 || bg->in[0] != mm->out[0] ||
      !fuse_constant(f, mm->in[1], &w) || w.dtype != WISP_DT_FLOAT || w.shape.ndim != 2 ||
      !fuse_constant(f, bg->in[1], &bias) || bias.dtype != WISP_DT_FLOAT || bias.shape.ndim != 1 ||
      bias.shape.dims[0] != w.shape.dims[1])
    return WISP_OK;
  int in[3] = {mm->in[0], mm->in[1], bg->in[1]};
  WISP_TRY(fuse_become(f, mm, "", "MatMul", in, 3, mm->out[0], NULL, 0));
  return fuse_become(f, bg, "", "Gelu", &mm->out[0], 1, bg->out[0], NULL, 0);
}
