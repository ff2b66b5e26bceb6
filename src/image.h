/* image.h — internals of image preprocessing (the public API is wisp_image_* in wisp.h).
 *
 * wisp_image_resize_u8 is PIL's Image.resize for 8-bit images, reproduced bit for bit: Hugging
 * Face image processors resize with PIL, so a model's accuracy was measured on PIL's pixels.
 * It works on any interleaved channel count; channels are resampled independently (PIL would
 * premultiply alpha for RGBA/LA, which wisp never resamples: alpha is dropped first). */
#ifndef WISP_IMAGE_H
#define WISP_IMAGE_H

#include <stdint.h>

#include "status.h"

/* PIL's Image.Resampling codes (the `resample` field of preprocessor_config.json). */
enum {
  WISP_RESAMPLE_NEAREST = 0,
  WISP_RESAMPLE_LANCZOS = 1,
  WISP_RESAMPLE_BILINEAR = 2,
  WISP_RESAMPLE_BICUBIC = 3,
  WISP_RESAMPLE_BOX = 4,
  WISP_RESAMPLE_HAMMING = 5,
};

#define WISP_IMAGE_MAX_SIDE 16384

/* src is (h, w, c) uint8, dst (out_h, out_w, c); sizes in 1..WISP_IMAGE_MAX_SIDE, c in 1..4.
 * Fails only on a bad argument or when a temporary buffer cannot be allocated. */
wisp_status wisp_image_resize_u8(const uint8_t *src, int w, int h, int c, uint8_t *dst, int out_w,
                                 int out_h, int resample);

#endif
