/* control.c — If, Loop and Scan. Each subgraph (graph.h) runs as a nested plan owned by the
 * node's params: its inputs are the op's per-iteration values followed by the outer values it
 * reads by name (the node's captured inputs, bound here). infer plans the subgraph for the
 * shapes at hand to learn its outputs' shapes; exec feeds it, runs it and copies its outputs
 * out. A subgraph whose shapes change between iterations (a Loop body slicing by the iteration
 * number) is re-planned when they do, so such loops allocate while running. */
#include <stdlib.h>
#include <string.h>

#include "../plan.h"
#include "op.h"

typedef struct {
  const wisp_graph *g;
  wisp_plan plan;
  int planned;
  int first_captured; /* index among the node's inputs of the subgraph's first captured value */
  wisp_tensor *feeds; /* one per subgraph input */
} subgraph;

/* Opens the node's graph attribute `name`, which must take n_formal inputs of its own (then its
 * captured ones) and give n_outputs outputs (-1: any). */
static wisp_status sub_open(wisp_op_ctx *ctx, subgraph *s, const char *name, int n_formal,
                            int n_outputs) {
  const wisp_node *n = ctx->node;
  const wisp_attr *a = wisp_node_attr(n, name);
  if (!a || !a->g)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "attribute '%s' must be a graph", name);
  const wisp_graph *g = a->g;
  int at = n->n_in - n->n_captured; /* captured inputs follow the declared ones, by attribute */
  for (const wisp_attr *b = n->attrs; b < a; b++) at += b->g ? b->g->n_captured : 0;
  if (g->n_inputs - g->n_captured != n_formal)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "graph '%s' has %d inputs, expects %d", name,
                        g->n_inputs - g->n_captured, n_formal);
  if (n_outputs >= 0 && g->n_outputs != n_outputs)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "graph '%s' has %d outputs, expects %d", name,
                        g->n_outputs, n_outputs);
  s->g = g;
  s->first_captured = at;
  s->feeds = calloc((size_t)g->n_inputs + 1, sizeof *s->feeds);
  if (!s->feeds) return WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory");
  return wisp_plan_init(&s->plan, g);
}

static void sub_close(subgraph *s) {
  if (s->g) wisp_plan_free(&s->plan);
  free(s->feeds);
}

static const wisp_tensor *sub_out(const subgraph *s, int i) {
  return &s->plan.vals[s->g->outputs[i]];
}

/* Plans the subgraph for s->feeds (formal ones set by the caller; captured ones bound here) when
 * the current plan does not fit them or plan_only asks (infer: data may be NULL), then, unless
 * plan_only, copies the feeds in and runs it. */
static wisp_status sub_run(wisp_op_ctx *ctx, subgraph *s, int plan_only) {
  const wisp_graph *g = s->g;
  int n_formal = g->n_inputs - g->n_captured;
  for (int k = 0; k < g->n_captured; k++) s->feeds[n_formal + k] = *ctx->in[s->first_captured + k];
  if (plan_only || !s->planned || !wisp_plan_fits(&s->plan, s->feeds)) {
    s->planned = 0;
    for (int k = 0; k < g->n_inputs; k++)
      if (s->plan.value_keyed[k] && !s->feeds[k].data && wisp_tensor_bytes(&s->feeds[k]))
        return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                            "its subgraph's shapes depend on the value of '%s', known only "
                            "when running",
                            g->values[g->inputs[k]].name);
    WISP_TRY(wisp_plan_build(&s->plan, s->feeds));
    s->planned = 1;
  }
  if (plan_only) return WISP_OK;
  for (int k = 0; k < g->n_inputs; k++) {
    wisp_tensor *dst = &s->plan.vals[g->inputs[k]];
    size_t bytes = wisp_tensor_bytes(dst);
    if (!s->plan.value_keyed[k] && bytes) memmove(dst->data, s->feeds[k].data, bytes);
  }
  return wisp_plan_exec(&s->plan);
}

static int same_type(const wisp_tensor *a, const wisp_tensor *b) {
  return a->dtype == b->dtype && wisp_shape_equal(&a->shape, &b->shape);
}

