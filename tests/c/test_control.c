/* If and Loop over hand-built models: outer-scope values seen two levels down, a while loop,
 * refusals (too deep nesting, a missing op inside a subgraph, an early exit under scan outputs)
 * that are errors, never crashes; hostile bytes around the control-flow and RNN fixtures. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "pbwrite.h"
#include "wisp.h"

/* ValueInfoProto of a tensor of elem type `dt` and the given dims (ndim 0: a scalar). */
static pbw vi(const char *name, int dt, int ndim, const int64_t *dims) {
  pbw shape = {0}, tensor = {0}, type = {0}, v = {0};
  for (int i = 0; i < ndim; i++) {
    pbw dim = {0};
    pbw_int(&dim, 1, (uint64_t)dims[i]);
    pbw_msg(&shape, 1, &dim);
  }
  pbw_int(&tensor, 1, (uint64_t)dt);
  pbw_msg(&tensor, 2, &shape);
  pbw_msg(&type, 1, &tensor);
  pbw_str(&v, 1, name);
  pbw_msg(&v, 2, &type);
  return v;
}

/* NodeProto: inputs and outputs are NULL-terminated lists. */
static pbw node(const char *op, const char *const *in, const char *const *out) {
  pbw n = {0};
  for (; *in; in++) pbw_str(&n, 1, *in);
  for (; *out; out++) pbw_str(&n, 2, *out);
  pbw_str(&n, 3, op);
  pbw_str(&n, 4, op);
  return n;
}

static void graph_attr(pbw *n, const char *name, const pbw *g) {
  pbw a = {0};
  pbw_str(&a, 1, name);
  pbw_msg(&a, 6, g);
  pbw_int(&a, 20, 5); /* GRAPH */
  pbw_msg(n, 5, &a);
}

/* A graph with no inputs of its own whose one output `out` is made by node n. */
static pbw branch(const pbw *n, const char *out) {
  pbw g = {0}, o = vi(out, 1, 0, NULL);
  pbw_msg(&g, 1, n);
  pbw_str(&g, 2, "branch");
  pbw_msg(&g, 12, &o);
  return g;
}

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})
static const int64_t two[] = {2};

/* If(c) { If(c) { x + x } else { -x } } else { x }: the inner branches read x, and the inner
 * If reads c, from the model's graph two levels up. */
static void test_nested_capture(void) {
  pbw add = node("Add", L("x", "x"), L("t")), neg = node("Neg", L("x"), L("e"));
  pbw then2 = branch(&add, "t"), else2 = branch(&neg, "e");
  pbw inner = node("If", L("c"), L("r"));
  graph_attr(&inner, "then_branch", &then2);
  graph_attr(&inner, "else_branch", &else2);
  pbw id = node("Identity", L("x"), L("i"));
  pbw then1 = branch(&inner, "r"), else1 = branch(&id, "i");
  pbw outer = node("If", L("c"), L("y"));
  graph_attr(&outer, "then_branch", &then1);
  graph_attr(&outer, "else_branch", &else1);
  pbw g = {0}, c = vi("c", 9, 0, NULL), x = vi("x", 1, 1, two), y = vi("y", 1, 1, two);
  pbw_msg(&g, 1, &outer);
  pbw_str(&g, 2, "nested");
  pbw_msg(&g, 11, &c);
  pbw_msg(&g, 11, &x);
  pbw_msg(&g, 12, &y);
  pbw m = pbw_model(&g);
  wisp_session *s = NULL;
  CHECK(wisp_session_create(m.buf, m.len, NULL, &s) == WISP_OK);
  if (!s) return;
  float xs[2] = {1.5f, -2};
  for (int cond = 1; cond >= 0; cond--) {
    uint8_t cv = (uint8_t)cond;
    wisp_tensor feeds[2] = {{WISP_DT_BOOL, {0, {0}}, &cv}, {WISP_DT_FLOAT, {1, {2}}, xs}};
    CHECK(wisp_session_run(s, feeds, 2) == WISP_OK);
    const float *out = wisp_session_output(s, 0)->data;
    CHECK(out[0] == (cond ? 3.0f : 1.5f) && out[1] == (cond ? -4.0f : -2.0f));
  }
  wisp_session_free(s);
}

/* Scan over slices that hold no elements (x is (3, 0)): the body still runs three times and
 * the slices still get scratch of their own (an empty one left it NULL: UB the fuzzer found). */
