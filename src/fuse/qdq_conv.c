/* qdq_conv.c — static QDQ int8 / uint8 convs: Conv(DequantizeLinear(x_q, x_scale, x_zp),
 * DequantizeLinear(W_q constant, W_scale, W_zp, axis 0)[, B float constant]) becomes ConvInteger
 * marked wisp_to_float (quant_conv.c) with inputs (x_q, W_q, x_zp, W_zp, x_scale, W_scale[, B]):
 * the int8 GEMM on the quantized operands instead of a float conv on a dequantized copy of the
 * weights (which planning would fold). x_scale and x_zp (needed) per tensor, W_scale and W_zp per
 * tensor or per output channel. When x_q is QuantizeLinear(x) with the same scale and zero point
 * (the Q → DQ pair of a QDQ file), the conv reads x and quantizes it itself (wisp_quantize_a), in
 * the pass that centres the image, instead of a pass of its own. A following Relu or Clip folds
 * in later (activation.c). */
#include <stdlib.h>

#include "fuser.h"

/* QuantizeLinear(x, x_scale, x_zp) feeding dq with the same scale and zero point, or NULL; x must
 * be a value (not the missing input "", -1): the fusion counts its readers. */
static wisp_node *matching_quantize(const wisp_fuser *f, const wisp_node *dq) {
  wisp_node *q = fuse_made_by(f, dq->in[0], "QuantizeLinear");
  return q && q->n_in == 3 && q->in[0] >= 0 && q->in[1] == dq->in[1] && q->in[2] == dq->in[2] &&
                 wisp_attr_int(q, "saturate", 1) == 1 && wisp_attr_int(q, "block_size", 0) == 0
             ? q
             : NULL;
}

wisp_status fuse_qdq_conv(wisp_fuser *f, wisp_node *conv) {
  if (!fuse_is_op(conv, "Conv") || conv->n_in < 2 || conv->n_in > 3) return WISP_OK;
  fuse_qdq ops;
  if (!fuse_qdq_operands(f, conv, &ops) || ops.w.shape.ndim < 3 || ops.w.shape.ndim > 5)
    return WISP_OK;
  wisp_node *dqa = ops.dqa, *dqw = ops.dqw;
  wisp_tensor w = ops.w, sw = ops.sw, t;
  int za = ops.za, zw = ops.zw;
  int64_t M = w.shape.dims[0], ns = wisp_shape_numel(&sw.shape);
  int64_t axis = wisp_attr_int(dqw, "axis", 1);
  /* the int8 GEMM takes K up to 30000 (quant_conv.c) */
  if (M < 1 || wisp_shape_numel(&w.shape) / M > 30000 ||
      !(ns == 1 || (ns == M && sw.shape.ndim == 1 && (axis == 0 || axis == -w.shape.ndim))))
    return WISP_OK;
  int b = conv->n_in > 2 ? conv->in[2] : -1;
  if (b >= 0 &&
      (!fuse_constant(f, b, &t) || t.dtype != WISP_DT_FLOAT || wisp_shape_numel(&t.shape) != M))
    return WISP_OK;
  wisp_node *q = matching_quantize(f, dqa);
  int x = q ? q->in[0] : dqa->in[0];
  int in[7] = {x, dqw->in[0], za, zw, dqa->in[1], dqw->in[1], b};
  wisp_attr *attrs = malloc(sizeof(wisp_attr) * (size_t)(conv->n_attr + 2));
  WISP_CHECK(attrs, WISP_ERR_NO_MEMORY, "out of memory");
  for (int i = 0; i < conv->n_attr; i++) attrs[i] = conv->attrs[i];
  attrs[conv->n_attr] = (wisp_attr){.name = "wisp_to_float", .type = WISP_ATTR_INT, .i = 1};
  attrs[conv->n_attr + 1] = (wisp_attr){.name = "wisp_quantize_a", .type = WISP_ATTR_INT, .i = 1};
  fuse_kill(f, dqw);
  /* the conv now reads x (x_q) itself: a new reader unless the node it bypasses goes */
  if (--f->uses[dqa->out[0]]) {
    f->uses[x]++;
  } else {
    fuse_kill(f, dqa);
    if (q && --f->uses[q->out[0]]) f->uses[x]++;
    else if (q) fuse_kill(f, q);
  }
  wisp_status s = fuse_become(f, conv, "", "ConvInteger", in, b >= 0 ? 7 : 6, conv->out[0], attrs,
                              conv->n_attr + (q ? 2 : 1));
  free(attrs);
  return s;
}
