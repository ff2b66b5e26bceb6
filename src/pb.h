/* pb.h — a bounds-checked protobuf wire-format reader over (ptr, len).
 *
 * Wire format: each field is a varint key (field_number << 3 | wire_type) followed by
 *   type 0 varint, 1 fixed64 (8 bytes LE), 2 length-delimited (varint len + bytes),
 *   5 fixed32 (4 bytes LE). Types 3/4 (groups) are obsolete and rejected.
 * Every read checks against `end`; a malformed message yields WISP_ERR_INVALID_MODEL. */
#ifndef WISP_PB_H
#define WISP_PB_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct {
  const uint8_t *p, *end;
} pb_reader;

enum { PB_VARINT = 0, PB_FIXED64 = 1, PB_LEN = 2, PB_FIXED32 = 5 };

typedef struct {
  uint32_t number;
  int wire;
  uint64_t u;          /* varint, fixed32 or fixed64 value */
  const uint8_t *data; /* PB_LEN payload */
  size_t len;
} pb_field;

static inline pb_reader pb_reader_init(const void *data, size_t len) {
  static const uint8_t empty[1];
  const uint8_t *p = data ? (const uint8_t *)data : empty;
  pb_reader r = {p, p + (data ? len : 0)};
  return r;
}

wisp_status pb_read_varint(pb_reader *r, uint64_t *out);
/* Reads the next field into f; returns WISP_OK with *more = 0 at the end of the message. */
wisp_status pb_next(pb_reader *r, pb_field *f, int *more);

/* Repeated scalar fields come packed (one PB_LEN field) or one per field. These count and decode
 * the elements of one occurrence: `f` either a packed PB_LEN or a single scalar. */
wisp_status pb_count_varints(const pb_field *f, size_t *count);
wisp_status pb_read_varints(const pb_field *f, int64_t *out, size_t count);
/* Packed fixed32 (float) or a single fixed32 field. */
wisp_status pb_count_fixed32(const pb_field *f, size_t *count);
void pb_read_fixed32(const pb_field *f, uint32_t *out, size_t count);
wisp_status pb_count_fixed64(const pb_field *f, size_t *count);
void pb_read_fixed64(const pb_field *f, uint64_t *out, size_t count);

#endif
