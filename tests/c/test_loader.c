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

/* x (float [2]) → node → y, opset 13: the graph around a node a test builds. */
static pbw model_around(pbw *node) {
  pbw graph = {0}, opset = {0}, model = {0};
  pbw_msg(&graph, 1, node);
  int64_t dims[] = {2};
  pbw in = pbw_value_info("x", 1, dims), out = pbw_value_info("y", 1, dims);
  pbw_msg(&graph, 11, &in);
  pbw_msg(&graph, 12, &out);
  pbw_int(&opset, 2, 13);
  pbw_msg(&model, 8, &opset);
  pbw_msg(&model, 7, &graph);
  return model;
}

static void test_undefined_input(void) {
  /* a node reading a value nothing defines */
  pbw node = {0};
  pbw_str(&node, 1, "nowhere");
  pbw_str(&node, 2, "y");
  pbw_str(&node, 4, "Relu");
  pbw model = model_around(&node);
  wisp_session *s;
  CHECK(wisp_session_create(model.buf, model.len, NULL, &s) == WISP_ERR_INVALID_MODEL);
  CHECK(strstr(wisp_last_error(), "nowhere") != NULL);
}

/* An attribute declared a string with no value holds the proto default "" (the loop fuzzer found a
 * NULL string reaching strcmp in FusedConv's activation). */
static void test_string_attr_without_value(void) {
  pbw node = {0}, attr = {0};
  pbw_str(&attr, 1, "equation");
  pbw_int(&attr, 20, 3); /* STRING, but field s is absent */
  pbw_str(&node, 1, "x");
  pbw_str(&node, 2, "y");
  pbw_str(&node, 4, "Einsum");
  pbw_msg(&node, 5, &attr);
  pbw model = model_around(&node);
  wisp_session *s = NULL;
  CHECK(wisp_session_create(model.buf, model.len, NULL, &s) == WISP_OK);
  /* "" is a valid equation for scalars only: a rank-1 input is refused when run */
  float x[2] = {1, 2};
  wisp_tensor feed = {WISP_DT_FLOAT, {1, {2}}, x};
  CHECK(wisp_session_run(s, &feed, 1) != WISP_OK);
  CHECK(strstr(wisp_last_error(), "has 0 labels") != NULL);
  wisp_session_free(s);
}

/* Single assignment: a node that writes a graph input, an initializer, or a value another node
 * writes is refused at load (a second writer would write into a buffer planned for the first:
 * the heap overflow the fuzzer found with Concat and OneHot). */
static void test_single_assignment(void) {
  static const char *const cases[][3] = {
      /* the second node's output, what is expected in the message */
      {"x", "a graph input"},
      {"w", "an initializer"},
      {"h", "already written by another node"},
  };
  for (int c = 0; c < 3; c++) {
    pbw n1 = {0}, n2 = {0}, graph = {0}, opset = {0}, model = {0}, w = {0};
    pbw_str(&n1, 1, "x"), pbw_str(&n1, 2, "h"), pbw_str(&n1, 4, "Relu");
    pbw_str(&n2, 1, "h"), pbw_str(&n2, 2, cases[c][0]), pbw_str(&n2, 3, "culprit");
    pbw_str(&n2, 4, "Neg");
    pbw_msg(&graph, 1, &n1);
    pbw_msg(&graph, 1, &n2);
    int64_t dims[] = {2};
    float wv[2] = {1, 2};
    pbw_int(&w, 1, 2), pbw_int(&w, 2, 1), pbw_str(&w, 8, "w"), pbw_bytes(&w, 9, wv, sizeof wv);
    pbw_msg(&graph, 5, &w);
    pbw in = pbw_value_info("x", 1, dims), out = pbw_value_info("h", 1, dims);
    pbw_msg(&graph, 11, &in);
    pbw_msg(&graph, 12, &out);
    pbw_int(&opset, 2, 13);
    pbw_msg(&model, 8, &opset);
    pbw_msg(&model, 7, &graph);
    wisp_session *s = NULL;
    CHECK(wisp_session_create(model.buf, model.len, NULL, &s) == WISP_ERR_INVALID_MODEL);
    CHECK(s == NULL);
    CHECK(strstr(wisp_last_error(), "culprit") && strstr(wisp_last_error(), cases[c][1]));
  }
}

