/* libFuzzer target: any bytes through the external-file listing pass, session create (loader,
 * graph checks, fusions, op parse) and, when that succeeds, a run with small zero inputs.
 * Build with -DWISP_FUZZ=ON (clang). */
#include <stdint.h>
#include <string.h>

#include "wisp.h"

static void ignore_location(void *user, const char *location, uint64_t end) {}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  (void)wisp_model_external_files(data, size, ignore_location, NULL);
  wisp_session *s;
  if (wisp_session_create(data, size, NULL, &s) != WISP_OK) return 0;
  static uint8_t zeros[1 << 16];
  int n = wisp_session_input_count(s);
  wisp_tensor feeds[16];
  int ok = n <= 16;
  for (int i = 0; ok && i < n; i++) {
    const wisp_shape *shape = wisp_session_input_shape(s, i);
    feeds[i] =
        (wisp_tensor){wisp_session_input_dtype(s, i), shape ? *shape : (wisp_shape){0}, zeros};
    for (int d = 0; d < feeds[i].shape.ndim; d++)
      if (feeds[i].shape.dims[d] < 0) feeds[i].shape.dims[d] = 1;
    ok = wisp_shape_check(&feeds[i].shape, "fuzz") == WISP_OK &&
         wisp_shape_numel(&feeds[i].shape) * 8 <= (int64_t)sizeof zeros;
  }
  if (ok) (void)wisp_session_run(s, feeds, n);
  wisp_session_free(s);
  return 0;
}
