/* matmul.h — MatMul and Gemm as helpers for ops built on them (contrib.c: FusedMatMul,
 * FusedGemm). An op whose params struct starts with one of these structs can use the functions
 * as its own infer and exec; its parse fills the fields marked "parse" first. */
#ifndef WISP_OPS_MATMUL_H
#define WISP_OPS_MATMUL_H

#include "op.h"

typedef struct {
  /* parse: transposes as FusedMatMul defines them (transBatch moves dim 0 of the operand into
   * the matrix, its dims 1 .. rank-2 become the batch dims); the factor on A·B; the clamp */
  int trans_a, trans_b, trans_batch_a, trans_batch_b;
  float alpha, lo, hi;
  /* infer */
  int M, K, N;
  int batch_ndim; /* broadcast batch dims of the output */
  int64_t batch[WISP_MAX_DIMS];
  int64_t a_stride[WISP_MAX_DIMS]; /* element strides per output batch dim (0 = broadcast) */
  int64_t b_stride[WISP_MAX_DIMS];
  int64_t a_row, a_col, b_row, b_col; /* element strides of A (M, K) and B (K, N) */
  int b_packed_once;                  /* B constant and 2-D: packed into ctx->state */
  int a_copy;                         /* A's columns are not contiguous: copied into scratch */
  size_t b_scratch;                   /* bytes of scratch before A's copy */
  size_t slot_bytes;                  /* scratch of one batch (B packed, A copied), 64-aligned */
  int slots; /* the batches spread over this many threads (wisp_threads() at infer), each with
              * its slot of scratch; 1: one batch at a time, the GEMM threaded */
} wisp_matmul_params;

/* Parse for a plain MatMul: no transposes, the node's fused scale and clamp (src/fuse/). */
void wisp_matmul_defaults(wisp_op_ctx *ctx);
wisp_status wisp_matmul_infer(wisp_op_ctx *ctx);
wisp_status wisp_matmul_exec(wisp_op_ctx *ctx);

typedef struct {
  int trans_a, trans_b;
  float alpha, beta;
  float lo, hi; /* the clamp (parse) */
  int M, K, N;
  int b_packed_once; /* B constant: packed (alpha folded in) into ctx->state */
  int bias_fused;    /* C constant and per-column: beta·C packed as the panel bias */
} wisp_gemm_params;

/* Reads Gemm's attributes and the node's fused clamp. */
wisp_status wisp_gemm_parse(wisp_op_ctx *ctx);
wisp_status wisp_gemm_infer(wisp_op_ctx *ctx);
wisp_status wisp_gemm_exec(wisp_op_ctx *ctx);

#endif
