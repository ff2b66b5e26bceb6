/* half.c — float16 conversions and the float16 -> float32 widening of a graph (half.h). */
#include "half.h"

#include <stdlib.h>
#include <string.h>

float wisp_half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = h >> 10 & 0x1f, m = h & 0x3ff, bits;
  float f;
  if (e == 0x1f) bits = sign | 0x7f800000 | m << 13; /* inf, nan */
  else if (e) bits = sign | (e + 112) << 23 | m << 13;
  else {
    f = (float)m * 0x1p-24f; /* subnormal: exact */
    return sign ? -f : f;
  }
  memcpy(&f, &bits, 4);
  return f;
}

/* F. Giesen's float_to_half_fast3_rtne. */
uint16_t wisp_float_to_half(float f) {
  uint32_t u, sign;
  memcpy(&u, &f, 4);
  sign = u & 0x80000000u;
  u ^= sign;
  uint16_t h;
  if (u >= 0x47800000u) h = u > 0x7f800000u ? 0x7e00 : 0x7c00; /* >= 65536, inf, nan */
  else if (u < 0x38800000u) { /* subnormal or zero */ float v;
    memcpy(&v, &u, 4);
    v += 0.5f; /* aligns the 10 mantissa bits at the bottom; the FPU rounds */
    memcpy(&u, &v, 4);
    h = (uint16_t)(u - 0x3f000000u);
  } else {
    uint32_t odd = u >> 13 & 1;
    u += 0xc8000000u + 0xfff + odd; /* rebias the exponent (-112 << 23) and round */
    h = (uint16_t)(u >> 13);
  }
  return (uint16_t)(h | sign >> 16);
}

void wisp_half_to_float_n(const uint16_t *src, float *dst, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = wisp_half_to_float(src[i]);
}

void wisp_float_to_half_n(const float *src, uint16_t *dst, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = wisp_float_to_half(src[i]);
}

/* Replaces t's float16 data by a float32 copy in the pool. */
static wisp_status widen_tensor(wisp_pool *pool, wisp_tensor *t, const char *what) {
  size_t n = (size_t)wisp_shape_numel(&t->shape); /* checked at load: under WISP_MAX_NUMEL */
  float *f = wisp_pool_alloc_uninit(pool, n * sizeof *f);
  WISP_CHECK(f || !n, WISP_ERR_NO_MEMORY, "out of memory widening float16 tensor '%s'", what);
  if (n) wisp_half_to_float_n(t->data, f, n);
  t->data = f;
  t->dtype = WISP_DT_FLOAT;
  return WISP_OK;
}

static int is_graph_input(const wisp_graph *g, int v) {
  for (int k = 0; k < g->n_inputs; k++)
    if (g->inputs[k] == v) return 1;
  return 0;
}

static int in_model(const wisp_graph *g, size_t model_len, const void *p) {
  const char *m = g->model, *q = p;
  return m && q >= m && q < m + model_len;
}

/* Attributes that name an output dtype (Cast's `to`; `dtype` of EyeLike and the Random ops). */
static int names_dtype(const wisp_node *n, const wisp_attr *a) {
  if (*n->domain || a->type != WISP_ATTR_INT) return 0;
  return !strcmp(a->name, "to") ? !strcmp(n->op_type, "Cast") : !strcmp(a->name, "dtype");
}

wisp_status wisp_graph_widen_half(wisp_graph *g, size_t model_len) {
  for (int i = 0; i < g->n_nodes; i++) {
    wisp_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_attr; k++) {
      wisp_attr *a = &n->attrs[k];
      if (names_dtype(n, a) && a->i == WISP_DT_FLOAT16) a->i = WISP_DT_FLOAT;
      if (a->type == WISP_ATTR_TENSOR && a->t && a->t->dtype == WISP_DT_FLOAT16)
        WISP_TRY(widen_tensor(&g->pool, a->t, a->name));
      for (int j = 0; a->type == WISP_ATTR_TENSORS && j < a->count; j++)
        if (a->tensors[j].dtype == WISP_DT_FLOAT16)
          WISP_TRY(widen_tensor(&g->pool, &a->tensors[j], a->name));
    }
  }
  size_t half_bytes = 0, other_bytes = 0; /* initializer bytes left in the model buffer */
  for (int v = 0; v < g->n_values; v++) {
    wisp_value *val = &g->values[v];
    int placed = val->init_data && in_model(g, model_len, val->init_data);
    wisp_tensor t = {val->dtype, val->shape, val->init_data};
    if (placed)
      *(val->dtype == WISP_DT_FLOAT16 ? &half_bytes : &other_bytes) += wisp_tensor_bytes(&t);
    if (val->dtype != WISP_DT_FLOAT16) continue;
    if (val->init_data) {
      WISP_TRY(widen_tensor(&g->pool, &t, val->name));
      val->init_data = t.data;
      val->dtype = WISP_DT_FLOAT;
    } else if (!is_graph_input(g, v)) {
      val->dtype = WISP_DT_FLOAT;
    }
  }
  if (!half_bytes || half_bytes < other_bytes) return WISP_OK;
  for (int v = 0; v < g->n_values; v++) {
    wisp_value *val = &g->values[v];
    if (!val->init_data || !in_model(g, model_len, val->init_data)) continue;
    wisp_tensor t = {val->dtype, val->shape, val->init_data};
    size_t bytes = wisp_tensor_bytes(&t);
    void *copy = wisp_pool_alloc_uninit(&g->pool, bytes);
    WISP_CHECK(copy || !bytes, WISP_ERR_NO_MEMORY, "out of memory copying '%s'", val->name);
    if (bytes) memcpy(copy, val->init_data, bytes);
    val->init_data = copy;
  }
  free(g->model);
  g->model = NULL;
  return WISP_OK;
}
