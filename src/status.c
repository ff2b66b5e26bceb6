#include "status.h"
#include "threads.h"

#include <stdarg.h>
#include <stdio.h>

/* per thread: a threaded build's helpers never mix their messages into the caller's */
static WISP_THREAD_LOCAL char last_error[512];
static WISP_THREAD_LOCAL wisp_status last_status;

wisp_status wisp_fail(wisp_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  last_status = status;
  return status;
}

const char *wisp_last_error(void) { return last_error; }

wisp_status wisp_last_status(void) { return last_status; }

void wisp_clear_error(void) {
  last_error[0] = 0;
  last_status = WISP_OK;
}
