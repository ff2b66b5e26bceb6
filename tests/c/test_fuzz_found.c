/* What the run fuzzer (tests/fuzz/fuzz_run.c) found, each as a model built here with the input
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
  pbw node = {0}, graph = {0}, opset = {0}, model = {0};
  for (int i = 0; i < n_in; i++) pbw_str(&node, 1, in_names[i]);
  for (int i = 0; i < n_out; i++) pbw_str(&node, 2, out_names[i]);
  pbw_str(&node, 4, op);
  pbw_msg(&graph, 1, &node);
  for (int i = 0; i < n_in; i++) pbw_msg(&graph, 11, &ins[i]);
  for (int i = 0; i < n_out; i++) pbw_msg(&graph, 12, &outs[i]);
  pbw_int(&opset, 2, 13);
  pbw_int(&model, 1, 8);
  pbw_msg(&model, 8, &opset);
  pbw_msg(&model, 7, &graph);
  return model;
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

int main(void) {
  (void)pbw_unary_model;
  test_pow_int_out_of_range();
  test_dynamic_quant_infinite();
  return check_report("fuzz_found");
}
