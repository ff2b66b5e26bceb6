/* fuse.c — graph rewrites made once at load, before planning. Each rewrite only fires when the
 * values it removes feed nothing outside the pattern and are not graph outputs.
 *
 *  - BatchNorm folding: Conv(W, B constant) → BatchNormalization(constant parameters) becomes
 *    one Conv with scaled weights and shifted bias (new constants);
 *  - activation folding: Conv / Gemm / MatMul → Relu | Clip(constant bounds) becomes one node
 *    that clamps in its GEMM epilogue (MobileNet's ReLU6, ResNet's ReLU);
 *  - LayerNorm: ReduceMean → Sub → Pow 2 → ReduceMean → Add ε → Sqrt → Div → Mul γ → Add β
 *    (what exporters emit before opset 17) becomes one LayerNormalization;
 *  - GELU: Div √2 → Erf → Add 1 → Mul x → Mul 0.5 (either Mul order) becomes one Gelu;
 *  - bias: MatMul(x, W constant 2-D) → Add(b constant (N)) becomes a MatMul with b packed into
 *    W's panels (matmul.c's third input); → com.microsoft BiasGelu(b) (onnxruntime's saved form)
 *    becomes the same MatMul and a Gelu;
 *  - scale: MatMul → Div by a constant scalar (attention's √d) becomes a MatMul that scales its
 *    packed B (node->scale): one pass over K·N instead of one over M·N;
 *  - q8 MatMul: DynamicQuantizeLinear(x) → MatMulInteger(x_q, W constant, x_zp, W_zp) → Cast float
 *    → Mul(·, Mul(x_scale, W_scale constant)) (→ Add b constant) — Hugging Face q8 exports —
 *    becomes com.microsoft DynamicQuantizeMatMul(x, W, W_scale, W_zp, b) (quant_matmul.c); the
 *    DynamicQuantizeLinear goes once every MatMulInteger it fed is fused (Q, K, V share one);
 *    so does onnxruntime's saved form of that chain, DynamicQuantizeLinear → com.microsoft
 *    MatMulIntegerToFloat. */
#include "fuse.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"

typedef struct {
  wisp_graph *g;
  int *producer;     /* node index per value, -1 for none */
  int *uses;         /* consumers per value (graph outputs count as one) */
  int *first_use;    /* CSR: consumers of value v are use_node[first_use[v] .. first_use[v+1]) */
  int *use_node;
  uint8_t *dead;
} fuser;

static int is_op(const wisp_node *n, const char *op_type) {
  return !*n->domain && !strcmp(n->op_type, op_type);
}

/* The node that makes v, when it is op_type. */
static wisp_node *made_by(const fuser *f, int v, const char *op_type) {
  if (v < 0 || f->producer[v] < 0 || f->dead[f->producer[v]]) return NULL;
  wisp_node *n = &f->g->nodes[f->producer[v]];
  return is_op(n, op_type) ? n : NULL;
}

/* The one node that reads v (and nothing else does), when it is op_type. */
static wisp_node *only_use(const fuser *f, int v, const char *op_type) {
  if (v < 0 || f->uses[v] != 1 || f->first_use[v + 1] - f->first_use[v] != 1) return NULL;
  int i = f->use_node[f->first_use[v]];
  return !f->dead[i] && is_op(&f->g->nodes[i], op_type) ? &f->g->nodes[i] : NULL;
}

/* A value known at load, into *t: an initializer, a Constant node's value, or either behind
 * Identity nodes (exporters alias equal initializers that way). 0 if not. */
static int constant_value(const fuser *f, int v, wisp_tensor *t) {
  for (const wisp_node *id; v >= 0 && (id = made_by(f, v, "Identity")) && id->n_in == 1;) v = id->in[0];
  if (v < 0) return 0;
  const wisp_value *val = &f->g->values[v];
  const wisp_node *c = made_by(f, v, "Constant");
  const wisp_attr *a = c ? wisp_node_attr(c, "value") : NULL;
  if (val->init_data) *t = (wisp_tensor){val->dtype, val->shape, val->init_data};
  else if (a && a->t) *t = *a->t;
  else return 0;
  return 1;
}

