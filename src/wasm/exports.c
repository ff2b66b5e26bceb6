/* exports.c — the WASM boundary: thin EMSCRIPTEN_KEEPALIVE wrappers over wisp.h for web/wasm.js.
 *
 * The build is a standalone .wasm with no Emscripten JS glue, so everything JS needs is exported
 * here, under the prefix wisp_wasm_ (plus wisp_malloc / wisp_free). Only int32 (size_t is u32 on
 * wasm32), pointers and doubles cross the boundary: i64 parameters would need BigInt legalisation
 * in JS. Shapes travel through memory as arrays of doubles (exact for every dim wisp accepts).
 *
 * Ownership: wisp_wasm_session_create takes the model buffer (the session keeps it: its weights
 * are used in place); external-data buffers handed to wisp_wasm_add_external belong to the shim,
 * which frees them at the next create (or clear).
 *
 *   JS: m = wisp_malloc(len); copy bytes; for each external file:
 *         d = wisp_malloc(n); copy; wisp_wasm_add_external(location, d, n)
 *       s = wisp_wasm_session_create(m, len)        // 0 on failure: see wisp_wasm_last_error()
 *       for each input i: wisp_wasm_set_feed(i, dtype, ndim, dims, data)
 *       wisp_wasm_run(s, n)                         // then wisp_wasm_output_* for each output
 *       wisp_wasm_session_free(s) */
#include <emscripten.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/config.h"
#include "../threads.h"
#include "../wisp.h"

#define KEEP EMSCRIPTEN_KEEPALIVE

/* ---- the memory budget ----
 *
 * Linear memory never shrinks and every session shares it, so a 100-byte hostile model asking
 * for a 1.9 GB tensor would leave the page holding 1.9 GB. malloc takes its heap from sbrk, and
 * this sbrk (with emscripten_get_sbrk_ptr and brk, it replaces the runtime's sbrk.o, the same
 * but for the budget) refuses to move the break past the budget: malloc then returns NULL and
 * the caller fails cleanly with "out of memory" (web/wasm.js adds that it was the budget).
 * JS's own reserve() stays under the budget too. */
#define WASM_PAGE 65536
extern unsigned char __heap_base;
extern void emscripten_notify_memory_growth(size_t memory_index);

static double g_budget = 1024.0 * 1024 * 1024; /* bytes; web/session.js documents the default */
static uintptr_t g_brk = (uintptr_t)&__heap_base;

uintptr_t *emscripten_get_sbrk_ptr(void) { return &g_brk; }

void *sbrk(intptr_t increment) {
  uintptr_t old = g_brk, want = old + (((uintptr_t)increment + 3) & ~(uintptr_t)3);
  if (increment > 0 && want <= old) goto fail; /* past 4 GB */
  size_t have = __builtin_wasm_memory_size(0) * WASM_PAGE;
  if (want > have) {
    if ((double)want > g_budget) goto fail;
    if (__builtin_wasm_memory_grow(0, (want - have + WASM_PAGE - 1) / WASM_PAGE) == (size_t)-1)
      goto fail;
    emscripten_notify_memory_growth(0);
  }
  g_brk = want;
  return (void *)old;
fail:
  errno = ENOMEM;
  return (void *)-1;
}

int brk(void *ptr) { return sbrk((intptr_t)((uintptr_t)ptr - g_brk)) == (void *)-1 ? -1 : 0; }

/* bytes: the most the heap may grow to (4 GB: wasm32's own limit). */
KEEP void wisp_wasm_set_memory_budget(double bytes) { g_budget = bytes; }
KEEP double wisp_wasm_memory_budget(void) { return g_budget; }

/* Padded like the core's buffers (mem.h) so SIMD kernels may over-read feeds safely. */
KEEP void *wisp_malloc(size_t n) { return malloc(n + 16); }
KEEP void wisp_free(void *p) { free(p); }

KEEP const char *wisp_wasm_last_error(void) { return wisp_last_error(); }
KEEP int wisp_wasm_last_status(void) { return wisp_last_status(); }
KEEP const char *wisp_wasm_kernel_config(void) { return wisp_kernel_config(); }
/* Arguments are indices in the core's function table (web/wasm.js, before any model loads). */
KEEP void wisp_wasm_use_relaxed(wisp_f32_gemm_ukernel gemm, wisp_f32_gemm_ukernel gemm_1row,
                                wisp_f32_gemm_rowbias_ukernel rowbias,
                                wisp_qs8c4_gemm_ukernel qs8) {
  wisp_kernels_use_relaxed(gemm, gemm_1row, rowbias, qs8);
}

