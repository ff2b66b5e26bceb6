/* The parallel-for (threads.h). Threaded build: the caller publishes a job and one word saying
 * which generation it is and how many workers take part; workers wait on that word, then claim
 * tiles from a counter tagged with the job's generation, so a worker that wakes late takes no
 * tile of a later job, and the caller, which claims tiles too, waits only for tiles in progress,
 * never for a helper that has not started. Waits spin briefly, then sleep
 * (memory.atomic.wait32) where the thread may block; a browser's main thread may not, and spins
 * (its wait is only for the last tiles). */
#include "threads.h"

#include <assert.h>
#include <stdint.h>

#ifdef __EMSCRIPTEN_PTHREADS__
#include <emscripten.h>
#endif

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

#ifdef WISP_PROFILE /* bench/op_profile.c: where the threads' time goes */
double wisp_profile_now(void);
static wisp_threads_stats g_stats;
const wisp_threads_stats *wisp_threads_profile(void) { return &g_stats; }
#define PROFILE(x) x
#else
#define PROFILE(x)
#endif

/* Spin this long for the next job or for the helpers' last tiles before sleeping in
 * memory.atomic.wait32: longer than most of a model's serial steps between two parallel-fors,
 * so a helper is rarely woken from a sleep (which makes it start the job late) within a run;
 * short, since a spinning helper takes a core from other work on a loaded machine. The clock
 * is read every SPIN_CHECK turns (a call out to JS). */
#define SPIN_MS 0.1
#define SPIN_CHECK 1024

/* Waits until *word differs from seen (thread: whose wait, for the profile); spins, then sleeps
 * where it may. Returns the new value. */
static int wait_change(int *word, int seen, int may_sleep, int thread) {
  double until = 0;
  int w;
  for (unsigned spin = 1; (w = __atomic_load_n(word, __ATOMIC_SEQ_CST)) == seen; spin++) {
    if (!may_sleep || spin % SPIN_CHECK) continue;
    double now = emscripten_get_now();
    if (!until) until = now + SPIN_MS;
    else if (now > until) {
      PROFILE(g_stats.sleeps[thread]++);
      __builtin_wasm_memory_atomic_wait32(word, seen, -1);
    }
  }
  return w;
}

static job g_job;
static _Thread_local int t_self; /* this thread's id: 0 the caller, 1 … the workers */
/* generation << 32 | tiles left: tile count - left is the next; a claim is a compare-exchange
 * that fails once the job is another, and the job cannot change while a claimed tile runs */
static uint64_t g_claim;
static int g_done; /* tiles of the current job finished */
/* generation << 5 | helpers: read once, so a worker never mixes two jobs' headcounts */
static int g_word;

/* Runs tiles of job `gen` while there are any; returns when none is left to claim. */
static void claim_tiles(int thread, uint32_t gen) {
  PROFILE(double t0 = wisp_profile_now());
  uint64_t c = __atomic_load_n(&g_claim, __ATOMIC_SEQ_CST);
  for (;;) {
    if ((uint32_t)(c >> 32) != gen || !(uint32_t)c) break;
    if (!__atomic_compare_exchange_n(&g_claim, &c, c - 1, 1, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
      continue;
    size_t count = g_job.count;
    run_tile(&g_job, thread, count - (uint32_t)c);
    PROFILE(g_stats.tiles[thread]++);
    if ((size_t)__atomic_add_fetch(&g_done, 1, __ATOMIC_SEQ_CST) == count && thread &&
        g_caller_blocks)
      __builtin_wasm_memory_atomic_notify(&g_done, 1);
    c = __atomic_load_n(&g_claim, __ATOMIC_SEQ_CST);
  }
  PROFILE(g_stats.busy_ms[thread] += wisp_profile_now() - t0);
}

void wisp_threads_worker(int id) {
  int seen = 0; /* no job has word 0: a late starter still takes the job it finds */
  t_self = id;
  for (;;) {
    int w = seen = wait_change(&g_word, seen, 1, id);
    if (id <= (w & 31)) claim_tiles(id, (uint32_t)w >> 5); /* workers 1 … helpers */
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
  static uint32_t generation;
  generation = (generation + 1) & 0x3ffffff;
  if (!generation) generation = 1;
  g_job = b;
  __atomic_store_n(&g_done, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(&g_claim, (uint64_t)generation << 32 | b.count, __ATOMIC_SEQ_CST);
  __atomic_store_n(&g_word, (int)(generation << 5 | helpers), __ATOMIC_SEQ_CST);
  __builtin_wasm_memory_atomic_notify(&g_word, -1); /* all: any sleeper may be a helper */
  claim_tiles(0, generation);
  PROFILE(double t0 = wisp_profile_now(); g_stats.jobs++);
  for (int done; (size_t)(done = __atomic_load_n(&g_done, __ATOMIC_SEQ_CST)) < b.count;)
    wait_change(&g_done, done, g_caller_blocks, 0);
  PROFILE(g_stats.caller_wait_ms += wisp_profile_now() - t0);
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
