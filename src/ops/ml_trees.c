/* ml_trees.c — TreeEnsembleClassifier and TreeEnsembleRegressor (ai.onnx.ml 1 and 3).
 *
 * The model arrives as parallel attribute arrays: one entry per node (nodes_treeids,
 * nodes_nodeids, nodes_featureids, nodes_modes, nodes_values, nodes_truenodeids,
 * nodes_falsenodeids, nodes_missing_value_tracks_true) and one per leaf weight
 * (class_* / target_*: treeids, nodeids, ids, weights). Children are named by (tree id, node id).
 *
 * parse() checks all of it (every list the same length, every child and weight naming an
 * existing node of the same tree, class/target ids in range, no node its own child, no cycles)
 * and flattens it once into ctx->state:
 *
 *   nodes[i] = {threshold, feature, true child, false child}   16 bytes, children as indices;
 *              the feature word has bit 30 set when missing values go to the true child, and is
 *              TE_LEAF (sign bit only) for a leaf, whose first weight sits in the threshold
 *              (the single-output value) and (first weight, weight count) in the children
 *   weights  = (class or target id, value), grouped by leaf
 *   roots    = the first node listed for each tree, trees in order of first appearance
 *
 * exec() walks rows in blocks of 128: for each tree, every row of the block descends to its leaf
 * (the tree stays in cache), and scores are summed per row in tree order. When every branch uses
 * the same comparison (<= or <, the exporters' choices) four rows descend in lockstep with
 * branch-free steps, so four chains of dependent loads overlap; other trees walk row by row
 * with a switch on the mode.
 *
 * Semantics follow onnxruntime (tree_ensemble_aggregator.h), which is what exporters test
 * against: scores accumulate in float for float / int inputs and in double for double inputs;
 * the root of a tree is its first listed node; base_values and the binary cases (a single class
 * column, "weights all positive" → [1-p, p], mixed weights with LOGISTIC → [σ(-s), σ(s)]) are as
 * there; a single-target regressor applies only PROBIT (onnxruntime ignores other transforms for
 * one target). One deliberate difference: a two-class classifier whose weights name both classes
 * reports classlabels[1] / classlabels[0], where onnxruntime reports the integers 1 / 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_common.h"

enum { MODE_LEAF = 1, MODE_LEQ, MODE_LT, MODE_GTE, MODE_GT, MODE_EQ, MODE_NEQ };
enum { MISSING_TRUE = 16 };
enum { AGG_SUM, AGG_AVERAGE, AGG_MIN, AGG_MAX };
enum { WALK_ANY, WALK_LEQ, WALK_LT }; /* WALK_LEQ/LT: every branch compares so */
#define TE_LEAF INT32_MIN             /* feature word of a leaf */
#define TE_MISSING (1 << 30)          /* feature word bit: NaN goes to the true child */
#define TE_FEAT (TE_MISSING - 1)      /* feature word bits of the feature index */

#define TE_BLOCK 128         /* rows per block */
#define TE_MAX_OUT (1 << 20) /* classes or targets */

typedef struct {
  float thf;    /* branch: threshold; leaf: its first weight */
  int32_t feat; /* branch: feature index | TE_MISSING; leaf: TE_LEAF */
  int32_t t, f; /* branch: true / false child; leaf: first weight, weight count */
} te_node;

typedef struct {
  int classifier;
  int n_nodes, n_trees, n_weights, n_out; /* n_out: classes or targets */
  int walk, has_missing, agg, n_base, max_feature;
  ml_post post;
  int binary_case, all_positive; /* classifier: one class id among the weights; no weight < 0 */
  ml_labels labels;
  te_node *nodes;
  double *thd;    /* branch thresholds / leaf first weight, as double (double inputs) */
  uint8_t *flags; /* mode | MISSING_TRUE */
  int32_t *roots;
  int32_t *w_id;
  float *w_f;
  double *w_d;
  double *base;
} te_model;

/* ---- parse: check and flatten --------------------------------------------------------- */

typedef struct {
  int64_t tree, node;
  int32_t index;
} te_key;

