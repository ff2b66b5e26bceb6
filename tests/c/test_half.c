/* float16: the conversions (every half value, rounding ties and overflow), and float16 models
 * computed in float32 (half.h) against their float32 originals: the precision fixtures, with
 * int64 inputs (BERT-style) and a float16 input (ViT-style). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "half.h"
#include "testutil.h"
#include "wisp.h"

static void check_conversions(void) {
  int bad = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    float f = wisp_half_to_float((uint16_t)h);
    int nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff);
    if (nan ? !isnan(f) : wisp_float_to_half(f) != h) bad++;
  }
  CHECK(bad == 0);
  CHECK(wisp_half_to_float(0x3c00) == 1.0f && wisp_half_to_float(0xc100) == -2.5f);
  CHECK(wisp_half_to_float(0x0001) == 0x1p-24f && wisp_half_to_float(0x7bff) == 65504.0f);
  CHECK(wisp_float_to_half(1.0f + 0x1p-11f) == 0x3c00);     /* tie: to even */
  CHECK(wisp_float_to_half(1.0f + 3 * 0x1p-11f) == 0x3c02); /* tie: to even, up */
  CHECK(wisp_float_to_half(65519.0f) == 0x7bff && wisp_float_to_half(65520.0f) == 0x7c00);
  CHECK(wisp_float_to_half(-1e9f) == 0xfc00 && wisp_float_to_half(0x1p-26f) == 0);
  CHECK(wisp_float_to_half(3 * 0x1p-26f) == 0x0001); /* 0.75 ulp rounds up */
  CHECK((wisp_float_to_half(NAN) & 0x7fff) > 0x7c00);
}

/* max |a - b| / max(1, max |b|) over n */
static double rel_diff(const float *a, const float *b, int64_t n) {
  double d = 0, s = 1;
  for (int64_t i = 0; i < n; i++) {
    double e = fabs((double)a[i] - b[i]);
    d = e == e && e <= d ? d : e == e ? e : INFINITY;
    s = fabs(b[i]) > s ? fabs(b[i]) : s;
  }
  return d / s;
}

/* Runs the fp32 and fp16 files of a fixture on the same feeds; float32 feeds go to the fp16
 * model as float16 bits. */
static void check_fixture(const char *dir, wisp_tensor *feeds, int n) {
  char p32[256], p16[256];
  snprintf(p32, sizeof p32, "tests/fixtures/precision/%s/onnx/model.onnx", dir);
  snprintf(p16, sizeof p16, "tests/fixtures/precision/%s/onnx/model_fp16.onnx", dir);
  wisp_session *a = open_session(p32), *b = open_session(p16);
  if (!a || !b) return;
  CHECK(wisp_session_output_dtype(b, 0) == WISP_DT_FLOAT16);
  wisp_tensor half[4];
  uint16_t *bits[4] = {0};
  for (int k = 0; k < n; k++) {
    half[k] = feeds[k];
    if (feeds[k].dtype != WISP_DT_FLOAT) continue;
    CHECK(wisp_session_input_dtype(b, k) == WISP_DT_FLOAT16);
    CHECK(wisp_session_run(b, feeds, n) == WISP_ERR_INVALID_ARG); /* float32 fed to float16 */
    CHECK(strstr(wisp_last_error(), "expected float16"));
    int64_t m = 1;
    for (int d = 0; d < feeds[k].shape.ndim; d++) m *= feeds[k].shape.dims[d];
    bits[k] = malloc((size_t)m * 2);
    wisp_float_to_half_n(feeds[k].data, bits[k], (size_t)m);
    half[k].dtype = WISP_DT_FLOAT16, half[k].data = bits[k];
  }
  for (int run = 0; run < 2; run++) { /* the second run reuses the plan and boundary buffers */
    CHECK(wisp_session_run(a, feeds, n) == WISP_OK);
    CHECK(wisp_session_run(b, half, n) == WISP_OK);
    const wisp_tensor *y32 = wisp_session_output(a, 0), *y16 = wisp_session_output(b, 0);
    CHECK(y16->dtype == WISP_DT_FLOAT16 && wisp_shape_equal(&y16->shape, &y32->shape));
    int64_t m = wisp_shape_numel(&y32->shape);
    float *y = malloc((size_t)m * sizeof *y);
    wisp_half_to_float_n(y16->data, y, (size_t)m);
    double d = rel_diff(y, y32->data, m);
    printf("%s fp16 vs fp32: %.2e\n", dir, d);
    CHECK(d > 0 && d <= 1e-2); /* > 0: the float16 weights were really used */
    free(y);
  }
  for (int k = 0; k < n; k++) free(bits[k]);
  wisp_session_free(a);
  wisp_session_free(b);
}

int main(void) {
  check_conversions();
  int64_t ids[2 * 7], mask[2 * 7], types[2 * 7] = {0};
  for (int i = 0; i < 14; i++) ids[i] = (i * 37 + 5) % 128, mask[i] = i % 7 < 5 + i / 7;
  wisp_tensor text[3] = {{WISP_DT_INT64, {2, {2, 7}}, ids},
                         {WISP_DT_INT64, {2, {2, 7}}, mask},
                         {WISP_DT_INT64, {2, {2, 7}}, types}};
  check_fixture("bert", text, 3);
  static float px[2 * 3 * 32 * 32];
  for (int i = 0; i < 2 * 3 * 32 * 32; i++) px[i] = sinf((float)i * 0.37f);
  wisp_tensor image = {WISP_DT_FLOAT, {4, {2, 3, 32, 32}}, px};
  check_fixture("vit", &image, 1);
  size_t len; /* zero-filled float16 feeds through the shared create + run check */
  char *bytes = read_file("tests/fixtures/precision/vit/onnx/model_fp16.onnx", &len);
  CHECK(bytes != NULL);
  if (bytes) survive(bytes, len, 1);
  free(bytes);
  return check_report("test_half");
}