static void test_scan_empty_slices(void) {
  static const int64_t one[] = {1}, zero[] = {0}, x_dims[] = {3, 0}, y_dims[] = {3, 0};
  pbw body = {0}, so = node("Identity", L("s"), L("s_out")),
      yo = node("Identity", L("xi"), L("y_i"));
  pbw bs = vi("s", 1, 1, one), bx = vi("xi", 1, 1, zero);
  pbw bso = vi("s_out", 1, 1, one), byo = vi("y_i", 1, 1, zero);
  pbw_msg(&body, 1, &so);
  pbw_msg(&body, 1, &yo);
  pbw_str(&body, 2, "body");
  pbw_msg(&body, 11, &bs);
  pbw_msg(&body, 11, &bx);
  pbw_msg(&body, 12, &bso);
  pbw_msg(&body, 12, &byo);
  pbw scan = node("Scan", L("s0", "x"), L("s_final", "y"));
  graph_attr(&scan, "body", &body);
  pbw n_in = {0};
  pbw_str(&n_in, 1, "num_scan_inputs");
  pbw_int(&n_in, 3, 1);
  pbw_int(&n_in, 20, 2); /* INT */
  pbw_msg(&scan, 5, &n_in);
  pbw g = {0}, s0 = vi("s0", 1, 1, one), x = vi("x", 1, 2, x_dims);
  pbw sf = vi("s_final", 1, 1, one), y = vi("y", 1, 2, y_dims);
  pbw_msg(&g, 1, &scan);
  pbw_str(&g, 2, "scan_empty");
  pbw_msg(&g, 11, &s0);
  pbw_msg(&g, 11, &x);
  pbw_msg(&g, 12, &sf);
  pbw_msg(&g, 12, &y);
  pbw m = pbw_model(&g);
  wisp_session *sess = NULL;
  CHECK(wisp_session_create(m.buf, m.len, NULL, &sess) == WISP_OK);
  if (!sess) return;
  float state = 7, none[1] = {0};
  wisp_tensor feeds[2] = {{WISP_DT_FLOAT, {1, {1}}, &state}, {WISP_DT_FLOAT, {2, {3, 0}}, none}};
  for (int run = 0; run < 2; run++) {
    CHECK(wisp_session_run(sess, feeds, 2) == WISP_OK);
    CHECK(((const float *)wisp_session_output(sess, 0)->data)[0] == 7);
    const wisp_tensor *yt = wisp_session_output(sess, 1);
    CHECK(yt->shape.ndim == 2 && yt->shape.dims[0] == 3 && yt->shape.dims[1] == 0);
  }
  wisp_session_free(sess);
}

/* Loop with no trip count: v doubles while it stays under 100. */
static pbw while_loop(int with_scan_output) {
  pbw body = {0}, g = {0};
  pbw mul = node("Mul", L("v_in", "two"), L("v_out"));
  pbw less = node("Less", L("v_out", "hundred"), L("go"));
  pbw_msg(&body, 1, &mul);
  pbw_msg(&body, 1, &less);
  if (with_scan_output) {
    pbw id = node("Identity", L("v_out"), L("s"));
    pbw_msg(&body, 1, &id);
  }
  pbw_str(&body, 2, "body");
  pbw i = vi("i", 7, 0, NULL), ci = vi("c_in", 9, 0, NULL), vin = vi("v_in", 1, 0, NULL);
  pbw go = vi("go", 9, 0, NULL), vout = vi("v_out", 1, 0, NULL), so = vi("s", 1, 0, NULL);
  pbw_msg(&body, 11, &i);
  pbw_msg(&body, 11, &ci);
  pbw_msg(&body, 11, &vin);
  pbw_msg(&body, 12, &go);
  pbw_msg(&body, 12, &vout);
  if (with_scan_output) pbw_msg(&body, 12, &so);
  /* the model: constants "two" and "hundred" (read by the body from outside), M = 10 */
  float k2 = 2, k100 = 100;
  int64_t ten = 10;
  const char *names[3] = {"two", "hundred", "M"};
  const void *data[3] = {&k2, &k100, &ten};
  for (int k = 0; k < 3; k++) {
    pbw t = {0};
    pbw_int(&t, 2, k < 2 ? 1 : 7);
    pbw_str(&t, 8, names[k]);
    pbw_bytes(&t, 9, data[k], k < 2 ? 4 : 8);
    pbw_msg(&g, 5, &t);
  }
  pbw loop = with_scan_output ? node("Loop", L("M", "", "v0"), L("v", "scan"))
                              : node("Loop", L("", "", "v0"), L("v"));
  graph_attr(&loop, "body", &body);
  pbw_msg(&g, 1, &loop);
  pbw_str(&g, 2, "while");
  pbw v0 = vi("v0", 1, 0, NULL), v = vi("v", 1, 0, NULL), scan = vi("scan", 1, 0, NULL);
  pbw_msg(&g, 11, &v0);
  pbw_msg(&g, 12, &v);
  if (with_scan_output) pbw_msg(&g, 12, &scan);
  return pbw_model(&g);
}