static int key_cmp(const void *a, const void *b) {
  const te_key *x = a, *y = b;
  if (x->tree != y->tree) return x->tree < y->tree ? -1 : 1;
  if (x->node != y->node) return x->node < y->node ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static int32_t key_find(const te_key *keys, int n, int64_t tree, int64_t node) {
  int lo = 0, hi = n - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    const te_key *k = &keys[mid];
    int c = tree != k->tree   ? (tree < k->tree ? -1 : 1)
            : node != k->node ? (node < k->node ? -1 : 1)
                              : 0;
    if (!c) return k->index;
    if (c < 0) hi = mid - 1;
    else lo = mid + 1;
  }
  return -1;
}

static int parse_mode(const wisp_bytes *s) {
  static const char *names[] = {"LEAF",      "BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE",
                                "BRANCH_GT", "BRANCH_EQ",  "BRANCH_NEQ"};
  for (int i = 0; i < 7; i++)
    if (!strcmp(s->data, names[i])) return i + 1;
  return 0;
}

/* Carves the model's arrays out of one block (ctx->state). */
static te_model *te_alloc(int n, int n_trees, int nw, int n_base) {
  size_t off = 0, at[9];
  size_t sizes[9] = {sizeof(te_model),    (size_t)n * sizeof(te_node),
                     (size_t)n * 8,       (size_t)n,
                     (size_t)n_trees * 4, (size_t)nw * 4,
                     (size_t)nw * 4,      (size_t)nw * 8,
                     (size_t)n_base * 8};
  for (int i = 0; i < 9; i++) at[i] = off, off += (sizes[i] + 15) / 16 * 16;
  char *p = wisp_aligned_alloc(off);
  if (!p) return NULL;
  te_model *m = (te_model *)p;
  m->nodes = (te_node *)(p + at[1]);
  m->thd = (double *)(p + at[2]);
  m->flags = (uint8_t *)(p + at[3]);
  m->roots = (int32_t *)(p + at[4]);
  m->w_id = (int32_t *)(p + at[5]);
  m->w_f = (float *)(p + at[6]);
  m->w_d = (double *)(p + at[7]);
  m->base = (double *)(p + at[8]);
  return m;
}

/* Iterative depth-first search from every root: a grey node met again is a cycle. */
static wisp_status check_acyclic(const wisp_op_ctx *ctx, const te_model *m, uint8_t *color,
                                 int32_t *stack, uint8_t *next) {
  for (int r = 0; r < m->n_trees; r++) {
    int32_t root = m->roots[r];
    if (color[root]) continue;
    int top = 0;
    stack[top] = root, next[top] = 0, color[root] = 1;
    while (top >= 0) {
      int32_t i = stack[top];
      const te_node *nd = &m->nodes[i];
      if (nd->feat < 0 || next[top] == 2) {
        color[i] = 2;
        top--;
        continue;
      }
      int32_t c = next[top]++ == 0 ? nd->t : nd->f;
      if (color[c] == 1)
        return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "the nodes of tree %d form a cycle", r);
      if (color[c] == 0) {
        color[c] = 1;
        ++top;
        stack[top] = c, next[top] = 0;
      }
    }
  }
  return WISP_OK;
}

