/* Einsum, the losses, the signal ops, TfIdfVectorizer, StringNormalizer and Cast on bad models:
 * each model in tests/fixtures/bad_ops (made by make_bad_ops.py) must fail at load or at run
 * with an error naming its node; and the models of tests/fixtures/node_extra, truncated and
 * corrupted byte by byte, give errors, never crashes (the sanitizer build runs this too). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.h"
#include "testutil.h"

#define BAD "tests/fixtures/bad_ops/"
#define EXTRA "tests/fixtures/node_extra/"

/* Runs test `name` (node named after it): load, read its inputs, run; returns the status of the
 * first step that fails, with the error in wisp_last_error(). */
static wisp_status load_and_run(const char *name) {
  char path[512];
  size_t len;
  snprintf(path, sizeof path, BAD "test_%s/model.onnx", name);
  char *model = read_file(path, &len);
  CHECK(model != NULL);
  if (!model) return WISP_OK;
  wisp_session *s = NULL;
  wisp_status st = wisp_session_create(model, len, NULL, &s);
  free(model);
  if (st != WISP_OK) return st;
  int n = wisp_session_input_count(s);
  wisp_tensor feeds[8];
  wisp_pool pool = {0};
  for (int i = 0; i < n && i < 8; i++) {
    snprintf(path, sizeof path, BAD "test_%s/test_data_set_0/input_%d.pb", name, i);
    char *bytes = read_file(path, &len);
    CHECK(bytes && wisp_onnx_read_tensor(bytes, len, &pool, &feeds[i], NULL) == WISP_OK);
    free(bytes);
  }
  st = wisp_session_run(s, feeds, n);
  wisp_pool_free(&pool);
  wisp_session_free(s);
  return st;
}

static void test_bad_models(void) {
  DIR *d = opendir(BAD);
  CHECK(d != NULL);
  int seen = 0;
  for (struct dirent *e; d && (e = readdir(d));) {
    if (strncmp(e->d_name, "test_", 5)) continue;
    const char *name = e->d_name + 5;
    wisp_status st = load_and_run(name);
    int named = st != WISP_OK && strstr(wisp_last_error(), name) != NULL;
    if (!named) fprintf(stderr, "%s: status %d, error '%s'\n", name, st, wisp_last_error());
    CHECK(named);
    seen++;
  }
  if (d) closedir(d);
  CHECK(seen >= 28);
}

/* Every truncation and a corruption of every byte of each node_extra model. */
static void test_hostile_models(void) {
  DIR *d = opendir(EXTRA);
  CHECK(d != NULL);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (strncmp(e->d_name, "test_", 5)) continue;
    char path[512];
    size_t len;
    snprintf(path, sizeof path, EXTRA "%s/model.onnx", e->d_name);
    uint8_t *bytes = (uint8_t *)read_file(path, &len);
    CHECK(bytes != NULL);
    if (!bytes) continue;
    uint8_t *copy = malloc(len);
    for (size_t i = 0; i < len; i++) {
      survive(bytes, i, 3);
      static const uint8_t flips[] = {0x00, 0xff, 0x80, 0x7f, 0x01};
      memcpy(copy, bytes, len);
      copy[i] = flips[i % 5];
      survive(copy, len, 3);
    }
    free(copy);
    free(bytes);
  }
  if (d) closedir(d);
}

int main(void) {
  test_bad_models();
  test_hostile_models();
  return check_report("test_bad_ops");
}
