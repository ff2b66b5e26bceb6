/* wisp_snprintf, the formatter of wisp's messages: each conversion it supports, truncation and
 * the snprintf-style return value. */
#include <math.h>
#include <string.h>

#include "../../src/status.h"
#include "check.h"

static int formats(const char *want, const char *got) {
  if (strcmp(want, got) == 0) return 1;
  fprintf(stderr, "want '%s', got '%s'\n", want, got);
  return 0;
}

int main(void) {
  char b[128];
  wisp_snprintf(b, sizeof b, "%s node '%s': %d, %u, %lld, %llu, %zu, %c, %%", "Add", "n1", -42, 7u,
                -9000000000000LL, 18446744073709551615ULL, (size_t)5, 'x');
  CHECK(formats("Add node 'n1': -42, 7, -9000000000000, 18446744073709551615, 5, x, %", b));
  wisp_snprintf(b, sizeof b, "[%.*s]", 3, "abcdef");
  CHECK(formats("[abc]", b));
  const double v[] = {0.5,     -3,       1e30, 1.5e-7, 123456.7,  0.000123456, 1234567.8,
                      2.0 / 3, 99.99996, -0.0, NAN,    -INFINITY, 1e15};
  const char *g[] = {"0.5",      "-3",  "1e+30", "1.5e-07", "123457", "0.000123456", "1.23457e+06",
                     "0.666667", "100", "-0",    "nan",     "-inf",   "1e+15"};
  for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
    wisp_snprintf(b, sizeof b, "%g", v[i]);
    CHECK(formats(g[i], b));
  }
  /* truncation: NUL-terminated within the buffer, the return value the full length */
  char small[6];
  CHECK(wisp_snprintf(small, sizeof small, "%s-%d", "abcdef", 12) == 9);
  CHECK(formats("abcde", small));
  CHECK(wisp_snprintf(NULL, 0, "%lld", 123LL) == 3);
  wisp_fail(WISP_ERR_INVALID_ARG, "axis %d: scale %g", 2, 0.25);
  CHECK(formats("axis 2: scale 0.25", wisp_last_error()));
  return check_report("status");
}