static wisp_status te_parse(wisp_op_ctx *ctx, int classifier) {
  const char *pre = classifier ? "class" : "target";
  char name[64];
  const int64_t *tree_ids, *node_ids, *feat_ids, *true_ids, *false_ids, *missing, *w_tree, *w_node,
      *w_ids;
  const wisp_bytes *modes;
  int n, n2, n3, n4, n5, n_missing, n_modes, n_vals, nw, nw2, nw3, nw4, n_base;
  WISP_TRY(ml_attr_ints(ctx, "nodes_treeids", &tree_ids, &n));
  WISP_TRY(ml_attr_ints(ctx, "nodes_nodeids", &node_ids, &n2));
  WISP_TRY(ml_attr_ints(ctx, "nodes_featureids", &feat_ids, &n3));
  WISP_TRY(ml_attr_ints(ctx, "nodes_truenodeids", &true_ids, &n4));
  WISP_TRY(ml_attr_ints(ctx, "nodes_falsenodeids", &false_ids, &n5));
  WISP_TRY(ml_attr_ints(ctx, "nodes_missing_value_tracks_true", &missing, &n_missing));
  WISP_TRY(ml_attr_strings(ctx, "nodes_modes", &modes, &n_modes));
  WISP_TRY(ml_attr_reals_count(ctx, "nodes_values", &n_vals));
  snprintf(name, sizeof name, "%s_treeids", pre);
  WISP_TRY(ml_attr_ints(ctx, name, &w_tree, &nw));
  snprintf(name, sizeof name, "%s_nodeids", pre);
  WISP_TRY(ml_attr_ints(ctx, name, &w_node, &nw2));
  snprintf(name, sizeof name, "%s_ids", pre);
  WISP_TRY(ml_attr_ints(ctx, name, &w_ids, &nw3));
  snprintf(name, sizeof name, "%s_weights", pre);
  WISP_TRY(ml_attr_reals_count(ctx, name, &nw4));
  WISP_TRY(ml_attr_reals_count(ctx, "base_values", &n_base));
  if (n < 1)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "has no nodes (nodes_treeids is empty)");
  if (n2 != n || n3 != n || n4 != n || n5 != n || n_modes != n || n_vals != n || n_missing > n)
    return WISP_OP_FAIL(
        ctx, WISP_ERR_INVALID_MODEL,
        "the nodes_* attributes have different lengths (%d tree ids, %d node ids, "
        "%d feature ids, %d true ids, %d false ids, %d modes, %d values, %d missing "
        "flags)",
        n, n2, n3, n4, n5, n_modes, n_vals, n_missing);
  if (nw2 != nw || nw3 != nw || nw4 != nw)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                        "the %s_* attributes have different lengths (%d, %d, %d, %d)", pre, nw, nw2,
                        nw3, nw4);
  if (n > INT32_MAX / 32 || nw > INT32_MAX / 32)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "too many nodes or weights");

  /* outputs: classes or targets */
  int n_out;
  ml_labels labels = {0};
  ml_post post;
  int agg = AGG_SUM;
  WISP_TRY(ml_parse_post(ctx, &post));
  if (classifier) {
    WISP_TRY(ml_parse_labels(ctx, "classlabels_int64s", &labels));
    n_out = labels.n;
    if (n_out < 2)
      return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "needs at least 2 class labels, has %d",
                          n_out);
    if (n_base > n_out)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%d base_values for %d classes", n_base,
                          n_out);
  } else {
    int64_t t = wisp_attr_int(ctx->node, "n_targets", 0);
    if (t < 1 || t > TE_MAX_OUT)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "n_targets must be in [1, %d], got %lld",
                          TE_MAX_OUT, (long long)t);
    n_out = (int)t;
    if (n_base != 0 && n_base != 1 && n_base != n_out)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "%d base_values for %d targets", n_base,
                          n_out);
    const char *a;
    WISP_TRY(ml_attr_string(ctx, "aggregate_function", "SUM", &a));
    static const char *aggs[] = {"SUM", "AVERAGE", "MIN", "MAX"};
    agg = -1;
    for (int i = 0; i < 4; i++)
      if (!strcmp(a, aggs[i])) agg = i;
    if (agg < 0)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "unknown aggregate_function '%s'", a);
  }
  if (n_out > TE_MAX_OUT)
    return WISP_OP_FAIL(ctx, WISP_ERR_UNSUPPORTED, "too many classes (%d)", n_out);

  /* scratch for the checks */
  wisp_status s = WISP_OK;
  te_key *keys = malloc((size_t)n * sizeof *keys);
  uint8_t *color = calloc((size_t)n, 1), *next = malloc((size_t)n);
  int32_t *stack = malloc((size_t)n * sizeof *stack), *count = calloc((size_t)n, sizeof *count);
  int32_t *fill = malloc((size_t)n * sizeof *fill),
          *leaf_of = malloc(((size_t)nw + 1) * sizeof *leaf_of);
  uint8_t *class_seen = calloc((size_t)n_out, 1);
  double *vals = malloc((size_t)n * sizeof *vals), *wv = malloc(((size_t)nw + 1) * sizeof *wv);
  te_model *m = NULL;
  if (!keys || !color || !next || !stack || !count || !fill || !leaf_of || !class_seen || !vals ||
      !wv) {
    s = WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  int nv;
  if ((s = ml_attr_reals(ctx, "nodes_values", vals, n, &nv)) != WISP_OK) goto done;
  snprintf(name, sizeof name, "%s_weights", pre);
  if ((s = ml_attr_reals(ctx, name, wv, nw, &nv)) != WISP_OK) goto done;

  /* sorted (tree, node) keys: duplicates, child and weight lookups, roots */
  for (int i = 0; i < n; i++) keys[i] = (te_key){tree_ids[i], node_ids[i], i};
  qsort(keys, (size_t)n, sizeof *keys, key_cmp);
  int n_trees = 0;
  for (int k = 0; k < n; k++) {
    if (k && keys[k].tree == keys[k - 1].tree && keys[k].node == keys[k - 1].node) {
      s = WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "node %lld of tree %lld is listed twice",
                       (long long)keys[k].node, (long long)keys[k].tree);
      goto done;
    }
    if (!k || keys[k].tree != keys[k - 1].tree) n_trees++;
  }

  m = te_alloc(n, n_trees, nw, n_base);
  if (!m) {
    s = WISP_OP_FAIL(ctx, WISP_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  m->classifier = classifier;
  m->n_nodes = n, m->n_trees = n_trees, m->n_weights = nw, m->n_out = n_out, m->n_base = n_base;
  m->agg = agg, m->post = post, m->labels = labels;
  if ((s = ml_attr_reals(ctx, "base_values", m->base, n_base, &nv)) != WISP_OK) goto done;

  /* roots: the first listed node of each tree (the smallest index in its key group) */
  {
    uint8_t *is_root = color; /* borrowed, cleared below */
    for (int k = 0; k < n; k++) {
      int first = k;
      while (k + 1 < n && keys[k + 1].tree == keys[first].tree) k++;
      int32_t lo = keys[first].index;
      for (int j = first; j <= k; j++)
        if (keys[j].index < lo) lo = keys[j].index;
      is_root[lo] = 1;
    }
    int r = 0;
    for (int i = 0; i < n; i++)
      if (is_root[i]) m->roots[r++] = i, is_root[i] = 0;
  }

  /* nodes */
  int same = -1, any_missing = 0;
  m->max_feature = -1;
  for (int i = 0; i < n; i++) {
    int mode = parse_mode(&modes[i]);
    if (!mode) {
      s = WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "node %d has unknown mode '%s'", i,
                       modes[i].data);
      goto done;
    }
    int miss = i < n_missing && missing[i] == 1;
    te_node *nd = &m->nodes[i];
    m->flags[i] = (uint8_t)(mode | (miss ? MISSING_TRUE : 0));
    if (mode == MODE_LEAF) {
      nd->feat = TE_LEAF, nd->t = 0, nd->f = 0, nd->thf = 0;
      m->thd[i] = 0;
      continue;
    }
    if (feat_ids[i] < 0 || feat_ids[i] > TE_FEAT) {
      s = WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "node %d has feature id %lld", i,
                       (long long)feat_ids[i]);
      goto done;
    }
    nd->feat = (int32_t)feat_ids[i] | (miss ? TE_MISSING : 0);
    if (feat_ids[i] > m->max_feature) m->max_feature = (int)feat_ids[i];
    nd->thf = (float)vals[i];
    m->thd[i] = vals[i];
    int32_t t = key_find(keys, n, tree_ids[i], true_ids[i]);
    int32_t f = key_find(keys, n, tree_ids[i], false_ids[i]);
    if (t < 0 || f < 0) {
      s = WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                       "node %lld of tree %lld: its %s child %lld is "
                       "not a node of that tree",
                       (long long)node_ids[i], (long long)tree_ids[i], t < 0 ? "true" : "false",
                       (long long)(t < 0 ? true_ids[i] : false_ids[i]));
      goto done;
    }
    if (t == i || f == i) {
      s = WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "node %lld of tree %lld is its own child",
                       (long long)node_ids[i], (long long)tree_ids[i]);
      goto done;
    }
    nd->t = t, nd->f = f;
    any_missing |= miss;
    if (same == -1) same = mode;
    else if (same != mode) same = 0;
  }
  /* same: -1 no branches, 0 mixed modes, else the one mode */
  m->walk = same == 0                        ? WALK_ANY
            : same == -1 || same == MODE_LEQ ? WALK_LEQ
            : same == MODE_LT                ? WALK_LT
                                             : WALK_ANY;
  m->has_missing = any_missing;
  if ((s = check_acyclic(ctx, m, color, stack, next)) != WISP_OK) goto done;

  /* leaf weights (leaf_of[k]: the leaf of weight k, or -1 for a weight naming a branch, which
   * is ignored, as onnxruntime does for models from old converters) */
  m->all_positive = 1;
  int n_classes_seen = 0;
  for (int k = 0; k < nw; k++) {
    int32_t j = key_find(keys, n, w_tree[k], w_node[k]);
    if (j < 0 || w_ids[k] < 0 || w_ids[k] >= n_out) {
      s = j < 0 ? WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                               "weight %d names node %lld of tree %lld, "
                               "which does not exist",
                               k, (long long)w_node[k], (long long)w_tree[k])
                : WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL,
                               "weight %d is for %s %lld, out of [0, %d)", k, pre,
                               (long long)w_ids[k], n_out);
      goto done;
    }
    if (classifier) {
      if (!class_seen[w_ids[k]]) class_seen[w_ids[k]] = 1, n_classes_seen++;
      if (wv[k] < 0) m->all_positive = 0;
    }
    leaf_of[k] = m->nodes[j].feat < 0 ? j : -1;
    if (leaf_of[k] >= 0) count[j]++;
  }
  m->binary_case = classifier && n_out == 2 && n_classes_seen == 1;
  /* grouped by leaf, in the order given */
  int32_t at = 0;
  for (int i = 0; i < n; i++) {
    fill[i] = at;
    if (m->nodes[i].feat < 0) m->nodes[i].t = at, m->nodes[i].f = count[i];
    at += count[i];
  }
  m->n_weights = at;
  for (int k = 0; k < nw; k++) {
    int32_t j = leaf_of[k];
    if (j < 0) continue;
    int32_t w = fill[j]++;
    m->w_id[w] = (int32_t)w_ids[k];
    m->w_d[w] = wv[k];
    m->w_f[w] = (float)wv[k];
    if (w == m->nodes[j].t) m->nodes[j].thf = (float)wv[k], m->thd[j] = wv[k];
  }
  ctx->state = m;
  m = NULL;

