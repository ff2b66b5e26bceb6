/* The com.microsoft contrib fixtures (tests/fixtures/contrib; their values are checked against
 * onnxruntime in tests/js/contrib.test.js) natively, for memory safety under the sanitizer build:
 * each runs with int32 masks and lengths at odd values (zero, negative, past the sequence:
 * every key masked or none) and must give finite outputs; then every truncation and byte
 * corruption of the small ones must fail or run cleanly. Also the nchwc refusal and bad
 * attributes named in errors. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pbwrite.h"
#include "testutil.h"
#include "wisp.h"

#define DIR "tests/fixtures/contrib/"

/* Runs s with floats in [-1, 1) and every integer input filled with `fill`; checks the outputs
 * are finite, or (want_ok 0) that the run fails, saying a value is out of range. */
static void run_filled(wisp_session *s, const char *name, int32_t fill, int want_ok) {
  int n = wisp_session_input_count(s);
  wisp_tensor feeds[32];
  void *bufs[32] = {0};
  CHECK(n <= 32);
  for (int i = 0; i < n && i < 32; i++) {
    feeds[i].dtype = wisp_session_input_dtype(s, i);
    feeds[i].shape = *wisp_session_input_shape(s, i);
    int64_t count = wisp_shape_numel(&feeds[i].shape);
    bufs[i] = feeds[i].data = malloc((size_t)count * 8 + 8);
    for (int64_t j = 0; j < count; j++) {
      switch (feeds[i].dtype) {
        case WISP_DT_INT32: ((int32_t *)bufs[i])[j] = fill; break;
        case WISP_DT_INT64: ((int64_t *)bufs[i])[j] = fill; break;
        case WISP_DT_UINT8:
        case WISP_DT_INT8: ((uint8_t *)bufs[i])[j] = (uint8_t)(fill + j); break;
        default: ((float *)bufs[i])[j] = (float)((j * 7919 + i * 104729) % 2000) / 1000.0f - 1.0f;
      }
    }
  }
  wisp_status st = wisp_session_run(s, feeds, n);
  CHECK(want_ok ? st == WISP_OK : st == WISP_ERR_INVALID_ARG && strstr(wisp_last_error(), "range"));
  if ((st == WISP_OK) != want_ok) printf("%s (ints %d): %s\n", name, fill, wisp_last_error());
  else if (!want_ok && !strstr(wisp_last_error(), "range"))
    printf("%s: %s\n", name, wisp_last_error());
  for (int k = 0; st == WISP_OK && k < wisp_session_output_count(s); k++) {
    const wisp_tensor *y = wisp_session_output(s, k);
    int finite = 1;
    for (int64_t j = 0; j < wisp_shape_numel(&y->shape); j++)
      finite &= isfinite(((float *)y->data)[j]);
    CHECK(finite);
    if (!finite) printf("%s (ints %d): output %d is not finite\n", name, fill, k);
  }
  for (int i = 0; i < n && i < 32; i++) free(bufs[i]);
}

/* Runs the model at `path` with its integer inputs filled with each of fills[0..n) (valid[f]:
 * the run must succeed, else fail cleanly), then, when hostile, every truncation and corruption. */
static void run_fixture(const char *path, const char *name, const int32_t *fills, const int *valid,
                        int n, int hostile) {
  size_t len;
  char *bytes = read_file(path, &len);
  CHECK(bytes != NULL);
  if (!bytes) return;
  wisp_session *s = NULL;
  CHECK(wisp_session_create(bytes, len, NULL, &s) == WISP_OK);
  if (s) {
    for (int f = 0; f < n; f++) run_filled(s, name, fills[f], valid[f]);
    wisp_session_free(s);
  }
  if (hostile) survive_mutations(bytes, len, 1);
  printf("%s: ran%s\n", name, hostile ? ", every truncation and corruption survived" : "");
  free(bytes);
}

/* ids > 0: the integer inputs index tables (ids, positions), where fills in [0, ids) are valid
 * and others must fail the run. */
static void test_fixture(const char *file, int hostile, int ids) {
  char path[256];
  snprintf(path, sizeof path, DIR "%s", file);
  static const int32_t fills[] = {1, 0, -5, 1000, 3};
  int valid[5];
  for (int f = 0; f < 5; f++) valid[f] = !ids || (fills[f] >= 0 && fills[f] < ids);
  run_fixture(path, file, fills, valid, 5, hostile);
}

/* GatherBlockQuantized fixtures (tests/fixtures/precision/gbq, checked against onnxruntime in
 * tests/js/precision.test.js) over a table of `rows`: indices in [-rows, rows) run, others fail
 * naming the range; then every truncation and corruption. */
