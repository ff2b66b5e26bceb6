/* What the fuzzers (tests/fuzz/) found, each as a model built here with the input
 * that showed it. Under tests/run_all.sh's UBSan build each was a report; here the values are
 * checked too. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "pbwrite.h"
#include "wisp.h"

/* ValueInfoProto for a tensor of element type `elem` and fixed dims. */
static pbw value_info(const char *name, int elem, int ndim, const int64_t *dims) {
  pbw shape = {0}, tensor = {0}, type = {0}, vi = {0};
  for (int i = 0; i < ndim; i++) {
    pbw dim = {0};
    pbw_int(&dim, 1, (uint64_t)dims[i]);
    pbw_msg(&shape, 1, &dim);
  }
  pbw_int(&tensor, 1, elem);
  pbw_msg(&tensor, 2, &shape);
  pbw_msg(&type, 1, &tensor);
  pbw_str(&vi, 1, name);
  pbw_msg(&vi, 2, &type);
  return vi;
}

/* One node op(inputs) -> outputs, opset 13; ins/outs are value infos already built. */
static pbw one_node_model(const char *op, const char *const *in_names, const pbw *ins, int n_in,
                          const char *const *out_names, const pbw *outs, int n_out) {
  pbw node = {0}, graph = {0};
  for (int i = 0; i < n_in; i++) pbw_str(&node, 1, in_names[i]);
  for (int i = 0; i < n_out; i++) pbw_str(&node, 2, out_names[i]);
  pbw_str(&node, 4, op);
  pbw_msg(&graph, 1, &node);
  for (int i = 0; i < n_in; i++) pbw_msg(&graph, 11, &ins[i]);
  for (int i = 0; i < n_out; i++) pbw_msg(&graph, 12, &outs[i]);
  return pbw_model(&graph);
}

/* Pow with an int64 base and a float exponent: results outside int64 (2^100, 0^-1 = inf) and
 * NaN were converted to int64 unchecked (undefined behaviour). Now saturated, NaN as 0. */
static void test_pow_int_out_of_range(void) {
  int64_t d[] = {5};
  const char *in_names[] = {"a", "b"}, *out_names[] = {"y"};
  pbw ins[] = {value_info("a", 7, 1, d), value_info("b", 1, 1, d)};
  pbw outs[] = {value_info("y", 7, 1, d)};
  pbw m = one_node_model("Pow", in_names, ins, 2, out_names, outs, 1);
  wisp_session *s;
  CHECK(wisp_session_create(m.buf, m.len, NULL, &s) == WISP_OK);
  int64_t a[5] = {0, 2, -2, 3, 2};
  float b[5] = {-1, 100, 101, NAN, 10};
  wisp_tensor feeds[] = {{WISP_DT_INT64, {1, {5}}, a}, {WISP_DT_FLOAT, {1, {5}}, b}};
  CHECK(wisp_session_run(s, feeds, 2) == WISP_OK);
  const int64_t *y = wisp_session_output(s, 0)->data;
  CHECK(y[0] == INT64_MAX && y[1] == INT64_MAX && y[2] == INT64_MIN && y[3] == 0 && y[4] == 1024);
  wisp_session_free(s);
}

/* DynamicQuantizeLinear of an input holding -inf: the scale is inf and the zero point
 * -min / scale NaN, converted to int unchecked. Now the zero point is 0. */
static void test_dynamic_quant_infinite(void) {
  int64_t d[] = {3}, d0[] = {0};
  const char *in_names[] = {"x"}, *out_names[] = {"y", "scale", "zp"};
  pbw ins[] = {value_info("x", 1, 1, d)};
  pbw outs[] = {value_info("y", 2, 1, d), value_info("scale", 1, 0, d0),
                value_info("zp", 2, 0, d0)};
  pbw m = one_node_model("DynamicQuantizeLinear", in_names, ins, 1, out_names, outs, 3);
  wisp_session *s;
  CHECK(wisp_session_create(m.buf, m.len, NULL, &s) == WISP_OK);
  float x[3] = {-INFINITY, 1, 2};
  wisp_tensor feed = {WISP_DT_FLOAT, {1, {3}}, x};
  CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
  CHECK(*(const uint8_t *)wisp_session_output(s, 2)->data == 0);
  /* a finite input still quantizes as onnxruntime does: [-1, 1, 2] -> scale 3/255, zp 85 */
  x[0] = -1;
  CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
  CHECK(*(const uint8_t *)wisp_session_output(s, 2)->data == 85);
  CHECK(fabsf(*(const float *)wisp_session_output(s, 1)->data - 3.0f / 255) < 1e-9f);
  wisp_session_free(s);
}

/* A graph output naming an initializer, declared with another shape: the declaration replaced
 * the initializer's shape, so its 2 floats were read as 1000 × 38 float16 (heap overflow in
 * float16 widening and in reading the output; found by fuzz_external). The data's own dtype and
 * shape stand. */
