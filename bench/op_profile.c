/* op_profile.c — where a model's run time goes, per op type and per node (plan.c built with
 * WISP_PROFILE times every step). Built by the WASM CMake build as build-wasm/op_profile.cjs:
 *   node build-wasm/op_profile.cjs model.onnx [name=1,3,224,224 ...] [--runs N]
 * Symbolic dims default to 1; float inputs get seeded values in [-1, 1), integer inputs 1.
 * build-wasm/op_profile_mt.cjs is the threaded build (Emscripten's pthreads start the helpers
 * that web/threads.js starts in the library): `--threads N` times each step's wall time on N. */
#include <emscripten.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"
#include "threads.h"
#include "wisp.h"

#ifdef __EMSCRIPTEN_PTHREADS__
#include <pthread.h>

static void *helper(void *id) {
  wisp_threads_worker((int)(intptr_t)id);
  return NULL;
}
#endif

#define MAX_ROWS 4096
typedef struct {
  const wisp_op_ctx *c;
  double ms;
} row;
static row rows[MAX_ROWS];
static int n_rows, recording;

double wisp_profile_now(void) { return emscripten_get_now(); }

void wisp_profile_step(const wisp_op_ctx *c, double ms) {
  if (!recording) return;
  for (int i = 0; i < n_rows; i++)
    if (rows[i].c == c) {
      rows[i].ms += ms;
      return;
    }
  if (n_rows < MAX_ROWS) rows[n_rows++] = (row){c, ms};
}

static int by_ms(const void *a, const void *b) {
  double d = ((const row *)b)->ms - ((const row *)a)->ms;
  return (d > 0) - (d < 0);
}

static void shape_str(const wisp_tensor *t, char *buf, size_t n) {
  size_t o = snprintf(buf, n, "(");
  for (int d = 0; d < t->shape.ndim && o < n; d++)
    o += snprintf(buf + o, n - o, d ? ",%lld" : "%lld", (long long)t->shape.dims[d]);
  if (o < n) snprintf(buf + o, n - o, ")");
}