done:
  wisp_aligned_free(m);
  free(keys);
  free(color);
  free(next);
  free(stack);
  free(count);
  free(fill);
  free(leaf_of);
  free(class_seen);
  free(vals);
  free(wv);
  return s;
}

static wisp_status te_parse_classifier(wisp_op_ctx *ctx) { return te_parse(ctx, 1); }
static wisp_status te_parse_regressor(wisp_op_ctx *ctx) { return te_parse(ctx, 0); }

/* Scratch, per block of rows: has (rows·C bytes), acc (rows·C doubles, or floats), the leaf of
 * each row, one spare row of scores, and int inputs converted to float. */
typedef struct {
  uint8_t *has;
  void *acc;
  int32_t *leaf;
  float *row;
  float *conv;
  uint64_t bytes;
} te_scratch;

static te_scratch te_layout(void *base, int64_t rows, int C, int64_t conv_floats) {
  te_scratch sc;
  uint8_t *p = base;
  uint64_t off = 0;
#define TAKE(field, type, count) \
  sc.field = (type *)(p ? p + (size_t)off : NULL); \
  off += ((uint64_t)(count) * sizeof(type) + 15) / 16 * 16;
  TAKE(has, uint8_t, rows * C);
  TAKE(acc, double, rows *C);
  TAKE(leaf, int32_t, rows);
  TAKE(row, float, C + 2);
  TAKE(conv, float, conv_floats);
#undef TAKE
  sc.bytes = off;
  return sc;
}

