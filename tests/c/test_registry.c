/* The op table: sorted (binary search depends on it), complete rows, version ranges that make
 * sense, and lookups that work. */
#include <string.h>

#include "check.h"
#include "ops/op.h"

int main(void) {
  int n = wisp_op_count();
  CHECK(n > 0);
  const wisp_op_def *prev = NULL;
  for (int i = 0; i < n; i++) {
    int since, until;
    const wisp_op_def *d = wisp_op_table_entry(i, &since, &until);
    CHECK(d && d->domain && d->op_type && d->infer && d->exec);
    CHECK(since >= 1 && since <= until);
    if (prev) {
      int c = strcmp(prev->domain, d->domain);
      if (!c) c = strcmp(prev->op_type, d->op_type);
      if (c >= 0)
        fprintf(stderr, "out of order: %s.%s before %s.%s\n", prev->domain, prev->op_type,
                d->domain, d->op_type);
      CHECK(c < 0);
    }
    prev = d;
    CHECK(wisp_op_find(d->domain, d->op_type) == d);
    const wisp_op_def *r;
    int s2, u2;
    CHECK(wisp_op_resolve(d->domain, d->op_type, until, &r, &s2, &u2) == WISP_OP_FOUND && r == d);
    CHECK(wisp_op_resolve(d->domain, d->op_type, -1, &r, &s2, &u2) == WISP_OP_FOUND && r == d);
    CHECK(wisp_op_resolve(d->domain, d->op_type, until + 1, &r, &s2, &u2) == WISP_OP_BAD_VERSION);
    CHECK(r == NULL && s2 == since && u2 == until);
  }
  CHECK(wisp_op_table_entry(n, NULL, NULL) == NULL);
  CHECK(wisp_op_find("", "NoSuchOp") == NULL);
  CHECK(wisp_op_find("com.example", "Relu") == NULL);
  const wisp_op_def *r;
  int s, u;
  CHECK(wisp_op_resolve("", "NoSuchOp", 13, &r, &s, &u) == WISP_OP_UNKNOWN && r == NULL);
  printf("%d ops in the table\n", n);
  return check_report("test_registry");
}