static void test_output_naming_initializer(void) {
  int64_t d[] = {2}, big[] = {1000, 38};
  pbw w = {0}, node = {0}, graph = {0};
  float wv[2] = {1.5f, -2.0f};
  pbw_int(&w, 1, 2);
  pbw_int(&w, 2, 1); /* float */
  pbw_str(&w, 8, "w");
  pbw_bytes(&w, 9, wv, sizeof wv);
  pbw_str(&node, 1, "x");
  pbw_str(&node, 2, "y");
  pbw_str(&node, 4, "Relu");
  pbw_msg(&graph, 1, &node);
  pbw_msg(&graph, 5, &w);
  pbw in = value_info("x", 1, 1, d), y = value_info("y", 1, 1, d);
  pbw wo = value_info("w", 10, 2, big); /* float16 [1000, 38] */
  pbw_msg(&graph, 11, &in);
  pbw_msg(&graph, 12, &y);
  pbw_msg(&graph, 12, &wo);
  pbw model = pbw_model(&graph);
  wisp_session *s;
  CHECK(wisp_session_create(model.buf, model.len, NULL, &s) == WISP_OK);
  float x[2] = {-1, 3};
  wisp_tensor feed = {WISP_DT_FLOAT, {1, {2}}, x};
  CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
  const wisp_tensor *o = wisp_session_output(s, 1);
  CHECK(o && o->dtype == WISP_DT_FLOAT && o->shape.ndim == 1 && o->shape.dims[0] == 2);
  CHECK(o && ((const float *)o->data)[0] == 1.5f && ((const float *)o->data)[1] == -2.0f);
  const float *y0 = wisp_session_output(s, 0)->data;
  CHECK(y0[0] == 0 && y0[1] == 3);
  wisp_session_free(s);
}

/* An empty tensor's other dims were unchecked, so (0, 2^40, 2^40) passed and MatMul's strides
 * overflowed int64 (found by fuzz_external). Every non-zero dim now counts toward the bound; the
 * session stays usable after the refusal. */
static void test_empty_tensor_huge_dims(void) {
  wisp_shape huge = {3, {0, (int64_t)1 << 40, (int64_t)1 << 40}}, fine = {3, {0, 7, 9}};
  CHECK(wisp_shape_check(&huge, "t") == WISP_ERR_INVALID_ARG);
  CHECK(wisp_shape_check(&fine, "t") == WISP_OK);
  int64_t d[] = {2, 2}, any[] = {-1, -1};
  const char *in_names[] = {"a", "b"}, *out_names[] = {"y"};
  pbw ins[] = {pbw_value_info("a", 2, any), pbw_value_info("b", 2, any)};
  pbw outs[] = {value_info("y", 1, 2, d)};
  pbw m = one_node_model("MatMul", in_names, ins, 2, out_names, outs, 1);
  wisp_session *s;
  CHECK(wisp_session_create(m.buf, m.len, NULL, &s) == WISP_OK);
  float a[4] = {1, 2, 3, 4}, b[4] = {1, 0, 0, 1};
  wisp_tensor bad[] = {{WISP_DT_FLOAT, {2, {0, (int64_t)1 << 40}}, a},
                       {WISP_DT_FLOAT, {2, {(int64_t)1 << 40, 2}}, b}};
  CHECK(wisp_session_run(s, bad, 2) == WISP_ERR_INVALID_ARG);
  wisp_tensor good[] = {{WISP_DT_FLOAT, {2, {2, 2}}, a}, {WISP_DT_FLOAT, {2, {2, 2}}, b}};
  CHECK(wisp_session_run(s, good, 2) == WISP_OK);
  const float *y = wisp_session_output(s, 0)->data;
  CHECK(y[0] == 1 && y[1] == 2 && y[2] == 3 && y[3] == 4);
  wisp_session_free(s);
}

static void add_node(pbw *graph, const char *op, const char *a, const char *b, const char *y) {
  pbw node = {0};
  pbw_str(&node, 1, a);
  if (b) pbw_str(&node, 1, b);
  pbw_str(&node, 2, y);
  pbw_str(&node, 4, op);
  pbw_msg(graph, 1, &node);
}

/* Tensors each under 2 GB whose plan needed more at once: Expand to a fed shape, then a and -a
 * live together. The arena took 3.6 GB on 64-bit builds (found by fuzz_loader in CI, as a
 * malloc over its 2.2 GB cap); on wasm32 it was allowed up to 3 GB. Now the plan refuses working
 * memory over 2 GB, with the size, and the session still runs smaller shapes. */
