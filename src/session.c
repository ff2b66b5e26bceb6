/* session.c — create / run / free: ties the loader, the plan and the executor together. */
#include <stdlib.h>
#include <string.h>

#include "fuse.h"
#include "half.h"
#include "kernels/config.h"
#include "onnx.h"
#include "plan.h"
#include "wisp.h"

/* A float16 graph input or output: the plan holds it as float32 (half.h), converted here. */
typedef struct {
  int half;
  wisp_tensor t; /* outputs: the result as float16 */
  void *buf;
  size_t cap;
} boundary;

struct wisp_session {
  wisp_graph g;
  wisp_plan plan;
  int planned;
  int any_half_in;
  boundary *in, *out; /* one per graph input / output */
  wisp_tensor *feeds; /* the feeds with float16 ones converted, when any_half_in */
};

wisp_status wisp_session_create(const void *model, size_t len, const wisp_options *opts,
                                wisp_session **out) {
  wisp_clear_error();
  WISP_CHECK(out, WISP_ERR_INVALID_ARG, "wisp_session_create: out is NULL");
  *out = NULL;
  WISP_CHECK(model || !len, WISP_ERR_INVALID_ARG, "model bytes are NULL");
  WISP_CHECK(len <= SIZE_MAX - WISP_PAD, WISP_ERR_NO_MEMORY, "out of memory");
  void *copy = malloc(len + WISP_PAD);
  WISP_CHECK(copy, WISP_ERR_NO_MEMORY, "out of memory for a %zu-byte model", len);
  if (len) memcpy(copy, model, len);
  return wisp_session_create_owned(copy, len, opts, out);
}

static wisp_status find_boundaries(wisp_session *s) {
  const wisp_graph *g = &s->g;
  s->in = calloc((size_t)g->n_inputs + 1, sizeof *s->in);
  s->out = calloc((size_t)g->n_outputs + 1, sizeof *s->out);
  s->feeds = calloc((size_t)g->n_inputs + 1, sizeof *s->feeds);
  WISP_CHECK(s->in && s->out && s->feeds, WISP_ERR_NO_MEMORY, "out of memory");
  for (int k = 0; k < g->n_inputs; k++)
    s->any_half_in |= s->in[k].half = g->values[g->inputs[k]].dtype == WISP_DT_FLOAT16;
  for (int k = 0; k < g->n_outputs; k++)
    s->out[k].half = g->values[g->outputs[k]].dtype == WISP_DT_FLOAT16;
  return WISP_OK;
}

/* Grows b->buf to hold `bytes` (aligned and padded like the arena; kept across runs). */
static wisp_status reserve(boundary *b, size_t bytes) {
  if (bytes <= b->cap && b->buf) return WISP_OK;
  wisp_aligned_free(b->buf);
  b->cap = 0;
  b->buf = wisp_aligned_alloc(bytes);
  WISP_CHECK(b->buf, WISP_ERR_NO_MEMORY, "out of memory for a %zu-byte float16 conversion", bytes);
  b->cap = bytes;
  return WISP_OK;
}

wisp_status wisp_session_create_owned(void *model, size_t len, const wisp_options *opts,
                                      wisp_session **out) {
  wisp_clear_error();
  wisp_session *s = out ? calloc(1, sizeof *s) : NULL;
  if (out) *out = NULL;
  if (!s) {
    free(model);
    return out ? wisp_fail(WISP_ERR_NO_MEMORY, "out of memory")
               : wisp_fail(WISP_ERR_INVALID_ARG, "wisp_session_create_owned: out is NULL");
  }
  /* Kernels may over-read the last initializer used in place into the padding: keep it defined. */
  if (model) memset((char *)model + len, 0, WISP_PAD);
  wisp_status st = wisp_onnx_load(model, len, opts, &s->g);
  if (st != WISP_OK) {
    free(s);
    return st;
  }
  st = wisp_graph_sort(&s->g);
  if (st == WISP_OK) st = find_boundaries(s);
  if (st == WISP_OK) st = wisp_graph_widen_half(&s->g, len);
  if (st == WISP_OK) st = wisp_graph_fuse(&s->g);
  if (st == WISP_OK) st = wisp_plan_init(&s->plan, &s->g);
  if (st != WISP_OK) {
    wisp_session_free(s);
    return st;
  }
  *out = s;
  return WISP_OK;
}

