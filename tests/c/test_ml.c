/* ai.onnx.ml ops from C: string tensors in and out, ZipMap's map keys, the op table's order,
 * and every ml fixture (tests/fixtures/tabular) truncated and corrupted byte by byte — errors,
 * never crashes (the sanitizer build runs this too). Numbers are checked against onnxruntime in
 * tests/js/tabular.test.js. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "ops/op.h"
#include "wisp.h"

#define TAB "tests/fixtures/tabular/"

/* Truncations and single-byte corruptions at up to ~3000 evenly spread positions. */
static void hostile(const char *path) {
  size_t len;
  uint8_t *bytes = (uint8_t *)read_file(path, &len);
  CHECK(bytes != NULL);
  if (!bytes) return;
  survive(bytes, len, 3);
  size_t step = len / 1500 + 1;
  uint8_t *copy = malloc(len);
  for (size_t i = 0; i < len; i += step) {
    survive(bytes, i, 3);
    static const uint8_t flips[] = {0x00, 0xff, 0x80, 0x7f, 0x01};
    memcpy(copy, bytes, len);
    copy[i] = flips[(i / step) % 5];
    survive(copy, len, 3);
  }
  free(copy);
  free(bytes);
}

static void test_strings_and_zipmap(void) {
  /* Imputer -> Scaler -> TreeEnsembleClassifier (string labels) -> ZipMap */
  wisp_session *s = open_session(TAB "ops/pipeline_zipmap.onnx");
  if (!s) return;
  CHECK(wisp_session_output_count(s) == 3);
  CHECK(wisp_session_output_map_keys(s, 0) == 0 && wisp_session_output_map_keys(s, 1) == 0);
  CHECK(wisp_session_output_map_keys(s, 2) == 3);
  int64_t ik = -1;
  CHECK(!strcmp(wisp_session_output_map_key(s, 2, 0, &ik), "low"));
  CHECK(!strcmp(wisp_session_output_map_key(s, 2, 2, &ik), "high"));
  CHECK(wisp_session_output_map_key(s, 2, 3, &ik) == NULL);
  float x[2 * 5] = {0, 1, 0.5f, -1, 0, 0.25f, 0.75f, 1, -0.5f, 0};
  x[3] = 0.0f / 0.0f; /* a NaN for the Imputer */
  wisp_tensor feed = {WISP_DT_FLOAT, {2, {2, 5}}, x};
  CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
  const wisp_tensor *label = wisp_session_output(s, 0), *p = wisp_session_output(s, 1),
                    *zipped = wisp_session_output(s, 2);
  CHECK(label->dtype == WISP_DT_STRING && label->shape.ndim == 1 && label->shape.dims[0] == 2);
  CHECK(zipped->dtype == WISP_DT_FLOAT && zipped->shape.dims[1] == 3);
  CHECK(!memcmp(p->data, zipped->data, 6 * sizeof(float)));
  for (int r = 0; r < 2; r++) {
    const char *l = ((const char *const *)label->data)[r];
    const float *pr = (const float *)p->data + 3 * r;
    int best = pr[1] > pr[0] ? 1 : 0;
    best = pr[2] > pr[best] ? 2 : best;
    CHECK(!strcmp(l, (const char *[]){"low", "mid", "high"}[best]));
    CHECK(pr[0] + pr[1] + pr[2] > 0.999f && pr[0] + pr[1] + pr[2] < 1.001f);
  }
  wisp_session_free(s);

  /* strings in: LabelEncoder string -> int64 */
  s = open_session(TAB "ops/labelenc_str_int.onnx");
  if (!s) return;
  const char *words[4] = {"blue", "nope", NULL, "red"};
  wisp_tensor sf = {WISP_DT_STRING, {1, {4}}, (void *)words};
  CHECK(wisp_session_input_dtype(s, 0) == WISP_DT_STRING);
  CHECK(wisp_session_run(s, &sf, 1) == WISP_OK);
  const int64_t *y = wisp_session_output(s, 0)->data;
  CHECK(y[0] == 30 && y[1] == -7 && y[2] == -7 && y[3] == 10);
  wisp_tensor wrong = {WISP_DT_FLOAT, {1, {4}}, (void *)words};
  CHECK(wisp_session_run(s, &wrong, 1) == WISP_ERR_INVALID_ARG);
  wisp_session_free(s);
}

static void test_table_lookup(void) {
  CHECK(wisp_op_find("ai.onnx.ml", "TreeEnsembleClassifier") != NULL);
  CHECK(wisp_op_find("ai.onnx.ml", "ZipMap") != NULL);
  CHECK(wisp_op_find("", "TreeEnsembleClassifier") == NULL);
}

int main(void) {
  test_table_lookup();
  test_strings_and_zipmap();
  DIR *d = opendir(TAB "ops");
  int files = 0;
  for (struct dirent *e; d && (e = readdir(d));) {
    size_t l = strlen(e->d_name);
    if (l < 5 || strcmp(e->d_name + l - 5, ".onnx")) continue;
    char path[512];
    snprintf(path, sizeof path, TAB "ops/%s", e->d_name);
    hostile(path);
    files++;
  }
  if (d) closedir(d);
  CHECK(files >= 40);
  hostile("models/breast-cancer-gbt/onnx/model.onnx");
  hostile("models/breast-cancer-mlp/onnx/model.onnx");
  hostile(TAB "wine-hgb/onnx/model.onnx");
  printf("test_ml: %d ml fixtures truncated and corrupted\n", files + 3);
  return check_report("test_ml");
}
