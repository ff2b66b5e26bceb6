/* quant.c — the ai.onnx int8 ops: QuantizeLinear and DequantizeLinear (per tensor or per axis),
 * DynamicQuantizeLinear, MatMulInteger, QLinearMatMul; and Round (half to even, what
 * DynamicQuantizeLinear's expanded form uses). ConvInteger and QLinearConv: quant_conv.c.
 *
 * Plain loops: what Hugging Face q8 exports spend their time on (DynamicQuantizeLinear →
 * MatMulInteger → Cast → Mul) is fused at load into com.microsoft DynamicQuantizeMatMul
 * (quant_matmul.c) over the int16-pair GEMM kernels. Rounding is half to even (rintf in the
 * default rounding mode) and stores saturate, as ONNX specifies; DynamicQuantizeLinear computes
 * its scale and zero point exactly as onnxruntime does (wisp_dynamic_quant_params). */
#include <math.h>
#include <string.h>

#include "../kernels/config.h"
#include "op.h"
#include "quant.h"

void wisp_dynamic_quant_params(float min, float max, float *scale, int32_t *zp) {
  min = min < 0.0f ? min : 0.0f, max = max > 0.0f ? max : 0.0f; /* the range holds 0 */
  *scale = max == min ? 1.0f : (max - min) / 255.0f;
  float z = 0.0f - min / *scale;
  /* NaN (an infinite input makes the scale infinite too) -> 0 */
  *zp = (int32_t)rintf(z > 0.0f ? (z < 255.0f ? z : 255.0f) : 0.0f);
}

/* ---- QuantizeLinear, DequantizeLinear ------------------------------------------------------- */

typedef struct {
  int64_t axis;
  int64_t inner, chans; /* per-axis: element i uses channel (i / inner) % chans */
} qdq_params;

static wisp_status qdq_parse(wisp_op_ctx *ctx) {
  ((qdq_params *)ctx->params)->axis = wisp_attr_int(ctx->node, "axis", 1);
  return WISP_OK;
}

static wisp_status qdq_infer(wisp_op_ctx *ctx, int quantize) {
  qdq_params *p = ctx->params;
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 3));
  const wisp_tensor *x = ctx->in[0], *s = ctx->in[1], *zp = ctx->n_in > 2 ? ctx->in[2] : NULL;
  WISP_TRY(wisp_op_expect_dtype(ctx, 1, WISP_DT_FLOAT));
  if (quantize) WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  else if (!is_q8(x->dtype) && x->dtype != WISP_DT_INT32)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "x must be uint8, int8 or int32");
  if (zp && (quantize ? !is_q8(zp->dtype) : zp->dtype != x->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "zero point has dtype %s",
                        wisp_dtype_name(zp->dtype));
  int64_t n = wisp_shape_numel(&s->shape), total = wisp_shape_numel(&x->shape);
  p->chans = 1, p->inner = total ? total : 1;
  if (n != 1 || s->shape.ndim == 1) {
    int axis;
    WISP_TRY(wisp_op_axis(ctx, p->axis, x->shape.ndim, &axis));
    if (s->shape.ndim != 1 || n != x->shape.dims[axis] || (zp && wisp_shape_numel(&zp->shape) != n))
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                          "scale and zero point must be scalars or (%lld)",
                          (long long)x->shape.dims[axis]);
    p->chans = n, p->inner = 1;
    for (int d = axis + 1; d < x->shape.ndim; d++) p->inner *= x->shape.dims[d];
  }
  ctx->out[0]->shape = x->shape;
  ctx->out[0]->dtype = !quantize ? WISP_DT_FLOAT : zp ? zp->dtype : WISP_DT_UINT8;
  return WISP_OK;
}

static wisp_status quantize_infer(wisp_op_ctx *ctx) { return qdq_infer(ctx, 1); }
static wisp_status dequantize_infer(wisp_op_ctx *ctx) { return qdq_infer(ctx, 0); }