static int constant_scalar(const fuser *f, int v, float *out) {
  wisp_tensor t;
  if (!constant_value(f, v, &t) || t.dtype != WISP_DT_FLOAT || wisp_shape_numel(&t.shape) != 1)
    return 0;
  *out = *(const float *)t.data;
  return 1;
}

/* For a binary node reading v: its other input (or -2 when v is not an input). */
static int other_input(const wisp_node *n, int v) {
  return n->n_in != 2 ? -2 : n->in[0] == v ? n->in[1] : n->in[1] == v ? n->in[0] : -2;
}

static int node_index(const fuser *f, const wisp_node *n) { return (int)(n - f->g->nodes); }

static void kill(fuser *f, const wisp_node *n) { f->dead[node_index(f, n)] = 1; }

/* ---- Relu / Clip into the producing Conv, Gemm or MatMul ------------------------------------ */

static int activation_bounds(const fuser *f, const wisp_node *n, float *lo, float *hi) {
  if (is_op(n, "Relu")) {
    *lo = 0.0f, *hi = INFINITY;
    return 1;
  }
  if (n->opset < 11) { /* bounds as attributes */
    *lo = wisp_attr_float(n, "min", -FLT_MAX), *hi = wisp_attr_float(n, "max", FLT_MAX);
    return 1;
  }
  float bound[2] = {-INFINITY, INFINITY};
  for (int k = 1; k <= 2 && k < n->n_in; k++)
    if (n->in[k] >= 0 && !constant_scalar(f, n->in[k], &bound[k - 1])) return 0;
  *lo = bound[0], *hi = bound[1];
  return 1;
}

static void fold_activation(fuser *f, wisp_node *act) {
  if (!(is_op(act, "Relu") || is_op(act, "Clip")) || act->n_in < 1) return;
  int v = act->in[0];
  wisp_node *prod = made_by(f, v, "Conv");
  if (!prod) prod = made_by(f, v, "Gemm");
  if (!prod) prod = made_by(f, v, "MatMul");
  float lo, hi;
  if (!prod || f->uses[v] != 1 || isfinite(prod->act_min) || isfinite(prod->act_max) ||
      !activation_bounds(f, act, &lo, &hi))
    return;
  prod->act_min = lo, prod->act_max = hi;
  prod->out[0] = act->out[0]; /* the producer now writes the activation's output */
  f->producer[act->out[0]] = node_index(f, prod);
  kill(f, act);
}

/* ---- the decomposed LayerNorm ------------------------------------------------------------ */

/* ReduceMean over the last axis only, keeping dims (as exporters write it before opset 18). */
static int mean_of_last_axis(const wisp_node *n) {
  int count;
  const int64_t *axes = wisp_attr_ints(n, "axes", &count);
  return n->n_in == 1 && count == 1 && axes[0] == -1 && wisp_attr_int(n, "keepdims", 1) == 1;
}

/* Rewrites `node` in place as op_type(in...) -> out with the given attributes. */
static wisp_status become(fuser *f, wisp_node *node, const char *op_type, const int *in, int n_in,
                          int out, const wisp_attr *attrs, int n_attr) {
  wisp_pool *pool = &f->g->pool;
  int *ins = wisp_pool_alloc(pool, (size_t)n_in * sizeof(int));
  wisp_attr *copy = wisp_pool_alloc(pool, (size_t)n_attr * sizeof(wisp_attr));
  WISP_CHECK(ins && copy, WISP_ERR_NO_MEMORY, "out of memory");
  memcpy(ins, in, (size_t)n_in * sizeof(int));
  if (n_attr) memcpy(copy, attrs, (size_t)n_attr * sizeof(wisp_attr));
  node->op_type = op_type;
  node->op = wisp_op_find("", op_type);
  node->opset = 20; /* the op's semantics as of today */
  node->in = ins, node->n_in = n_in;
  node->out[0] = out, node->n_out = 1;
  node->attrs = copy, node->n_attr = n_attr;
  f->producer[out] = node_index(f, node);
  return WISP_OK;
}

