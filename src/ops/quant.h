/* quant.h — shared by the int8 ops (quant.c, quant_matmul.c). */
#ifndef WISP_OPS_QUANT_H
#define WISP_OPS_QUANT_H

#include <stdint.h>

/* DynamicQuantizeLinear's uint8 parameters for values in [min, max], as onnxruntime computes them:
 * the range is widened to hold 0, scale = (max - min) / 255 (1 when the range is empty), zero
 * point = rint(clamp(-min / scale, 0, 255)). */
void wisp_dynamic_quant_params(float min, float max, float *scale, int32_t *zp);

#endif
