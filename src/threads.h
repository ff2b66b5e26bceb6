/* threads.h — a plain parallel-for over 2-D tiles (XNNPACK's pthreadpool_parallelize_2d_tile_2d).
 *
 * fn(ctx, thread, i, j, ni, nj) runs once for every tile [i, i + ni) × [j, j + nj) of
 * [0, range_i) × [0, range_j), on whichever thread takes it: tiles must be independent, and a
 * tile's result must not depend on who runs it, so N threads give exactly the 1-thread result.
 * The caller runs tiles too and returns when all are done. `thread` (0 … wisp_threads() - 1)
 * picks per-thread scratch. A parallel-for inside a tile runs on its thread alone.
 *
 * The threaded wasm build (web/wisp_mt.wasm) hands tiles to workers that share its memory
 * (web/wasm.js starts them; each calls wisp_threads_worker). Every other build runs the tiles in
 * order on the caller: the same partition, so tests of the tiling run natively. */
#ifndef WISP_THREADS_H
#define WISP_THREADS_H

#include <stddef.h>

typedef void (*wisp_tile_2d_fn)(void *ctx, int thread, size_t i, size_t j, size_t ni, size_t nj);

void wisp_parallel_2d(size_t range_i, size_t range_j, size_t tile_i, size_t tile_j,
                      wisp_tile_2d_fn fn, void *ctx);

/* Threads a parallel-for may use (1 to WISP_MAX_THREADS): callers size their tiles for it. */
int wisp_threads(void);
/* Set before a run; in the threaded build workers 1 … n-1 must be in wisp_threads_worker. */
void wisp_threads_set(int n);

/* y[i] = fn(x[i]) for i < n over the threads, in chunks of whole SIMD vectors: a vectorised
 * elementwise kernel (GELU, erf) gives the 1-thread result. */
void wisp_parallel_map(void (*fn)(size_t n, const float *x, float *y), size_t n, const float *x,
                       float *y);

/* fn(ctx, thread, i, 0, ni, 1) for chunks [i, i + ni) of rows [0, rows): about 4 a thread, or
 * one on the caller when one thread or rows · cost (about the elements each row touches) is too
 * little to pay for waking the workers. Each row must be computed the same in any chunk. */
void wisp_parallel_rows(size_t rows, size_t cost, wisp_tile_2d_fn fn, void *ctx);

/* Below this many elements of work a parallel-for costs more than it gains. */
#define WISP_PARALLEL_MIN_WORK 16384

#define WISP_MAX_THREADS 16

/* Per thread where there are threads (wasm32 has TLS only with atomics). */
#ifdef __EMSCRIPTEN_PTHREADS__
#define WISP_THREAD_LOCAL _Thread_local
#else
#define WISP_THREAD_LOCAL
#endif

/* Nonzero where the calling thread may block-wait (Node, a worker; not a page's main thread). */
void wisp_threads_caller_blocks(int yes);

/* A worker's loop (never returns): id 1 … WISP_MAX_THREADS - 1. */
void wisp_threads_worker(int id);

#if defined WISP_PROFILE && defined __EMSCRIPTEN_PTHREADS__
/* bench/op_profile.c's threaded build: parallel-fors handed to helpers, the caller's wait for
 * them after its own tiles, and per thread (0 the caller) tiles run, time in tiles and sleeps in
 * memory.atomic.wait32 (each a wake-up to pay for). */
typedef struct {
  long jobs, tiles[WISP_MAX_THREADS], sleeps[WISP_MAX_THREADS];
  double caller_wait_ms, busy_ms[WISP_MAX_THREADS];
} wisp_threads_stats;
const wisp_threads_stats *wisp_threads_profile(void);
#endif

#endif