static wisp_status fuse_layer_norm(fuser *f, wisp_node *mean) {
  if (!is_op(mean, "ReduceMean") || !mean_of_last_axis(mean)) return WISP_OK;
  int x = mean->in[0], m = mean->out[0];
  wisp_node *sub = only_use(f, m, "Sub");
  if (!sub || sub->in[0] != x || sub->in[1] != m) return WISP_OK;
  int d = sub->out[0];
  /* d feeds exactly a Pow and a Div */
  if (f->uses[d] != 2 || f->first_use[d + 1] - f->first_use[d] != 2) return WISP_OK;
  wisp_node *pw = NULL, *div = NULL;
  for (int u = f->first_use[d]; u < f->first_use[d + 1]; u++) {
    wisp_node *n = &f->g->nodes[f->use_node[u]];
    if (is_op(n, "Pow") && n->in[0] == d) pw = n;
    if (is_op(n, "Div") && n->in[0] == d) div = n;
  }
  float two, eps;
  if (!pw || !div || !constant_scalar(f, pw->in[1], &two) || two != 2.0f) return WISP_OK;
  wisp_node *var = only_use(f, pw->out[0], "ReduceMean");
  if (!var || !mean_of_last_axis(var)) return WISP_OK;
  wisp_node *add_eps = only_use(f, var->out[0], "Add");
  if (!add_eps || !constant_scalar(f, other_input(add_eps, var->out[0]), &eps)) return WISP_OK;
  wisp_node *sq = only_use(f, add_eps->out[0], "Sqrt");
  if (!sq || only_use(f, sq->out[0], "Div") != div || div->in[1] != sq->out[0]) return WISP_OK;
  wisp_node *scale = only_use(f, div->out[0], "Mul");
  if (!scale) return WISP_OK;
  wisp_node *shift = only_use(f, scale->out[0], "Add");
  int gamma = other_input(scale, div->out[0]);
  int beta = shift ? other_input(shift, scale->out[0]) : -2;
  if (gamma < 0 || beta < 0) return WISP_OK;
  const wisp_node *removed[] = {sub, pw, var, add_eps, sq, div, scale, shift};
  for (size_t i = 0; i < sizeof removed / sizeof *removed; i++) kill(f, removed[i]);
  int in[3] = {x, gamma, beta};
  const wisp_attr attrs[2] = {{.name = "axis", .type = WISP_ATTR_INT, .i = -1},
                              {.name = "epsilon", .type = WISP_ATTR_FLOAT, .f = eps}};
  return become(f, mean, "LayerNormalization", in, 3, shift->out[0], attrs, 2);
}

/* ---- GELU (erf form) ---------------------------------------------------------------------- */

static wisp_status fuse_gelu(fuser *f, wisp_node *div) {
  float k, one, half;
  if (!is_op(div, "Div") || div->n_in != 2 || !constant_scalar(f, div->in[1], &k) ||
      fabsf(k - 1.41421356f) > 1e-4f)
    return WISP_OK;
  int x = div->in[0];
  wisp_node *erf = only_use(f, div->out[0], "Erf");
  wisp_node *add = erf ? only_use(f, erf->out[0], "Add") : NULL;
  if (!add || !constant_scalar(f, other_input(add, erf->out[0]), &one) || one != 1.0f) return WISP_OK;
  /* x · (1 + erf) · 0.5, multiplied in either order */
  wisp_node *mul1 = only_use(f, add->out[0], "Mul"), *mul2, *last;
  if (!mul1) return WISP_OK;
  int other = other_input(mul1, add->out[0]);
  if (other == x) { /* (x · (1 + erf)) · 0.5 */
    last = only_use(f, mul1->out[0], "Mul");
    if (!last || !constant_scalar(f, other_input(last, mul1->out[0]), &half) || half != 0.5f)
      return WISP_OK;
    mul2 = NULL;
  } else { /* (x · 0.5) · (1 + erf) */
    mul2 = made_by(f, other, "Mul");
    if (!mul2 || f->uses[other] != 1 || other_input(mul2, x) < 0 ||
        !constant_scalar(f, other_input(mul2, x), &half) || half != 0.5f)
      return WISP_OK;
    last = mul1;
  }
  int out = last->out[0];
  kill(f, erf), kill(f, add), kill(f, mul1);
  if (mul2) kill(f, mul2);
  if (last != mul1) kill(f, last);
  return become(f, div, "Gelu", &x, 1, out, NULL, 0); /* approximate = none */
}

