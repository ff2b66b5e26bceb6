/* test_image.c — wisp_image_preprocess against PIL + Hugging Face references
 * (tests/fixtures/image/, made by tests/fixtures/make_image_fixtures.py), plus bad input.
 *
 * Each case runs twice: with rescale 1 and no normalization the output is the pixel levels,
 * which must equal PIL's exactly; with the case's config the floats must match HF's to float32
 * rounding. Run from the repo root. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "image.h"
#include "wisp.h"

#define DIR "tests/fixtures/image/"

static void *read_file(const char *name, size_t want) {
  char path[256];
  snprintf(path, sizeof path, DIR "%s", name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s (run from the repo root)\n", path);
    return NULL;
  }
  void *p = malloc(want + 1);
  size_t n = fread(p, 1, want + 1, f);
  fclose(f);
  if (n != want) {
    fprintf(stderr, "%s: %zu bytes, expected %zu\n", path, n, want);
    free(p);
    return NULL;
  }
  return p;
}

static int run_case(const char *line) {
  char name[64], image[64];
  int w, h, ch, oh, ow, norm;
  wisp_image_config cfg = {0};
  if (sscanf(line, "%63s %63s %d %d %d %d %d %d %d %d %f %d %d %f %f %f %f %f %f %d %d", name,
             image, &w, &h, &ch, &cfg.resize_width, &cfg.resize_height, &cfg.resample,
             &cfg.crop_width, &cfg.crop_height, &cfg.rescale, &cfg.out_channels, &norm,
             &cfg.mean[0], &cfg.mean[1], &cfg.mean[2], &cfg.std[0], &cfg.std[1], &cfg.std[2], &oh,
             &ow) != 21) {
    fprintf(stderr, "bad cases.txt line: %s", line);
    return 0;
  }
  cfg.normalize = norm;
  char file[96];
  size_t n = (size_t)cfg.out_channels * oh * ow;
  snprintf(file, sizeof file, "%s.u8", image);
  uint8_t *pixels = read_file(file, (size_t)w * h * ch);
  snprintf(file, sizeof file, "%s.u8", name);
  uint8_t *ref_levels = read_file(file, n);
  snprintf(file, sizeof file, "%s.f32", name);
  float *ref = read_file(file, n * sizeof(float)); /* little-endian, like every target here */
  float *out = malloc(n * sizeof *out);
  CHECK(pixels && ref_levels && ref);
  if (!pixels || !ref_levels || !ref) goto done;

  int gw = 0, gh = 0;
  CHECK(wisp_image_output_size(&cfg, w, h, &gw, &gh) == WISP_OK && gw == ow && gh == oh);

  /* levels: rescale 1, no normalization */
  wisp_image_config raw = cfg;
  raw.rescale = 1, raw.normalize = 0;
  CHECK(wisp_image_preprocess(pixels, w, h, ch, &raw, out) == WISP_OK);
  double dl = 0;
  int mismatched = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs(out[i] - ref_levels[i]);
    mismatched += d != 0;
    if (d > dl) dl = d;
  }
  /* model input: the case's config; Δ also in levels, i.e. |Δ| · 255 · std */
  CHECK(wisp_image_preprocess(pixels, w, h, ch, &cfg, out) == WISP_OK);
  double df = 0, dfl = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)out[i] - ref[i]);
    int c = (int)(i / ((size_t)oh * ow));
    double s = cfg.normalize ? fabs(cfg.std[c]) : 1;
    if (d > df) df = d;
    if (d * s / cfg.rescale > dfl) dfl = d * s / cfg.rescale;
  }
  printf(
      "  %-20s %dx%dx%d -> (%d,%d,%d)  levels max|d| %g (%d differ)  floats max|d| %.3g "
      "(%.2g levels)\n",
      name, w, h, ch, cfg.out_channels, oh, ow, dl, mismatched, df, dfl);
  CHECK(dl == 0);     /* bit-exact with PIL */
  CHECK(dfl <= 1e-3); /* and so the floats differ only by float32 rounding */
done:
  free(pixels), free(ref_levels), free(ref), free(out);
  return 1;
}

static void test_fixtures(void) {
  FILE *f = fopen(DIR "cases.txt", "r");
  CHECK(f != NULL);
  if (!f) return;
  char line[512];
  int cases = 0;
  while (fgets(line, sizeof line, f))
    if (line[0] != '#') cases += run_case(line);
  fclose(f);
  CHECK(cases >= 18);
}