/* ---- threads (src/threads.h): JS sets the count per run; its workers run the loop ---- */

KEEP void wisp_wasm_set_threads(int n) { wisp_threads_set(n); }
KEEP int wisp_wasm_threads(void) { return wisp_threads(); }
/* 1 in web/wisp_mt.wasm, whose workers can share the memory */
KEEP int wisp_wasm_threaded(void) {
#ifdef __EMSCRIPTEN_PTHREADS__
  return 1;
#else
  return 0;
#endif
}
KEEP void wisp_wasm_worker(int id) { wisp_threads_worker(id); }
KEEP void wisp_wasm_caller_blocks(int yes) { wisp_threads_caller_blocks(yes); }

/* ---- external data files, staged before create ---- */

static wisp_external_file *g_ext;
static int g_n_ext, g_cap_ext;

/* Frees whatever is staged (create does this too; JS calls it when it gives up before). */
static void clear_extra_outputs(void);

/* Also drops staged extra outputs: everything staged for a create that will not happen. */
KEEP void wisp_wasm_clear_externals(void) {
  clear_extra_outputs();
  for (int i = 0; i < g_n_ext; i++) {
    free((void *)g_ext[i].location);
    free((void *)g_ext[i].data);
  }
  g_n_ext = 0;
}

/* Takes ownership of `data` (from wisp_malloc); copies `location`. */
KEEP wisp_status wisp_wasm_add_external(const char *location, void *data, size_t len) {
  if (g_n_ext == g_cap_ext) {
    int cap = g_cap_ext ? 2 * g_cap_ext : 8;
    wisp_external_file *p = realloc(g_ext, cap * sizeof *p);
    if (!p) {
      free(data);
      return wisp_fail(WISP_ERR_NO_MEMORY, "out of memory staging external data");
    }
    g_ext = p, g_cap_ext = cap;
  }
  char *loc = strdup(location);
  if (!loc) {
    free(data);
    return wisp_fail(WISP_ERR_NO_MEMORY, "out of memory staging external data");
  }
  g_ext[g_n_ext++] = (wisp_external_file){loc, data, len};
  return WISP_OK;
}

/* ---- extra outputs (intermediate values to return), staged before create ---- */

static char *g_extra[64];
static int g_n_extra;

static void clear_extra_outputs(void) {
  for (int i = 0; i < g_n_extra; i++) free(g_extra[i]);
  g_n_extra = 0;
}

/* Copies `name`; it applies to the next wisp_wasm_session_create only. */
KEEP wisp_status wisp_wasm_add_extra_output(const char *name) {
  if (g_n_extra == (int)(sizeof g_extra / sizeof *g_extra))
    return wisp_fail(WISP_ERR_INVALID_ARG, "too many extra outputs");
  if (!(g_extra[g_n_extra] = strdup(name)))
    return wisp_fail(WISP_ERR_NO_MEMORY, "out of memory staging extra outputs");
  g_n_extra++;
  return WISP_OK;
}

/* ---- sessions ---- */

/* Takes ownership of `model` (from wisp_malloc, so padded as wisp_session_create_owned needs)
 * and returns NULL on failure. Frees the staged external files either way: their tensors are
 * copied out (src/onnx.c), so they need not outlive this call. */
KEEP wisp_session *wisp_wasm_session_create(void *model, size_t len) {
  wisp_options opts = {g_ext, g_n_ext, NULL, (const char *const *)g_extra, g_n_extra};
  wisp_session *s = NULL;
  if (wisp_session_create_owned(model, len, &opts, &s) != WISP_OK) s = NULL;
  wisp_wasm_clear_externals();
  return s;
}

KEEP void wisp_wasm_session_free(wisp_session *s) { wisp_session_free(s); }

KEEP int wisp_wasm_input_count(wisp_session *s) { return wisp_session_input_count(s); }
KEEP int wisp_wasm_output_count(wisp_session *s) { return wisp_session_output_count(s); }
KEEP const char *wisp_wasm_input_name(wisp_session *s, int i) {
  return wisp_session_input_name(s, i);
}
KEEP const char *wisp_wasm_output_name(wisp_session *s, int i) {
  return wisp_session_output_name(s, i);
}
KEEP int wisp_wasm_input_dtype(wisp_session *s, int i) { return wisp_session_input_dtype(s, i); }
KEEP int wisp_wasm_output_dtype(wisp_session *s, int i) { return wisp_session_output_dtype(s, i); }
KEEP const char *wisp_wasm_input_dim_name(wisp_session *s, int i, int d) {
  return wisp_session_input_dim_name(s, i, d);
}

