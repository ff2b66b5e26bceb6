#include "status.h"
#include "threads.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* per thread: a threaded build's helpers never mix their messages into the caller's */
static WISP_THREAD_LOCAL char last_error[512];
static WISP_THREAD_LOCAL wisp_status last_status;

/* The formatter: what wisp's messages use, not C's printf, whose float formatting and tables
 * were ~3 KB gzip of the core .wasm. */
typedef struct {
  char *buf;
  size_t cap, len; /* len counts what did not fit too, as snprintf's return */
} sink;

static void put(sink *o, char c) {
  if (o->len + 1 < o->cap) o->buf[o->len] = c;
  o->len++;
}

static void put_str(sink *o, const char *s, size_t max) {
  for (size_t i = 0; i < max && s[i]; i++) put(o, s[i]);
}

static void put_uint(sink *o, uint64_t v) {
  char d[20];
  int n = 0;
  do d[n++] = (char)('0' + v % 10), v /= 10;
  while (v);
  while (n) put(o, d[--n]);
}

static void put_int(sink *o, int64_t v) {
  if (v < 0) put(o, '-');
  put_uint(o, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

/* %g's look with 6 significant digits: 0.5, 1e+30, -3.25e-07, nan, inf; whole numbers under
 * 10^15 in full (a size or an index reads better whole). */
static void put_double(sink *o, double v) {
  if (isnan(v)) return put_str(o, "nan", 3);
  if (signbit(v)) put(o, '-'), v = -v;
  if (isinf(v)) return put_str(o, "inf", 3);
  if (v == floor(v) && v < 1e15) return put_uint(o, (uint64_t)v);
  int e = 0;
  while (v >= 10) v /= 10, e++;
  while (v < 1) v *= 10, e--;
  uint64_t m = (uint64_t)(v * 1e5 + 0.5); /* 6 digits */
  if (m >= 1000000) m /= 10, e++;
  char d[6];
  for (int i = 5; i >= 0; i--) d[i] = (char)('0' + m % 10), m /= 10;
  int last = 5;
  while (last > 0 && d[last] == '0') last--;
  if (e < -4 || e >= 6) {
    put(o, d[0]);
    if (last > 0) put(o, '.'), put_str(o, d + 1, (size_t)last);
    put(o, 'e'), put(o, e < 0 ? '-' : '+');
    if (e > -10 && e < 10) put(o, '0');
    return put_uint(o, (uint64_t)(e < 0 ? -e : e));
  }
  if (e < 0) {
    put_str(o, "0.", 2);
    for (int i = -1; i > e; i--) put(o, '0');
    return put_str(o, d, (size_t)last + 1);
  }
  for (int i = 0; i <= (last > e ? last : e); i++) {
    if (i == e + 1) put(o, '.');
    put(o, d[i]);
  }
}

static int wisp_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) {
  sink o = {buf, cap, 0};
  for (const char *f = fmt; *f; f++) {
    if (*f != '%') {
      put(&o, *f);
      continue;
    }
    size_t prec = SIZE_MAX;
    if (f[1] == '.' && f[2] == '*') prec = (size_t)va_arg(ap, int), f += 2;
    int longs = 0, size = 0;
    for (; f[1] == 'l' || f[1] == 'z'; f++) f[1] == 'l' ? longs++ : size++;
    switch (*++f) {
      case 'd':
      case 'i':
        put_int(&o, longs >= 2 ? va_arg(ap, long long)
                    : longs    ? va_arg(ap, long)
                               : va_arg(ap, int));
        break;
      case 'u':
        put_uint(&o, size         ? va_arg(ap, size_t)
                     : longs >= 2 ? va_arg(ap, unsigned long long)
                     : longs      ? va_arg(ap, unsigned long)
                                  : va_arg(ap, unsigned));
        break;
      case 'c': put(&o, (char)va_arg(ap, int)); break;
      case 's': {
        const char *str = va_arg(ap, const char *);
        put_str(&o, str ? str : "(null)", prec);
        break;
      }
      case 'g': put_double(&o, va_arg(ap, double)); break;
      case '%': put(&o, '%'); break;
      default: /* not used by wisp: shown as written */
        put(&o, '%');
        if (!*f) f--;
        else put(&o, *f);
    }
  }
  if (cap) buf[o.len < cap ? o.len : cap - 1] = 0;
  return (int)o.len;
}

int wisp_snprintf(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = wisp_vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
  return n;
}

wisp_status wisp_fail(wisp_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wisp_vsnprintf(last_error, sizeof last_error, fmt, ap);
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
