/* attention.c — the self-attention of Hugging Face BERT-style exports (BERT, MiniLM, ViT, …):
 *
 *   Transpose(q4, 0 2 1 3) · Transpose(k4, 0 2 3 1)   (or k4 through 0 2 1 3 then 0 1 3 2)
 *   → scale (Div or Mul by a constant, or the MatMul's folded epilogue scale)
 *   → Add bias? → Softmax over the last axis → · Transpose(v4, 0 2 1 3) → Transpose(0 2 1 3)
 *
 * with q4, k4, v4 the (B, S, N, H) reshapes of the projections, becomes one com.microsoft
 * MultiHeadAttention marked wisp_bsnh that reads them in place and writes the last Transpose's
 * (B, S, N, Hv): five transposes and two passes over the scores fewer, and each head's scores
 * stay in cache between the two products and the softmax (contrib_attention.c). The same in the
 * (S, B·N, H) layout of PyTorch's nn.MultiheadAttention exports (torchvision's ViT, nn.Transformer):
 * transposes (1 0 2), keys (1 2 0), the scale on the query before the product. */
#include <math.h>

#include "fuser.h"

/* The two layouts: BERT's (B, S, N, H) reshapes, and the (S, B·N, H) ones of PyTorch's
 * nn.MultiheadAttention, which is (B, S, N, H) with B = 1 and B·N heads as far as the core goes.
 * Their transposes to heads first, keys transposed, and the last two dims swapped. */
typedef struct {
  int rank;
  int64_t heads_first[4], keys_t[4], last_two[4];
} layout;
static const layout LAYOUTS[2] = {{4, {0, 2, 1, 3}, {0, 2, 3, 1}, {0, 1, 3, 2}},
                                  {3, {1, 0, 2}, {1, 2, 0}, {0, 2, 1}}};

/* The node's perm attribute equals want (rank entries). */
static int has_perm(const wisp_node *n, const int64_t *want, int rank) {
  int count;
  const int64_t *perm = wisp_attr_ints(n, "perm", &count);
  if (!perm || count != rank) return 0;
  for (int i = 0; i < rank; i++)
    if (perm[i] != want[i]) return 0;
  return 1;
}

/* v = Transpose(x, perm) read only by its consumer: x, or -1. */
static int transposed(const wisp_fuser *f, int v, const int64_t *perm, int rank, wisp_node **t) {
  *t = fuse_made_by(f, v, "Transpose");
  if (!*t || (*t)->n_in != 1 || f->uses[v] != 1 || !has_perm(*t, perm, rank)) return -1;
  return (*t)->in[0];
}

/* v = Div or Mul(x, constant scalar) read only by its consumer: the node, *factor its factor. */
static wisp_node *scaled_by(const wisp_fuser *f, int v, float *factor) {
  wisp_node *n = fuse_made_by(f, v, "Div");
  if (!n) n = fuse_made_by(f, v, "Mul");
  float k;
  if (!n || n->n_in != 2 || f->uses[v] != 1 || !fuse_constant_scalar(f, n->in[1], &k) || k == 0)
    return NULL;
  *factor = fuse_is_op(n, "Div") ? 1.0f / k : k;
  return n;
}

wisp_status fuse_attention(wisp_fuser *f, wisp_node *sm) {
  if (!fuse_is_op(sm, "Softmax") || sm->n_in != 1 || sm->in[0] < 0) return WISP_OK;
  /* the scores: an optional bias Add, the scale, the product */
  int scores = sm->in[0], bias = -1;
  wisp_node *add = f->uses[scores] == 1 ? fuse_made_by(f, scores, "Add") : NULL;
  wisp_node *scaled = NULL, *mm = NULL;
  float scale = 1.0f, q_scale = 1.0f;
  for (int side = 0; add && add->n_in == 2 && side < 2 && !scaled && !mm; side++) {
    int s = add->in[side];
    if (s >= 0 && f->uses[s] == 1 &&
        ((scaled = scaled_by(f, s, &scale)) || (mm = fuse_made_by(f, s, "MatMul"))))
      bias = add->in[1 - side];
  }
  if (!add && f->uses[scores] == 1 && !(scaled = scaled_by(f, scores, &scale)))
    mm = fuse_made_by(f, scores, "MatMul");
  if (scaled && !(mm = fuse_made_by(f, scaled->in[0], "MatMul"))) return WISP_OK;
  if (!mm || mm->n_in != 2) return WISP_OK;
  const wisp_epilogue *e = wisp_node_epilogue(mm); /* matmul_scale may have folded the Div */
  if (e->lo != -INFINITY || e->hi != INFINITY) return WISP_OK;
  /* the query, maybe scaled (nn.MultiheadAttention scales it), through its transpose */
  wisp_node *q_scaled = scaled_by(f, mm->in[0], &q_scale);
  int q_t = q_scaled ? q_scaled->in[0] : mm->in[0];
  wisp_node *tq = fuse_made_by(f, q_t, "Transpose");
  const layout *lay = NULL;
  for (int i = 0; i < 2 && tq && !lay; i++)
    if (has_perm(tq, LAYOUTS[i].heads_first, LAYOUTS[i].rank)) lay = &LAYOUTS[i];
  scale *= e->scale * q_scale;
  if (!lay || !isfinite(scale)) return WISP_OK;
  const wisp_attr *axis = wisp_node_attr(sm, "axis");
  /* opsets before 13 default to axis 1, over the flattened trailing dims */
  if (axis ? axis->i != -1 && axis->i != lay->rank - 1 : sm->opset < 13) return WISP_OK;
  int r = lay->rank;
  wisp_node *tk, *tk2 = NULL, *tv;
  int q = transposed(f, q_t, lay->heads_first, r, &tq);
  int key = transposed(f, mm->in[1], lay->keys_t, r, &tk);
  if (key < 0 && (key = transposed(f, mm->in[1], lay->last_two, r, &tk2)) >= 0)
    key = transposed(f, key, lay->heads_first, r, &tk);
  if (q < 0 || key < 0) return WISP_OK;
  /* then the probabilities times the transposed values, transposed back */
  wisp_node *mm2 = fuse_only_use(f, sm->out[0], "MatMul");
  if (!mm2 || mm2->n_in != 2 || mm2->in[0] != sm->out[0] || mm2->epilogue) return WISP_OK;
  int v = transposed(f, mm2->in[1], lay->heads_first, r, &tv);
  wisp_node *last = fuse_only_use(f, mm2->out[0], "Transpose");
  if (v < 0 || !last || !has_perm(last, lay->heads_first, r)) return WISP_OK;
  /* MultiHeadAttention(query, key, value, bias, key_padding_mask, attention_bias) */
  int in[6] = {q, key, v, -1, -1, bias};
  const wisp_attr attrs[2] = {{.name = "wisp_bsnh", .type = WISP_ATTR_INT, .i = 1},
                              {.name = "scale", .type = WISP_ATTR_FLOAT, .f = scale}};
  int out = last->out[0];
  fuse_kill(f, tq), fuse_kill(f, tk), fuse_kill(f, tv), fuse_kill(f, mm), fuse_kill(f, mm2);
  fuse_kill(f, last);
  if (tk2) fuse_kill(f, tk2);
  if (q_scaled) fuse_kill(f, q_scaled);
  if (scaled) fuse_kill(f, scaled);
  if (add) fuse_kill(f, add);
  return fuse_become(f, sm, "com.microsoft", "MultiHeadAttention", in, bias >= 0 ? 6 : 3, out,
                     attrs, 2);
}
