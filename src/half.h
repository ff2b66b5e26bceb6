/* half.h — IEEE float16: conversions, and running float16 models in float32.
 *
 * wisp computes in float32 only. A float16 model (weights, activations, Casts to float16 made
 * by exporters) is widened once at load: float16 initializers and tensor attributes become
 * float32, values declared float16 are planned as float32, and Casts to float16 become Casts to
 * float32 (they keep float32's precision: no rounding to float16 inside the graph). Graph inputs
 * and outputs keep their float16 type; the session converts at the boundary (session.c). */
#ifndef WISP_HALF_H
#define WISP_HALF_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

float wisp_half_to_float(uint16_t h);
/* Round to nearest even; overflow gives ±inf, NaN stays NaN. */
uint16_t wisp_float_to_half(float f);
void wisp_half_to_float_n(const uint16_t *src, float *dst, size_t n);
void wisp_float_to_half_n(const float *src, uint16_t *dst, size_t n);

/* Widens g as above (before fusion: src/fuse/ then sees float32 constants). model_len is the size
 * of g->model: when float16 weights were most of it, the few other initializers still in it are
 * copied out and the buffer is freed, so the float16 bytes are not kept beside their float32
 * copy. Graph input values keep their declared float16 dtype (check_feed compares against it);
 * every other float16 value becomes float32. */
wisp_status wisp_graph_widen_half(wisp_graph *g, size_t model_len);

#endif