/* ---- infer ------------------------------------------------------------------------------ */

static wisp_status te_infer(wisp_op_ctx *ctx) {
  const te_model *m = ctx->state;
  WISP_TRY(wisp_op_expect_inputs(ctx, 1, 1));
  WISP_TRY(ml_expect_numeric(ctx, 0));
  int64_t n, f;
  WISP_TRY(ml_rows(ctx, ctx->in[0], &n, &f));
  if (m->max_feature >= f)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG,
                        "the trees read feature %d but the input has %lld "
                        "features",
                        m->max_feature, (long long)f);
  if (m->classifier) {
    if (ctx->n_out > 2)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "has %d outputs, 2 expected", ctx->n_out);
    if (ctx->out[0]) {
      ctx->out[0]->dtype = m->labels.ints ? WISP_DT_INT64 : WISP_DT_STRING;
      ctx->out[0]->shape = (wisp_shape){1, {n}};
    }
    if (ctx->n_out > 1 && ctx->out[1]) {
      ctx->out[1]->dtype = WISP_DT_FLOAT;
      ctx->out[1]->shape = (wisp_shape){2, {n, m->n_out}};
    }
  } else {
    if (ctx->n_out > 1)
      return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_MODEL, "has %d outputs, 1 expected", ctx->n_out);
    ctx->out[0]->dtype = WISP_DT_FLOAT;
    ctx->out[0]->shape = (wisp_shape){2, {n, m->n_out}};
  }
  int64_t rows = n < TE_BLOCK ? n : TE_BLOCK;
  int ints = ctx->in[0]->dtype != WISP_DT_FLOAT && ctx->in[0]->dtype != WISP_DT_DOUBLE;
  if (rows * f > WISP_MAX_NUMEL / 8)
    return WISP_OP_FAIL(ctx, WISP_ERR_INVALID_ARG, "too many features (%lld)", (long long)f);
  ctx->scratch_bytes = te_layout(NULL, rows, m->n_out, ints ? rows * f : 0).bytes;
  return WISP_OK;
}

