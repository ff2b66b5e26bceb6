/* Resize, ConvTranspose, MaxUnpool, RoiAlign and NonMaxSuppression on hostile values: absurd
 * scales, indices and batch indices out of range fail with the op's name
 * (never a crash or a stray write: run under the ASan build); NMS's output length follows its
 * inputs' values, one plan per value. Models are ONNX backend node tests (libonnx-testdata). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "testutil.h"

#define NODE_DIR "/usr/share/libonnx-testdata/data/node/"

static wisp_session *open_model(const char *name) {
  char path[256];
  snprintf(path, sizeof path, NODE_DIR "%s/model.onnx", name);
  return open_session(path);
}

static int error_names(const char *op) { return strstr(wisp_last_error(), op) != NULL; }

/* Resize X (1,1,2,2) by scales fed at run time: NaN, zero, negative and huge scales fail; a
 * tiny one gives an empty output; 2 gives the 4×4 linear upsample. */
static void test_resize_scales(void) {
  wisp_session *s = open_model("test_resize_upsample_scales_linear");
  if (!s) return;
  float x[4] = {1, 2, 3, 4}, scales[4] = {1, 1, 2, 2};
  wisp_tensor feeds[2] = {{WISP_DT_FLOAT, {4, {1, 1, 2, 2}}, x}, {WISP_DT_FLOAT, {1, {4}}, scales}};
  const float bad[] = {NAN, 0.0f, -2.0f, 1e30f, INFINITY};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    scales[3] = bad[i];
    CHECK(wisp_session_run(s, feeds, 2) == WISP_ERR_INVALID_ARG && error_names("Resize"));
  }
  scales[3] = 1e-30f;
  CHECK(wisp_session_run(s, feeds, 2) == WISP_OK);
  CHECK(wisp_shape_numel(&wisp_session_output(s, 0)->shape) == 0);
  scales[3] = 2;
  CHECK(wisp_session_run(s, feeds, 2) == WISP_OK);
  const wisp_tensor *y = wisp_session_output(s, 0);
  const float *v = y->data;
  /* half_pixel: row 0 samples x at 0.25·k - 0.25, clamped: 1, 1.25, 1.75, 2 */
  CHECK(y->shape.dims[2] == 4 && y->shape.dims[3] == 4);
  CHECK(v[0] == 1.0f && v[1] == 1.25f && v[2] == 1.75f && v[3] == 2.0f && v[15] == 4.0f);
  wisp_session_free(s);
}

/* ConvTranspose (X (1,1,3,3), W (1,2,3,3)): one input pixel spreads each output channel's
 * kernel around it. */
static void test_convtranspose_shapes(void) {
  wisp_session *s = open_model("test_convtranspose");
  if (!s) return;
  float x[9] = {0}, w[36] = {0};
  wisp_tensor feeds[2] = {{WISP_DT_FLOAT, {4, {1, 1, 3, 3}}, x},
                          {WISP_DT_FLOAT, {4, {2, 2, 3, 3}}, w}};
  /* the session refuses it against the declared shape before the op sees it */
  CHECK(wisp_session_run(s, feeds, 2) == WISP_ERR_INVALID_ARG);
  feeds[1].shape = (wisp_shape){4, {1, 2, 3, 3}};
  x[4] = 1, w[0] = 5, w[17] = 7; /* one input pixel at (1, 1) spreads W's kernels */
  CHECK(wisp_session_run(s, feeds, 2) == WISP_OK);
  const wisp_tensor *y = wisp_session_output(s, 0);
  const float *v = y->data;
  CHECK(y->shape.dims[1] == 2 && y->shape.dims[2] == 5 && y->shape.dims[3] == 5);
  CHECK(v[1 * 5 + 1] == 5 && v[25 + 3 * 5 + 3] == 7 && v[0] == 0);
  wisp_session_free(s);
}