static void test_plan_over_2gb(void) {
  int64_t one[] = {1}, three[] = {3}, any[] = {-1, -1, -1};
  pbw graph = {0};
  add_node(&graph, "Expand", "x", "s", "a");
  add_node(&graph, "Neg", "a", NULL, "b");
  add_node(&graph, "Mul", "a", "b", "y");
  pbw x = value_info("x", 1, 1, one), shape = value_info("s", 7, 1, three);
  pbw y = pbw_value_info("y", 3, any);
  pbw_msg(&graph, 11, &x);
  pbw_msg(&graph, 11, &shape);
  pbw_msg(&graph, 12, &y);
  pbw model = pbw_model(&graph);
  wisp_session *s;
  CHECK(wisp_session_create(model.buf, model.len, NULL, &s) == WISP_OK);
  float xv = 3;
  int64_t huge[3] = {300, 1024, 1024}, small[3] = {1, 2, 2};
  wisp_tensor feeds[] = {{WISP_DT_FLOAT, {1, {1}}, &xv}, {WISP_DT_INT64, {1, {3}}, huge}};
  CHECK(wisp_session_run(s, feeds, 2) == WISP_ERR_NO_MEMORY);
  CHECK(strstr(wisp_last_error(), "3600 MB of working memory") != NULL);
  feeds[1].data = small;
  CHECK(wisp_session_run(s, feeds, 2) == WISP_OK);
  const wisp_tensor *o = wisp_session_output(s, 0);
  CHECK(o->shape.ndim == 3 && o->shape.dims[2] == 2 && ((const float *)o->data)[3] == -9);
  wisp_session_free(s);
}

/* A session from graph, run once on feeds: the first failing step's status (WISP_OK if none). */
static wisp_status create_and_run(const pbw *graph, const wisp_tensor *feeds, int n_feeds) {
  pbw m = pbw_model(graph);
  wisp_session *s = NULL;
  wisp_status st = wisp_session_create(m.buf, m.len, NULL, &s);
  if (st == WISP_OK) {
    st = wisp_session_run(s, feeds, n_feeds);
    wisp_session_free(s);
  }
  return st;
}

/* A Gemm whose A is the missing input "" (value -1): the QDQ fusion read A's shape, values[-1],
 * before checking that A comes from a DequantizeLinear (heap overflow; found by fuzz_external in
 * CI). Now the fusion looks only past that check, and the session refuses the node by name. */
static void test_gemm_missing_input(void) {
  int64_t d[] = {2, 2};
  pbw graph = {0};
  add_node(&graph, "Gemm", "", "b", "y");
  pbw in = value_info("b", 1, 2, d), out = value_info("y", 1, 2, d);
  pbw_msg(&graph, 11, &in);
  pbw_msg(&graph, 12, &out);
  float b[4] = {1, 2, 3, 4};
  wisp_tensor feed = {WISP_DT_FLOAT, {2, {2, 2}}, b};
  /* refused at create or at the first run: either way by name, and no crash */
  wisp_status st = create_and_run(&graph, &feed, 1);
  CHECK(st != WISP_OK && strstr(wisp_last_error(), "Gemm") != NULL);
}

/* TensorProto name (dtype, dims) with raw data. */
static pbw initializer(const char *name, int dtype, int ndim, const int64_t *dims, const void *raw,
                       size_t bytes) {
  pbw t = {0};
  for (int i = 0; i < ndim; i++) pbw_int(&t, 1, (uint64_t)dims[i]);
  pbw_int(&t, 2, (uint64_t)dtype);
  pbw_str(&t, 8, name);
  pbw_bytes(&t, 9, raw, bytes);
  return t;
}

/* The same family as test_gemm_missing_input, found by reading the fusions after it: a
 * DequantizeLinear of the missing input "" read by two MatMuls on constant int8 weights. Fusing
 * the first one counted a new reader of x_q, f->uses[-1]++ (a write before the array). The QDQ
 * fusions now need x_q to be a value; the session refuses the node instead. */
static void test_qdq_missing_input(void) {
  int64_t d2[] = {2, 2};
  float scale = 0.5f;
  uint8_t zp = 3;
  int8_t w[4] = {1, -2, 3, -4};
  pbw graph = {0};
  const char *dq[][3] = {{"", "s", "zp"}, {"w", "s", NULL}, {"w", "s", NULL}};
  const char *dq_out[] = {"xa", "w1", "w2"};
  for (int i = 0; i < 3; i++) {
    pbw node = {0};
    for (int k = 0; k < 3 && dq[i][k]; k++) pbw_str(&node, 1, dq[i][k]);
    pbw_str(&node, 2, dq_out[i]);
    pbw_str(&node, 4, "DequantizeLinear");
    pbw_msg(&graph, 1, &node);
  }
  add_node(&graph, "MatMul", "xa", "w1", "y1");
  add_node(&graph, "MatMul", "xa", "w2", "y2");
  pbw inits[] = {initializer("s", 1, 0, NULL, &scale, sizeof scale),
                 initializer("zp", 2, 0, NULL, &zp, 1), initializer("w", 3, 2, d2, w, sizeof w)};
  for (int i = 0; i < 3; i++) pbw_msg(&graph, 5, &inits[i]);
  pbw y1 = value_info("y1", 1, 2, d2), y2 = value_info("y2", 1, 2, d2);
  pbw_msg(&graph, 12, &y1);
  pbw_msg(&graph, 12, &y2);
  CHECK(create_and_run(&graph, NULL, 0) != WISP_OK);
}

int main(void) {
  (void)pbw_unary_model;
  test_pow_int_out_of_range();
  test_output_naming_initializer();
  test_empty_tensor_huge_dims();
  test_dynamic_quant_infinite();
  test_plan_over_2gb();
  test_gemm_missing_input();
  test_qdq_missing_input();
  return check_report("fuzz_found");
}