static void test_gbq(const char *file, int rows) {
  char path[256];
  snprintf(path, sizeof path, "tests/fixtures/precision/gbq/%s", file);
  const int32_t fills[] = {0, rows - 1, -rows, rows, -rows - 1};
  static const int valid[] = {1, 1, 1, 0, 0};
  run_fixture(path, file, fills, valid, 5, 1);
}

/* com.microsoft op(x, x, ...) -> y, x (2, 4, 8, 8), with one attribute: an int when `value` is
 * a number, else a string. Creating it must fail with an error naming the node. */
static void test_bad_attribute(const char *op, int n_in, const char *attr, const char *value) {
  int64_t dims[] = {2, 4, 8, 8};
  pbw node = {0}, a = {0}, graph = {0}, opset = {0}, ms = {0}, model = {0};
  for (int i = 0; i < n_in; i++) pbw_str(&node, 1, "x");
  pbw_str(&node, 2, "y");
  pbw_str(&node, 3, "bad_node");
  pbw_str(&node, 4, op);
  pbw_str(&a, 1, attr);
  char *end;
  long v = strtol(value, &end, 10);
  if (*end) pbw_int(&a, 20, 3), pbw_str(&a, 4, value);  /* STRING */
  else pbw_int(&a, 20, 2), pbw_int(&a, 3, (uint64_t)v); /* INT */
  pbw_msg(&node, 5, &a);
  pbw_str(&node, 7, "com.microsoft");
  pbw_msg(&graph, 1, &node);
  pbw in = pbw_value_info("x", 4, dims), out = pbw_value_info("y", 4, dims);
  pbw_msg(&graph, 11, &in);
  pbw_msg(&graph, 12, &out);
  pbw_int(&opset, 2, 17);
  pbw_str(&ms, 1, "com.microsoft"), pbw_int(&ms, 2, 1);
  pbw_int(&model, 1, 8);
  pbw_msg(&model, 8, &opset);
  pbw_msg(&model, 8, &ms);
  pbw_msg(&model, 7, &graph);
  wisp_session *s = NULL;
  CHECK(wisp_session_create(model.buf, model.len, NULL, &s) != WISP_OK && s == NULL);
  CHECK(strstr(wisp_last_error(), "bad_node") != NULL);
  printf("%s %s=%s: %s\n", op, attr, value, wisp_last_error());
}

int main(void) {
  test_fixture("fused_conv.onnx", 0, 0);
  test_fixture("fused_gemm.onnx", 1, 0);
  test_fixture("fused_matmul.onnx", 1, 0);
  test_fixture("gelu.onnx", 1, 0);
  test_fixture("norms.onnx", 1, 0);
  test_fixture("attention.onnx", 1, 0);
  test_fixture("bias_add.onnx", 1, 0);
  test_fixture("bias_softmax.onnx", 1, 0);
  test_fixture("matmul_integer_to_float.onnx", 1, 0);
  test_fixture("embed_layer_norm.onnx", 1, 2); /* 2 segments */
  test_fixture("rotary.onnx", 1, 12);          /* 16 positions, offset + 5 */

  test_gbq("b4_zp.onnx", 10);
  test_gbq("b4_rank3_zp.onnx", 5);
  test_gbq("b8_zp.onnx", 9);
  test_gbq("b2_zp.onnx", 6);

  test_bad_attribute("FusedConv", 2, "activation", "Swish");
  test_bad_attribute("FusedGemm", 2, "activation", "Softmax");
  test_bad_attribute("Attention", 2, "num_heads", "0");
  test_bad_attribute("MultiHeadAttention", 3, "num_heads", "-2");
  test_bad_attribute("Attention", 2, "do_rotary", "1");
  test_bad_attribute("SkipLayerNormalization", 3, "stash_type", "0");

  /* the contrib ops are only onnxruntime's: in the ONNX domain they are unknown */
  int64_t dims[] = {2, 3};
  pbw plain = pbw_unary_model("FusedConv", 2, dims);
  wisp_session *s = NULL;
  CHECK(wisp_session_create(plain.buf, plain.len, NULL, &s) == WISP_ERR_UNSUPPORTED);
  CHECK(strstr(wisp_last_error(), "unsupported ops: FusedConv") != NULL);

  size_t len;
  char *nchwc = read_file(DIR "nchwc.onnx", &len);
  CHECK(nchwc && wisp_session_create(nchwc, len, NULL, &s) == WISP_ERR_UNSUPPORTED);
  CHECK(strstr(wisp_last_error(), "not portable") && strstr(wisp_last_error(), "'extended'"));
  free(nchwc);
  return check_report("test_contrib");
}