static wisp_status quantize_exec(wisp_op_ctx *ctx) {
  const qdq_params *p = ctx->params;
  const wisp_tensor *s = ctx->in[1], *zp = ctx->n_in > 2 ? ctx->in[2] : NULL;
  const float *x = ctx->in[0]->data;
  int64_t n = wisp_shape_numel(&ctx->in[0]->shape);
  for (int64_t i = 0; i < n; i++) {
    int64_t c = i / p->inner % p->chans;
    qstore(ctx->out[0]->data, ctx->out[0]->dtype, i, x[i] / scale_at(s, c), zp_at(zp, c));
  }
  return WISP_OK;
}

/* Runs on every inference of a q8 text model (its embedding Gathers), so it works in blocks of
 * `inner` elements that share one scale and zero point, with the dtype switch outside. */
static wisp_status dequantize_exec(wisp_op_ctx *ctx) {
  const qdq_params *p = ctx->params;
  const wisp_tensor *x = ctx->in[0], *s = ctx->in[1], *zp = ctx->n_in > 2 ? ctx->in[2] : NULL;
  float *y = ctx->out[0]->data;
  int64_t n = wisp_shape_numel(&x->shape), inner = p->inner;
  for (int64_t i0 = 0; i0 < n; i0 += inner) {
    int64_t c = i0 / inner % p->chans;
    float scale = scale_at(s, c);
    int32_t z = zp_at(zp, c);
    float *yb = y + i0;
    if (x->dtype == WISP_DT_INT8) {
      const int8_t *q = (const int8_t *)x->data + i0;
      for (int64_t j = 0; j < inner; j++) yb[j] = (float)(q[j] - z) * scale;
    } else if (x->dtype == WISP_DT_UINT8) {
      const uint8_t *q = (const uint8_t *)x->data + i0;
      for (int64_t j = 0; j < inner; j++) yb[j] = (float)(q[j] - z) * scale;
    } else {
      const int32_t *q = (const int32_t *)x->data + i0;
      for (int64_t j = 0; j < inner; j++) yb[j] = (float)(q[j] - z) * scale;
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_QuantizeLinear = {
    "", "QuantizeLinear", sizeof(qdq_params), qdq_parse, quantize_infer, quantize_exec, 0};
const wisp_op_def wisp_op_DequantizeLinear = {
    "", "DequantizeLinear", sizeof(qdq_params), qdq_parse, dequantize_infer, dequantize_exec, 0};

/* ---- DynamicQuantizeLinear ------------------------------------------------------------------- */

static wisp_status dql_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  ctx->out[0]->dtype = WISP_DT_UINT8, ctx->out[0]->shape = ctx->in[0]->shape;
  if (ctx->n_out > 1) ctx->out[1]->dtype = WISP_DT_FLOAT, ctx->out[1]->shape.ndim = 0;
  if (ctx->n_out > 2) ctx->out[2]->dtype = WISP_DT_UINT8, ctx->out[2]->shape.ndim = 0;
  return WISP_OK;
}

/* On the int16-pair GEMM's SIMD kernels (minmax, and quantize to x_q - zp as int16, here in
 * chunks through a stack buffer then shifted back to uint8): saturate(rint(x / scale) + zp), as
 * the plain loop it replaced, which took 40 of ResNet-18 q8's 240 ms (this: 4.4 ms, op_profile):
 * quantize_dynamic's CNNs run one before every conv. The fallback configuration always has
 * them; the relaxed int8 one has no int16 quantizer. */
static wisp_status dql_exec(wisp_op_ctx *ctx) {
  const wisp_qs8_gemm_config *ks = &wisp_kernels()->qs8_gemm_fallback;
  const float *x = ctx->in[0]->data;
  uint8_t *y = ctx->out[0]->data;
  size_t n = (size_t)wisp_shape_numel(&ctx->in[0]->shape);
  float lo = 0.0f, hi = 0.0f, scale;
  if (n) ks->minmax(n, x, &lo, &hi);
  int32_t zp;
  wisp_dynamic_quant_params(lo, hi, &scale, &zp);
  int16_t chunk[1024];
  for (size_t i0 = 0; i0 < n; i0 += 1024) {
    size_t len = n - i0 < 1024 ? n - i0 : 1024;
    ks->quantize(len, x + i0, scale, zp, chunk);
    for (size_t i = 0; i < len; i++) y[i0 + i] = (uint8_t)(chunk[i] + zp);
  }
  if (ctx->n_out > 1 && ctx->out[1]) *(float *)ctx->out[1]->data = scale;
  if (ctx->n_out > 2 && ctx->out[2]) *(uint8_t *)ctx->out[2]->data = (uint8_t)zp;
  return WISP_OK;
}

const wisp_op_def wisp_op_DynamicQuantizeLinear = {
    "", "DynamicQuantizeLinear", 0, NULL, dql_infer, dql_exec, 0};

/* ---- MatMulInteger, QLinearMatMul ------------------------------------------------------------ */

typedef struct {
  int M, K, N;
  int batch_ndim;
  int64_t batch[WISP_MAX_DIMS], a_stride[WISP_MAX_DIMS], b_stride[WISP_MAX_DIMS];
} qmm_params;

/* A (..., M, K) · B (..., K, N) with batch broadcasting; `a`, `b` are the ports of A and B. */
static wisp_status qmm_shapes(wisp_op_ctx *ctx, int a, int b, wisp_dtype out_dt) {
  qmm_params *p = ctx->params;
  wisp_shape as = ctx->in[a]->shape, bs = ctx->in[b]->shape;
  if (!is_q8(ctx->in[a]->dtype) || !is_q8(ctx->in[b]->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "A and B must be uint8 or int8");
  if (as.ndim < 2 || bs.ndim < 2 || as.dims[as.ndim - 1] != bs.dims[bs.ndim - 2])
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "A and B must be matrices that multiply");
  p->M = (int)as.dims[as.ndim - 2], p->K = (int)as.dims[as.ndim - 1],
  p->N = (int)bs.dims[bs.ndim - 1];
  wisp_shape ab = {as.ndim - 2, {0}}, bb = {bs.ndim - 2, {0}}, ob;
  memcpy(ab.dims, as.dims, sizeof(int64_t) * (size_t)ab.ndim);
  memcpy(bb.dims, bs.dims, sizeof(int64_t) * (size_t)bb.ndim);
  WISP_TRY(wisp_broadcast_shape(&ab, &bb, &ob, ctx->node->op_type));
  p->batch_ndim = ob.ndim;
  memcpy(p->batch, ob.dims, sizeof(int64_t) * (size_t)ob.ndim);
  wisp_broadcast_strides(&ab, &ob, p->a_stride);
  wisp_broadcast_strides(&bb, &ob, p->b_stride);
  wisp_tensor *o = ctx->out[0];
  o->dtype = out_dt, o->shape = ob;
  o->shape.dims[o->shape.ndim++] = p->M;
  o->shape.dims[o->shape.ndim++] = p->N;
  WISP_TRY(wisp_shape_check(&o->shape, ctx->node->op_type));
  ctx->scratch_bytes = (uint64_t)p->M * (uint64_t)p->N * sizeof(int32_t);
  return WISP_OK;
}

/* C (M×N) = (A - a_zp[row]) · (B - b_zp[column]) in int32, per batch; then `store` each row. */
typedef void (*row_store)(wisp_op_ctx *ctx, int64_t t, int m, const int32_t *acc);

static void qmm_run(wisp_op_ctx *ctx, int a, int b, const wisp_tensor *azp, const wisp_tensor *bzp,
                    row_store store) {
  const qmm_params *p = ctx->params;
  const wisp_tensor *A = ctx->in[a], *B = ctx->in[b];
  int M = p->M, K = p->K, N = p->N;
  int32_t *acc = ctx->scratch;
  int64_t n_batch = 1, idx[WISP_MAX_DIMS] = {0};
  for (int d = 0; d < p->batch_ndim; d++) n_batch *= p->batch[d];
  for (int64_t t = 0; t < n_batch; t++) {
    int64_t ao = 0, bo = 0;
    for (int d = 0; d < p->batch_ndim; d++)
      ao += idx[d] * p->a_stride[d], bo += idx[d] * p->b_stride[d];
    ao *= (int64_t)M * K, bo *= (int64_t)K * N;
    for (int m = 0; m < M; m++) {
      int32_t za = zp_at(azp, m);
      memset(acc, 0, sizeof(int32_t) * (size_t)N);
      for (int k = 0; k < K; k++) {
        int32_t v = qget(A, ao + (int64_t)m * K + k) - za;
        if (v)
          for (int n = 0; n < N; n++)
            acc[n] += v * (qget(B, bo + (int64_t)k * N + n) - zp_at(bzp, n));
      }
      store(ctx, t, m, acc);
    }
    for (int d = p->batch_ndim - 1; d >= 0; d--) {
      if (++idx[d] < p->batch[d]) break;
      idx[d] = 0;
    }
  }
}

static wisp_status mmi_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 2, 4));
  return qmm_shapes(ctx, 0, 1, WISP_DT_INT32);
}

