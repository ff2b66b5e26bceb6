/* quant.h — shared by the int8 ops (quant.c, quant_matmul.c, quant_conv.c). */
#ifndef WISP_OPS_QUANT_H
#define WISP_OPS_QUANT_H

#include <math.h>
#include <stdint.h>

#include "../tensor.h"

static inline int is_q8(wisp_dtype dt) { return dt == WISP_DT_UINT8 || dt == WISP_DT_INT8; }

static inline int32_t qget(const wisp_tensor *t, int64_t i) {
  switch (t->dtype) {
    case WISP_DT_UINT8: return ((const uint8_t *)t->data)[i];
    case WISP_DT_INT8: return ((const int8_t *)t->data)[i];
    case WISP_DT_INT32: return ((const int32_t *)t->data)[i];
    default: return 0;
  }
}

/* Element i of a zero point / scale that is a scalar (any i) or a vector; 0 / 1 when absent. */
static inline int32_t zp_at(const wisp_tensor *t, int64_t i) {
  return t && t->data ? qget(t, wisp_shape_numel(&t->shape) == 1 ? 0 : i) : 0;
}
static inline float scale_at(const wisp_tensor *t, int64_t i) {
  return ((const float *)t->data)[wisp_shape_numel(&t->shape) == 1 ? 0 : i];
}

/* saturate(rint(v) + zp) into a uint8 or int8 element. */
static inline void qstore(void *y, wisp_dtype dt, int64_t i, float v, int32_t zp) {
  float lo = dt == WISP_DT_UINT8 ? 0.0f : -128.0f, hi = dt == WISP_DT_UINT8 ? 255.0f : 127.0f;
  v = rintf(v) + (float)zp;
  v = v >= lo ? (v <= hi ? v : hi) : lo; /* NaN -> lo */
  if (dt == WISP_DT_UINT8) ((uint8_t *)y)[i] = (uint8_t)v;
  else ((int8_t *)y)[i] = (int8_t)v;
}

/* DynamicQuantizeLinear's uint8 parameters for values in [min, max], as onnxruntime computes them:
 * the range is widened to hold 0, scale = (max - min) / 255 (1 when the range is empty), zero
 * point = rint(clamp(-min / scale, 0, 255)). */
void wisp_dynamic_quant_params(float min, float max, float *scale, int32_t *zp);

#endif