int main(int argc, char **argv) {
  if (argc < 2) return fprintf(stderr, "usage: op_profile model.onnx [name=d,d..] [--runs N]\n"), 2;
  int runs = 20;
  FILE *fp = fopen(argv[1], "rb");
  if (!fp) return perror(argv[1]), 1;
  fseek(fp, 0, SEEK_END);
  long len = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  void *bytes = malloc((size_t)len + 16);
  if (!bytes || fread(bytes, 1, (size_t)len, fp) != (size_t)len) return 1;
  fclose(fp);
  wisp_session *s;
  if (wisp_session_create_owned(bytes, (size_t)len, NULL, &s) != WISP_OK)
    return fprintf(stderr, "%s\n", wisp_last_error()), 1;
  int n_in = wisp_session_input_count(s);
  wisp_tensor feeds[16];
  if (n_in > 16) return 1;
  uint32_t seed = 12345;
  for (int i = 0; i < n_in; i++) {
    wisp_tensor *t = &feeds[i];
    t->dtype = wisp_session_input_dtype(s, i);
    t->shape = *wisp_session_input_shape(s, i);
    for (int d = 0; d < t->shape.ndim; d++)
      if (t->shape.dims[d] < 0) t->shape.dims[d] = 1;
    const char *name = wisp_session_input_name(s, i);
    for (int a = 2; a < argc; a++) {
      size_t nl = strlen(name);
      if (!strncmp(argv[a], name, nl) && argv[a][nl] == '=') {
        char *p = argv[a] + nl + 1;
        t->shape.ndim = 0;
        while (*p && t->shape.ndim < WISP_MAX_DIMS) {
          t->shape.dims[t->shape.ndim++] = strtoll(p, &p, 10);
          if (*p == ',') p++;
        }
      }
    }
    int64_t n = 1;
    for (int d = 0; d < t->shape.ndim; d++) n *= t->shape.dims[d];
    size_t es = wisp_dtype_size(t->dtype);
    t->data = calloc((size_t)n, es);
    for (int64_t k = 0; k < n; k++) {
      seed = seed * 1664525u + 1013904223u;
      if (t->dtype == WISP_DT_FLOAT) ((float *)t->data)[k] = (float)(seed >> 8) / (1 << 23) - 1;
      else if (t->dtype == WISP_DT_INT64) ((int64_t *)t->data)[k] = 1;
      else if (t->dtype == WISP_DT_INT32) ((int32_t *)t->data)[k] = 1;
    }
  }
  int threads = 1;
  for (int a = 2; a + 1 < argc; a++) {
    if (!strcmp(argv[a], "--runs")) runs = atoi(argv[a + 1]);
    if (!strcmp(argv[a], "--threads")) threads = atoi(argv[a + 1]);
  }
#ifdef __EMSCRIPTEN_PTHREADS__
  for (int id = 1; id < threads && id < WISP_MAX_THREADS; id++) {
    pthread_t t;
    if (pthread_create(&t, NULL, helper, (void *)(intptr_t)id)) return perror("pthread_create"), 1;
  }
  wisp_threads_caller_blocks(1);
#endif
  wisp_threads_set(threads);
  for (int r = 0; r < 5; r++)
    if (wisp_session_run(s, feeds, n_in) != WISP_OK)
      return fprintf(stderr, "%s\n", wisp_last_error()), 1;
  recording = 1;
#ifdef __EMSCRIPTEN_PTHREADS__
  wisp_threads_stats before = *wisp_threads_profile();
#endif
  double t0 = emscripten_get_now();
  for (int r = 0; r < runs; r++) wisp_session_run(s, feeds, n_in);
  double total = (emscripten_get_now() - t0) / runs, steps = 0;
#ifdef __EMSCRIPTEN_PTHREADS__
  const wisp_threads_stats *st = wisp_threads_profile();
  printf("per run: %.1f parallel-fors, caller waited %.2f ms after its tiles\n",
         (double)(st->jobs - before.jobs) / runs,
         (st->caller_wait_ms - before.caller_wait_ms) / runs);
  for (int t = 0; t < wisp_threads(); t++)
    printf("  thread %d: %.1f tiles, %.2f ms in tiles, %.1f sleeps\n", t,
           (double)(st->tiles[t] - before.tiles[t]) / runs,
           (st->busy_ms[t] - before.busy_ms[t]) / runs,
           (double)(st->sleeps[t] - before.sleeps[t]) / runs);
#endif
  qsort(rows, n_rows, sizeof *rows, by_ms);
  /* per op type, then the 40 costliest nodes */
  const char *types[256];
  double type_ms[256];
  int type_n[256], nt = 0;
  for (int i = 0; i < n_rows; i++) {
    const char *ty = rows[i].c->node->op_type;
    int k = 0;
    while (k < nt && strcmp(types[k], ty)) k++;
    if (k == nt && nt < 256) types[nt] = ty, type_ms[nt] = 0, type_n[nt] = 0, nt++;
    if (k < nt) type_ms[k] += rows[i].ms / runs, type_n[k]++;
    steps += rows[i].ms / runs;
  }
  printf("run %.2f ms (steps %.2f ms), %d steps, %d threads\n\n%-28s %8s %6s %5s\n", total, steps,
         n_rows, wisp_threads(), "op type", "ms", "%", "nodes");
  for (int a = 0; a < nt; a++) {
    int best = a;
    for (int b = a + 1; b < nt; b++)
      if (type_ms[b] > type_ms[best]) best = b;
    const char *ty = types[a];
    double m = type_ms[a];
    int c = type_n[a];
    types[a] = types[best], type_ms[a] = type_ms[best], type_n[a] = type_n[best];
    types[best] = ty, type_ms[best] = m, type_n[best] = c;
    printf("%-28s %8.3f %6.1f %5d\n", types[a], type_ms[a], 100 * type_ms[a] / steps, type_n[a]);
  }
  printf("\n%-20s %-36s %8s  in -> out\n", "op type", "node", "ms");
  for (int i = 0; i < n_rows && i < 40; i++) {
    const wisp_op_ctx *c = rows[i].c;
    char in[64] = "", out[64] = "";
    if (c->n_in && c->in[0]) shape_str(c->in[0], in, sizeof in);
    if (c->n_out && c->out[0]) shape_str(c->out[0], out, sizeof out);
    printf("%-20s %-36.36s %8.3f  %s -> %s\n", c->node->op_type, c->node->name, rows[i].ms / runs,
           in, out);
  }
  wisp_session_free(s);
  return 0;
}
