/* check.h — a tiny test harness: CHECK records a failure and goes on; main returns the count. */
#ifndef WISP_TEST_CHECK_H
#define WISP_TEST_CHECK_H

#include <stdio.h>

static int check_failures, check_count;

#define CHECK(cond) \
  do { \
    check_count++; \
    if (!(cond)) { \
      check_failures++; \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    } \
  } while (0)

static int check_report(const char *suite) {
  printf("%s: %d checks, %d failed\n", suite, check_count, check_failures);
  return check_failures ? 1 : 0;
}

#endif
