/* Replays fuzz inputs through one target without libFuzzer: natively (ctest, ASan) and inside the
 * wasm build, where size_t is 32 bits:
 *   node build-wasm/fuzz_replay_wasm.cjs <loader|run|image|external> <file or folder>...
 *   build/fuzz_replay <target> <file or folder>...
 * Exits nonzero when an input cannot be read; a bug in wisp shows as a trap or abort. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_loader_one(const uint8_t *data, size_t size);
int fuzz_run_one(const uint8_t *data, size_t size);
int fuzz_image_one(const uint8_t *data, size_t size);
int fuzz_external_one(const uint8_t *data, size_t size);

static int (*target)(const uint8_t *, size_t);
static int n_done;

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return fprintf(stderr, "cannot open %s\n", path), 1;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *data = malloc(len > 0 ? (size_t)len : 1);
  int bad = !data || fread(data, 1, (size_t)len, f) != (size_t)len;
  fclose(f);
  if (!bad) target(data, (size_t)len), n_done++;
  free(data);
  return bad;
}

static int replay(const char *path) {
  DIR *d = opendir(path);
  if (!d) return replay_file(path);
  int bad = 0;
  char full[4096];
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    snprintf(full, sizeof full, "%s/%s", path, e->d_name);
    bad |= replay_file(full);
  }
  closedir(d);
  return bad;
}

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    int (*fn)(const uint8_t *, size_t);
  } targets[] = {{"loader", fuzz_loader_one},
                 {"run", fuzz_run_one},
                 {"image", fuzz_image_one},
                 {"external", fuzz_external_one}};
  for (int i = 0; argc > 1 && i < 4; i++)
    if (!strcmp(argv[1], targets[i].name)) target = targets[i].fn;
  if (!target) return fprintf(stderr, "usage: %s loader|run|image|external PATH...\n", argv[0]), 2;
  int bad = 0;
  for (int i = 2; i < argc; i++) bad |= replay(argv[i]);
  printf("replayed %d inputs through fuzz_%s\n", n_done, argv[1]);
  return bad || !n_done;
}