/* ---- MatMul + bias ------------------------------------------------------------------------ */

static wisp_status fuse_bias(fuser *f, wisp_node *mm) {
  if (!is_op(mm, "MatMul") || mm->n_in != 2 || mm->in[1] < 0) return WISP_OK;
  wisp_tensor w, bias;
  if (!constant_value(f, mm->in[1], &w) || w.dtype != WISP_DT_FLOAT || w.shape.ndim != 2)
    return WISP_OK;
  wisp_node *add = only_use(f, mm->out[0], "Add");
  int b = add ? other_input(add, mm->out[0]) : -1;
  if (b < 0 || !constant_value(f, b, &bias) || bias.dtype != WISP_DT_FLOAT ||
      bias.shape.ndim != 1 || bias.shape.dims[0] != w.shape.dims[1])
    return WISP_OK;
  int in[3] = {mm->in[0], mm->in[1], b};
  kill(f, add);
  return become(f, mm, "MatMul", in, 3, add->out[0], NULL, 0);
}

/* onnxruntime's saved form of MatMul → Add b → GELU is MatMul → com.microsoft BiasGelu(b): the
 * same MatMul with b packed in, then a plain Gelu. */
static wisp_status fuse_bias_gelu(fuser *f, wisp_node *mm) {
  if (!is_op(mm, "MatMul") || mm->n_in != 2 || mm->in[1] < 0 || f->uses[mm->out[0]] != 1 ||
      f->first_use[mm->out[0] + 1] - f->first_use[mm->out[0]] != 1)
    return WISP_OK;
  wisp_node *bg = &f->g->nodes[f->use_node[f->first_use[mm->out[0]]]];
  wisp_tensor w, bias;
  if (f->dead[node_index(f, bg)] || strcmp(bg->domain, "com.microsoft") ||
      strcmp(bg->op_type, "BiasGelu") || bg->n_in != 2 || bg->in[0] != mm->out[0] ||
      !constant_value(f, mm->in[1], &w) || w.dtype != WISP_DT_FLOAT || w.shape.ndim != 2 ||
      !constant_value(f, bg->in[1], &bias) || bias.dtype != WISP_DT_FLOAT ||
      bias.shape.ndim != 1 || bias.shape.dims[0] != w.shape.dims[1])
    return WISP_OK;
  int in[3] = {mm->in[0], mm->in[1], bg->in[1]};
  WISP_TRY(become(f, mm, "MatMul", in, 3, mm->out[0], NULL, 0));
  WISP_TRY(become(f, bg, "Gelu", &mm->out[0], 1, bg->out[0], NULL, 0));
  bg->domain = "";
  return WISP_OK;
}

/* ---- MatMul · constant ---------------------------------------------------------------------- */

static void fuse_matmul_scale(fuser *f, wisp_node *mm) {
  if (!is_op(mm, "MatMul") || mm->scale != 1.0f) return;
  wisp_node *div = only_use(f, mm->out[0], "Div");
  float k;
  if (!div || div->n_in != 2 || div->in[0] != mm->out[0] || !constant_scalar(f, div->in[1], &k) ||
      k == 0.0f || !isfinite(1.0f / k))
    return;
  mm->scale = 1.0f / k;
  mm->out[0] = div->out[0]; /* the MatMul now writes the Div's output */
  f->producer[div->out[0]] = node_index(f, mm);
  kill(f, div);
}

/* ---- q8 MatMul chain ----------------------------------------------------------------------- */

