/* conv.h — Conv as helpers for ops built on it (contrib.c: FusedConv): an op whose params
 * struct starts with wisp_conv_params can use these as its own parse, infer and exec. */
#ifndef WISP_OPS_CONV_H
#define WISP_OPS_CONV_H

#include "conv_winograd.h"
#include "op.h"

typedef struct {
  float lo, hi; /* the clamp of the GEMM epilogue (parse) */
  int gate;     /* then x·gate(x) on each block of output while it is in cache (parse) */
  int64_t group;
  int64_t N, C, M, Cg, Mg, K; /* K = Cg·kd·kh·kw */
  int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], out[3];
  int64_t npix, tile; /* output pixels per image; pixels per packed tile (× 8) */
  int64_t padded[3];  /* input dims with their padding */
  int empty, depthwise, weights_once, needs_padding, winograd, pointwise;
  wisp_wino_geom wino;
  size_t weights_bytes, tile_bytes, padded_bytes; /* scratch parts, 64-aligned (depthwise keeps
                                                      its padded plane in tile_bytes) */
  int slots; /* per-thread buffers in scratch (wisp_threads() at infer): depthwise padded planes,
              * im2col tiles of packed panels (1: one tile at a time, the GEMM threaded) */
} wisp_conv_params;

/* Conv and ConvTranspose: X, W and the optional B are float, X is (N, C, 1 to 3 spatial dims)
 * and W has X's rank. */
wisp_status wisp_conv_check_inputs(const wisp_op_ctx *ctx);
/* After wisp_conv_check_inputs: X's and W's spatial dims right-aligned in 3 (leading ones 1),
 * checked against the kernel_shape attribute. */
wisp_status wisp_conv_spatial_dims(const wisp_op_ctx *ctx, int64_t in[3], int64_t k[3]);
/* Reads group and the node's fused clamp and SiLU. */
wisp_status wisp_conv_parse(wisp_op_ctx *ctx);
/* X, W and the optional B: ctx->n_in is at most 3. */
wisp_status wisp_conv_infer(wisp_op_ctx *ctx);
wisp_status wisp_conv_exec(wisp_op_ctx *ctx);

#endif
