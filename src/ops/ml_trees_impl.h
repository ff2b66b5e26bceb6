/* ml_trees_impl.h — the tree walk and the score finishing for one input type T. Included by
 * ml_trees.c twice: T = float (float and int inputs) and T = double, with SFX(name) naming the
 * functions, TH(m, i) a node's threshold and WV(m, w) a weight in that precision. */

/* Descends from node i to a leaf, for any mix of modes and missing-value tracking. */
static inline int32_t SFX(leaf_any)(const te_model *m, int32_t i, const T *x) {
  const te_node *nd = m->nodes;
  while (nd[i].feat >= 0) {
    T v = x[nd[i].feat & TE_FEAT], th = TH(m, i);
    uint8_t fl = m->flags[i];
    int go;
    switch (fl & 15) {
      case MODE_LEQ: go = v <= th; break;
      case MODE_LT: go = v < th; break;
      case MODE_GTE: go = v >= th; break;
      case MODE_GT: go = v > th; break;
      case MODE_EQ: go = v == th; break;
      default: go = v != th; break;
    }
    if ((fl & MISSING_TRUE) && isnan(v)) go = 1;
    i = go ? nd[i].t : nd[i].f;
  }
  return i;
}

/* Every row of the block from `root` to its leaf (into leaf[r]), taking the true child when GO
 * (an expression of v: the row's feature value, i: the node, fe: its feature word) holds. Four
 * rows step together: a row at a leaf stays there (a leaf's feature word reads feature 0, in
 * bounds) until all four are at leaves. */
#define WALK_STEP(GO, c, x) \
  { \
    const int32_t i = c, fe = nd[i].feat; \
    const T v = x[fe & TE_FEAT]; \
    const int32_t next = (GO) ? nd[i].t : nd[i].f; \
    c = fe < 0 ? i : next; \
  }
#define WALK_ROWS(GO) \
  { \
    int r = 0; \
    for (; r + 4 <= nr; r += 4) { \
      const T *x0 = X + r * stride, *x1 = x0 + stride, *x2 = x1 + stride, *x3 = x2 + stride; \
      int32_t i0 = root, i1 = root, i2 = root, i3 = root; \
      while ((nd[i0].feat & nd[i1].feat & nd[i2].feat & nd[i3].feat) >= 0) { \
        WALK_STEP(GO, i0, x0) WALK_STEP(GO, i1, x1) WALK_STEP(GO, i2, x2) WALK_STEP(GO, i3, x3) \
      } \
      leaf[r] = i0, leaf[r + 1] = i1, leaf[r + 2] = i2, leaf[r + 3] = i3; \
    } \
    for (; r < nr; r++) { \
      const T *x0 = X + r * stride; \
      int32_t i0 = root; \
      while (nd[i0].feat >= 0) WALK_STEP(GO, i0, x0) \
      leaf[r] = i0; \
    } \
  }

/* Scores of rows [0, nr) of X (row stride `stride`) into acc (nr, C), tree by tree. */
static void SFX(accumulate)(const te_model *m, const T *X, int64_t stride, int nr, T *acc,
                            uint8_t *has, int32_t *leaf) {
  const te_node *nd = m->nodes;
  const int C = m->n_out;
  memset(acc, 0, sizeof(T) * (size_t)nr * C);
  memset(has, 0, (size_t)nr * C);
  for (int t = 0; t < m->n_trees; t++) {
    const int32_t root = m->roots[t];
    /* 1. every row of the block down this tree */
    switch (m->walk * 2 + m->has_missing) {
      case WALK_LEQ * 2: WALK_ROWS(v <= TH(m, i)); break;
      case WALK_LEQ * 2 + 1: WALK_ROWS(v <= TH(m, i) || ((fe & TE_MISSING) && isnan(v))); break;
      case WALK_LT * 2: WALK_ROWS(v < TH(m, i)); break;
      case WALK_LT * 2 + 1: WALK_ROWS(v < TH(m, i) || ((fe & TE_MISSING) && isnan(v))); break;
      default:
        for (int r = 0; r < nr; r++) leaf[r] = SFX(leaf_any)(m, root, X + r * stride);
        break;
    }
    /* 2. the leaves' weights into the scores */
    if (C == 1) { /* one target: the leaf's first weight, as onnxruntime */
      for (int r = 0; r < nr; r++) {
        T v = TH(m, leaf[r]);
        if (m->agg == AGG_MIN) acc[r] = !has[r] || v < acc[r] ? v : acc[r];
        else if (m->agg == AGG_MAX) acc[r] = !has[r] || v > acc[r] ? v : acc[r];
        else acc[r] += v;
        has[r] = 1;
      }
      continue;
    }
    for (int r = 0; r < nr; r++) {
      const te_node *lf = &nd[leaf[r]];
      T *s = acc + (size_t)r * C;
      uint8_t *h = has + (size_t)r * C;
      for (int32_t w = lf->t, end = lf->t + lf->f; w < end; w++) {
        int k = m->w_id[w];
        T v = WV(m, w);
        if (m->agg == AGG_MIN) s[k] = !h[k] || v < s[k] ? v : s[k];
        else if (m->agg == AGG_MAX) s[k] = !h[k] || v > s[k] ? v : s[k];
        else s[k] += v;
        h[k] = 1;
      }
    }
  }
}