/* A bool or int scalar input's value (If's cond, Loop's M and cond). */
static wisp_status scalar_input(const wisp_op_ctx *ctx, int i, wisp_dtype dt, const char *what) {
  const wisp_tensor *t = ctx->in[i];
  if (t->dtype != dt || wisp_shape_numel(&t->shape) != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%s must be one %s", what,
                        wisp_dtype_name(dt));
  return WISP_OK;
}

static wisp_shape drop_axis(const wisp_shape *s, int axis) {
  wisp_shape r = *s;
  r.ndim--;
  memmove(r.dims + axis, r.dims + axis + 1, (size_t)(r.ndim - axis) * sizeof(int64_t));
  return r;
}

/* Copies slice i along `axis` of `whole` (shape s) from or into the contiguous `part`. */
static void slice_copy(const wisp_shape *s, int axis, int64_t i, size_t esize, char *whole,
                       char *part, int into_part) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; d++) outer *= s->dims[d];
  for (int d = axis + 1; d < s->ndim; d++) inner *= s->dims[d];
  size_t row = (size_t)inner * esize;
  for (int64_t o = 0; o < outer; o++) {
    char *w = whole + ((size_t)(o * s->dims[axis] + i)) * row, *q = part + (size_t)o * row;
    if (into_part) memcpy(q, w, row);
    else memcpy(w, q, row);
  }
}

/* ---- If ---------------------------------------------------------------------------------- */

typedef struct {
  subgraph branch[2]; /* then, else */
} if_params;

static wisp_status if_parse(wisp_op_ctx *ctx) {
  if_params *p = ctx->params;
  if (ctx->n_in - ctx->node->n_captured != 1 || !ctx->in[0])
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "expects one input, the condition");
  WISP_TRY(sub_open(ctx, &p->branch[0], "then_branch", 0, ctx->n_out));
  return sub_open(ctx, &p->branch[1], "else_branch", 0, ctx->n_out);
}

static void if_release(wisp_op_ctx *ctx) {
  if_params *p = ctx->params;
  sub_close(&p->branch[0]);
  sub_close(&p->branch[1]);
}

/* A condition known at plan time picks the branch; otherwise both branches must give the same
 * dtypes and shapes, which a plan needs before the condition is known. */
static wisp_status if_infer(wisp_op_ctx *ctx) {
  if_params *p = ctx->params;
  WISP_TRY(scalar_input(ctx, 0, WISP_DT_BOOL, "the condition"));
  const uint8_t *cond = ctx->in[0]->data;
  for (int b = 0; b < 2; b++)
    if (!cond || (b == 0) == (*cond != 0)) WISP_TRY(sub_run(ctx, &p->branch[b], 1));
  const subgraph *first = &p->branch[cond && !*cond ? 1 : 0];
  for (int k = 0; k < ctx->n_out; k++) {
    if (!cond && !same_type(sub_out(&p->branch[0], k), sub_out(&p->branch[1], k)))
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                          "output %d differs in type or shape between the branches, and the "
                          "condition is known only when running",
                          k);
    if (ctx->out[k]) wisp_op_same_as(ctx->out[k], sub_out(first, k));
  }
  return WISP_OK;
}

static wisp_status if_exec(wisp_op_ctx *ctx) {
  if_params *p = ctx->params;
  subgraph *s = &p->branch[*(const uint8_t *)ctx->in[0]->data ? 0 : 1];
  WISP_TRY(sub_run(ctx, s, 0));
  for (int k = 0; k < ctx->n_out; k++) {
    if (!ctx->out[k]) continue;
    if (!same_type(sub_out(s, k), ctx->out[k]))
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "output %d changed type or shape", k);
    memcpy(ctx->out[k]->data, sub_out(s, k)->data, wisp_tensor_bytes(ctx->out[k]));
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_If = {"", "If", sizeof(if_params), if_parse, if_infer, if_exec,
                                0,  0,    if_release};

/* ---- Loop -------------------------------------------------------------------------------- */

typedef struct {
  subgraph body;
  int n_carried, n_scan;
  int64_t trips; /* iterations the scan outputs were shaped for (-1 when there are none) */
} loop_params;

static wisp_status loop_parse(wisp_op_ctx *ctx) {
  loop_params *p = ctx->params;
  p->n_carried = ctx->n_in - ctx->node->n_captured - 2;
  p->n_scan = ctx->n_out - p->n_carried;
  if (p->n_carried < 0 || p->n_scan < 0)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "has %d inputs and %d outputs",
                        ctx->n_in - ctx->node->n_captured, ctx->n_out);
  for (int j = 0; j < p->n_carried; j++)
    if (!ctx->in[2 + j])
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "loop-carried input %d is missing", j);
  return sub_open(ctx, &p->body, "body", 2 + p->n_carried, 1 + ctx->n_out);
}

