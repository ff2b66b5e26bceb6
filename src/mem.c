#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct wisp_pool_block {
  wisp_pool_block *next;
  void *mem;
};

void *wisp_aligned_alloc(size_t bytes) {
  if (bytes > SIZE_MAX - WISP_ALIGN - WISP_PAD) return NULL;
  size_t size = (bytes + WISP_PAD + WISP_ALIGN - 1) / WISP_ALIGN * WISP_ALIGN;
  void *p = aligned_alloc(WISP_ALIGN, size ? size : WISP_ALIGN);
  if (p) memset(p, 0, size ? size : WISP_ALIGN);
  return p;
}

void wisp_aligned_free(void *p) { free(p); }

void *wisp_pool_alloc(wisp_pool *pool, size_t bytes) {
  wisp_pool_block *b = malloc(sizeof *b);
  if (!b) return NULL;
  b->mem = wisp_aligned_alloc(bytes);
  if (!b->mem) {
    free(b);
    return NULL;
  }
  b->next = pool->blocks;
  pool->blocks = b;
  return b->mem;
}

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
}
