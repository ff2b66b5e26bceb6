/* extra.c — the entry point of web/wisp_extra.wasm (and wisp_extra_mt.wasm): the rare op
 * families, table.h's E rows, linked apart from the core so that only models using them download
 * them. An Emscripten side module: position-independent, it imports the core's memory, function
 * table and the core functions it calls (malloc, wisp_fail, tensor and GEMM helpers: one heap,
 * one error state), and web/wasm.js places its data in a block of the core's heap and its
 * functions at the end of the core's table before calling wisp_extra_attach.
 *
 * Its code runs only on the thread that runs the session: no op here hands a function of its own
 * to wisp_parallel_* (their GEMMs go through the core's, whose tiles are the core's functions),
 * so helper threads, whose tables do not have these functions, never call one. */
#include "../ops/op.h"
#include "../ops/table.h"

#define SKIP(name, since, until)
#define DECLARE(name, since, until) extern const wisp_op_def wisp_op_##name;
#define DECLARE_ML(name, since, until) extern const wisp_op_def wisp_op_ml_##name;
#define DECLARE_MS(name, since, until) extern const wisp_op_def wisp_op_ms_##name;
#define DECLARE_WISP(name, since, until) extern const wisp_op_def wisp_op_wisp_##name;
WISP_OPS(SKIP, DECLARE)
WISP_ML_OPS(SKIP, DECLARE_ML)
WISP_MS_OPS(SKIP, DECLARE_MS)
WISP_OWN_OPS(SKIP, DECLARE_WISP)

#define DEF(name, since, until) &wisp_op_##name,
#define DEF_ML(name, since, until) &wisp_op_ml_##name,
#define DEF_MS(name, since, until) &wisp_op_ms_##name,
#define DEF_WISP(name, since, until) &wisp_op_wisp_##name,
static const wisp_op_def *const defs[] = {WISP_OPS(SKIP, DEF) WISP_ML_OPS(SKIP, DEF_ML) WISP_MS_OPS(
    SKIP, DEF_MS) WISP_OWN_OPS(SKIP, DEF_WISP)};

/* Hands the ops to the core's table (registry.c); 0 on success, else a status whose message is
 * the core's last error. */
__attribute__((used, visibility("default"))) int wisp_extra_attach(void) {
  return wisp_op_attach_extra(defs, (int)(sizeof defs / sizeof *defs));
}
