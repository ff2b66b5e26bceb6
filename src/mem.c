#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct wisp_pool_block {
  wisp_pool_block *next;
  void *mem;
};

static void *aligned_block(uint64_t bytes, int zero) {
  if (bytes > WISP_MAX_ALLOC_BYTES) return NULL;
  size_t size = (size_t)(bytes + WISP_PAD + WISP_ALIGN - 1) / WISP_ALIGN * WISP_ALIGN;
  void *p = aligned_alloc(WISP_ALIGN, size);
  if (p && zero) memset(p, 0, size);
  else if (p) memset((char *)p + bytes, 0, size - bytes); /* the over-read padding stays defined */
  return p;
}

void *wisp_aligned_alloc(uint64_t bytes) { return aligned_block(bytes, 1); }

void wisp_aligned_free(void *p) { free(p); }

/* Chunks for small allocations; an allocation over a quarter of one gets its own block. */
#define POOL_CHUNK ((size_t)64 << 10)

static void *new_block(wisp_pool *pool, uint64_t bytes, int zero) {
  wisp_pool_block *b = malloc(sizeof *b);
  if (!b) return NULL;
  b->mem = aligned_block(bytes, zero);
  if (!b->mem) {
    free(b);
    return NULL;
  }
  b->next = pool->blocks;
  pool->blocks = b;
  return b->mem;
}

static void *pool_block(wisp_pool *pool, uint64_t bytes, int zero) {
  if (bytes > POOL_CHUNK / 4) {
    /* behind the current chunk, which stays first for carving */
    wisp_pool_block *chunk = pool->size ? pool->blocks : NULL;
    if (chunk) pool->blocks = chunk->next;
    void *p = new_block(pool, bytes, zero);
    if (chunk) chunk->next = pool->blocks, pool->blocks = chunk;
    return p;
  }
  size_t align = bytes >= WISP_ALIGN ? WISP_ALIGN : 16;
  size_t at = (pool->used + align - 1) / align * align;
  size_t size = (bytes + WISP_PAD + 15) / 16 * 16;
  if (!pool->size || at + size > pool->size) {
    if (!new_block(pool, POOL_CHUNK, 0)) return NULL;
    pool->size = POOL_CHUNK, at = 0;
  }
  char *p = (char *)pool->blocks->mem + at;
  pool->used = at + size;
  if (zero) memset(p, 0, size);
  else memset(p + bytes, 0, size - bytes); /* the over-read padding stays defined */
  return p;
}

void *wisp_pool_alloc(wisp_pool *pool, uint64_t bytes) { return pool_block(pool, bytes, 1); }

void *wisp_pool_alloc_uninit(wisp_pool *pool, uint64_t bytes) { return pool_block(pool, bytes, 0); }

char *wisp_pool_strndup(wisp_pool *pool, const char *s, size_t len) {
  char *d = wisp_pool_alloc(pool, len + 1);
  if (d && len) memcpy(d, s, len);
  return d;
}

void wisp_pool_free(wisp_pool *pool) {
  while (pool->blocks) {
    wisp_pool_block *b = pool->blocks;
    pool->blocks = b->next;
    wisp_aligned_free(b->mem);
    free(b);
  }
  pool->used = pool->size = 0;
}
