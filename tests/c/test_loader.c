/* Loader and session on good, broken and hostile models: errors, never crashes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "pbwrite.h"
#include "wisp.h"


static void test_relu_model(void) {
  int64_t dims[] = {-1, 3};
  pbw m = pbw_unary_model("Relu", 2, dims);
  wisp_session *s;
  CHECK(wisp_session_create(m.buf, m.len, NULL, &s) == WISP_OK);
  CHECK(wisp_session_input_count(s) == 1 && !strcmp(wisp_session_input_name(s, 0), "x"));
  CHECK(wisp_session_output_count(s) == 1 && !strcmp(wisp_session_output_name(s, 0), "y"));
  CHECK(wisp_session_input_shape(s, 0)->dims[0] == -1);
  CHECK(!strcmp(wisp_session_input_dim_name(s, 0, 0), "N"));

  float x[6] = {-1, 2, -3, 4, -5, 6};
  wisp_tensor feed = {WISP_DT_FLOAT, {2, {2, 3}}, x};
  CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
  const wisp_tensor *y = wisp_session_output(s, 0);
  CHECK(y->shape.ndim == 2 && y->shape.dims[0] == 2 && y->shape.dims[1] == 3);
  const float want[6] = {0, 2, 0, 4, 0, 6};
  CHECK(!memcmp(y->data, want, sizeof want));
  const void *first_data = y->data;

  /* same shapes: the same plan and arena are reused */
  CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
  CHECK(wisp_session_output(s, 0)->data == first_data);

  /* wrong rank, wrong fixed dim, wrong dtype, wrong feed count: errors that say why */
  wisp_tensor bad = {WISP_DT_FLOAT, {1, {6}}, x};
  CHECK(wisp_session_run(s, &bad, 1) == WISP_ERR_INVALID_ARG);
  CHECK(strstr(wisp_last_error(), "input 'x'") != NULL);
  bad = (wisp_tensor){WISP_DT_FLOAT, {2, {3, 2}}, x};
  CHECK(wisp_session_run(s, &bad, 1) == WISP_ERR_INVALID_ARG);
  bad = (wisp_tensor){WISP_DT_INT64, {2, {1, 3}}, x};
  CHECK(wisp_session_run(s, &bad, 1) == WISP_ERR_INVALID_ARG);
  CHECK(strstr(wisp_last_error(), "float32") != NULL);
  CHECK(wisp_session_run(s, &feed, 0) == WISP_ERR_INVALID_ARG);

  /* a new batch size re-plans; the session still works after the errors */
  feed.shape.dims[0] = 1;
  CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
  y = wisp_session_output(s, 0);
  CHECK(y->shape.dims[0] == 1 && ((float *)y->data)[1] == 2 && ((float *)y->data)[0] == 0);
  wisp_session_free(s);
}

static void test_unknown_op(void) {
  int64_t dims[] = {2};
  pbw m = pbw_unary_model("FooBar", 1, dims);
  wisp_session *s = NULL;
  CHECK(wisp_session_create(m.buf, m.len, NULL, &s) == WISP_ERR_UNSUPPORTED);
  CHECK(s == NULL);
  CHECK(strstr(wisp_last_error(), "FooBar") && strstr(wisp_last_error(), "the_node"));
}

static void test_undefined_input(void) {
  /* a node reading a value nothing defines */
  pbw node = {0}, graph = {0}, opset = {0}, model = {0};
  pbw_str(&node, 1, "nowhere");
  pbw_str(&node, 2, "y");
  pbw_str(&node, 4, "Relu");
  pbw_msg(&graph, 1, &node);
  int64_t dims[] = {2};
  pbw in = pbw_value_info("x", 1, dims), out = pbw_value_info("y", 1, dims);
  pbw_msg(&graph, 11, &in);
  pbw_msg(&graph, 12, &out);
  pbw_int(&opset, 2, 13);
  pbw_msg(&model, 8, &opset);
  pbw_msg(&model, 7, &graph);
  wisp_session *s;
  CHECK(wisp_session_create(model.buf, model.len, NULL, &s) == WISP_ERR_INVALID_MODEL);
  CHECK(strstr(wisp_last_error(), "nowhere") != NULL);
}

static void test_hostile_bytes(const char *name, const uint8_t *bytes, size_t len) {
  /* every truncation, then single-byte corruptions at every position */
  for (size_t cut = 0; cut < len; cut++) survive(bytes, cut, 1);
  uint8_t *copy = malloc(len);
  for (size_t i = 0; i < len; i++) {
    static const uint8_t flips[] = {0x00, 0xff, 0x80, 0x7f};
    memcpy(copy, bytes, len);
    copy[i] = flips[i % 4];
    survive(copy, len, 1);
  }
  free(copy);
  printf("%s: %zu truncations and %zu corruptions survived\n", name, len, len);
}

int main(void) {
  test_relu_model();
  test_unknown_op();
  test_undefined_input();

  const char *garbage = "this is not an onnx model at all";
  wisp_session *s;
  CHECK(wisp_session_create(garbage, strlen(garbage), NULL, &s) != WISP_OK);
  CHECK(wisp_session_create(NULL, 0, NULL, &s) == WISP_ERR_INVALID_MODEL);

  int64_t dims[] = {-1, 3};
  pbw m = pbw_unary_model("Relu", 2, dims);
  test_hostile_bytes("relu model", m.buf, m.len);
  size_t len;
  char *tiny = read_file("tests/fixtures/tiny_ops.onnx", &len);
  CHECK(tiny != NULL);
  if (tiny) test_hostile_bytes("tiny_ops.onnx", (const uint8_t *)tiny, len);
  free(tiny);
  return check_report("test_loader");
}