static void test_while_loop(void) {
  pbw m = while_loop(0);
  wisp_session *s = NULL;
  CHECK(wisp_session_create(m.buf, m.len, NULL, &s) == WISP_OK);
  if (!s) return;
  float v0 = 3;
  wisp_tensor feed = {WISP_DT_FLOAT, {0, {0}}, &v0};
  CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
  CHECK(*(const float *)wisp_session_output(s, 0)->data == 192);
  v0 = 200; /* the body runs once before the condition is looked at */
  CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
  CHECK(*(const float *)wisp_session_output(s, 0)->data == 400);
  v0 = 0; /* 0 · 2 stays under 100: a loop that never ends is refused, and the session lives on */
  CHECK(wisp_session_run(s, &feed, 1) == WISP_ERR_UNSUPPORTED);
  CHECK(strstr(wisp_last_error(), "did not end after 1048576 iterations") != NULL);
  v0 = 3;
  CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
  CHECK(*(const float *)wisp_session_output(s, 0)->data == 192);
  wisp_session_free(s);

  /* scan outputs shaped for M = 10 iterations; the loop stops after 6: refused, not wrong */
  m = while_loop(1);
  CHECK(wisp_session_create(m.buf, m.len, NULL, &s) == WISP_OK);
  if (!s) return;
  v0 = 3;
  CHECK(wisp_session_run(s, &feed, 1) == WISP_ERR_UNSUPPORTED);
  CHECK(strstr(wisp_last_error(), "ran 6 of the 10 iterations") != NULL);
  v0 = 1e-3f; /* all 10 iterations run */
  CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
  const wisp_tensor *scan = wisp_session_output(s, 1);
  CHECK(scan->shape.ndim == 1 && scan->shape.dims[0] == 10);
  CHECK(((const float *)scan->data)[9] == 1e-3f * 1024);
  wisp_session_free(s);
}

static void test_refusals(void) {
  /* 40 Ifs each inside the previous one's then_branch */
  static pbw g, prev;
  pbw id = node("Identity", L("x"), L("y"));
  g = branch(&id, "y");
  for (int depth = 0; depth < 40; depth++) {
    prev = g;
    pbw n = node("If", L("c"), L("y"));
    graph_attr(&n, "then_branch", &prev);
    g = branch(&n, "y");
  }
  pbw m = pbw_model(&g);
  wisp_session *s = NULL;
  CHECK(wisp_session_create(m.buf, m.len, NULL, &s) == WISP_ERR_UNSUPPORTED);
  CHECK(s == NULL && strstr(wisp_last_error(), "nested") != NULL);

  /* a missing op inside a branch is named like one in the model's graph */
  pbw foo = node("FooBar", L("x"), L("f")), ok = node("Identity", L("x"), L("f"));
  pbw then1 = branch(&foo, "f"), else1 = branch(&ok, "f");
  pbw n = node("If", L("c"), L("y"));
  graph_attr(&n, "then_branch", &then1);
  graph_attr(&n, "else_branch", &else1);
  g = (pbw){0};
  pbw c = vi("c", 9, 0, NULL), x = vi("x", 1, 1, two), y = vi("y", 1, 1, two);
  pbw_msg(&g, 1, &n);
  pbw_msg(&g, 11, &c);
  pbw_msg(&g, 11, &x);
  pbw_msg(&g, 12, &y);
  m = pbw_model(&g);
  CHECK(wisp_session_create(m.buf, m.len, NULL, &s) == WISP_ERR_UNSUPPORTED);
  CHECK(s == NULL && strstr(wisp_last_error(), "FooBar") != NULL);

  /* a branch reading a name nobody defines */
  pbw bad = node("Identity", L("nowhere"), L("f"));
  then1 = branch(&bad, "f");
  n = node("If", L("c"), L("y"));
  graph_attr(&n, "then_branch", &then1);
  graph_attr(&n, "else_branch", &else1);
  g = (pbw){0};
  pbw_msg(&g, 1, &n);
  pbw_msg(&g, 11, &c);
  pbw_msg(&g, 11, &x);
  pbw_msg(&g, 12, &y);
  m = pbw_model(&g);
  CHECK(wisp_session_create(m.buf, m.len, NULL, &s) == WISP_ERR_INVALID_MODEL);
  CHECK(s == NULL && strstr(wisp_last_error(), "nowhere") != NULL);
}

/* Every truncation and a corruption at every byte of a fixture with subgraphs (or recurrent
 * nodes): errors, never crashes (the sanitizer build checks every access). */
static void test_hostile_fixture(const char *path) {
  size_t len = 0;
  uint8_t *bytes = (uint8_t *)read_file(path, &len);
  CHECK(bytes != NULL);
  if (!bytes) return;
  survive_mutations(bytes, len, 2);
  free(bytes);
}

int main(void) {
  test_nested_capture();
  test_while_loop();
  test_scan_empty_slices();
  test_refusals();
  test_hostile_fixture("tests/fixtures/control_flow.onnx");
  test_hostile_fixture("tests/fixtures/rnn_attrs.onnx");
  return check_report("test_control");
}
