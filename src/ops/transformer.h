/* transformer.h — the row helper the transformer ops share: LayerNormalization's normaliser
 * (transformer.c; the contrib norms, contrib_norm.c). */
#ifndef WISP_OPS_TRANSFORMER_H
#define WISP_OPS_TRANSFORMER_H

#include "op.h"

/* y (D) = (x - mean) · inv · scale (+ bias), inv = 1 / sqrt(mean((x - mean)²) + eps); with rms
 * set the mean is taken as 0 (RMSNorm: SimplifiedLayerNormalization). D > 0; bias may be NULL;
 * y may alias x. Two passes (mean, then squared deviations): no cancellation when
 * |mean| >> std. */
void wisp_norm_row(const float *x, int64_t D, float eps, int rms, const float *scale,
                   const float *bias, float *y, float *mean, float *inv);

#endif