static void mmi_store(wisp_op_ctx *ctx, int64_t t, int m, const int32_t *acc) {
  const qmm_params *p = ctx->params;
  memcpy((int32_t *)ctx->out[0]->data + (t * p->M + m) * p->N, acc, sizeof(int32_t) * (size_t)p->N);
}

static wisp_status mmi_exec(wisp_op_ctx *ctx) {
  qmm_run(ctx, 0, 1, ctx->n_in > 2 ? ctx->in[2] : NULL, ctx->n_in > 3 ? ctx->in[3] : NULL,
          mmi_store);
  return WISP_OK;
}

const wisp_op_def wisp_op_MatMulInteger = {
    "", "MatMulInteger", sizeof(qmm_params), NULL, mmi_infer, mmi_exec, 0};

/* QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp) */
static wisp_status qlmm_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 8, 8));
  for (int i = 1; i < 8; i += i == 4 ? 2 : 3) WISP_TRY(wisp_op_expect_dtype(ctx, i, WISP_DT_FLOAT));
  if (!ctx->in[7] || !is_q8(ctx->in[7]->dtype))
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "y_zero_point must be uint8 or int8");
  return qmm_shapes(ctx, 0, 3, ctx->in[7]->dtype);
}

static void qlmm_store(wisp_op_ctx *ctx, int64_t t, int m, const int32_t *acc) {
  const qmm_params *p = ctx->params;
  float sa = scale_at(ctx->in[1], m), sy = scale_at(ctx->in[6], 0);
  int32_t zy = zp_at(ctx->in[7], 0);
  for (int n = 0; n < p->N; n++)
    qstore(ctx->out[0]->data, ctx->out[0]->dtype, (t * p->M + m) * p->N + n,
           (float)acc[n] * (sa * scale_at(ctx->in[4], n) / sy), zy);
}

static wisp_status qlmm_exec(wisp_op_ctx *ctx) {
  qmm_run(ctx, 0, 3, ctx->in[2], ctx->in[5], qlmm_store);
  return WISP_OK;
}

const wisp_op_def wisp_op_QLinearMatMul = {
    "", "QLinearMatMul", sizeof(qmm_params), NULL, qlmm_infer, qlmm_exec, 0};

/* ---- Round ----------------------------------------------------------------------------------- */

static wisp_status round_infer(wisp_op_ctx *ctx) {
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(wisp_op_expect_dtype(ctx, 0, WISP_DT_FLOAT));
  wisp_op_same_as(ctx->out[0], ctx->in[0]);
  return WISP_OK;
}

static wisp_status round_exec(wisp_op_ctx *ctx) {
  const float *x = ctx->in[0]->data;
  float *y = ctx->out[0]->data;
  for (int64_t i = 0, n = wisp_shape_numel(&ctx->in[0]->shape); i < n; i++) y[i] = rintf(x[i]);
  return WISP_OK;
}

const wisp_op_def wisp_op_Round = {"", "Round", 0, NULL, round_infer, round_exec, 0};