static void loop_release(wisp_op_ctx *ctx) { sub_close(&((loop_params *)ctx->params)->body); }

static void loop_feeds(loop_params *p, int64_t *iter, uint8_t *cond) {
  p->body.feeds[0] = (wisp_tensor){WISP_DT_INT64, {0, {0}}, iter};
  p->body.feeds[1] = (wisp_tensor){WISP_DT_BOOL, {0, {0}}, cond};
}

static wisp_status loop_infer(wisp_op_ctx *ctx) {
  loop_params *p = ctx->params;
  const wisp_tensor *M = ctx->in[0], *cond = ctx->n_in > 1 ? ctx->in[1] : NULL;
  if (M) WISP_TRY(scalar_input(ctx, 0, WISP_DT_INT64, "the trip count"));
  if (cond) WISP_TRY(scalar_input(ctx, 1, WISP_DT_BOOL, "the condition"));
  /* shapes for the first iteration, which the others must keep */
  int64_t iter = 0;
  uint8_t yes = 1;
  loop_feeds(p, &iter, &yes);
  for (int j = 0; j < p->n_carried; j++) p->body.feeds[2 + j] = *ctx->in[2 + j];
  WISP_TRY(sub_run(ctx, &p->body, 1));
  const wisp_tensor *cond_out = sub_out(&p->body, 0);
  if (cond_out->dtype != WISP_DT_BOOL || wisp_shape_numel(&cond_out->shape) != 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "the body's condition must be one bool");
  for (int j = 0; j < p->n_carried; j++) {
    if (!same_type(sub_out(&p->body, 1 + j), ctx->in[2 + j]))
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                          "loop-carried value %d changes type or shape across iterations", j);
    if (ctx->out[j]) wisp_op_same_as(ctx->out[j], ctx->in[2 + j]);
  }
  p->trips = -1;
  if (!p->n_scan) return WISP_OK;
  if (!M || !M->data)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "scan outputs need a trip count known when planning");
  p->trips = *(const int64_t *)M->data;
  if (p->trips < 0 || (cond && cond->data && !*(const uint8_t *)cond->data)) p->trips = 0;
  for (int k = 0; k < p->n_scan; k++) {
    const wisp_tensor *s = sub_out(&p->body, 1 + p->n_carried + k);
    wisp_tensor *o = ctx->out[p->n_carried + k];
    if (s->shape.ndim >= WISP_MAX_DIMS)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "scan output %d has rank over %d", k,
                          WISP_MAX_DIMS - 1);
    if (!o) continue;
    o->dtype = s->dtype;
    o->shape.ndim = s->shape.ndim + 1;
    o->shape.dims[0] = p->trips;
    memcpy(o->shape.dims + 1, s->shape.dims, (size_t)s->shape.ndim * sizeof(int64_t));
  }
  return WISP_OK;
}

/* More iterations than any inference loop needs: a trip count or condition that never ends
 * (a fuzzed model had 2^40, folded at plan time) gets an error instead of freezing the page. */
#define LOOP_MAX_TRIPS (1 << 20)

