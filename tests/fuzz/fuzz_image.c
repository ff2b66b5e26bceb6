/* libFuzzer target: image preprocessing (src/image.c) with fuzzed sizes, configs and pixels:
 * every resample filter, up- and downscaling, crops larger and smaller than the image, channel
 * conversions, and bad arguments (which must fail cleanly). The output buffer is exactly the
 * size wisp_image_output_size reports, so ASan catches any write past it. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wisp.h"

typedef struct {
  const uint8_t *p;
  size_t n, at;
} reader;

static uint8_t next(reader *r) { return r->at < r->n ? r->p[r->at++] : 0; }

/* A side length: mostly small, sometimes an edge of the valid range or past it. */
static int side(reader *r, int small_max) {
  static const int edge[] = {0, -1, 1, 2, 16384, 16385, INT32_MAX, INT32_MIN};
  uint8_t sel = next(r);
  return sel < 0xf0 ? sel % (small_max + 1) : edge[sel % 8];
}

static float real(reader *r) {
  static const float special[] = {0.0f, 1.0f, 1.0f / 255, -1.0f, 0.5f, 1e30f, 1e-30f, -0.0f};
  uint8_t sel = next(r);
  if (sel < 0x80) return special[sel % 8];
  if (sel < 0xf0) return (float)(sel - 0xb8) / 64;
  return sel & 1 ? INFINITY : NAN;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  reader r = {data, size, 0};
  int width = side(&r, 64), height = side(&r, 64), channels = next(&r) % 6;
  wisp_image_config cfg = {0};
  cfg.resize_width = side(&r, 96), cfg.resize_height = side(&r, 96);
  if (next(&r) & 1) cfg.resize_width = cfg.resize_height = 0; /* often no resize */
  cfg.resample = (int)(next(&r) % 8) - 1;
  cfg.crop_width = side(&r, 96), cfg.crop_height = side(&r, 96);
  if (next(&r) & 1) cfg.crop_width = cfg.crop_height = 0;
  cfg.rescale = real(&r);
  cfg.out_channels = next(&r) % 5;
  cfg.normalize = next(&r) & 1;
  for (int c = 0; c < 3; c++) cfg.mean[c] = real(&r), cfg.std[c] = real(&r);

  int ow, oh;
  if (wisp_image_output_size(&cfg, width, height, &ow, &oh) != WISP_OK) return 0;
  /* what succeeded must describe a buffer that can exist */
  if (ow <= 0 || oh <= 0 || ow > 16384 || oh > 16384) __builtin_trap();
  if ((int64_t)ow * oh > 256 * 256 || (int64_t)width * height > 128 * 128) return 0;
  /* PIL's convolution resize reads ~6·in/out taps per output pixel when shrinking, in both
   * passes: legitimate work, but a 1 × 16384 → 16384 × 3 resize is a billion multiply-adds.
   * Keep the fuzzer on inputs of bounded cost (the crop window is what gets resized). */
  int rw = cfg.resize_width ? cfg.resize_width : width;
  int rh = cfg.resize_height ? cfg.resize_height : height;
  int64_t ww = ow < rw ? ow : rw, wh = oh < rh ? oh : rh;
  int64_t taps_h = 6 * (width / rw + 1) + 1, taps_v = 6 * (height / rh + 1) + 1;
  if (ww * height * taps_h + ww * wh * taps_v > (int64_t)1 << 24) return 0;
  size_t n_px = (size_t)width * height * (channels ? channels : 1);
  uint8_t *pixels = malloc(n_px);
  float *out = malloc((size_t)ow * oh * (cfg.out_channels ? cfg.out_channels : 1) * sizeof *out);
  if (pixels && out) {
    for (size_t i = 0; i < n_px; i++) pixels[i] = next(&r) ^ (uint8_t)(i * 37);
    (void)wisp_image_preprocess(pixels, width, height, channels, &cfg, out);
  }
  free(pixels);
  free(out);
  return 0;
}
