/* conformance.c — runs the ONNX backend node tests (Debian libonnx-testdata) through wisp.
 *
 * usage: wisp_conformance <node-test-dir> [expected_pass.txt] [-v]
 * Each test folder holds model.onnx and test_data_set_N/{input,output}_K.pb. A test is
 *   pass         every data set's outputs match (|got - want| <= 1e-4 + 1e-3·|want|),
 *   unsupported  wisp declines the model with WISP_ERR_UNSUPPORTED (unknown op, dtype, attr),
 *   fail         anything else: wrong numbers, or any other error.
 * Exits non-zero on any failure, or when a test listed in expected_pass.txt does not pass. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.h"
#include "wisp.h"

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(n > 0 ? (size_t)n : 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entries of dir whose names start with prefix. */
static int list_dir(const char *dir, const char *prefix, char ***out) {
  DIR *d = opendir(dir);
  int n = 0, cap = 16;
  char **names = malloc((size_t)cap * sizeof *names);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
    if (n == cap) names = realloc(names, (size_t)(cap *= 2) * sizeof *names);
    names[n++] = strdup(e->d_name);
  }
  if (d) closedir(d);
  qsort(names, (size_t)n, sizeof *names, cmp_str);
  *out = names;
  return n;
}

static void free_list(char **names, int n) {
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
}

/* IEEE half to double (so float16 outputs are compared, not skipped as NaN). */
static double half_to_double(uint16_t h) {
  int e = h >> 10 & 0x1f, m = h & 0x3ff;
  double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
  return h >> 15 ? -v : v;
}

static double element(const wisp_tensor *t, int64_t i) {
  switch (t->dtype) {
    case WISP_DT_FLOAT16: return half_to_double(((const uint16_t *)t->data)[i]);
    case WISP_DT_FLOAT: return ((const float *)t->data)[i];
    case WISP_DT_DOUBLE: return ((const double *)t->data)[i];
    case WISP_DT_INT64: return (double)((const int64_t *)t->data)[i];
    case WISP_DT_INT32: return ((const int32_t *)t->data)[i];
    case WISP_DT_INT16: return ((const int16_t *)t->data)[i];
    case WISP_DT_UINT16: return ((const uint16_t *)t->data)[i];
    case WISP_DT_INT8: return ((const int8_t *)t->data)[i];
    case WISP_DT_UINT8:
    case WISP_DT_BOOL: return ((const uint8_t *)t->data)[i];
    case WISP_DT_UINT32: return ((const uint32_t *)t->data)[i];
    case WISP_DT_UINT64: return (double)((const uint64_t *)t->data)[i];
    default: return NAN;
  }
}

/* Returns NULL when equal, else a description of the first difference. */
static const char *compare(const wisp_tensor *got, const wisp_tensor *want, char *msg, size_t len) {
  char a[96], b[96];
  if (got->dtype != want->dtype) {
    snprintf(msg, len, "dtype %s, want %s", wisp_dtype_name(got->dtype),
             wisp_dtype_name(want->dtype));
    return msg;
  }
  if (!wisp_shape_equal(&got->shape, &want->shape)) {
    snprintf(msg, len, "shape %s, want %s", wisp_shape_str(&got->shape, a, sizeof a),
             wisp_shape_str(&want->shape, b, sizeof b));
    return msg;
  }
  int64_t n = wisp_shape_numel(&want->shape);
  for (int64_t i = 0; i < n && want->dtype == WISP_DT_STRING; i++) {
    const char *g = ((const char *const *)got->data)[i], *w = ((const char *const *)want->data)[i];
    if (strcmp(g ? g : "", w ? w : "")) {
      snprintf(msg, len, "element %lld is \"%.40s\", want \"%.40s\"", (long long)i, g ? g : "", w);
      return msg;
    }
  }
  for (int64_t i = 0; i < n && want->dtype != WISP_DT_STRING; i++) {
    double g = element(got, i), w = element(want, i);
    if (isnan(w) && isnan(g)) continue;
    if (g == w) continue; /* also equal infinities */
    if (!(fabs(g - w) <= 1e-4 + 1e-3 * fabs(w))) {
      snprintf(msg, len, "element %lld is %g, want %g", (long long)i, g, w);
      return msg;
    }
  }
  return NULL;
}

typedef enum { PASS, UNSUPPORTED, FAIL } outcome;