static wisp_status loop_exec(wisp_op_ctx *ctx) {
  loop_params *p = ctx->params;
  const wisp_tensor *M = ctx->in[0], *cond = ctx->n_in > 1 ? ctx->in[1] : NULL;
  int64_t trips = M ? *(const int64_t *)M->data : INT64_MAX, iter = 0;
  uint8_t go = cond ? *(const uint8_t *)cond->data != 0 : 1;
  for (int j = 0; j < p->n_carried; j++)
    if (ctx->out[j])
      memcpy(ctx->out[j]->data, ctx->in[2 + j]->data, wisp_tensor_bytes(ctx->out[j]));
  for (; iter < trips && go; iter++) {
    if (p->trips >= 0 && iter >= p->trips) break; /* reported below */
    if (iter == LOOP_MAX_TRIPS)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                          "the loop did not end after %d iterations, wisp's limit", LOOP_MAX_TRIPS);
    loop_feeds(p, &iter, &go);
    /* carried values go in from (and come back to) the outputs; unused ones from the input */
    for (int j = 0; j < p->n_carried; j++)
      p->body.feeds[2 + j] = ctx->out[j] ? *ctx->out[j] : *ctx->in[2 + j];
    WISP_TRY(sub_run(ctx, &p->body, 0));
    go = *(const uint8_t *)sub_out(&p->body, 0)->data != 0;
    for (int j = 0; j < p->n_carried; j++) {
      const wisp_tensor *v = sub_out(&p->body, 1 + j);
      if (!same_type(v, ctx->in[2 + j]))
        return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                            "loop-carried value %d changed type or shape at iteration %lld", j,
                            (long long)iter);
      if (ctx->out[j]) memmove(ctx->out[j]->data, v->data, wisp_tensor_bytes(v));
    }
    for (int k = 0; k < p->n_scan; k++) {
      const wisp_tensor *v = sub_out(&p->body, 1 + p->n_carried + k);
      wisp_tensor *o = ctx->out[p->n_carried + k];
      if (!o) continue;
      wisp_shape slice = drop_axis(&o->shape, 0);
      if (v->dtype != o->dtype || !wisp_shape_equal(&v->shape, &slice))
        return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                            "scan output %d changed type or shape at iteration %lld", k,
                            (long long)iter);
      size_t bytes = wisp_tensor_bytes(v);
      memcpy((char *)o->data + (size_t)iter * bytes, v->data, bytes);
    }
  }
  if (p->trips >= 0 && iter != p->trips)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                        "ran %lld of the %lld iterations its scan outputs were shaped for (an "
                        "early exit makes their shape depend on data)",
                        (long long)iter, (long long)p->trips);
  return WISP_OK;
}

const wisp_op_def wisp_op_Loop = {"",
                                  "Loop",
                                  sizeof(loop_params),
                                  loop_parse,
                                  loop_infer,
                                  loop_exec,
                                  0,
                                  1 /* M shapes the scan outputs */,
                                  loop_release};

/* ---- Scan ------------------------------------------------------------------------------- */

/* Opset 8's Scan has a batch axis 0 on every input and output, scans axis 1, and takes
 * sequence_lens first: it runs as opset 9's Scan once per batch row, over views of that row. */

#define SCAN_MAX 64 /* scan inputs and outputs per node */

typedef struct {
  subgraph body;
  int batched;              /* opset 8 */
  int first;                /* index of the first state variable among the inputs */
  int n_state, n_in, n_out; /* state variables, scan inputs, scan outputs */
  int in_axis[SCAN_MAX], in_rev[SCAN_MAX], out_axis[SCAN_MAX], out_rev[SCAN_MAX]; /* as given */
  /* set by infer */
  int64_t batch, len;                    /* batch rows (1 from opset 9), iterations */
  int in_at[SCAN_MAX], out_at[SCAN_MAX]; /* the axes within a row, made non-negative */
  uint64_t slice_at[SCAN_MAX];           /* byte offset of each input slice in scratch */
} scan_params;