void wisp_session_free(wisp_session *s) {
  if (!s) return;
  wisp_plan_free(&s->plan);
  for (int k = 0; s->in && k < s->g.n_inputs; k++) wisp_aligned_free(s->in[k].buf);
  for (int k = 0; s->out && k < s->g.n_outputs; k++) wisp_aligned_free(s->out[k].buf);
  free(s->in);
  free(s->out);
  free(s->feeds);
  wisp_graph_free(&s->g);
  free(s);
}

int wisp_session_input_count(const wisp_session *s) { return s->g.n_inputs; }
int wisp_session_output_count(const wisp_session *s) { return s->g.n_outputs; }

static const wisp_value *input_value(const wisp_session *s, int i) {
  return i >= 0 && i < s->g.n_inputs ? &s->g.values[s->g.inputs[i]] : NULL;
}
static const wisp_value *output_value(const wisp_session *s, int i) {
  return i >= 0 && i < s->g.n_outputs ? &s->g.values[s->g.outputs[i]] : NULL;
}

const char *wisp_session_input_name(const wisp_session *s, int i) {
  const wisp_value *v = input_value(s, i);
  return v ? v->name : NULL;
}
const char *wisp_session_output_name(const wisp_session *s, int i) {
  const wisp_value *v = output_value(s, i);
  return v ? v->name : NULL;
}
wisp_dtype wisp_session_input_dtype(const wisp_session *s, int i) {
  const wisp_value *v = input_value(s, i);
  return v ? v->dtype : WISP_DT_UNDEFINED;
}
wisp_dtype wisp_session_output_dtype(const wisp_session *s, int i) {
  const wisp_value *v = output_value(s, i);
  return v ? s->out[i].half ? WISP_DT_FLOAT16 : v->dtype : WISP_DT_UNDEFINED;
}
const wisp_shape *wisp_session_input_shape(const wisp_session *s, int i) {
  const wisp_value *v = input_value(s, i);
  return v && v->has_shape ? &v->shape : NULL;
}
const char *wisp_session_input_dim_name(const wisp_session *s, int i, int dim) {
  const wisp_value *v = input_value(s, i);
  return v && dim >= 0 && dim < v->shape.ndim ? v->dim_params[dim] : NULL;
}

/* A feed must have the declared dtype and rank, and match every fixed dimension. */
static wisp_status check_feed(const wisp_value *v, const wisp_tensor *t) {
  char want[128], got[128];
  WISP_CHECK(v->dtype == WISP_DT_UNDEFINED || t->dtype == v->dtype, WISP_ERR_INVALID_ARG,
             "input '%s': expected %s, got %s", v->name, wisp_dtype_name(v->dtype),
             wisp_dtype_name(t->dtype));
  WISP_CHECK(wisp_dtype_size(t->dtype), WISP_ERR_UNSUPPORTED, "input '%s': dtype %s unsupported",
             v->name, wisp_dtype_name(t->dtype));
  WISP_TRY(wisp_shape_check(&t->shape, v->name));
  if (v->has_shape) {
    int ok = t->shape.ndim == v->shape.ndim;
    for (int d = 0; ok && d < v->shape.ndim; d++)
      ok = v->shape.dims[d] < 0 || v->shape.dims[d] == t->shape.dims[d];
    WISP_CHECK(ok, WISP_ERR_INVALID_ARG, "input '%s': expected shape %s (-1 = any), got %s",
               v->name, wisp_shape_str(&v->shape, want, sizeof want),
               wisp_shape_str(&t->shape, got, sizeof got));
  }
  WISP_CHECK(t->data || wisp_shape_numel(&t->shape) == 0, WISP_ERR_INVALID_ARG,
             "input '%s': data is NULL", v->name);
  return WISP_OK;
}

