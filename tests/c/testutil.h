/* testutil.h — shared by the C tests: read a file, and push any bytes through create + run. */
#ifndef WISP_TEST_UTIL_H
#define WISP_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "wisp.h"

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(*len + 1);
  if (fread(buf, 1, *len, f) != *len) *len = 0;
  fclose(f);
  return buf;
}

/* Creating from any bytes returns a status; if it loads, a run with zero inputs (symbolic dims
 * set to sym_dim; NULL strings for string inputs) also returns one, and string outputs point at
 * real strings. Under the sanitizer build this catches any out-of-bounds access. */
/* A session over the model file at path (a failed CHECK, and NULL, when it does not load). */
static inline wisp_session *open_session(const char *path) {
  size_t len;
  char *bytes = read_file(path, &len);
  wisp_session *s = NULL;
  CHECK(bytes && wisp_session_create(bytes, len, NULL, &s) == WISP_OK);
  if (!s) fprintf(stderr, "%s: %s\n", path, wisp_last_error());
  free(bytes);
  return s;
}

static inline void survive(const void *bytes, size_t len, int64_t sym_dim) {
  wisp_session *s = NULL;
  if (wisp_session_create(bytes, len, NULL, &s) != WISP_OK) {
    CHECK(s == NULL && wisp_last_error()[0] != 0);
    return;
  }
  int n = wisp_session_input_count(s);
  wisp_tensor feeds[8];
  static double data[4096];
  int ok = n <= 8;
  for (int i = 0; ok && i < n; i++) {
    const wisp_shape *shape = wisp_session_input_shape(s, i);
    feeds[i].dtype = wisp_session_input_dtype(s, i);
    feeds[i].shape = shape ? *shape : (wisp_shape){0};
    feeds[i].data = data;
    for (int d = 0; d < feeds[i].shape.ndim; d++)
      if (feeds[i].shape.dims[d] < 0) feeds[i].shape.dims[d] = sym_dim;
    ok = wisp_shape_numel(&feeds[i].shape) * 8 <= (int64_t)sizeof data;
  }
  if (ok && wisp_session_run(s, feeds, n) == WISP_OK) {
    for (int i = 0; i < wisp_session_output_count(s); i++) {
      const wisp_tensor *t = wisp_session_output(s, i);
      CHECK(t != NULL);
      if (t && t->dtype == WISP_DT_STRING)
        for (int64_t k = 0; k < wisp_shape_numel(&t->shape); k++) {
          const char *str = ((const char *const *)t->data)[k];
          CHECK(!str || strlen(str) < 1000000);
        }
    }
  }
  wisp_session_free(s);
}

/* Every truncation of a model, then a byte changed at each offset: each must fail or run
 * cleanly (survive). */
static inline void survive_mutations(const void *model, size_t len, int64_t sym_dim) {
  static const uint8_t flips[] = {0x00, 0xff, 0x80, 0x7f};
  for (size_t cut = 0; cut < len; cut++) survive(model, cut, sym_dim);
  uint8_t *copy = malloc(len);
  for (size_t i = 0; copy && i < len; i++) {
    memcpy(copy, model, len);
    copy[i] = flips[i % 4];
    survive(copy, len, sym_dim);
  }
  free(copy);
}

#endif