static wisp_status fuse_dynamic_quant_matmul(fuser *f, wisp_node *mmi) {
  if (!is_op(mmi, "MatMulInteger") || mmi->n_in < 3 || mmi->in[2] < 0) return WISP_OK;
  wisp_node *dql = made_by(f, mmi->in[0], "DynamicQuantizeLinear");
  wisp_tensor w, t;
  if (!dql || dql->n_out != 3 || dql->out[0] != mmi->in[0] || dql->out[2] != mmi->in[2] ||
      !constant_value(f, mmi->in[1], &w) || w.shape.ndim != 2 ||
      (w.dtype != WISP_DT_INT8 && w.dtype != WISP_DT_UINT8))
    return WISP_OK;
  int wzp = mmi->n_in > 3 ? mmi->in[3] : -1;
  if (wzp >= 0 && !constant_value(f, wzp, &t)) return WISP_OK;
  wisp_node *cast = only_use(f, mmi->out[0], "Cast");
  if (!cast || wisp_attr_int(cast, "to", 0) != WISP_DT_FLOAT) return WISP_OK;
  wisp_node *mul = only_use(f, cast->out[0], "Mul");
  int sv = mul ? other_input(mul, cast->out[0]) : -2;
  wisp_node *smul = made_by(f, sv, "Mul");
  int ws = smul ? other_input(smul, dql->out[1]) : -2;
  if (!smul || f->uses[sv] != 1 || ws < 0 || !constant_value(f, ws, &t) || t.dtype != WISP_DT_FLOAT)
    return WISP_OK;
  wisp_node *add = only_use(f, mul->out[0], "Add");
  int b = add ? other_input(add, mul->out[0]) : -2;
  if (b >= 0 && (!constant_value(f, b, &t) || t.dtype != WISP_DT_FLOAT || t.shape.ndim != 1 ||
                 t.shape.dims[0] != w.shape.dims[1]))
    b = -2;
  int in[5] = {dql->in[0], mmi->in[1], ws, wzp, b >= 0 ? b : -1};
  int n_in = b >= 0 ? 5 : wzp >= 0 ? 4 : 3;
  f->uses[dql->out[0]]--, f->uses[dql->out[1]]--, f->uses[dql->out[2]]--;
  kill(f, cast), kill(f, mul), kill(f, smul);
  if (b >= 0) kill(f, add);
  if (!f->uses[dql->out[0]] && !f->uses[dql->out[1]] && !f->uses[dql->out[2]]) kill(f, dql);
  WISP_TRY(become(f, mmi, "DynamicQuantizeMatMul", in, n_in, (b >= 0 ? add : mul)->out[0], NULL, 0));
  mmi->domain = "com.microsoft";
  mmi->op = wisp_op_find("com.microsoft", "DynamicQuantizeMatMul");
  return WISP_OK;
}

/* onnxruntime's saved q8 form: DynamicQuantizeLinear(x) → com.microsoft MatMulIntegerToFloat(x_q,
 * W, x_scale, W_scale, x_zp, W_zp?, b?) is DynamicQuantizeMatMul(x, W, W_scale, W_zp, b). */
static wisp_status fuse_matmul_integer_to_float(fuser *f, wisp_node *n) {
  if (strcmp(n->domain, "com.microsoft") || strcmp(n->op_type, "MatMulIntegerToFloat") ||
      n->n_in < 5)
    return WISP_OK;
  wisp_node *dql = made_by(f, n->in[0], "DynamicQuantizeLinear");
  if (!dql || dql->n_out != 3 || dql->out[0] != n->in[0] || dql->out[1] != n->in[2] ||
      dql->out[2] != n->in[4])
    return WISP_OK;
  int in[5] = {dql->in[0], n->in[1], n->in[3], n->n_in > 5 ? n->in[5] : -1,
               n->n_in > 6 ? n->in[6] : -1};
  int n_in = in[4] >= 0 ? 5 : in[3] >= 0 ? 4 : 3;
  f->uses[dql->out[0]]--, f->uses[dql->out[1]]--, f->uses[dql->out[2]]--;
  if (!f->uses[dql->out[0]] && !f->uses[dql->out[1]] && !f->uses[dql->out[2]]) kill(f, dql);
  WISP_TRY(become(f, n, "DynamicQuantizeMatMul", in, n_in, n->out[0], NULL, 0));
  n->domain = "com.microsoft";
  n->op = wisp_op_find("com.microsoft", "DynamicQuantizeMatMul");
  return WISP_OK;
}