/* A constant image stays constant under every filter and size; an unchanged size is a copy. */
static void test_properties(void) {
  enum { W = 41, H = 17 };
  static uint8_t img[W * H * 3], dst[97 * 53 * 3];
  static uint8_t noise[W * H * 3];
  for (int i = 0; i < W * H * 3; i++) img[i] = 77, noise[i] = (uint8_t)(i * 2654435761u >> 24);
  const int sizes[][2] = {{1, 1}, {5, 3}, {41, 17}, {97, 53}, {40, 18}, {13, 50}};
  for (int r = 0; r <= 5; r++) {
    for (int s = 0; s < 6; s++) {
      int ow = sizes[s][0], oh = sizes[s][1], ok = 1;
      CHECK(wisp_image_resize_u8(img, W, H, 3, dst, ow, oh, r) == WISP_OK);
      for (int i = 0; i < ow * oh * 3; i++) ok &= dst[i] == 77;
      CHECK(ok);
    }
    CHECK(wisp_image_resize_u8(noise, W, H, 3, dst, W, H, r) == WISP_OK);
    CHECK(memcmp(dst, noise, sizeof noise) == 0);
  }
  /* the widest filter window allowed: 16384 → 1 (bicubic support 2 · 16384) */
  uint8_t *wide = malloc(WISP_IMAGE_MAX_SIDE);
  memset(wide, 200, WISP_IMAGE_MAX_SIDE);
  uint8_t one[3] = {0};
  CHECK(wisp_image_resize_u8(wide, WISP_IMAGE_MAX_SIDE, 1, 1, one, 1, 1, WISP_RESAMPLE_BICUBIC) ==
            WISP_OK &&
        one[0] == 200);
  CHECK(wisp_image_resize_u8(wide, 1, WISP_IMAGE_MAX_SIDE, 1, one, 3, 1, WISP_RESAMPLE_LANCZOS) ==
            WISP_OK &&
        one[0] == 200 && one[2] == 200);
  free(wide);

  /* gray + alpha is gray (alpha ignored); RGBA is RGB; rescale 0 means 1 */
  uint8_t ga[4 * 3 * 2], g[4 * 3], rgba[4 * 3 * 4], rgb[4 * 3 * 3];
  for (int i = 0; i < 12; i++) {
    g[i] = ga[2 * i] = (uint8_t)(i * 20), ga[2 * i + 1] = (uint8_t)(255 - i * 7);
    for (int c = 0; c < 3; c++) rgb[3 * i + c] = rgba[4 * i + c] = (uint8_t)(i * 20 + c);
    rgba[4 * i + 3] = (uint8_t)(i * 9);
  }
  wisp_image_config cfg = {.resize_width = 7, .resize_height = 2, .resample = 3, .out_channels = 3};
  float a[3 * 7 * 2], b[3 * 7 * 2];
  CHECK(wisp_image_preprocess(ga, 4, 3, 2, &cfg, a) == WISP_OK);
  CHECK(wisp_image_preprocess(g, 4, 3, 1, &cfg, b) == WISP_OK);
  CHECK(memcmp(a, b, sizeof a) == 0);
  CHECK(a[0] == a[14] && a[0] == a[28]); /* gray replicated into R, G, B */
  CHECK(wisp_image_preprocess(rgba, 4, 3, 4, &cfg, a) == WISP_OK);
  CHECK(wisp_image_preprocess(rgb, 4, 3, 3, &cfg, b) == WISP_OK);
  CHECK(memcmp(a, b, sizeof a) == 0);
  CHECK(a[0] == floorf(a[0]) && a[0] >= 0 && a[0] <= 255); /* rescale 0 → levels */
}

/* Every bad input returns WISP_ERR_INVALID_ARG with a message and leaves out untouched. */
/* A crop of a resize is computed as a window of it: equal to resizing in full and cropping, for
 * every filter, crops inside and past the edges; a 16384 × 16384 resize cropped to a few pixels
 * (a fuzzer input that took 16 s) computes only the pixels kept. */
static void test_crop_window(void) {
  enum { W = 23, H = 19, RW = 61, RH = 37 };
  static uint8_t img[W * H * 3], full[RW * RH * 3];
  static float got[3 * 70 * 50];
  for (int i = 0; i < W * H * 3; i++) img[i] = (uint8_t)(i * 2654435761u >> 24);
  const int crops[][2] = {{1, 1}, {10, 7}, {61, 37}, {70, 50}, {60, 1}, {3, 36}};
  for (int r = 0; r <= 5; r++) {
    CHECK(wisp_image_resize_u8(img, W, H, 3, full, RW, RH, r) == WISP_OK);
    for (int k = 0; k < 6; k++) {
      wisp_image_config cfg = {.resize_width = RW,
                               .resize_height = RH,
                               .resample = r,
                               .crop_width = crops[k][0],
                               .crop_height = crops[k][1],
                               .rescale = 1,
                               .out_channels = 3};
      int cw = crops[k][0], ch = crops[k][1], ok = 1;
      CHECK(wisp_image_preprocess(img, W, H, 3, &cfg, got) == WISP_OK);
      int top = (RH - ch) >= 0 ? (RH - ch) / 2 : -((ch - RH + 1) / 2);
      int left = (RW - cw) >= 0 ? (RW - cw) / 2 : -((cw - RW + 1) / 2);
      for (int c = 0; c < 3; c++)
        for (int y = 0; y < ch; y++)
          for (int x = 0; x < cw; x++) {
            int sy = y + top, sx = x + left;
            int want = sy >= 0 && sy < RH && sx >= 0 && sx < RW ? full[(sy * RW + sx) * 3 + c] : 0;
            ok &= got[(c * ch + y) * cw + x] == (float)want;
          }
      CHECK(ok);
    }
  }
  uint8_t px[3 * 1 * 4] = {10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255};
  wisp_image_config huge = {.resize_width = WISP_IMAGE_MAX_SIDE,
                            .resize_height = WISP_IMAGE_MAX_SIDE,
                            .resample = WISP_RESAMPLE_BOX,
                            .crop_width = 1,
                            .crop_height = 11,
                            .rescale = 1,
                            .out_channels = 3};
  CHECK(wisp_image_preprocess(px, 3, 1, 4, &huge, got) == WISP_OK);
  CHECK(got[0] == 40 && got[10] == 40 && got[11] == 50 && got[22] == 60); /* the middle pixel */
}

