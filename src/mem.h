/* mem.h — a pool: many allocations freed together (a loaded graph, a plan's folded constants).
 * Small allocations are carved from shared chunks (a graph of 200,000 nodes makes a million of
 * them: one malloc each was most of its load time); large ones get a block of their own. */
#ifndef WISP_MEM_H
#define WISP_MEM_H

#include <stddef.h>
#include <stdint.h>

/* Every allocation is padded by 16 bytes so SIMD kernels may over-read, and aligned to 64 bytes
 * (16 for pool allocations under 64 bytes: names and small arrays). */
#define WISP_ALIGN 64
#define WISP_PAD 16

typedef struct wisp_pool_block wisp_pool_block;
typedef struct {
  wisp_pool_block *blocks; /* the first is the chunk being carved, if any */
  size_t used, size;       /* of that chunk */
} wisp_pool;

/* Zeroed memory owned by the pool; NULL when out of memory. */
void *wisp_pool_alloc(wisp_pool *pool, uint64_t bytes);
/* The same, not zeroed: for buffers about to be filled whole (initializers: zeroing 100 MB of
 * weights costs a tenth of a model's load). */
void *wisp_pool_alloc_uninit(wisp_pool *pool, uint64_t bytes);
/* A NUL-terminated copy of (s, len). */
char *wisp_pool_strndup(wisp_pool *pool, const char *s, size_t len);
void wisp_pool_free(wisp_pool *pool);

/* No single block is larger: a 32-bit address space cannot hold one next to a model, and sizes
 * are passed in 64 bits so a product that would wrap a 32-bit size_t is refused, not shrunk. */
#define WISP_MAX_ALLOC_BYTES ((uint64_t)1 << 31)

/* Aligned, padded, zeroed heap memory for buffers that outlive a pool (arenas, packed weights);
 * NULL when out of memory or over WISP_MAX_ALLOC_BYTES. */
void *wisp_aligned_alloc(uint64_t bytes);
void wisp_aligned_free(void *p);

#endif