wisp_status wisp_session_run(wisp_session *s, const wisp_tensor *feeds, int n_feeds) {
  wisp_clear_error();
  WISP_CHECK(s, WISP_ERR_INVALID_ARG, "wisp_session_run: session is NULL");
  WISP_CHECK(n_feeds == s->g.n_inputs, WISP_ERR_INVALID_ARG,
             "the model has %d inputs, %d were given", s->g.n_inputs, n_feeds);
  for (int k = 0; k < n_feeds; k++) WISP_TRY(check_feed(&s->g.values[s->g.inputs[k]], &feeds[k]));
  if (s->any_half_in) {
    for (int k = 0; k < n_feeds; k++) {
      boundary *b = &s->in[k];
      s->feeds[k] = feeds[k];
      if (!b->half) continue;
      size_t n = (size_t)wisp_shape_numel(&feeds[k].shape); /* checked by check_feed */
      WISP_TRY(reserve(b, n * sizeof(float)));
      wisp_half_to_float_n(feeds[k].data, b->buf, n);
      s->feeds[k].dtype = WISP_DT_FLOAT;
      s->feeds[k].data = b->buf;
    }
    feeds = s->feeds;
  }
  if (!s->planned || !wisp_plan_fits(&s->plan, feeds)) {
    s->planned = 0;
    WISP_TRY(wisp_plan_build(&s->plan, feeds));
    s->planned = 1;
  }
  for (int k = 0; k < n_feeds; k++) {
    wisp_tensor *dst = &s->plan.vals[s->g.inputs[k]];
    if (!s->plan.value_keyed[k] && wisp_tensor_bytes(dst))
      memcpy(dst->data, feeds[k].data, wisp_tensor_bytes(dst));
  }
  WISP_TRY(wisp_plan_exec(&s->plan));
  for (int k = 0; k < s->g.n_outputs; k++) {
    boundary *b = &s->out[k];
    if (!b->half) continue;
    b->t = s->plan.vals[s->g.outputs[k]];
    if (b->t.dtype != WISP_DT_FLOAT) continue; /* already not float32: nothing to convert */
    size_t n = (size_t)wisp_shape_numel(&b->t.shape);
    WISP_TRY(reserve(b, n * sizeof(uint16_t)));
    wisp_float_to_half_n(b->t.data, b->buf, n);
    b->t.dtype = WISP_DT_FLOAT16;
    b->t.data = b->buf;
  }
  return WISP_OK;
}

const wisp_tensor *wisp_session_output(const wisp_session *s, int i) {
  if (!s->planned || i < 0 || i >= s->g.n_outputs) return NULL;
  return s->out[i].half ? &s->out[i].t : &s->plan.vals[s->g.outputs[i]];
}

/* The ZipMap node that makes output i, or NULL. */
static const wisp_node *zipmap_of(const wisp_session *s, int i) {
  if (i < 0 || i >= s->g.n_outputs) return NULL;
  int v = s->g.outputs[i];
  for (int n = 0; n < s->g.n_nodes; n++) {
    const wisp_node *nd = &s->g.nodes[n];
    if (nd->n_out < 1 || nd->out[0] != v) continue;
    return !strcmp(nd->domain, "ai.onnx.ml") && !strcmp(nd->op_type, "ZipMap") ? nd : NULL;
  }
  return NULL;
}

int wisp_session_output_map_keys(const wisp_session *s, int i) {
  const wisp_node *nd = zipmap_of(s, i);
  if (!nd) return 0;
  const wisp_attr *a = wisp_node_attr(nd, "classlabels_strings");
  if (!a || a->type != WISP_ATTR_STRINGS || !a->count) a = wisp_node_attr(nd, "classlabels_int64s");
  return a && (a->type == WISP_ATTR_STRINGS || a->type == WISP_ATTR_INTS) ? a->count : 0;
}

const char *wisp_session_output_map_key(const wisp_session *s, int i, int k, int64_t *int_key) {
  const wisp_node *nd = zipmap_of(s, i);
  if (int_key) *int_key = 0;
  if (!nd || k < 0 || k >= wisp_session_output_map_keys(s, i)) return NULL;
  const wisp_attr *a = wisp_node_attr(nd, "classlabels_strings");
  if (a && a->type == WISP_ATTR_STRINGS && a->count) return a->strings[k].data;
  a = wisp_node_attr(nd, "classlabels_int64s");
  if (int_key) *int_key = a->ints[k];
  return NULL;
}

const char *wisp_kernel_config(void) { return wisp_kernels_describe(); }