/* Byte sizes are 64-bit: an int64 initializer of 2^30 + 1 elements is 8 GB + 8 bytes, which a
 * 32-bit size_t wraps to 8 (it then passed the raw_data length check with 8 bytes of data). */
static void test_size_arithmetic(void) {
  wisp_shape s = {1, {((int64_t)1 << 30) + 1}};
  CHECK(wisp_shape_bytes(&s, 8) == (((uint64_t)1 << 30) + 1) * 8);
  wisp_shape big = {3, {INT64_MAX / 2, 4, 4}};
  CHECK(wisp_shape_bytes(&big, 4) == UINT64_MAX);
  wisp_shape neg = {2, {3, -1}};
  CHECK(wisp_shape_bytes(&neg, 4) == UINT64_MAX);
  wisp_tensor t = {WISP_DT_INT64, s, NULL};
  CHECK(wisp_tensor_bytes(&t) > WISP_MAX_TENSOR_BYTES); /* never a wrapped small size */

  pbw init = {0}, node = {0}, graph = {0}, opset = {0}, model = {0};
  int64_t eight_bytes = 7;
  pbw_int(&init, 1, ((uint64_t)1 << 30) + 1);
  pbw_int(&init, 2, 7); /* int64 */
  pbw_str(&init, 8, "big");
  pbw_bytes(&init, 9, &eight_bytes, sizeof eight_bytes);
  pbw_msg(&graph, 5, &init);
  pbw_str(&node, 1, "big"), pbw_str(&node, 2, "y"), pbw_str(&node, 4, "Identity");
  pbw_msg(&graph, 1, &node);
  int64_t dims[] = {2};
  pbw out = pbw_value_info("y", 1, dims);
  pbw_msg(&graph, 12, &out);
  pbw_int(&opset, 2, 13);
  pbw_msg(&model, 8, &opset);
  pbw_msg(&model, 7, &graph);
  wisp_session *sess = NULL;
  CHECK(wisp_session_create(model.buf, model.len, NULL, &sess) != WISP_OK);
  CHECK(strstr(wisp_last_error(), "over 2 GB") != NULL);
}

/* TensorProto: float, raw_data written before the name (little room to align it in place) or
 * after it (a long name: room enough). */
static pbw raw_tensor(const char *name, int ndim, const int64_t *dims, const float *v,
                      int raw_first) {
  pbw t = {0};
  size_t n = 1;
  for (int i = 0; i < ndim; i++) n *= (size_t)dims[i];
  if (raw_first) pbw_bytes(&t, 9, v, n * sizeof *v);
  for (int i = 0; i < ndim; i++) pbw_int(&t, 1, (uint64_t)dims[i]);
  pbw_int(&t, 2, 1);
  pbw_str(&t, 8, name);
  if (!raw_first) pbw_bytes(&t, 9, v, n * sizeof *v);
  return t;
}

/* y = x·W + B, with W and B also graph outputs, in a buffer the session owns: initializers are
 * used in place when they can be aligned there, copied otherwise; both read right, through a
 * re-plan for new shapes after MatMul packed W. `shift` bytes of an unknown field go first, to
 * move every offset. */
