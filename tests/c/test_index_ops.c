/* Index ops on hostile indices (out of range: an error from the run, never a crash or a stray
 * write), and ops whose output shape depends on values (NonZero, TopK's K): a new value gives
 * a new plan with the right shape. Models are the ORT-parity fixtures in tests/fixtures/ops_a. */
#include <stdint.h>
#include <string.h>

#include "testutil.h"

#define DIR "tests/fixtures/ops_a/"

static wisp_session *open_model(const char *name) {
  char path[256];
  snprintf(path, sizeof path, DIR "%s/model.onnx", name);
  return open_session(path);
}

/* GatherElements (int64 data (2,3,2), int32 indices (2,2,2), axis 1): indices 3 and -4 are
 * outside [-3, 3); a good index after the error still runs. */
static void test_gather_elements_range(void) {
  wisp_session *s = open_model("test_gather_elements_3d");
  if (!s) return;
  int64_t data[12];
  for (int i = 0; i < 12; i++) data[i] = 100 + i;
  int32_t idx[8] = {0, 2, -1, 1, 1, 1, 2, -3};
  wisp_tensor feeds[2] = {{WISP_DT_INT64, {3, {2, 3, 2}}, data},
                          {WISP_DT_INT32, {3, {2, 2, 2}}, idx}};
  for (int bad = 0; bad < 2; bad++) {
    idx[5] = bad ? -4 : 3;
    CHECK(wisp_session_run(s, feeds, 2) == WISP_ERR_INVALID_ARG);
    CHECK(strstr(wisp_last_error(), "GatherElements") && strstr(wisp_last_error(), "out of range"));
  }
  idx[5] = -2; /* out[1][0][1] = data[1][-2 + 3][1] */
  CHECK(wisp_session_run(s, feeds, 2) == WISP_OK);
  const int64_t *y = wisp_session_output(s, 0)->data;
  CHECK(y[0] == 100 && y[1] == 105 && y[2] == 104 && y[3] == 103 && y[5] == 109);
  wisp_session_free(s);
}

/* ScatterND (data (4,3), indices (2,1), updates (2,3)): row 4 and row -5 do not exist; the
 * failed run must not write outside the output (ASan build). */
static void test_scatter_nd_range(void) {
  wisp_session *s = open_model("test_scatternd_negative");
  if (!s) return;
  float data[12] = {0}, upd[6] = {1, 2, 3, 4, 5, 6};
  int64_t idx[2] = {1, 4};
  wisp_tensor feeds[3] = {{WISP_DT_FLOAT, {2, {4, 3}}, data},
                          {WISP_DT_INT64, {2, {2, 1}}, idx},
                          {WISP_DT_FLOAT, {2, {2, 3}}, upd}};
  CHECK(wisp_session_run(s, feeds, 3) == WISP_ERR_INVALID_ARG);
  CHECK(strstr(wisp_last_error(), "ScatterND") && strstr(wisp_last_error(), "index 4"));
  idx[1] = -5;
  CHECK(wisp_session_run(s, feeds, 3) == WISP_ERR_INVALID_ARG);
  idx[1] = INT64_MIN;
  CHECK(wisp_session_run(s, feeds, 3) == WISP_ERR_INVALID_ARG);
  idx[1] = -4; /* row 0 */
  CHECK(wisp_session_run(s, feeds, 3) == WISP_OK);
  const float *y = wisp_session_output(s, 0)->data;
  CHECK(y[0] == 4 && y[2] == 6 && y[3] == 1 && y[5] == 3 && y[6] == 0 && y[11] == 0);
  wisp_session_free(s);
}

/* NonZero's output length is the count of non-zeros: each new input value re-plans. */
static void test_nonzero_replans(void) {
  wisp_session *s = open_model("test_nonzero_int32_3d");
  if (!s) return;
  int32_t x[12] = {0};
  wisp_tensor feed = {WISP_DT_INT32, {3, {2, 3, 2}}, x};
  CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
  const wisp_tensor *y = wisp_session_output(s, 0);
  CHECK(y->shape.ndim == 2 && y->shape.dims[0] == 3 && y->shape.dims[1] == 0);
  x[3] = 7, x[10] = -1; /* (0,1,1) and (1,2,0) */
  CHECK(wisp_session_run(s, &feed, 1) == WISP_OK);
  y = wisp_session_output(s, 0);
  CHECK(y->shape.dims[0] == 3 && y->shape.dims[1] == 2);
  const int64_t want[6] = {0, 1, 1, 2, 1, 0};
  CHECK(!memcmp(y->data, want, sizeof want));
  wisp_session_free(s);
}

/* TopK (3,5) with K as a graph input: K decides the output shape; K past the axis fails. */
static void test_topk_k_input(void) {
  wisp_session *s = open_model("test_topk_ties_largest");
  if (!s) return;
  float x[12] = {3, 1, 3, 2, 3, 1, 0, 5, 0, 5, 0, 0};
  int64_t k = 2;
  wisp_tensor feeds[2] = {{WISP_DT_FLOAT, {2, {2, 6}}, x}, {WISP_DT_INT64, {1, {1}}, &k}};
  CHECK(wisp_session_run(s, feeds, 2) == WISP_OK);
  const int64_t *ix = wisp_session_output(s, 1)->data;
  CHECK(wisp_session_output(s, 0)->shape.dims[1] == 2);
  CHECK(ix[0] == 0 && ix[1] == 2 && ix[2] == 1 && ix[3] == 3); /* ties: lower index first */
  k = 7;
  CHECK(wisp_session_run(s, feeds, 2) == WISP_ERR_INVALID_ARG);
  k = 6;
  CHECK(wisp_session_run(s, feeds, 2) == WISP_OK);
  const float *v = wisp_session_output(s, 0)->data;
  ix = wisp_session_output(s, 1)->data;
  CHECK(v[0] == 3 && v[3] == 2 && v[5] == 1 && ix[4] == 1 && ix[5] == 5);
  wisp_session_free(s);
}

/* Every fixture model, whole and truncated, with all-zero inputs: a status, never a crash. */
static void test_survive_fixtures(void) {
  static const char *names[] = {
      "test_gather_elements_3d",   "test_gathernd_batch_dims_k2", "test_scatternd_min_int64",
      "test_scatter_elements_max", "test_unique_unsorted_axis0",  "test_onehot_depth_float",
      "test_compress_axis2",       "test_cumsum_3d_int32",        "test_det_1x1"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    char path[256];
    size_t len;
    snprintf(path, sizeof path, DIR "%s/model.onnx", names[i]);
    char *bytes = read_file(path, &len);
    CHECK(bytes != NULL);
    if (!bytes) continue;
    for (size_t cut = 0; cut <= len; cut += cut < len && cut + 7 > len ? len - cut : 7)
      survive(bytes, cut, 2);
    free(bytes);
  }
}

int main(void) {
  test_survive_fixtures();
  test_gather_elements_range();
  test_scatter_nd_range();
  test_nonzero_replans();
  test_topk_k_input();
  return check_report("test_index_ops");
}