static void test_bad_input(void) {
  uint8_t px[4 * 4 * 3] = {0};
  float out[3 * 4 * 4];
  const wisp_image_config good = {.resize_width = 4,
                                  .resize_height = 4,
                                  .resample = 2,
                                  .rescale = 1.0f / 255,
                                  .out_channels = 3,
                                  .normalize = 1,
                                  .mean = {0.5f, 0.5f, 0.5f},
                                  .std = {0.5f, 0.5f, 0.5f}};
#define BAD(call) \
  do { \
    for (int i_ = 0; i_ < 48; i_++) out[i_] = -7; \
    wisp_clear_error(); \
    CHECK((call) == WISP_ERR_INVALID_ARG); \
    CHECK(wisp_last_error()[0] != 0); \
    CHECK(out[0] == -7 && out[47] == -7); \
  } while (0)
#define BAD_CFG(field, value) \
  do { \
    wisp_image_config c_ = good; \
    c_.field = value; \
    BAD(wisp_image_preprocess(px, 4, 4, 3, &c_, out)); \
  } while (0)

  CHECK(wisp_image_preprocess(px, 4, 4, 3, &good, out) == WISP_OK);
  BAD(wisp_image_preprocess(NULL, 4, 4, 3, &good, out));
  BAD(wisp_image_preprocess(px, 4, 4, 3, &good, NULL));
  BAD(wisp_image_preprocess(px, 4, 4, 3, NULL, out));
  BAD(wisp_image_preprocess(px, 0, 4, 3, &good, out));
  BAD(wisp_image_preprocess(px, 4, -1, 3, &good, out));
  BAD(wisp_image_preprocess(px, 16385, 4, 3, &good, out));
  BAD(wisp_image_preprocess(px, 4, 4, 0, &good, out));
  BAD(wisp_image_preprocess(px, 4, 4, 5, &good, out));
  BAD_CFG(resize_width, 0); /* one side only */
  BAD_CFG(resize_height, -4);
  BAD_CFG(resize_width, 16385);
  BAD_CFG(crop_width, 4); /* crop_height still 0 */
  BAD_CFG(crop_height, -1);
  BAD_CFG(resample, 6);
  BAD_CFG(resample, -1);
  BAD_CFG(out_channels, 2);
  BAD_CFG(out_channels, 4);
  BAD_CFG(rescale, NAN);
  BAD_CFG(rescale, INFINITY);
  BAD_CFG(std[1], 0);
  BAD_CFG(std[2], NAN);
  BAD_CFG(mean[0], INFINITY);
  printf("  e.g. \"%s\"\n", wisp_last_error());
  int w, h;
  BAD(wisp_image_output_size(&good, 4, 4, NULL, &h));
  BAD(wisp_image_output_size(NULL, 4, 4, &w, &h));
  BAD(wisp_image_output_size(&good, 0, 4, &w, &h));
  uint8_t dst[64];
  BAD(wisp_image_resize_u8(NULL, 4, 4, 3, dst, 2, 2, 2));
  BAD(wisp_image_resize_u8(px, 4, 4, 3, dst, 0, 2, 2));
  BAD(wisp_image_resize_u8(px, 4, 4, 5, dst, 2, 2, 2));
  BAD(wisp_image_resize_u8(px, 4, 4, 3, dst, 2, 2, 9));
  /* std is only checked for the channels produced */
  wisp_image_config gray = good;
  gray.out_channels = 1, gray.std[1] = gray.std[2] = 0;
  CHECK(wisp_image_preprocess(px, 4, 4, 3, &gray, out) == WISP_OK);
}

int main(void) {
  printf("image fixtures (PIL 9.4 + HF references):\n");
  test_fixtures();
  test_properties();
  test_crop_window();
  test_bad_input();
  return check_report("test_image");
}