static outcome run_test(const char *dir, char *why, size_t why_len) {
  char path[4096];
  size_t len;
  snprintf(path, sizeof path, "%s/model.onnx", dir);
  char *model = read_file(path, &len);
  if (!model) {
    snprintf(why, why_len, "no model.onnx");
    return FAIL;
  }
  wisp_options opts = {NULL, 0, dir};
  wisp_session *s;
  wisp_status st = wisp_session_create(model, len, &opts, &s);
  free(model);
  if (st != WISP_OK) {
    snprintf(why, why_len, "%s", wisp_last_error());
    return st == WISP_ERR_UNSUPPORTED ? UNSUPPORTED : FAIL;
  }
  char **sets;
  int n_sets = list_dir(dir, "test_data_set_", &sets);
  outcome result = n_sets ? PASS : FAIL;
  if (!n_sets) snprintf(why, why_len, "no test data");
  for (int k = 0; k < n_sets && result == PASS; k++) {
    wisp_pool pool = {0};
    int n_in = wisp_session_input_count(s), n_out = wisp_session_output_count(s);
    wisp_tensor *feeds = calloc((size_t)n_in + 1, sizeof *feeds);
    for (int i = 0; i < n_in && result == PASS; i++) {
      snprintf(path, sizeof path, "%s/%s/input_%d.pb", dir, sets[k], i);
      char *bytes = read_file(path, &len);
      if (!bytes || wisp_onnx_read_tensor(bytes, len, &pool, &feeds[i], NULL) != WISP_OK) {
        snprintf(why, why_len, "cannot read %s: %s", path, bytes ? wisp_last_error() : "missing");
        result = wisp_last_error()[0] && strstr(wisp_last_error(), "unsupported dtype")
                     ? UNSUPPORTED
                     : FAIL;
      }
      free(bytes);
    }
    if (result == PASS && (st = wisp_session_run(s, feeds, n_in)) != WISP_OK) {
      snprintf(why, why_len, "run: %s", wisp_last_error());
      result = st == WISP_ERR_UNSUPPORTED ? UNSUPPORTED : FAIL;
    }
    for (int i = 0; i < n_out && result == PASS; i++) {
      snprintf(path, sizeof path, "%s/%s/output_%d.pb", dir, sets[k], i);
      char *bytes = read_file(path, &len);
      wisp_tensor want;
      char msg[256];
      if (!bytes || wisp_onnx_read_tensor(bytes, len, &pool, &want, NULL) != WISP_OK) {
        snprintf(why, why_len, "cannot read %s", path);
        result = FAIL;
      } else if (compare(wisp_session_output(s, i), &want, msg, sizeof msg)) {
        snprintf(why, why_len, "output %d: %s", i, msg);
        result = FAIL;
      }
      free(bytes);
    }
    free(feeds);
    wisp_pool_free(&pool);
  }
  free_list(sets, n_sets);
  wisp_session_free(s);
  return result;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s <node-test-dir> [expected_pass.txt] [-v]\n", argv[0]);
    return 2;
  }
  int verbose = argc > 3 && !strcmp(argv[3], "-v");
  char **tests;
  int n = list_dir(argv[1], "test_", &tests);
  if (!n) {
    fprintf(stderr, "no tests in %s (apt-get install libonnx-testdata)\n", argv[1]);
    return 1;
  }
  outcome *results = calloc((size_t)n, sizeof *results);
  int passed = 0, failed = 0, unsupported = 0;
  printf("passing ONNX node tests:\n");
  for (int i = 0; i < n; i++) {
    char dir[4096], why[512] = "";
    snprintf(dir, sizeof dir, "%s/%s", argv[1], tests[i]);
    results[i] = run_test(dir, why, sizeof why);
    if (results[i] == PASS) passed++, printf("  %s\n", tests[i]);
    else if (results[i] == FAIL) failed++, fprintf(stderr, "FAIL %s: %s\n", tests[i], why);
    else if (verbose) unsupported++, fprintf(stderr, "unsupported %s: %s\n", tests[i], why);
    else unsupported++;
  }
  int missing = 0;
  if (argc > 2) { /* every expected test must still pass */
    FILE *f = fopen(argv[2], "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
      line[strcspn(line, "\r\n")] = 0;
      if (!line[0] || line[0] == '#') continue;
      int found = 0;
      for (int i = 0; i < n; i++)
        if (!strcmp(tests[i], line)) found = results[i] == PASS ? 1 : -1;
      if (found != 1) missing++, fprintf(stderr, "EXPECTED TO PASS: %s\n", line);
    }
    if (f) fclose(f);
    else fprintf(stderr, "cannot read %s\n", argv[2]), missing++;
  }
  printf("onnx conformance: %d passed, %d failed, %d unsupported, %d expected but not passing\n",
         passed, failed, unsupported, missing);
  free(results);
  free_list(tests, n);
  return failed || missing ? 1 : 0;
}
