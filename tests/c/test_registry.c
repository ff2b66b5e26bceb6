/* The op table: sorted (binary search depends on it), complete rows, and lookups that work. */
#include <string.h>

#include "check.h"
#include "ops/op.h"

int main(void) {
  int n;
  const wisp_op_def *const *table = wisp_op_table(&n);
  CHECK(n > 0);
  for (int i = 0; i < n; i++) {
    const wisp_op_def *d = table[i];
    CHECK(d->domain && d->op_type && d->infer && d->exec);
    if (i > 0) {
      int c = strcmp(table[i - 1]->domain, d->domain);
      if (!c) c = strcmp(table[i - 1]->op_type, d->op_type);
      if (c >= 0) fprintf(stderr, "out of order: %s.%s before %s.%s\n", table[i - 1]->domain,
                          table[i - 1]->op_type, d->domain, d->op_type);
      CHECK(c < 0);
    }
    CHECK(wisp_op_find(d->domain, d->op_type) == d);
  }
  CHECK(wisp_op_find("", "NoSuchOp") == NULL);
  CHECK(wisp_op_find("com.example", "Relu") == NULL);
  printf("%d ops in the table\n", n);
  return check_report("test_registry");
}