static void test_owned_in_place(int shift, int *in_place_w) {
  static const float W[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, B[3] = {0.5f, -1, 2};
  const char *bname = "a_bias_with_a_name_long_enough_to_align_it";
  int64_t wd[] = {4, 3}, bd[] = {3}, xd[] = {-1, 4}, yd[] = {-1, 3};
  pbw graph = {0}, mm = {0}, add = {0}, opset = {0}, model = {0};
  pbw w = raw_tensor("W", 2, wd, W, 1), b = raw_tensor(bname, 1, bd, B, 0);
  pbw_msg(&graph, 5, &w);
  pbw_msg(&graph, 5, &b);
  pbw_str(&mm, 1, "x"), pbw_str(&mm, 1, "W"), pbw_str(&mm, 2, "h"), pbw_str(&mm, 4, "MatMul");
  pbw_str(&add, 1, "h"), pbw_str(&add, 1, bname), pbw_str(&add, 2, "y"), pbw_str(&add, 4, "Add");
  pbw_msg(&graph, 1, &mm);
  pbw_msg(&graph, 1, &add);
  pbw x = pbw_value_info("x", 2, xd), y = pbw_value_info("y", 2, yd);
  pbw ow = pbw_value_info("W", 2, wd), ob = pbw_value_info(bname, 1, bd);
  pbw_msg(&graph, 11, &x);
  pbw_msg(&graph, 12, &y);
  pbw_msg(&graph, 12, &ow);
  pbw_msg(&graph, 12, &ob);
  pbw_int(&opset, 2, 13);
  char pad[32] = {0};
  pbw_bytes(&model, 100, pad, (size_t)shift);
  pbw_msg(&model, 8, &opset);
  pbw_msg(&model, 7, &graph);

  char *buf = malloc(model.len + 16);
  memcpy(buf, model.buf, model.len);
  wisp_session *s;
  CHECK(wisp_session_create_owned(buf, model.len, NULL, &s) == WISP_OK);
  if (!s) return;
  float xs[12];
  for (int i = 0; i < 12; i++) xs[i] = (float)(i % 5) - 1.5f;
  for (int pass = 0; pass < 3; pass++) {
    int rows = pass == 1 ? 3 : 2;
    wisp_tensor feed = {WISP_DT_FLOAT, {2, {rows, 4}}, xs};
    CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
    const float *out = wisp_session_output(s, 0)->data;
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < 3; c++) {
        float want = B[c];
        for (int k = 0; k < 4; k++) want += xs[r * 4 + k] * W[k * 3 + c];
        CHECK(fabsf(out[r * 3 + c] - want) < 1e-5f);
      }
    const wisp_tensor *ow_t = wisp_session_output(s, 1), *ob_t = wisp_session_output(s, 2);
    CHECK(!memcmp(ow_t->data, W, sizeof W) && !memcmp(ob_t->data, B, sizeof B));
    CHECK((uintptr_t)ow_t->data % 16 == 0 && (uintptr_t)ob_t->data % 16 == 0);
    /* the long name leaves room: B is always read in place */
    CHECK((char *)ob_t->data >= buf && (char *)ob_t->data < buf + model.len);
    if (pass == 0) *in_place_w += (char *)ow_t->data >= buf && (char *)ow_t->data < buf + model.len;
  }
  wisp_session_free(s);
}

static void test_owned_errors(void) {
  /* malformed, unsupported and NULL-out creates free the buffer they were given (ASan: no leak) */
  int64_t dims[] = {2};
  pbw m = pbw_unary_model("Relu", 1, dims), bad = pbw_unary_model("FooBar", 1, dims);
  wisp_session *s = NULL;
  char *buf = malloc(m.len + 16);
  memcpy(buf, m.buf, m.len);
  CHECK(wisp_session_create_owned(buf, m.len / 2, NULL, &s) == WISP_ERR_INVALID_MODEL && !s);
  buf = malloc(bad.len + 16);
  memcpy(buf, bad.buf, bad.len);
  CHECK(wisp_session_create_owned(buf, bad.len, NULL, &s) == WISP_ERR_UNSUPPORTED && !s);
  CHECK(strstr(wisp_last_error(), "FooBar") != NULL);
  buf = malloc(m.len + 16);
  memcpy(buf, m.buf, m.len);
  CHECK(wisp_session_create_owned(buf, m.len, NULL, NULL) == WISP_ERR_INVALID_ARG);
  CHECK(wisp_session_create_owned(NULL, 0, NULL, &s) == WISP_ERR_INVALID_MODEL && !s);
}

static void test_hostile_bytes(const char *name, const uint8_t *bytes, size_t len) {
  survive_mutations(bytes, len, 1);
  printf("%s: %zu truncations and %zu corruptions survived\n", name, len, len);
}

int main(void) {
  test_relu_model();
  test_unknown_op();
  test_undefined_input();
  test_string_attr_without_value();
  test_single_assignment();
  test_size_arithmetic();
  int in_place_w = 0;
  for (int shift = 0; shift < 16; shift++) test_owned_in_place(shift, &in_place_w);
  CHECK(in_place_w > 0 && in_place_w < 16); /* W took both paths: in place and copied */
  test_owned_errors();

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
