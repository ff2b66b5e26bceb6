/* conv_winograd.h — 3×3 stride-1 convolution by Winograd F(2×2, 3×3) or F(4×4, 3×3)
 * (kernels/winograd.h), for Conv (conv.c) when group is 1 and the weights are constant. */
#ifndef WISP_OPS_CONV_WINOGRAD_H
#define WISP_OPS_CONV_WINOGRAD_H

#include <stddef.h>
#include <stdint.h>

/* F(4×4, 3×3) up to this many input × output channels (wisp_wino_tile), F(2×2, 3×3) beyond.
 * Both from the weights alone (so a new input shape never changes the transformed weights):
 * wide layers come with small planes, where F(4×4)'s fewer, larger tiles leave GEMM columns
 * empty (a 7×7 plane is 4 tiles) and its 36 U matrices are read from memory for little work. */
#define WISP_WINO43_MAX_CM (256 * 256)

typedef struct {
  int m;         /* output tile side: 2 or 4 */
  int C, M;      /* input and output channels */
  int H, W;      /* input plane */
  int OH, OW;    /* output plane */
  int top, left; /* padding before the first row and column */
  int TH, TW;    /* output tiles of m×m */
  int Hp, Wp;    /* the zero-padded input copy: m·TH + 2 rows of m·TW + 2 */
  int block;     /* tiles per round of (m + 2)² GEMMs, a multiple of 8 */
} wisp_wino_geom;

/* The output tile side for C input and M output channels: 4 or 2. */
int wisp_wino_tile(int C, int M);
void wisp_wino_geometry(wisp_wino_geom *g, int m, int C, int M, int H, int W, int OH, int OW,
                        int top, int left);
/* U: (m + 2)² matrices (M × C), one per transformed position, from W (M, C, 3, 3). */
uint64_t wisp_wino_weights_bytes(int m, int M, int C);
void wisp_wino_weights(int m, int M, int C, const float *w, float *u);
uint64_t wisp_wino_scratch_bytes(const wisp_wino_geom *g);
/* One image: x (C, H, W) → y (M, OH, OW) = clamp(conv(x) + bias, lo, hi); bias may be NULL. */
void wisp_wino_conv(const wisp_wino_geom *g, const float *x, const float *u, const float *bias,
                    float lo, float hi, void *scratch, float *y);

#endif