static wisp_status scan_parse(wisp_op_ctx *ctx) {
  scan_params *p = ctx->params;
  p->batched = ctx->node->opset >= 0 && ctx->node->opset < 9;
  p->first = p->batched;
  int declared = ctx->n_in - ctx->node->n_captured;
  int64_t m = wisp_attr_int(ctx->node, "num_scan_inputs", -1);
  if (m < 1 || m > SCAN_MAX || m > declared - p->first)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "num_scan_inputs %lld is not valid",
                        (long long)m);
  p->n_in = (int)m;
  p->n_state = declared - p->first - p->n_in;
  p->n_out = ctx->n_out - p->n_state;
  if (p->n_out < 0 || p->n_out > SCAN_MAX)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "has %d outputs for %d state variables",
                        ctx->n_out, p->n_state);
  for (int i = p->first; i < declared; i++)
    if (!ctx->in[i]) return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "input %d is missing", i);
  const char *names[4] = {"scan_input_axes", "scan_input_directions", "scan_output_axes",
                          "scan_output_directions"};
  if (p->batched) names[0] = names[2] = names[3] = "", names[1] = "directions";
  int *dst[4] = {p->in_axis, p->in_rev, p->out_axis, p->out_rev};
  for (int a = 0; a < 4; a++) {
    int n = 0, want = a < 2 ? p->n_in : p->n_out;
    const int64_t *v = wisp_attr_ints(ctx->node, names[a], &n);
    if (v && n != want)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%s has %d values, expects %d", names[a], n,
                          want);
    for (int i = 0; v && i < n; i++) {
      if (v[i] < -WISP_MAX_DIMS || v[i] > WISP_MAX_DIMS || ((a & 1) && v[i] != 0 && v[i] != 1))
        return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%s[%d] = %lld is not valid", names[a], i,
                            (long long)v[i]);
      dst[a][i] = (int)v[i];
    }
  }
  return sub_open(ctx, &p->body, "body", p->n_state + p->n_in, ctx->n_out);
}

static void scan_release(wisp_op_ctx *ctx) { sub_close(&((scan_params *)ctx->params)->body); }

/* Row b of t: t itself from opset 9, its slice b along the batch axis for opset 8. */
static wisp_tensor scan_row(const scan_params *p, const wisp_tensor *t, int64_t b) {
  if (!p->batched) return *t;
  wisp_tensor r = {t->dtype, drop_axis(&t->shape, 0), NULL};
  if (t->data) r.data = (char *)t->data + (size_t)b * wisp_tensor_bytes(&r);
  return r;
}

static wisp_status scan_infer(wisp_op_ctx *ctx) {
  scan_params *p = ctx->params;
  wisp_tensor *feeds = p->body.feeds;
  uint64_t scratch = 0; /* 64 bits: slices of up to SCAN_MAX inputs (tensor.h) */
  p->len = -1;
  p->batch = 1;
  for (int i = 0; i < p->n_state + p->n_in; i++) {
    const wisp_tensor *x = ctx->in[p->first + i];
    if (p->batched &&
        (x->shape.ndim < (i < p->n_state ? 1 : 2) || (i && x->shape.dims[0] != p->batch)))
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "inputs need the same batch axis");
    if (p->batched) p->batch = x->shape.dims[0];
  }
  if (p->batched && ctx->in[0]) {
    const wisp_tensor *lens = ctx->in[0];
    if (lens->dtype != WISP_DT_INT32 || lens->shape.ndim != 1 || lens->shape.dims[0] != p->batch)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "sequence_lens must be int32 (batch)");
  }
  for (int j = 0; j < p->n_state; j++) feeds[j] = scan_row(p, ctx->in[p->first + j], 0);
  for (int i = 0; i < p->n_in; i++) {
    wisp_tensor x = scan_row(p, ctx->in[p->first + p->n_state + i], 0);
    int axis;
    WISP_TRY(wisp_op_axis(ctx, p->batched ? 0 : p->in_axis[i], x.shape.ndim, &axis));
    p->in_at[i] = axis;
    if (p->len >= 0 && x.shape.dims[axis] != p->len)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "scan inputs differ in length");
    p->len = x.shape.dims[axis];
    wisp_tensor *f = &feeds[p->n_state + i];
    *f = (wisp_tensor){x.dtype, drop_axis(&x.shape, axis), NULL};
    p->slice_at[i] = scratch;
    /* at least 64 bytes each, so the scratch pointer is real even for empty slices */
    scratch += (wisp_shape_bytes(&f->shape, wisp_dtype_size(f->dtype)) / 64 + 1) * 64;
  }
  WISP_TRY(sub_run(ctx, &p->body, 1));
  for (int j = 0; j < p->n_state; j++) {
    if (!same_type(sub_out(&p->body, j), &feeds[j]))
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                          "state variable %d changes type or shape across iterations", j);
    if (ctx->out[j]) wisp_op_same_as(ctx->out[j], ctx->in[p->first + j]);
  }
  for (int k = 0; k < p->n_out; k++) {
    const wisp_tensor *s = sub_out(&p->body, p->n_state + k);
    wisp_tensor *o = ctx->out[p->n_state + k];
    int axis;
    if (s->shape.ndim + 1 + p->batched > WISP_MAX_DIMS)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "scan output %d has rank over %d", k,
                          WISP_MAX_DIMS - 1 - p->batched);
    WISP_TRY(wisp_op_axis(ctx, p->batched ? 0 : p->out_axis[k], s->shape.ndim + 1, &axis));
    p->out_at[k] = axis;
    if (!o) continue;
    o->dtype = s->dtype;
    o->shape.ndim = s->shape.ndim + 1 + p->batched;
    if (p->batched) o->shape.dims[0] = p->batch;
    for (int d = 0, e = 0; d < s->shape.ndim + 1; d++)
      o->shape.dims[p->batched + d] = d == axis ? p->len : s->shape.dims[e++];
  }
  ctx->scratch_bytes = scratch;
  return WISP_OK;
}

