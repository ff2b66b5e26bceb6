/* exports.c — the WASM boundary: thin EMSCRIPTEN_KEEPALIVE wrappers over wisp.h for web/wasm.js.
 *
 * The build is a standalone .wasm with no Emscripten JS glue, so everything JS needs is exported
 * here, under the prefix wisp_wasm_ (plus wisp_malloc / wisp_free). Only int32 (size_t is u32 on
 * wasm32), pointers and doubles cross the boundary: i64 parameters would need BigInt legalisation
 * in JS. Shapes travel through memory as arrays of doubles (exact for every dim wisp accepts).
 *
 * Ownership: wisp_wasm_session_create takes the model buffer (the session keeps it: its weights
 * are used in place); external-data buffers handed to wisp_wasm_add_external belong to the call
 * that staged them, which frees them at create (or wisp_wasm_call_free).
 *
 *   JS: m = wisp_malloc(len); copy bytes; c = wisp_wasm_call_new(); for each external file:
 *         d = wisp_malloc(n); copy; wisp_wasm_add_external(c, location, d, n)
 *       s = wisp_wasm_session_create(c, m, len)     // 0 on failure: see wisp_wasm_last_error()
 *       wisp_wasm_call_free(c)
 *       c = wisp_wasm_call_new(); for each input i: wisp_wasm_set_feed(c, i, dtype, ndim, dims, data)
 *       wisp_wasm_run(s, c, n); wisp_wasm_call_free(c)   // then wisp_wasm_output_* for each output
 *       wisp_wasm_session_free(s)
 * The last error is the calling thread's, read right after the call that failed. */
