/* fuzz_models.h — the fixed set of valid models fuzz targets run (read once, kept for the process).
 *
 * WISP_FUZZ_MODELS names a file listing .onnx paths, one a line; without it the set is every node
 * test in WISP_FUZZ_PASS_LIST (tests/conformance/expected_pass.txt) under WISP_FUZZ_NODE_DIR, and
 * the .onnx files in WISP_FUZZ_FIXTURE_DIRS (':'-separated). The build defines the three. */
#ifndef WISP_FUZZ_MODELS_H
#define WISP_FUZZ_MODELS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *path;
  void *bytes;
  size_t len;
} fuzz_model;

typedef struct {
  fuzz_model *items;
  int n, cap;
} fuzz_models;

static void fuzz_models_add(fuzz_models *ms, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  void *bytes = len > 0 ? malloc((size_t)len) : NULL;
  if (bytes && fread(bytes, 1, (size_t)len, f) == (size_t)len) {
    if (ms->n == ms->cap) {
      ms->cap = ms->cap ? 2 * ms->cap : 256;
      ms->items = realloc(ms->items, ms->cap * sizeof *ms->items);
    }
    ms->items[ms->n++] = (fuzz_model){strdup(path), bytes, (size_t)len};
  } else {
    free(bytes);
  }
  fclose(f);
}

static int fuzz_model_cmp(const void *a, const void *b) {
  return strcmp(((const fuzz_model *)a)->path, ((const fuzz_model *)b)->path);
}

static void fuzz_models_add_lines(fuzz_models *ms, const char *list, const char *prefix,
                                  const char *suffix) {
  FILE *f = fopen(list, "r");
  char line[1024], path[2048];
  while (f && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0] || line[0] == '#') continue;
    snprintf(path, sizeof path, "%s%s%s", prefix, line, suffix);
    fuzz_models_add(ms, path);
  }
  if (f) fclose(f);
}

/* Loaded on first use; the order is fixed (sorted by path) so an input always picks the same model. */
static const fuzz_models *fuzz_models_get(void) {
  static fuzz_models ms;
  static int loaded;
  if (loaded) return &ms;
  loaded = 1;
  const char *list = getenv("WISP_FUZZ_MODELS");
  if (list) {
    fuzz_models_add_lines(&ms, list, "", "");
  } else {
    fuzz_models_add_lines(&ms, WISP_FUZZ_PASS_LIST, WISP_FUZZ_NODE_DIR "/", "/model.onnx");
    char dirs[] = WISP_FUZZ_FIXTURE_DIRS, path[2048];
    for (char *dir = strtok(dirs, ":"); dir; dir = strtok(NULL, ":")) {
      DIR *d = opendir(dir);
      for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".onnx")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        fuzz_models_add(&ms, path);
      }
      if (d) closedir(d);
    }
  }
  qsort(ms.items, ms.n, sizeof *ms.items, fuzz_model_cmp);
  if (!ms.n) fprintf(stderr, "fuzz: no models loaded (set WISP_FUZZ_MODELS)\n");
  return &ms;
}

#endif