static wisp_status scan_exec(wisp_op_ctx *ctx) {
  scan_params *p = ctx->params;
  wisp_tensor *feeds = p->body.feeds;
  const int32_t *lens = p->batched && ctx->in[0] ? ctx->in[0]->data : NULL;
  for (int j = 0; j < p->n_state; j++)
    if (ctx->out[j])
      memcpy(ctx->out[j]->data, ctx->in[p->first + j]->data, wisp_tensor_bytes(ctx->out[j]));
  for (int k = 0; lens && k < p->n_out; k++) /* past a row's length */
    if (ctx->out[p->n_state + k])
      memset(ctx->out[p->n_state + k]->data, 0, wisp_tensor_bytes(ctx->out[p->n_state + k]));
  for (int64_t b = 0; b < p->batch; b++) {
    int64_t len = lens ? lens[b] : p->len;
    if (len < 0 || len > p->len)
      return WISP_OP_FAIL(ctx, WISP_ERR_RUNTIME, "sequence_lens[%lld] = %lld is outside [0, %lld]",
                          (long long)b, (long long)len, (long long)p->len);
    for (int64_t t = 0; t < len; t++) {
      for (int j = 0; j < p->n_state; j++)
        feeds[j] = scan_row(p, ctx->out[j] ? ctx->out[j] : ctx->in[p->first + j], b);
      for (int i = 0; i < p->n_in; i++) {
        wisp_tensor x = scan_row(p, ctx->in[p->first + p->n_state + i], b);
        wisp_tensor *f = &feeds[p->n_state + i];
        f->data = (char *)ctx->scratch + (size_t)p->slice_at[i];
        slice_copy(&x.shape, p->in_at[i], p->in_rev[i] ? len - 1 - t : t, wisp_dtype_size(x.dtype),
                   x.data, f->data, 1);
      }
      WISP_TRY(sub_run(ctx, &p->body, 0));
      for (int j = 0; j < p->n_state; j++) {
        const wisp_tensor *v = sub_out(&p->body, j);
        if (!same_type(v, &feeds[j]))
          return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                              "state variable %d changed type or shape at iteration %lld", j,
                              (long long)t);
        if (ctx->out[j]) memmove(scan_row(p, ctx->out[j], b).data, v->data, wisp_tensor_bytes(v));
      }
      for (int k = 0; k < p->n_out; k++) {
        const wisp_tensor *v = sub_out(&p->body, p->n_state + k);
        if (!ctx->out[p->n_state + k]) continue;
        wisp_tensor o = scan_row(p, ctx->out[p->n_state + k], b);
        wisp_shape slice = drop_axis(&o.shape, p->out_at[k]);
        if (v->dtype != o.dtype || !wisp_shape_equal(&v->shape, &slice))
          return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED,
                              "scan output %d changed type or shape at iteration %lld", k,
                              (long long)t);
        slice_copy(&o.shape, p->out_at[k], p->out_rev[k] ? len - 1 - t : t,
                   wisp_dtype_size(o.dtype), o.data, v->data, 0);
      }
    }
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_Scan = {
    "", "Scan", sizeof(scan_params), scan_parse, scan_infer, scan_exec, 0, 0, scan_release};