/* ---- exec: the walk and the scores, for float and for double inputs ---------------------- */

#define T float
#define SFX(name) name##_f32
#define TH(m, i) ((m)->nodes[i].thf)
#define WV(m, w) ((m)->w_f[w])
#include "ml_trees_impl.h"
#undef T
#undef SFX
#undef TH
#undef WV

#define T double
#define SFX(name) name##_f64
#define TH(m, i) ((m)->thd[i])
#define WV(m, w) ((m)->w_d[w])
#include "ml_trees_impl.h"
#undef T
#undef SFX
#undef TH
#undef WV

static wisp_status te_exec(wisp_op_ctx *ctx) {
  const te_model *m = ctx->state;
  const wisp_tensor *x = ctx->in[0];
  int64_t n, f;
  WISP_TRY(ml_rows(ctx, x, &n, &f));
  wisp_tensor *label = m->classifier ? ctx->out[0] : NULL;
  wisp_tensor *z = m->classifier ? (ctx->n_out > 1 ? ctx->out[1] : NULL) : ctx->out[0];
  float *zd = z ? z->data : NULL;
  const int C = m->n_out;
  const int64_t rows = n < TE_BLOCK ? n : TE_BLOCK;
  const int ints = x->dtype != WISP_DT_FLOAT && x->dtype != WISP_DT_DOUBLE;
  te_scratch sc = te_layout(ctx->scratch, rows, C, ints ? rows * f : 0);
  for (int64_t r0 = 0; r0 < n; r0 += TE_BLOCK) {
    int nr = (int)(n - r0 < TE_BLOCK ? n - r0 : TE_BLOCK);
    float *zb = zd ? zd + r0 * C : NULL;
    if (x->dtype == WISP_DT_DOUBLE) {
      run_block_f64(m, (const double *)x->data + r0 * f, f, nr, sc.acc, sc.has, sc.leaf, sc.row, zb,
                    label, r0);
      continue;
    }
    const float *xb = (const float *)x->data + r0 * f;
    if (ints) {
      for (int64_t i = 0; i < nr * f; i++) sc.conv[i] = ml_get_f32(x, r0 * f + i);
      xb = sc.conv;
    }
    run_block_f32(m, xb, f, nr, sc.acc, sc.has, sc.leaf, sc.row, zb, label, r0);
  }
  return WISP_OK;
}

const wisp_op_def wisp_op_ml_TreeEnsembleClassifier = {
    ML_DOMAIN, "TreeEnsembleClassifier", 0, te_parse_classifier, te_infer, te_exec, 0};
const wisp_op_def wisp_op_ml_TreeEnsembleRegressor = {
    ML_DOMAIN, "TreeEnsembleRegressor", 0, te_parse_regressor, te_infer, te_exec, 0};
