/* libFuzzer target: runs of a valid model with fuzzed inputs. The model comes from a fixed set
 * loaded at start (every passing ONNX node test and the fixtures, so every op is reached); the
 * bytes pick one, then drive 1-4 runs on one session: each run picks every input's shape (the
 * declared one, small random dims, or a random rank) and its data (Gather indices, Reshape /
 * Expand / Slice shape inputs, NaN and extreme values), so runs re-plan after a shape change and
 * repeat with the same shapes. Every output of a successful run is read whole.
 *
 * Models: WISP_FUZZ_MODELS (a file listing .onnx paths, one a line) or, by default, the node
 * tests named in tests/conformance/expected_pass.txt plus tests/fixtures (paths compiled in). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_models.h"
#include "wisp.h"

/* Feeds are capped so one run stays fast; a larger shape is still tried against the declared one
 * (the session must refuse a mismatch before reading any data). */
#define MAX_FEED_NUMEL 4096

typedef struct {
  const uint8_t *p;
  size_t n, at;
} reader;

static uint8_t next(reader *r) { return r->at < r->n ? r->p[r->at++] : 0; }

static uint64_t next_bits(reader *r, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v |= (uint64_t)next(r) << (8 * i);
  return v;
}

static double next_real(reader *r) {
  static const double special[] = {0.0, -0.0, 1.0, -1.0, 0.5, 1e30, -1e30, 1e-40, 65504.0};
  uint8_t sel = next(r);
  if (sel < 0x60) return (int)(sel % 17) - 8;
  if (sel < 0xa0) return next(r) / 16.0 - 8;
  if (sel < 0xc0) return special[sel % (sizeof special / sizeof *special)];
  if (sel < 0xc8) return sel & 1 ? (double)INFINITY : (double)NAN;
  if (sel < 0xd0) return -(double)INFINITY;
  float f;
  uint32_t bits = (uint32_t)next_bits(r, 4);
  memcpy(&f, &bits, 4);
  return f;
}

/* Mostly small (indices and shape entries near their bounds), sometimes extreme. */
static int64_t next_int(reader *r) {
  static const int64_t special[] = {
      INT64_MAX,        INT64_MIN, (int64_t)1 << 31, -((int64_t)1 << 31),
      (int64_t)1 << 40, 65536,     -65536,           INT32_MAX};
  uint8_t sel = next(r);
  if (sel < 0xc0) return (int)(sel % 21) - 10;
  if (sel < 0xf0) return (int8_t)next(r);
  return special[sel % (sizeof special / sizeof *special)];
}

static void fill(reader *r, wisp_dtype dt, void *data, int64_t n, char *strings, size_t str_cap) {
  for (int64_t i = 0; i < n; i++) {
    switch (dt) {
      case WISP_DT_FLOAT: ((float *)data)[i] = (float)next_real(r); break;
      case WISP_DT_DOUBLE: ((double *)data)[i] = next_real(r); break;
      case WISP_DT_FLOAT16: ((uint16_t *)data)[i] = (uint16_t)next_bits(r, 2); break;
      case WISP_DT_INT64:
      case WISP_DT_UINT64: ((int64_t *)data)[i] = next_int(r); break;
      case WISP_DT_INT32:
      case WISP_DT_UINT32: ((int32_t *)data)[i] = (int32_t)next_int(r); break;
      case WISP_DT_INT16:
      case WISP_DT_UINT16: ((int16_t *)data)[i] = (int16_t)next_int(r); break;
      case WISP_DT_INT8:
      case WISP_DT_UINT8: ((int8_t *)data)[i] = (int8_t)next_int(r); break;
      case WISP_DT_BOOL: ((uint8_t *)data)[i] = next(r) & 1; break;
      case WISP_DT_STRING: {
        /* each element a short string carved from the input, in `strings` */
        size_t at = (size_t)i * 8;
        int len = next(r) % 8;
        for (int k = 0; k < len; k++) strings[at + k] = (char)(next(r) | 1);
        strings[at + len] = 0;
        ((const char **)data)[i] = at + 8 <= str_cap ? strings + at : "";
        break;
      }
      default: return; /* no such dtype: the session refuses it */
    }
  }
}

/* Picks feed i's shape from the declared one; returns 0 when the shape is too large to fill. */
static int pick_shape(reader *r, const wisp_shape *declared, wisp_shape *shape) {
  uint8_t mode = next(r) % 8;
  if (!declared || mode == 6) { /* a random rank */
    shape->ndim = next(r) % 5;
    for (int d = 0; d < shape->ndim; d++) shape->dims[d] = next(r) % 6;
  } else {
    *shape = *declared;
    for (int d = 0; d < shape->ndim; d++) {
      if (shape->dims[d] < 0) shape->dims[d] = mode < 3 ? 1 + next(r) % 5 : next(r) % 4;
      else if (mode == 7) shape->dims[d] = next(r) % 6; /* likely a mismatch: must be refused */
    }
  }
  if (wisp_shape_check(shape, "fuzz") != WISP_OK) return 0;
  return wisp_shape_numel(shape) <= MAX_FEED_NUMEL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const fuzz_models *models = fuzz_models_get();
  if (!models->n || size < 3) return 0;
  reader r = {data, size, 0};
  const fuzz_model *m = &models->items[next_bits(&r, 2) % models->n];
  int runs = 1 + next(&r) % 4;
  wisp_session *s;
  if (wisp_session_create(m->bytes, m->len, NULL, &s) != WISP_OK) return 0;
  int n = wisp_session_input_count(s);
  if (n > 16) n = 16;
  static int64_t buf[16][MAX_FEED_NUMEL]; /* 8 bytes an element covers every dtype */
  static char strings[16][MAX_FEED_NUMEL * 8];
  wisp_tensor feeds[16];
  for (int run = 0; run < runs; run++) {
    int ok = 1;
    for (int i = 0; ok && i < n; i++) {
      wisp_dtype dt = wisp_session_input_dtype(s, i);
      if (next(&r) % 16 == 0) dt = (wisp_dtype)(next(&r) % 15); /* a wrong dtype: refused */
      feeds[i] = (wisp_tensor){dt, {0}, buf[i]};
      ok = pick_shape(&r, wisp_session_input_shape(s, i), &feeds[i].shape);
      if (ok)
        fill(&r, dt, buf[i], wisp_shape_numel(&feeds[i].shape), strings[i], sizeof strings[i]);
    }
    if (!ok) break;
    /* A repeated run (same shapes, new data) reuses the plan; otherwise it re-plans. */
    if (wisp_session_run(s, feeds, n) != WISP_OK) continue;
    volatile uint8_t sink = 0;
    for (int o = 0; o < wisp_session_output_count(s); o++) {
      const wisp_tensor *t = wisp_session_output(s, o);
      if (!t || t->dtype == WISP_DT_STRING) continue;
      size_t bytes = wisp_tensor_bytes(t);
      for (size_t k = 0; k < bytes; k++) sink ^= ((const uint8_t *)t->data)[k];
    }
    (void)sink;
  }
  wisp_session_free(s);
  return 0;
}
