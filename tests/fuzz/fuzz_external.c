/* libFuzzer target: external data and extra outputs. Input layout (tests/fuzz/make_seeds.py
 * writes valid seeds):
 *   u8 flags, u8 n_extra, n_extra x (u8 len, name bytes), u16 ext_len (LE), ext_len bytes of
 *   external data, then the model.
 * Every location the model names gets the external bytes (truncated by half when flags & 1, left
 * out when flags & 2); the session is created with the extra outputs asked for and, when that
 * succeeds, run twice with small zero inputs and every output read. */
#include <stdint.h>
#include <string.h>

#include "wisp.h"

#define MAX_FILES 8

typedef struct {
  const char *names[MAX_FILES];
  char store[MAX_FILES][256];
  int n;
} locations;

static void add_location(void *user, const char *location, uint64_t end) {
  locations *l = user;
  (void)end;
  for (int i = 0; i < l->n; i++)
    if (!strcmp(l->names[i], location)) return;
  if (l->n == MAX_FILES) return;
  strncpy(l->store[l->n], location, 255);
  l->store[l->n][255] = 0;
  l->names[l->n] = l->store[l->n];
  l->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t at = 0;
  if (size < 4) return 0;
  uint8_t flags = data[at++];
  int n_extra = data[at++] % 9;
  static char names[8][256];
  const char *extra[8];
  for (int i = 0; i < n_extra; i++) {
    if (at >= size) return 0;
    size_t len = data[at++];
    if (len > size - at) return 0;
    memcpy(names[i], data + at, len);
    names[i][len] = 0;
    extra[i] = names[i];
    at += len;
  }
  if (size - at < 2) return 0;
  size_t ext_len = data[at] | (size_t)data[at + 1] << 8;
  at += 2;
  if (ext_len > size - at) return 0;
  const uint8_t *ext = data + at;
  at += ext_len;
  const uint8_t *model = data + at;
  size_t model_len = size - at;

  locations locs = {0};
  if (wisp_model_external_files(model, model_len, add_location, &locs) != WISP_OK) return 0;
  wisp_external_file files[MAX_FILES];
  int n_files = 0;
  for (int i = 0; i < locs.n; i++) {
    if ((flags & 2) && i == 0) continue;
    files[n_files++] = (wisp_external_file){locs.names[i], ext, flags & 1 ? ext_len / 2 : ext_len};
  }
  wisp_options opts = {files, n_files, NULL, extra, n_extra};
  wisp_session *s;
  if (wisp_session_create(model, model_len, &opts, &s) != WISP_OK) return 0;
  static uint8_t zeros[1 << 16];
  int n = wisp_session_input_count(s);
  wisp_tensor feeds[16];
  int ok = n <= 16;
  for (int i = 0; ok && i < n; i++) {
    const wisp_shape *shape = wisp_session_input_shape(s, i);
    feeds[i] =
        (wisp_tensor){wisp_session_input_dtype(s, i), shape ? *shape : (wisp_shape){0}, zeros};
    for (int d = 0; d < feeds[i].shape.ndim; d++)
      if (feeds[i].shape.dims[d] < 0) feeds[i].shape.dims[d] = 1 + (flags >> 4) % 3;
    ok = feeds[i].dtype != WISP_DT_STRING && wisp_shape_check(&feeds[i].shape, "fuzz") == WISP_OK &&
         wisp_shape_numel(&feeds[i].shape) * 8 <= (int64_t)sizeof zeros;
  }
  for (int run = 0; ok && run < 2; run++) {
    if (wisp_session_run(s, feeds, n) != WISP_OK) break;
    volatile uint8_t sink = 0;
    for (int o = 0; o < wisp_session_output_count(s); o++) {
      const wisp_tensor *t = wisp_session_output(s, o);
      if (!t || t->dtype == WISP_DT_STRING) continue;
      size_t bytes = wisp_tensor_bytes(t);
      for (size_t k = 0; k < bytes; k++) sink ^= ((const uint8_t *)t->data)[k];
    }
    (void)sink;
  }
  wisp_session_free(s);
  return 0;
}
