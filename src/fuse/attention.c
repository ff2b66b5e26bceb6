/* attention.c — the self-attention of Hugging Face BERT-style exports (BERT, MiniLM, ViT, …):
 *
 *   Transpose(q4, 0 2 1 3) · Transpose(k4, 0 2 3 1)   (or k4 through 0 2 1 3 then 0 1 3 2)
 *   → scale (Div or Mul by a constant, or the MatMul's folded epilogue scale)
 *   → Add bias? → Softmax over the last axis → · Transpose(v4, 0 2 1 3) → Transpose(0 2 1 3)
 *
 * with q4, k4, v4 the (B, S, N, H) reshapes of the projections, becomes one com.microsoft
 * MultiHeadAttention marked wisp_bsnh that reads them in place and writes the last Transpose's
 * (B, S, N, Hv): five transposes and two passes over the scores fewer, and each head's scores
 * stay in cache between the two products and the softmax (contrib_attention.c). */
#include <math.h>

#include "fuser.h"

/* The node's perm attribute equals want (4 entries). */
static int has_perm(const wisp_node *n, const int64_t want[4]) {
  int count;
  const int64_t *perm = wisp_attr_ints(n, "perm", &count);
  if (!perm || count != 4) return 0;
  for (int i = 0; i < 4; i++)
    if (perm[i] != want[i]) return 0;
  return 1;
}

static const int64_t HEADS_FIRST[4] = {0, 2, 1, 3}, KEYS_T[4] = {0, 2, 3, 1},
                     LAST_TWO[4] = {0, 1, 3, 2};

/* v = Transpose(x, perm) read only by its consumer: x, or -1. */
static int transposed(const wisp_fuser *f, int v, const int64_t perm[4], wisp_node **t) {
  *t = fuse_made_by(f, v, "Transpose");
  if (!*t || (*t)->n_in != 1 || f->uses[v] != 1 || !has_perm(*t, perm)) return -1;
  return (*t)->in[0];
}

wisp_status fuse_attention(wisp_fuser *f, wisp_node *sm) {
  if (!fuse_is_op(sm, "Softmax") || sm->n_in != 1) return WISP_OK;
  const wisp_attr *axis = wisp_node_attr(sm, "axis");
  /* opsets before 13 default to axis 1, over the flattened trailing dims */
  if (axis ? axis->i != -1 && axis->i != 3 : sm->opset < 13) return WISP_OK;
  /* the scores: an optional bias Add, the scale, the product */
  int scores = sm->in[0], bias = -1;
  wisp_node *add = f->uses[scores] == 1 ? fuse_made_by(f, scores, "Add") : NULL;
  wisp_node *scaled = NULL, *mm = NULL;
  float scale = 1.0f, k;
  for (int side = 0; add && side < 2 && !scaled && !mm; side++) {
    int s = add->in[side];
    if (f->uses[s] != 1) continue;
    if ((scaled = fuse_made_by(f, s, "Div")) || (scaled = fuse_made_by(f, s, "Mul")) ||
        (mm = fuse_made_by(f, s, "MatMul")))
      bias = add->in[1 - side];
  }
  if (!add && f->uses[scores] == 1) {
    if (!(scaled = fuse_made_by(f, scores, "Div")) && !(scaled = fuse_made_by(f, scores, "Mul")))
      mm = fuse_made_by(f, scores, "MatMul");
  }
  if (scaled) {
    if (scaled->n_in != 2 || !fuse_constant_scalar(f, scaled->in[1], &k) || k == 0.0f ||
        f->uses[scaled->in[0]] != 1 || !(mm = fuse_made_by(f, scaled->in[0], "MatMul")))
      return WISP_OK;
    scale = fuse_is_op(scaled, "Div") ? 1.0f / k : k;
  }
  if (!mm || mm->n_in != 2 || !isfinite(scale)) return WISP_OK;
  const wisp_epilogue *e = wisp_node_epilogue(mm); /* matmul_scale may have folded the Div */
  if (e->lo != -INFINITY || e->hi != INFINITY || !isfinite(scale *= e->scale)) return WISP_OK;
  /* the operands: q4 and k4 (B, S, N, H) through their transposes */
  wisp_node *tq, *tk, *tk2 = NULL, *tv;
  int q = transposed(f, mm->in[0], HEADS_FIRST, &tq);
  int key = transposed(f, mm->in[1], KEYS_T, &tk);
  if (key < 0 && (key = transposed(f, mm->in[1], LAST_TWO, &tk2)) >= 0)
    key = transposed(f, key, HEADS_FIRST, &tk);
  if (q < 0 || key < 0) return WISP_OK;
  /* then the probabilities times Transpose(v4), transposed back to (B, S, N, Hv) */
  wisp_node *mm2 = fuse_only_use(f, sm->out[0], "MatMul");
  if (!mm2 || mm2->n_in != 2 || mm2->in[0] != sm->out[0] || mm2->epilogue) return WISP_OK;
  int v = transposed(f, mm2->in[1], HEADS_FIRST, &tv);
  wisp_node *last = fuse_only_use(f, mm2->out[0], "Transpose");
  if (v < 0 || !last || !has_perm(last, HEADS_FIRST)) return WISP_OK;
  /* MultiHeadAttention(query, key, value, bias, key_padding_mask, attention_bias) */
  int in[6] = {q, key, v, -1, -1, bias};
  const wisp_attr attrs[2] = {{.name = "wisp_bsnh", .type = WISP_ATTR_INT, .i = 1},
                              {.name = "scale", .type = WISP_ATTR_FLOAT, .f = scale}};
  int out = last->out[0];
  fuse_kill(f, tq), fuse_kill(f, tk), fuse_kill(f, tv), fuse_kill(f, mm), fuse_kill(f, mm2);
  fuse_kill(f, last);
  if (tk2) fuse_kill(f, tk2);
  if (scaled) fuse_kill(f, scaled);
  if (add) fuse_kill(f, add);
  return fuse_become(f, sm, "com.microsoft", "MultiHeadAttention", in, bias >= 0 ? 6 : 3, out,
                     attrs, 2);
}