/* ---- BatchNormalization into the Conv before it --------------------------------------------- */

/* Appends a float constant; its id, or -1 when out of memory. Room for it was made by the
 * driver (g->values has capacity for two new values per node). */
static int new_constant(fuser *f, const char *name, const wisp_shape *shape, float **data) {
  wisp_graph *g = f->g;
  size_t bytes = (size_t)wisp_shape_numel(shape) * sizeof(float);
  *data = wisp_pool_alloc_uninit(&g->pool, bytes);
  char *copy = wisp_pool_strndup(&g->pool, name, strlen(name));
  if (!*data || !copy) return -1;
  wisp_value *v = &g->values[g->n_values];
  memset(v, 0, sizeof *v);
  *v = (wisp_value){.name = copy, .dtype = WISP_DT_FLOAT, .shape = *shape, .has_shape = 1,
                    .init_data = *data};
  f->producer[g->n_values] = -1;
  return g->n_values++;
}

static wisp_status fold_batch_norm(fuser *f, wisp_node *bn) {
  wisp_tensor w, b = {0}, scale, shift, mean, var;
  if (!is_op(bn, "BatchNormalization") || bn->n_in != 5 || bn->n_out != 1 ||
      wisp_attr_int(bn, "training_mode", 0))
    return WISP_OK;
  wisp_node *conv = made_by(f, bn->in[0], "Conv");
  if (!conv || only_use(f, bn->in[0], "BatchNormalization") != bn || conv->n_in < 2 ||
      !constant_value(f, conv->in[1], &w) || w.dtype != WISP_DT_FLOAT || w.shape.ndim < 3)
    return WISP_OK;
  int64_t M = w.shape.dims[0], per = M ? wisp_shape_numel(&w.shape) / M : 0;
  int has_b = conv->n_in > 2 && conv->in[2] >= 0;
  if (has_b && !constant_value(f, conv->in[2], &b)) return WISP_OK;
  wisp_tensor *params[] = {&scale, &shift, &mean, &var};
  for (int k = 0; k < 4; k++)
    if (!constant_value(f, bn->in[k + 1], params[k]) || params[k]->dtype != WISP_DT_FLOAT ||
        wisp_shape_numel(&params[k]->shape) != M)
      return WISP_OK;
  if (has_b && (b.dtype != WISP_DT_FLOAT || wisp_shape_numel(&b.shape) != M)) return WISP_OK;
  float eps = wisp_attr_float(bn, "epsilon", 1e-5f), *w2, *b2;
  wisp_shape bshape = {1, {M}};
  int wv = new_constant(f, "wisp.bn_folded_weights", &w.shape, &w2);
  int bv = wv < 0 ? -1 : new_constant(f, "wisp.bn_folded_bias", &bshape, &b2);
  WISP_CHECK(bv >= 0, WISP_ERR_NO_MEMORY, "out of memory folding BatchNormalization");
  const float *wd = w.data, *bd = b.data, *gamma = scale.data, *beta = shift.data, *mu = mean.data,
              *v = var.data;
  for (int64_t m = 0; m < M; m++) { /* y = a·(conv + b - mean) + β, a = γ / √(var + ε) */
    float a = gamma[m] / sqrtf(v[m] + eps);
    for (int64_t i = 0; i < per; i++) w2[m * per + i] = wd[m * per + i] * a;
    b2[m] = ((has_b ? bd[m] : 0.0f) - mu[m]) * a + beta[m];
  }
  int in[3] = {conv->in[0], wv, bv};
  const wisp_attr *attrs = conv->attrs;
  int n_attr = conv->n_attr, out = bn->out[0];
  kill(f, bn);
  return become(f, conv, "Conv", in, 3, out, attrs, n_attr);
}