/* MaxUnpool X (1,1,2,2) into (1,1,4,4): indices outside [0, 16) fail without writing. */
static void test_maxunpool_indices(void) {
  wisp_session *s = open_model("test_maxunpool_export_without_output_shape");
  if (!s) return;
  float x[4] = {1, 2, 3, 4};
  int64_t idx[4] = {0, 3, 8, 16};
  wisp_tensor feeds[2] = {{WISP_DT_FLOAT, {4, {1, 1, 2, 2}}, x},
                          {WISP_DT_INT64, {4, {1, 1, 2, 2}}, idx}};
  CHECK(wisp_session_run(s, feeds, 2) == WISP_ERR_INVALID_ARG && error_names("MaxUnpool"));
  idx[3] = -1;
  CHECK(wisp_session_run(s, feeds, 2) == WISP_ERR_INVALID_ARG);
  idx[3] = 15;
  CHECK(wisp_session_run(s, feeds, 2) == WISP_OK);
  const float *y = wisp_session_output(s, 0)->data;
  CHECK(y[0] == 1 && y[3] == 2 && y[8] == 3 && y[15] == 4 && y[1] == 0);
  wisp_session_free(s);
}

/* RoiAlign over X (1,1,10,10): a batch index other than 0 fails; NaN boxes give zeros. */
static void test_roialign_batch(void) {
  wisp_session *s = open_model("test_roialign_aligned_true");
  if (!s) return;
  static float x[100];
  for (int i = 0; i < 100; i++) x[i] = 1;
  float rois[12] = {0, 0, 9, 9, 0, 5, 4, 9, 5, 5, 9, 9};
  int64_t batch[3] = {0, 1, 0};
  wisp_tensor feeds[3] = {{WISP_DT_FLOAT, {4, {1, 1, 10, 10}}, x},
                          {WISP_DT_FLOAT, {2, {3, 4}}, rois},
                          {WISP_DT_INT64, {1, {3}}, batch}};
  CHECK(wisp_session_run(s, feeds, 3) == WISP_ERR_INVALID_ARG && error_names("RoiAlign"));
  batch[1] = 0, rois[4] = NAN;
  CHECK(wisp_session_run(s, feeds, 3) == WISP_OK);
  const float *y = wisp_session_output(s, 0)->data; /* (3, 1, 5, 5) */
  CHECK(y[0] == 1.0f && y[24] == 1.0f && y[25] == 0.0f && y[50] == 1.0f);
  wisp_session_free(s);
}

/* NMS over 6 boxes of one class: the selection's length follows the thresholds' values. */
static void test_nms_replans(void) {
  wisp_session *s = open_model("test_nonmaxsuppression_suppress_by_IOU");
  if (!s) return;
  /* two clusters: boxes 0-2 overlap, 3-5 overlap (y1, x1, y2, x2) */
  float boxes[24] = {0, 0,  1, 1,  0, 0.1f,  1, 1.1f,  0, -0.1f, 1, 0.9f,
                     0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100,   1, 101};
  float scores[6] = {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f}, iou = 0.5f, min_score = 0;
  int64_t max_out = 3;
  wisp_tensor feeds[5] = {{WISP_DT_FLOAT, {3, {1, 6, 4}}, boxes},
                          {WISP_DT_FLOAT, {3, {1, 1, 6}}, scores},
                          {WISP_DT_INT64, {1, {1}}, &max_out},
                          {WISP_DT_FLOAT, {1, {1}}, &iou},
                          {WISP_DT_FLOAT, {1, {1}}, &min_score}};
  CHECK(wisp_session_run(s, feeds, 5) == WISP_OK);
  const wisp_tensor *y = wisp_session_output(s, 0);
  const int64_t *v = y->data;
  CHECK(y->shape.dims[0] == 3 && y->shape.dims[1] == 3);
  CHECK(v[2] == 3 && v[5] == 0 && v[8] == 5); /* by score, overlapping ones dropped */
  min_score = 0.4f;
  CHECK(wisp_session_run(s, feeds, 5) == WISP_OK);
  y = wisp_session_output(s, 0);
  CHECK(y->shape.dims[0] == 2);
  iou = 2;
  CHECK(wisp_session_run(s, feeds, 5) == WISP_ERR_INVALID_ARG && error_names("NonMaxSuppression"));
  wisp_session_free(s);
}

int main(void) {
  test_resize_scales();
  test_convtranspose_shapes();
  test_maxunpool_indices();
  test_roialign_batch();
  test_nms_replans();
  return check_report("test_vision_ops");
}
