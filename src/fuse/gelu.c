/* gelu.c — Div √2 → Erf → Add 1 → Mul x → Mul 0.5 (either Mul order) becomes one Gelu. */
#include <math.h>

#include "fuser.h"

wisp_status fuse_gelu(wisp_fuser *f, wisp_node *div) {
  float k, one, half;
  if (!fuse_is_op(div, "Div") || div->n_in != 2 || !fuse_constant_scalar(f, div->in[1], &k) ||
      fabsf(k - 1.41421356f) > 1e-4f)
    return WISP_OK;
  int x = div->in[0];
  wisp_node *erf = fuse_only_use(f, div->out[0], "Erf");
  wisp_node *add = erf ? fuse_only_use(f, erf->out[0], "Add") : NULL;
  if (!add || !fuse_constant_scalar(f, fuse_other_input(add, erf->out[0]), &one) || one != 1.0f)
    return WISP_OK;
  /* x · (1 + erf) · 0.5, multiplied in either order */
  wisp_node *mul1 = fuse_only_use(f, add->out[0], "Mul"), *mul2, *last;
  if (!mul1) return WISP_OK;
  int other = fuse_other_input(mul1, add->out[0]);
  if (other == x) { /* (x · (1 + erf)) · 0.5 */
    last = fuse_only_use(f, mul1->out[0], "Mul");
    if (!last || !fuse_constant_scalar(f, fuse_other_input(last, mul1->out[0]), &half) ||
        half != 0.5f)
      return WISP_OK;
    mul2 = NULL;
  } else { /* (x · 0.5) · (1 + erf) */
    mul2 = fuse_made_by(f, other, "Mul");
    if (!mul2 || f->uses[other] != 1 || fuse_other_input(mul2, x) < 0 ||
        !fuse_constant_scalar(f, fuse_other_input(mul2, x), &half) || half != 0.5f)
      return WISP_OK;
    last = mul1;
  }
  int out = last->out[0];
  fuse_kill(f, erf), fuse_kill(f, add), fuse_kill(f, mul1);
  if (mul2) fuse_kill(f, mul2);
  if (last != mul1) fuse_kill(f, last);
  return fuse_become(f, div, "", "Gelu", &x, 1, out, NULL, 0); /* approximate = none */
}
