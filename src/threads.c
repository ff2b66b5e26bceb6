/* The parallel-for (threads.h). Threaded build: the caller publishes a job and one word saying
 * which generation it is and how many workers take part; workers sleep on that word
 * (memory.atomic.wait32), claim tiles from a shared counter and count themselves out; the caller
 * claims tiles too, then waits for its helpers: it sleeps where it may block (Node, a worker),
 * and spins on a browser's main thread, which may not (the wait is only for the last tiles). */
#include "threads.h"

#include <assert.h>

static int g_threads = 1;

int wisp_threads(void) { return g_threads; }

static int g_caller_blocks;

void wisp_threads_caller_blocks(int yes) { g_caller_blocks = yes; }

void wisp_threads_set(int n) {
  g_threads = n < 1 ? 1 : n > WISP_MAX_THREADS ? WISP_MAX_THREADS : n;
}

typedef struct {
  void (*fn)(size_t n, const float *x, float *y);
  const float *x;
  float *y;
} map_job;

static void map_tile(void *ctx, int thread, size_t i, size_t j, size_t ni, size_t nj) {
  const map_job *m = ctx;
  m->fn(ni, m->x + i, m->y + i);
}

void wisp_parallel_map(void (*fn)(size_t n, const float *x, float *y), size_t n, const float *x,
                       float *y) {
  map_job m = {fn, x, y};
  size_t chunk = (n / ((size_t)wisp_threads() * 4) + 63) / 64 * 64; /* whole vectors */
  if (wisp_threads() == 1 || n < WISP_PARALLEL_MIN_WORK) chunk = n ? n : 1;
  wisp_parallel_2d(n, 1, chunk, 1, map_tile, &m);
}

void wisp_parallel_rows(size_t rows, size_t cost, wisp_tile_2d_fn fn, void *ctx) {
  size_t per = (size_t)wisp_threads() * 4, chunk = (rows + per - 1) / per;
  if (wisp_threads() == 1 || (double)rows * (double)cost < WISP_PARALLEL_MIN_WORK) chunk = rows;
  if (rows) wisp_parallel_2d(rows, 1, chunk, 1, fn, ctx);
}

typedef struct {
  wisp_tile_2d_fn fn;
  void *ctx;
  size_t range_i, range_j, tile_i, tile_j, tiles_j, count;
} job;

static void run_tile(const job *b, int thread, size_t t) {
  size_t i = t / b->tiles_j * b->tile_i, j = t % b->tiles_j * b->tile_j;
  size_t ni = b->range_i - i < b->tile_i ? b->range_i - i : b->tile_i;
  size_t nj = b->range_j - j < b->tile_j ? b->range_j - j : b->tile_j;
  b->fn(b->ctx, thread, i, j, ni, nj);
}

#ifdef __EMSCRIPTEN_PTHREADS__

static job g_job;
static _Thread_local int t_self; /* this thread's id: 0 the caller, 1 … the workers */
static int g_next;               /* the next unclaimed tile */
static int g_pending;            /* helpers still on the current job */
/* generation << 5 | helpers: read once, so a worker never mixes two jobs' headcounts */
static int g_word;

static void claim_tiles(int thread) {
  for (;;) {
    size_t t = (size_t)__atomic_fetch_add(&g_next, 1, __ATOMIC_SEQ_CST);
    if (t >= g_job.count) return;
    run_tile(&g_job, thread, t);
  }
}

void wisp_threads_worker(int id) {
  int seen = 0; /* no job has word 0: a late starter still takes the job it finds */
  t_self = id;
  for (;;) {
    int w;
    for (int spin = 0; (w = __atomic_load_n(&g_word, __ATOMIC_SEQ_CST)) == seen; spin++)
      if (spin > 2000) __builtin_wasm_memory_atomic_wait32(&g_word, seen, -1);
    seen = w;
    if (id <= (w & 31)) { /* workers 1 … helpers */
      claim_tiles(id);
      if (__atomic_sub_fetch(&g_pending, 1, __ATOMIC_SEQ_CST) == 0 && g_caller_blocks)
        __builtin_wasm_memory_atomic_notify(&g_pending, 1);
    }
  }
}

void wisp_parallel_2d(size_t range_i, size_t range_j, size_t tile_i, size_t tile_j,
                      wisp_tile_2d_fn fn, void *ctx) {
  assert(tile_i > 0 && tile_j > 0);
  size_t tiles_i = (range_i + tile_i - 1) / tile_i, tiles_j = (range_j + tile_j - 1) / tile_j;
  job b = {fn, ctx, range_i, range_j, tile_i, tile_j, tiles_j, tiles_i * tiles_j};
  size_t helpers = (size_t)g_threads - 1 < b.count - 1 ? (size_t)g_threads - 1 : b.count - 1;
  static int busy; /* a job is out: a parallel-for inside a tile runs alone */
  if (b.count <= 1 || !helpers || __atomic_load_n(&busy, __ATOMIC_SEQ_CST)) {
    for (size_t t = 0; t < b.count; t++) run_tile(&b, t_self, t);
    return;
  }
  __atomic_store_n(&busy, 1, __ATOMIC_SEQ_CST);
  g_job = b;
  __atomic_store_n(&g_next, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(&g_pending, (int)helpers, __ATOMIC_SEQ_CST);
  static int generation;
  generation = (generation + 1) & 0x3ffffff;
  if (!generation) generation = 1;
  __atomic_store_n(&g_word, generation << 5 | (int)helpers, __ATOMIC_SEQ_CST);
  __builtin_wasm_memory_atomic_notify(&g_word, -1); /* all: any sleeper may be a helper */
  claim_tiles(0);
  int left;
  for (int spin = 0; (left = __atomic_load_n(&g_pending, __ATOMIC_SEQ_CST)); spin++)
    if (g_caller_blocks && spin > 2000) __builtin_wasm_memory_atomic_wait32(&g_pending, left, -1);
  __atomic_store_n(&busy, 0, __ATOMIC_SEQ_CST);
}

#else

void wisp_threads_worker(int id) { assert(!"no workers in this build"); }

void wisp_parallel_2d(size_t range_i, size_t range_j, size_t tile_i, size_t tile_j,
                      wisp_tile_2d_fn fn, void *ctx) {
  assert(tile_i > 0 && tile_j > 0);
  size_t tiles_j = (range_j + tile_j - 1) / tile_j;
  job b = {fn,     ctx,    range_i, range_j,
           tile_i, tile_j, tiles_j, (range_i + tile_i - 1) / tile_i * tiles_j};
  for (size_t t = 0; t < b.count; t++) run_tile(&b, 0, t);
}

#endif