/* Writes the declared dims (-1 where symbolic) into dims[WISP_MAX_DIMS]; returns ndim, or -1
 * when the model declares no shape. */
KEEP int wisp_wasm_input_shape(wisp_session *s, int i, double *dims) {
  const wisp_shape *sh = wisp_session_input_shape(s, i);
  if (!sh) return -1;
  for (int d = 0; d < sh->ndim; d++) dims[d] = (double)sh->dims[d];
  return sh->ndim;
}

/* ---- running ---- */

static wisp_tensor *g_feeds;
static int g_cap_feeds;

/* Stages feed i: dims[ndim] as doubles; data is borrowed until wisp_wasm_run returns. */
KEEP wisp_status wisp_wasm_set_feed(int i, int dtype, int ndim, const double *dims, void *data) {
  if (i < 0 || ndim < 0 || ndim > WISP_MAX_DIMS)
    return wisp_fail(WISP_ERR_INVALID_ARG, "feed %d: bad index or rank %d (max %d)", i, ndim,
                     WISP_MAX_DIMS);
  if (i >= g_cap_feeds) {
    int cap = i + 8;
    wisp_tensor *p = realloc(g_feeds, cap * sizeof *p);
    if (!p) return wisp_fail(WISP_ERR_NO_MEMORY, "out of memory staging feeds");
    g_feeds = p, g_cap_feeds = cap;
  }
  wisp_tensor *t = &g_feeds[i];
  memset(t, 0, sizeof *t);
  t->dtype = (wisp_dtype)dtype;
  t->shape.ndim = ndim;
  for (int d = 0; d < ndim; d++) {
    /* Reject what would not convert exactly; the core checks the rest (sizes, declared shape). */
    if (!(dims[d] >= 0 && dims[d] <= (double)WISP_MAX_NUMEL) || dims[d] != (int64_t)dims[d])
      return wisp_fail(WISP_ERR_INVALID_ARG, "feed %d: dim %d is not a valid size", i, d);
    t->shape.dims[d] = (int64_t)dims[d];
  }
  t->data = data;
  return WISP_OK;
}

KEEP wisp_status wisp_wasm_run(wisp_session *s, int n_feeds) {
  if (n_feeds < 0 || n_feeds > g_cap_feeds)
    return wisp_fail(WISP_ERR_INVALID_ARG, "run: %d feeds staged", n_feeds);
  return wisp_session_run(s, g_feeds, n_feeds);
}

/* Output i of the last run: valid until the next run or free. */
KEEP int wisp_wasm_output_ndim(wisp_session *s, int i) {
  const wisp_tensor *t = wisp_session_output(s, i);
  return t ? t->shape.ndim : -1;
}
KEEP int wisp_wasm_output_run_dtype(wisp_session *s, int i) {
  const wisp_tensor *t = wisp_session_output(s, i);
  return t ? (int)t->dtype : 0;
}
KEEP void wisp_wasm_output_dims(wisp_session *s, int i, double *dims) {
  const wisp_tensor *t = wisp_session_output(s, i);
  for (int d = 0; t && d < t->shape.ndim; d++) dims[d] = (double)t->shape.dims[d];
}
KEEP void *wisp_wasm_output_data(wisp_session *s, int i) {
  const wisp_tensor *t = wisp_session_output(s, i);
  return t ? t->data : NULL;
}
KEEP double wisp_wasm_output_bytes(wisp_session *s, int i) {
  const wisp_tensor *t = wisp_session_output(s, i);
  return t ? (double)wisp_tensor_bytes(t) : 0;
}

/* ZipMap outputs: the number of map keys (0 for a plain tensor), and key k as a string (int64
 * keys in decimal, in a buffer valid until the next call). */
KEEP int wisp_wasm_output_map_keys(wisp_session *s, int i) {
  return wisp_session_output_map_keys(s, i);
}
KEEP const char *wisp_wasm_output_map_key(wisp_session *s, int i, int k) {
  static char buf[24];
  int64_t v;
  const char *key = wisp_session_output_map_key(s, i, k, &v);
  if (key) return key;
  snprintf(buf, sizeof buf, "%lld", (long long)v);
  return buf;
}

/* ---- external file listing ---- */