#include <emscripten.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../kernels/config.h"
#include "../ops/op.h"
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
KEEP void wisp_wasm_use_relaxed(wisp_f32_gemm_ukernel gemm, int gemm_mr,
                                wisp_f32_gemm_ukernel gemm_4row, wisp_f32_gemm_ukernel gemm_1row,
                                wisp_f32_gemm_rowbias_ukernel rowbias, wisp_qs8c4_gemm_ukernel qs8,
                                wisp_f32_dwconv_rows_fn dwconv, wisp_f32_vexp_fn vexp,
                                wisp_f32_verf_fn verf, wisp_f32_verf_fn vgelu,
                                wisp_f32_vunary_fn vsigmoid, wisp_f32_vunary_fn vsilu,
                                wisp_f32_wino_input4_fn wino43_input4,
                                wisp_f32_wino_output4_fn wino43_output4) {
  /* addmax has no multiply-add to fuse; hswish and affine must round as the unfused HardSwish
   * and BatchNormalization loops do */
  const wisp_vmath_config *base = &wisp_kernels()->vmath;
  const wisp_vmath_config vmath = {vexp,     base->addmax, verf,         vgelu,
                                   vsigmoid, vsilu,        base->hswish, base->affine};
  wisp_winograd_config winograd = wisp_kernels()->winograd;
  winograd.input4_43 = wino43_input4, winograd.output4_43 = wino43_output4;
  const wisp_f32_gemm_tiles tiles = {gemm, gemm_4row, gemm_1row, gemm_mr};
  wisp_kernels_use_relaxed(&tiles, rowbias, qs8, dwconv, &vmath, &winograd);
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

/* ---- what one call stages: a create's external files and extra outputs, a run's feeds ---- */

/* JS makes one per create or run (wisp_wasm_call_new) and frees it after: nothing staged is
 * global, so sessions (and calls awaiting between staging and use) cannot mix theirs up. */
typedef struct {
  wisp_external_file *ext;
  int n_ext, cap_ext;
  char *extra[64];
  int n_extra;
  wisp_tensor *feeds;
  int cap_feeds;
} wisp_wasm_call;

KEEP wisp_wasm_call *wisp_wasm_call_new(void) {
  wisp_wasm_call *c = calloc(1, sizeof *c);
  if (!c) wisp_fail(WISP_ERR_NO_MEMORY, "out of memory staging a call");
  return c;
}

/* Frees whatever is staged: create does this with the files (not the names), this the rest. */
static void clear_externals(wisp_wasm_call *c) {
  for (int i = 0; i < c->n_ext; i++) {
    free((void *)c->ext[i].location);
    free((void *)c->ext[i].data);
  }
  c->n_ext = 0;
}

KEEP void wisp_wasm_call_free(wisp_wasm_call *c) {
  if (!c) return;
  clear_externals(c);
  for (int i = 0; i < c->n_extra; i++) free(c->extra[i]);
  free(c->ext);
  free(c->feeds);
  free(c);
}

/* Takes ownership of `data` (from wisp_malloc); copies `location`. */
KEEP wisp_status wisp_wasm_add_external(wisp_wasm_call *c, const char *location, void *data,
                                        size_t len) {
  if (c->n_ext == c->cap_ext) {
    int cap = c->cap_ext ? 2 * c->cap_ext : 8;
    wisp_external_file *p = realloc(c->ext, cap * sizeof *p);
    if (!p) {
      free(data);
      return wisp_fail(WISP_ERR_NO_MEMORY, "out of memory staging external data");
    }
    c->ext = p, c->cap_ext = cap;
  }
  char *loc = strdup(location);
  if (!loc) {
    free(data);
    return wisp_fail(WISP_ERR_NO_MEMORY, "out of memory staging external data");
  }
  c->ext[c->n_ext++] = (wisp_external_file){loc, data, len};
  return WISP_OK;
}

/* An intermediate value the session made with `c` returns too; copies `name`. */
KEEP wisp_status wisp_wasm_add_extra_output(wisp_wasm_call *c, const char *name) {
  if (c->n_extra == (int)(sizeof c->extra / sizeof *c->extra))
    return wisp_fail(WISP_ERR_INVALID_ARG, "too many extra outputs");
  if (!(c->extra[c->n_extra] = strdup(name)))
    return wisp_fail(WISP_ERR_NO_MEMORY, "out of memory staging extra outputs");
  c->n_extra++;
  return WISP_OK;
}

/* ---- sessions ---- */

/* Takes ownership of `model` (from wisp_malloc, so padded as wisp_session_create_owned needs)
 * and returns NULL on failure. Frees the external files staged in `c` either way: their tensors
 * are copied out (src/onnx.c), so they need not outlive this call. */
KEEP wisp_session *wisp_wasm_session_create(wisp_wasm_call *c, void *model, size_t len) {
  wisp_options opts = {c->ext, c->n_ext, NULL, (const char *const *)c->extra, c->n_extra};
  wisp_session *s = NULL;
  if (wisp_session_create_owned(model, len, &opts, &s) != WISP_OK) s = NULL;
  clear_externals(c);
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

/* Stages feed i in `c`: dims[ndim] as doubles; data is borrowed until wisp_wasm_run returns. */
KEEP wisp_status wisp_wasm_set_feed(wisp_wasm_call *c, int i, int dtype, int ndim,
                                    const double *dims, void *data) {
  if (i < 0 || ndim < 0 || ndim > WISP_MAX_DIMS)
    return wisp_fail(WISP_ERR_INVALID_ARG, "feed %d: bad index or rank %d (max %d)", i, ndim,
                     WISP_MAX_DIMS);
  if (i >= c->cap_feeds) {
    int cap = i + 8;
    wisp_tensor *p = realloc(c->feeds, cap * sizeof *p);
    if (!p) return wisp_fail(WISP_ERR_NO_MEMORY, "out of memory staging feeds");
    c->feeds = p, c->cap_feeds = cap;
  }
  wisp_tensor *t = &c->feeds[i];
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

/* Runs `s` on feeds 0 … n_feeds - 1 staged in `c`. */
KEEP wisp_status wisp_wasm_run(wisp_session *s, wisp_wasm_call *c, int n_feeds) {
  if (n_feeds < 0 || n_feeds > c->cap_feeds)
    return wisp_fail(WISP_ERR_INVALID_ARG, "run: %d feeds staged", n_feeds);
  return wisp_session_run(s, c->feeds, n_feeds);
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
  wisp_snprintf(buf, sizeof buf, "%lld", (long long)v);
  return buf;
}

/* ---- external file listing ---- */

/* Each distinct location with the largest `end` of its tensors (wisp.h), for one call. */
typedef struct {
  struct {
    char *location;
    uint64_t end;
  } * files;
  int n, cap, oom;
} ext_list;

static void list_add(void *user, const char *location, uint64_t end) {
  ext_list *l = user;
  for (int i = 0; i < l->n; i++)
    if (!strcmp(l->files[i].location, location)) {
      if (end > l->files[i].end) l->files[i].end = end;
      return;
    }
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 8;
    void *p = realloc(l->files, (size_t)cap * sizeof *l->files);
    if (!p) {
      l->oom = 1;
      return;
    }
    l->files = p, l->cap = cap;
  }
  char *copy = strdup(location);
  if (!copy) {
    l->oom = 1;
    return;
  }
  l->files[l->n].location = copy, l->files[l->n++].end = end;
}

/* The external data files the model needs, one line each: the location, a tab, and the size the
 * file must have at least (the furthest byte a tensor reads), lines '\n'-joined ("" when none),
 * in a string the caller frees (wisp_free); NULL on failure. Does not take ownership of
 * `model`. */
KEEP char *wisp_wasm_external_files(const void *model, size_t len) {
  ext_list l = {0};
  wisp_op_extra_wanted(); /* forget an earlier model's: wisp_wasm_extra_wanted says this one's */
  wisp_status st = wisp_model_external_files(model, len, list_add, &l);
  size_t total = 1;
  for (int i = 0; i < l.n; i++) total += strlen(l.files[i].location) + 23;
  char *list = st == WISP_OK && !l.oom ? malloc(total) : NULL;
  if (st == WISP_OK && !list) wisp_fail(WISP_ERR_NO_MEMORY, "out of memory listing external files");
  size_t at = 0;
  if (list) list[0] = '\0';
  for (int i = 0; i < l.n; i++) {
    if (list)
      at += (size_t)wisp_snprintf(list + at, total - at, "%s%s\t%llu", i ? "\n" : "",
                                  l.files[i].location, (unsigned long long)l.files[i].end);
    free(l.files[i].location);
  }
  free(l.files);
  return list;
}

/* After wisp_wasm_external_files: the first op of that model in web/wisp_extra.wasm while it is
 * not loaded (src/wasm/extra.c), or NULL. */
KEEP const char *wisp_wasm_extra_wanted(void) { return wisp_op_extra_wanted(); }

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
