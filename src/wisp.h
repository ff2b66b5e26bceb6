/* wisp.h — run ONNX models on the user's own device.
 *
 * A session is made once from the bytes of an .onnx file; it parses the model with a
 * bounds-checked reader, checks every op is supported, and plans memory. Runs with the same
 * input shapes reuse that plan and allocate nothing; new shapes re-plan.
 *
 *   wisp_session *s;
 *   if (wisp_session_create(bytes, len, NULL, &s) != WISP_OK) {
 *     fprintf(stderr, "%s\n", wisp_last_error());   // e.g. "unsupported ops: Mod (54 nodes), ScatterND (45 nodes)"
 *     return 1;
 *   }
 *   float pixels[784] = {0};
 *   wisp_tensor x = {WISP_DT_FLOAT, {4, {1, 1, 28, 28}}, pixels};
 *   if (wisp_session_run(s, &x, 1) == WISP_OK) {
 *     const wisp_tensor *logits = wisp_session_output(s, 0);     // (1, 10), valid until next run
 *     ...
 *   }
 *   wisp_session_free(s);
 *
 * Every function that can fail returns a wisp_status and sets wisp_last_error(); after a failure
 * the session (if any) is still usable. */
#ifndef WISP_H
#define WISP_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "tensor.h"

typedef struct wisp_session wisp_session;

/* Bytes of an external-data file the model refers to (TensorProto.external_data "location"). */
typedef struct {
  const char *location;
  const void *data;
  size_t len;
} wisp_external_file;

typedef struct {
  const wisp_external_file *external_files;
  int n_external_files;
  /* Native builds only: a folder to read external data files from when not given above. */
  const char *external_dir;
  /* Intermediate values to return too, after the graph's own outputs: e.g. the pooled
   * features that feed a classifier head, for `embed`. */
  const char *const *extra_outputs;
  int n_extra_outputs;
} wisp_options;

/* `model` stays the caller's: the session keeps a copy of it. */
wisp_status wisp_session_create(const void *model, size_t len, const wisp_options *opts,
                                wisp_session **out);
/* The same without the copy: takes ownership of `model`, a block from malloc of at least
 * len + 16 bytes, and frees it with the session, or before returning on failure. The session
 * uses the weights where they lie and rewrites the block to align them. */
wisp_status wisp_session_create_owned(void *model, size_t len, const wisp_options *opts,
                                      wisp_session **out);
void wisp_session_free(wisp_session *s);

int wisp_session_input_count(const wisp_session *s);
int wisp_session_output_count(const wisp_session *s);
const char *wisp_session_input_name(const wisp_session *s, int i);
const char *wisp_session_output_name(const wisp_session *s, int i);
/* Declared type and shape; symbolic dims are -1 (their names from ..._dim_name). */
wisp_dtype wisp_session_input_dtype(const wisp_session *s, int i);
const wisp_shape *wisp_session_input_shape(const wisp_session *s, int i);
const char *wisp_session_input_dim_name(const wisp_session *s, int i, int dim);
wisp_dtype wisp_session_output_dtype(const wisp_session *s, int i);

/* Runs with one tensor per graph input, in input order. Each feed is checked against the
 * declared dtype and shape. */
wisp_status wisp_session_run(wisp_session *s, const wisp_tensor *feeds, int n_feeds);
/* Output i of the last successful run; its data stays valid until the next run or free. */
const wisp_tensor *wisp_session_output(const wisp_session *s, int i);
/* ZipMap (ai.onnx.ml) outputs are sequences of maps in ONNX; wisp returns their scores as the
 * float tensor (N, C) above and the C map keys (the class labels) here. Returns C for such an
 * output and 0 for a plain tensor. Key k is a string (returned) or an int64 (*int_key set and
 * NULL returned); both stay valid as long as the session. */
int wisp_session_output_map_keys(const wisp_session *s, int i);
const char *wisp_session_output_map_key(const wisp_session *s, int i, int k, int64_t *int_key);

/* Lists the external data files the model needs: calls fn for each tensor stored in one, with
 * its location and `end`, the byte just past the tensor's data in that file (offset + size), so
 * a caller can tell how large the files must be before reading them. A location shared by
 * several tensors comes several times. */
wisp_status wisp_model_external_files(const void *model, size_t len,
                                      void (*fn)(void *user, const char *location, uint64_t end),
                                      void *user);

/* Which kernels this build uses, e.g. "f32_gemm_4x8__wasmsimd". */
const char *wisp_kernel_config(void);

/* ---- image preprocessing (src/image.c) ----
 *
 * Turns 8-bit pixels into a model input the way Hugging Face image processors do with PIL:
 * convert to the channel count wanted, resize (PIL's Image.resize, exactly), center crop, then
 * (v * rescale - mean) / std. A 640x480 photo for a ViT (224x224, bilinear, ImageNet mean/std):
 *
 *   wisp_image_config cfg = {.resize_width = 224, .resize_height = 224, .resample = 2,
 *                            .rescale = 1.0f / 255, .out_channels = 3, .normalize = 1,
 *                            .mean = {0.485f, 0.456f, 0.406f}, .std = {0.229f, 0.224f, 0.225f}};
 *   float x[3 * 224 * 224];                        // (C, H, W), one image of the batch
 *   if (wisp_image_preprocess(rgba, 640, 480, 4, &cfg, x) != WISP_OK) puts(wisp_last_error());
 *
 * A crop larger than the (resized) image pads with zero pixels, like HF's center_crop: they
 * come out as (0 - mean) / std. Alpha is ignored (dropped, not composited). */
typedef struct {
  int resize_width, resize_height; /* 0, 0: no resize */
  int resample;                    /* PIL codes: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic,
                                      4 box, 5 hamming */
  int crop_width, crop_height;     /* 0, 0: no center crop; applied after the resize */
  float rescale;                   /* e.g. 1/255; 0 means 1 */
  int out_channels;                /* 1 (gray: ITU-R 601-2 luma, as PIL's convert('L')) or 3 */
  int normalize;                   /* nonzero: subtract mean[c], divide by std[c] */
  float mean[3], std[3];
} wisp_image_config;

/* The (W, H) of the output: the crop if set, else the resize if set, else width x height. */
wisp_status wisp_image_output_size(const wisp_image_config *cfg, int width, int height, int *out_w,
                                   int *out_h);

/* pixels: (height, width, channels) uint8 with channels 1 (gray), 2 (gray + alpha), 3 (RGB) or
 * 4 (RGBA); width and height in 1..16384. out: (out_channels, H, W) float32 with (W, H) from
 * wisp_image_output_size. Allocates only temporary buffers. */
wisp_status wisp_image_preprocess(const uint8_t *pixels, int width, int height, int channels,
                                  const wisp_image_config *cfg, float *out);

#endif
