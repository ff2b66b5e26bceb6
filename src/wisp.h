/* wisp.h — run ONNX models on the user's own device.
 *
 * A session is made once from the bytes of an .onnx file; it parses the model with a
 * bounds-checked reader, checks every op is supported, and plans memory. Runs with the same
 * input shapes reuse that plan and allocate nothing; new shapes re-plan.
 *
 *   wisp_session *s;
 *   if (wisp_session_create(bytes, len, NULL, &s) != WISP_OK) {
 *     fprintf(stderr, "%s\n", wisp_last_error());   // e.g. "unsupported op 'If' (node 'n3')"
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

wisp_status wisp_session_create(const void *model, size_t len, const wisp_options *opts,
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

/* Lists the external data files the model needs: calls fn for each distinct location. */
wisp_status wisp_model_external_files(const void *model, size_t len,
                                      void (*fn)(void *user, const char *location), void *user);

/* Which kernels this build uses, e.g. "f32_gemm_4x8__wasmsimd". */
const char *wisp_kernel_config(void);

#endif