/* ---- driver -------------------------------------------------------------------------------- */

wisp_status wisp_graph_fuse(wisp_graph *g) {
  fuser f = {g};
  /* room for the constants fold_batch_norm adds: two per node at most */
  size_t nv = (size_t)g->n_values + 2 * (size_t)g->n_nodes + 2, nn = (size_t)g->n_nodes + 1, n_uses = 0;
  wisp_value *grown = realloc(g->values, nv * sizeof *grown);
  if (!grown) return wisp_fail(WISP_ERR_NO_MEMORY, "out of memory");
  g->values = grown;
  for (int i = 0; i < g->n_nodes; i++) n_uses += (size_t)g->nodes[i].n_in;
  f.producer = malloc(nv * sizeof(int));
  f.uses = calloc(nv, sizeof(int));
  f.first_use = calloc(nv, sizeof(int));
  f.use_node = malloc((n_uses + 1) * sizeof(int));
  f.dead = calloc(nn, 1);
  wisp_status s = WISP_OK;
  if (!f.producer || !f.uses || !f.first_use || !f.use_node || !f.dead) {
    s = wisp_fail(WISP_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (size_t v = 0; v < nv; v++) f.producer[v] = -1;
  for (int i = 0; i < g->n_nodes; i++) { /* producers, use counts, and the consumer lists */
    const wisp_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_in; k++)
      if (n->in[k] >= 0) f.uses[n->in[k]]++, f.first_use[n->in[k] + 1]++;
    for (int k = 0; k < n->n_out; k++)
      if (n->out[k] >= 0) f.producer[n->out[k]] = i;
  }
  for (int v = 0; v < g->n_values; v++) f.first_use[v + 1] += f.first_use[v];
  int *fill = calloc(nv, sizeof(int));
  if (!fill) {
    s = wisp_fail(WISP_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_in; k++) {
      int v = g->nodes[i].in[k];
      if (v >= 0) f.use_node[f.first_use[v] + fill[v]++] = i;
    }
  free(fill);
  for (int k = 0; k < g->n_outputs; k++) f.uses[g->outputs[k]]++;

  for (int i = 0; i < g->n_nodes && s == WISP_OK; i++) {
    wisp_node *n = &g->nodes[i];
    if (f.dead[i] || n->n_out != 1 || n->out[0] < 0) continue;
    if (wisp_op_find("", "LayerNormalization")) s = fuse_layer_norm(&f, n);
    if (!f.dead[i] && s == WISP_OK && wisp_op_find("", "Gelu")) s = fuse_gelu(&f, n);
    if (!f.dead[i] && s == WISP_OK) s = fuse_bias(&f, n);
    if (!f.dead[i] && s == WISP_OK && wisp_op_find("", "Gelu")) s = fuse_bias_gelu(&f, n);
    if (!f.dead[i] && s == WISP_OK) fuse_matmul_scale(&f, n);
    if (!f.dead[i] && s == WISP_OK) s = fuse_dynamic_quant_matmul(&f, n);
    if (!f.dead[i] && s == WISP_OK) s = fuse_matmul_integer_to_float(&f, n);
    if (!f.dead[i] && s == WISP_OK) s = fold_batch_norm(&f, n);
  }
  for (int i = 0; i < g->n_nodes; i++)
    if (!f.dead[i] && g->nodes[i].n_out == 1 && g->nodes[i].out[0] >= 0) fold_activation(&f, &g->nodes[i]);

  int j = 0; /* drop the fused-away nodes, then re-sort */
  for (int i = 0; i < g->n_nodes; i++)
    if (!f.dead[i]) g->nodes[j++] = g->nodes[i];
  g->n_nodes = j;
  g->n_order = 0;
  free(g->order);
  g->order = NULL;
  if (s == WISP_OK) s = wisp_graph_sort(g);
done:
  free(f.producer);
  free(f.uses);
  free(f.first_use);
  free(f.use_node);
  free(f.dead);
  return s;
}
