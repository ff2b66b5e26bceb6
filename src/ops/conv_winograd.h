/* conv_winograd.h — 3×3 stride-1 convolution by Winograd F(2×2, 3×3) (kernels/winograd.h), for
 * Conv (conv.c) when group is 1 and the weights are constant. */
#ifndef WISP_OPS_CONV_WINOGRAD_H
#define WISP_OPS_CONV_WINOGRAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int C, M;      /* input and output channels */
  int H, W;      /* input plane */
  int OH, OW;    /* output plane */
  int top, left; /* padding before the first row and column */
  int TH, TW;    /* output tiles of 2×2 */
  int Hp, Wp;    /* the zero-padded input copy: 2·TH + 2 rows of 2·TW + 2 */
  int block;     /* tiles per round of 16 GEMMs, a multiple of 8 */
} wisp_wino_geom;

void wisp_wino_geometry(wisp_wino_geom *g, int C, int M, int H, int W, int OH, int OW, int top,
                        int left);
/* U: 16 matrices (M × C), one per transformed position, from W (M, C, 3, 3). */
uint64_t wisp_wino_weights_bytes(int M, int C);
void wisp_wino_weights(int M, int C, const float *w, float *u);
uint64_t wisp_wino_scratch_bytes(const wisp_wino_geom *g);
/* One image: x (C, H, W) → y (M, OH, OW) = clamp(conv(x) + bias, lo, hi); bias may be NULL. */
void wisp_wino_conv(const wisp_wino_geom *g, const float *x, const float *u, const float *bias,
                    float lo, float hi, void *scratch, float *y);

#endif
