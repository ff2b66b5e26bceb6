/* registry.c — the one table of ops: (domain, op_type, opset versions) -> parse / infer / exec.
 * Rows (table.h) are sorted by domain then op_type (a test checks); lookup is a binary search.
 * A row says which versions of the domain's opset the op's semantics are implemented for: a model
 * importing another version is refused at load, naming the range. An op whose semantics changed
 * inside the range handles each version in its body (node->opset).
 *
 * Built with WISP_EXTRA_MODULE (the WebAssembly core), the E rows of table.h have no definition
 * until web/wisp_extra.wasm is loaded and hands them over (wisp_op_attach_extra). */
#include <string.h>

#include "op.h"
#include "table.h"

#ifdef WISP_EXTRA_MODULE /* E rows are filled in by wisp_op_attach_extra */
#define EXTERN_EXTRA(...)
#define EXTRA_DEF(def) NULL
#define TABLE_CONST
#else
#define EXTERN_EXTRA(...) __VA_ARGS__
#define EXTRA_DEF(def) def
#define TABLE_CONST const
#endif
#define DECLARE(name, since, until) extern const wisp_op_def wisp_op_##name;
#define DECLARE_ML(name, since, until) extern const wisp_op_def wisp_op_ml_##name;
#define DECLARE_MS(name, since, until) extern const wisp_op_def wisp_op_ms_##name;
#define DECLARE_E(name, since, until) EXTERN_EXTRA(DECLARE(name, since, until))
#define DECLARE_E_ML(name, since, until) EXTERN_EXTRA(DECLARE_ML(name, since, until))
#define DECLARE_E_MS(name, since, until) EXTERN_EXTRA(DECLARE_MS(name, since, until))
#define DECLARE_E_WISP(name, since, until) \
  EXTERN_EXTRA(extern const wisp_op_def wisp_op_wisp_##name;)
WISP_OPS(DECLARE, DECLARE_E)
WISP_ML_OPS(DECLARE_ML, DECLARE_E_ML)
WISP_MS_OPS(DECLARE_MS, DECLARE_E_MS)
WISP_OWN_OPS(DECLARE, DECLARE_E_WISP)

typedef struct {
  const char *domain, *op_type;
  const wisp_op_def *def; /* NULL for an extra op not attached yet */
  int since, until;       /* the domain's opset versions whose semantics the op implements */
  int extra;              /* an E row */
} row;
#define ROW(name, since, until) {"", #name, &wisp_op_##name, since, until, 0},
#define ROW_ML(name, since, until) {"ai.onnx.ml", #name, &wisp_op_ml_##name, since, until, 0},
#define ROW_MS(name, since, until) {"com.microsoft", #name, &wisp_op_ms_##name, since, until, 0},
#define ROW_E(name, since, until) {"", #name, EXTRA_DEF(&wisp_op_##name), since, until, 1},
#define ROW_E_ML(name, since, until) \
  {"ai.onnx.ml", #name, EXTRA_DEF(&wisp_op_ml_##name), since, until, 1},
#define ROW_E_MS(name, since, until) \
  {"com.microsoft", #name, EXTRA_DEF(&wisp_op_ms_##name), since, until, 1},
#define ROW_E_WISP(name, since, until) \
  {"wisp", #name, EXTRA_DEF(&wisp_op_wisp_##name), since, until, 1},
static TABLE_CONST row table[] = {WISP_OPS(ROW, ROW_E) WISP_ML_OPS(ROW_ML, ROW_E_ML)
                                      WISP_MS_OPS(ROW_MS, ROW_E_MS) WISP_OWN_OPS(ROW, ROW_E_WISP)};
#define N_ROWS ((int)(sizeof table / sizeof *table))

#ifdef WISP_EXTRA_MODULE
static const char *extra_wanted; /* see wisp_op_extra_wanted */
#endif

static int compare(const char *domain, const char *op_type, const row *r) {
  int c = strcmp(domain, r->domain);
  return c ? c : strcmp(op_type, r->op_type);
}

static const row *find_row(const char *domain, const char *op_type) {
  int lo = 0, hi = N_ROWS - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    int c = compare(domain, op_type, &table[mid]);
#ifdef WISP_EXTRA_MODULE
    if (!c && !table[mid].def && !extra_wanted) extra_wanted = table[mid].op_type;
#endif
    if (!c) return &table[mid];
    if (c < 0) hi = mid - 1;
    else lo = mid + 1;
  }
  return NULL;
}

#ifdef WISP_EXTRA_MODULE
const char *wisp_op_extra_wanted(void) {
  const char *op = extra_wanted;
  extra_wanted = NULL;
  return op;
}

wisp_status wisp_op_attach_extra(const wisp_op_def *const *defs, int n) {
  int k = 0; /* all checked first: a module of another build changes nothing */
  for (int i = 0; i < N_ROWS; i++) {
    if (!table[i].extra) continue;
    const wisp_op_def *d = k < n ? defs[k++] : NULL;
    if (!d || compare(d->domain, d->op_type, &table[i]))
      return wisp_fail(WISP_ERR_INVALID_ARG, "wisp_extra.wasm is not this build's (at %s)",
                       table[i].op_type);
  }
  if (k != n) return wisp_fail(WISP_ERR_INVALID_ARG, "wisp_extra.wasm is not this build's");
  for (int i = 0, j = 0; i < N_ROWS; i++)
    if (table[i].extra) table[i].def = defs[j++];
  return WISP_OK;
}
#endif

const wisp_op_def *wisp_op_find(const char *domain, const char *op_type) {
  const row *r = find_row(domain, op_type);
  return r ? r->def : NULL;
}

wisp_op_lookup wisp_op_resolve(const char *domain, const char *op_type, int64_t opset,
                               const wisp_op_def **def, int *since, int *until) {
  const row *r = find_row(domain, op_type);
  *def = NULL;
  if (!r) return WISP_OP_UNKNOWN;
  *since = r->since, *until = r->until;
  /* opset < 0: the model imports no version of the domain; take the op as wisp knows it */
  if (opset >= 0 && (opset < r->since || opset > r->until)) return WISP_OP_BAD_VERSION;
  *def = r->def;
  return r->def ? WISP_OP_FOUND : WISP_OP_EXTRA;
}

const wisp_op_def *wisp_op_table_entry(int i, int *since, int *until) {
  if (i < 0 || i >= N_ROWS) return NULL;
  if (since) *since = table[i].since;
  if (until) *until = table[i].until;
  return table[i].def;
}

int wisp_op_count(void) { return N_ROWS; }