/* Each distinct location with the largest `end` of its tensors (wisp.h). */
typedef struct {
  char *location;
  uint64_t end;
} ext_file;

static ext_file *g_files;
static int g_n_files, g_cap_files, g_list_oom;
static char *g_list;

static void list_add(void *user, const char *location, uint64_t end) {
  (void)user;
  for (int i = 0; i < g_n_files; i++)
    if (!strcmp(g_files[i].location, location)) {
      if (end > g_files[i].end) g_files[i].end = end;
      return;
    }
  if (g_n_files == g_cap_files) {
    int cap = g_cap_files ? 2 * g_cap_files : 8;
    ext_file *p = realloc(g_files, (size_t)cap * sizeof *p);
    if (!p) {
      g_list_oom = 1;
      return;
    }
    g_files = p, g_cap_files = cap;
  }
  char *copy = strdup(location);
  if (!copy) {
    g_list_oom = 1;
    return;
  }
  g_files[g_n_files++] = (ext_file){copy, end};
}

/* The external data files the model needs, one line each: the location, a tab, and the size the
 * file must have at least (the furthest byte a tensor reads), lines '\n'-joined ("" when none);
 * NULL on failure. The string stays valid until the next call. Does not take ownership of
 * `model`. */
KEEP const char *wisp_wasm_external_files(const void *model, size_t len) {
  for (int i = 0; i < g_n_files; i++) free(g_files[i].location);
  g_n_files = 0, g_list_oom = 0;
  free(g_list);
  g_list = NULL;
  wisp_status st = wisp_model_external_files(model, len, list_add, NULL);
  size_t total = 1;
  for (int i = 0; i < g_n_files; i++) total += strlen(g_files[i].location) + 23;
  if (st == WISP_OK && !g_list_oom) g_list = malloc(total);
  if (st != WISP_OK) return NULL;
  if (!g_list) {
    wisp_fail(WISP_ERR_NO_MEMORY, "out of memory listing external files");
    return NULL;
  }
  size_t at = 0;
  g_list[0] = '\0';
  for (int i = 0; i < g_n_files; i++)
    at += (size_t)snprintf(g_list + at, total - at, "%s%s\t%llu", i ? "\n" : "",
                           g_files[i].location, (unsigned long long)g_files[i].end);
  return g_list;
}

/* ---- image preprocessing (web/image.js) ---- */

/* cfg is 14 doubles: resize_w, resize_h, resample, crop_w, crop_h, rescale, out_channels,
 * normalize, mean[3], std[3]. Integer fields are range-checked before the cast: an out-of-range
 * double → int conversion traps in wasm (and kills the instance). */
static wisp_status image_config(const double *d, wisp_image_config *cfg) {
  if (!d) return wisp_fail(WISP_ERR_INVALID_ARG, "image config: NULL");
  int *ints[] = {&cfg->resize_width, &cfg->resize_height, &cfg->resample,
                 &cfg->crop_width,   &cfg->crop_height,   NULL,
                 &cfg->out_channels, &cfg->normalize};
  for (int i = 0; i < 8; i++) {
    if (!ints[i]) continue;
    if (!(d[i] >= -1e9 && d[i] <= 1e9) || d[i] != (double)(int)d[i])
      return wisp_fail(WISP_ERR_INVALID_ARG, "image config: field %d (%g) is not an integer", i,
                       d[i]);
    *ints[i] = (int)d[i];
  }
  cfg->rescale = (float)d[5];
  for (int c = 0; c < 3; c++) cfg->mean[c] = (float)d[8 + c], cfg->std[c] = (float)d[11 + c];
  return WISP_OK;
}

/* Writes the output (W, H) as two int32 to wh. */
KEEP wisp_status wisp_wasm_image_output_size(const double *cfg_d, int width, int height, int *wh) {
  wisp_image_config cfg;
  WISP_TRY(image_config(cfg_d, &cfg));
  if (!wh) return wisp_fail(WISP_ERR_INVALID_ARG, "image output size: NULL output");
  return wisp_image_output_size(&cfg, width, height, &wh[0], &wh[1]);
}

/* pixels (h, w, channels) uint8 → out (out_channels, H, W) float32. */
KEEP wisp_status wisp_wasm_image_preprocess(const uint8_t *pixels, int width, int height,
                                            int channels, const double *cfg_d, float *out) {
  wisp_image_config cfg;
  WISP_TRY(image_config(cfg_d, &cfg));
  return wisp_image_preprocess(pixels, width, height, channels, &cfg, out);
}