/* One row of a regressor: base values, average, post-transform → z[C]. */
static void SFX(finish_regressor)(const te_model *m, const T *s, const uint8_t *has, float *z) {
  const int C = m->n_out;
  if (C == 1) {
    T origin = m->n_base == 1 ? (T)m->base[0] : 0, v = s[0];
    switch (m->agg) {
      case AGG_SUM: v += origin; break;
      case AGG_AVERAGE:
        v /= (T)m->n_trees;
        v += origin;
        break;
      default: v = has[0] ? v + origin : origin; break;
    }
    z[0] = m->post == ML_POST_PROBIT ? ml_probit((float)v) : (float)v;
    return;
  }
  int use_base = m->n_base == C;
  for (int k = 0; k < C; k++) {
    T v = s[k], b = use_base ? (T)m->base[k] : 0;
    switch (m->agg) {
      case AGG_SUM: v = use_base ? v + b : v; break;
      case AGG_AVERAGE: v = use_base ? v / (T)m->n_trees + b : v / (T)m->n_trees; break;
      default: v = b + (has[k] ? v : 0); break;
    }
    z[k] = has[k] ? (float)v : 0; /* onnxruntime writes 0 for a target no leaf scored */
  }
  ml_post_apply(m->post, z, C);
}

/* One row of a classifier → z[C] (C >= 2) and the index of its label. */
static int SFX(finish_classifier)(const te_model *m, T *s, uint8_t *has, float *z) {
  const int C = m->n_out, nb = m->n_base;
  const double *base = m->base;
  int add = -1, size = C, label;
  if (C > 2) {
    for (int k = 0; k < nb; k++) {
      s[k] = has[k] ? s[k] + (T)base[k] : (T)base[k];
      has[k] = 1;
    }
    int best = -1;
    T bw = 0;
    for (int k = 0; k < C; k++)
      if (has[k] && (best < 0 || s[k] > bw)) best = k, bw = s[k];
    label = best < 0 ? 0 : best;
  } else {
    if (nb == 2) {
      if (has[1]) { /* onnxruntime: base_values[0] unused, the two scores opposite */
        s[1] = (T)base[1] + s[0];
        s[0] = -s[1];
      } else {
        s[1] += (T)base[1];
        s[0] += (T)base[0];
      }
    } else if (nb == 1) {
      s[0] += (T)base[0];
      if (!has[1]) size = 1;
    } else {
      add = 3;
      if (!has[1]) size = 1;
    }
    T pos = size == 2 && has[1] ? s[1] : has[0] ? s[0] : 0;
    if (m->binary_case) {
      if (m->all_positive) add = pos > (T)0.5 ? 0 : 1;
      else add = pos > 0 ? 2 : 3;
      label = add == 0 || add == 2;
    } else {
      label = pos > 0;
    }
  }
  /* from here a class no leaf (nor base value) scored reads as 0, as in onnxruntime */
  for (int k = 0; k < C; k++)
    if (!has[k]) s[k] = 0;
  if (size >= 2) {
    for (int k = 0; k < C; k++) z[k] = (float)s[k];
    ml_post_apply(m->post, z, C);
    return label;
  }
  /* one score column made into two */
  z[1] = 0;
  if (m->post == ML_POST_PROBIT) {
    z[0] = ml_probit((float)s[0]);
  } else if (add == 0 || add == 1) {
    z[0] = (float)(1 - s[0]);
    z[1] = (float)s[0];
  } else if (add == 2 || add == 3) {
    if (m->post == ML_POST_LOGISTIC) {
      z[0] = ml_logistic((float)-s[0]);
      z[1] = ml_logistic((float)s[0]);
    } else {
      z[0] = (float)-s[0];
      z[1] = (float)s[0];
    }
  } else {
    z[0] = (float)s[0];
  }
  return label;
}

/* Rows [r0, r0 + nr): scores into z (nr, C) (or a scratch row when z is NULL), labels into
 * `label` for a classifier. */
static void SFX(run_block)(const te_model *m, const T *X, int64_t stride, int nr, T *acc,
                           uint8_t *has, int32_t *leaf, float *row, float *z, wisp_tensor *label,
                           int64_t r0) {
  const int C = m->n_out;
  SFX(accumulate)(m, X, stride, nr, acc, has, leaf);
  for (int r = 0; r < nr; r++) {
    T *s = acc + (size_t)r * C;
    uint8_t *h = has + (size_t)r * C;
    float *zr = z ? z + (size_t)r * C : row;
    if (m->classifier) {
      int k = SFX(finish_classifier)(m, s, h, zr);
      if (label) ml_write_label(&m->labels, k, label, r0 + r);
    } else {
      SFX(finish_regressor)(m, s, h, zr);
    }
  }
}

#undef WALK_STEP
#undef WALK_ROWS
