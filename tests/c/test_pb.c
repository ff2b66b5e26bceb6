/* Protobuf wire reader: well-formed fields, and every malformed case returning an error. */
#include <string.h>

#include "check.h"
#include "pb.h"

static wisp_status read_one(const uint8_t *bytes, size_t len, pb_field *f) {
  pb_reader r = pb_reader_init(bytes, len);
  int more;
  return pb_next(&r, f, &more);
}

int main(void) {
  pb_field f;
  /* field 1 varint 300 (0xAC 0x02) */
  const uint8_t varint[] = {0x08, 0xac, 0x02};
  CHECK(read_one(varint, sizeof varint, &f) == WISP_OK && f.number == 1 && f.u == 300);
  CHECK(read_one(varint, 2, &f) == WISP_ERR_INVALID_MODEL); /* truncated varint */
  /* an 11-byte varint is malformed */
  const uint8_t too_long[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  CHECK(read_one(too_long, sizeof too_long, &f) == WISP_ERR_INVALID_MODEL);
  /* length-delimited field 2 of 3 bytes */
  const uint8_t len3[] = {0x12, 0x03, 'a', 'b', 'c'};
  CHECK(read_one(len3, sizeof len3, &f) == WISP_OK && f.len == 3 && !memcmp(f.data, "abc", 3));
  CHECK(read_one(len3, 4, &f) == WISP_ERR_INVALID_MODEL); /* length past the end */
  /* a huge length must not wrap the pointer */
  const uint8_t huge[] = {0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 'x'};
  CHECK(read_one(huge, sizeof huge, &f) == WISP_ERR_INVALID_MODEL);
  /* fixed32 float 1.0 in field 3, then a truncated one */
  const uint8_t fixed[] = {0x1d, 0x00, 0x00, 0x80, 0x3f};
  CHECK(read_one(fixed, sizeof fixed, &f) == WISP_OK && f.u == 0x3f800000u);
  CHECK(read_one(fixed, 4, &f) == WISP_ERR_INVALID_MODEL);
  const uint8_t fixed64[] = {0x19, 1, 2, 3, 4, 5, 6, 7};
  CHECK(read_one(fixed64, sizeof fixed64, &f) == WISP_ERR_INVALID_MODEL);
  /* groups (wire types 3, 4) and field number 0 are rejected */
  const uint8_t group[] = {0x0b};
  CHECK(read_one(group, sizeof group, &f) == WISP_ERR_INVALID_MODEL);
  const uint8_t field0[] = {0x00, 0x01};
  CHECK(read_one(field0, sizeof field0, &f) == WISP_ERR_INVALID_MODEL);
  /* packed varints: 1, 150, 3 */
  const uint8_t packed[] = {0x0a, 0x04, 0x01, 0x96, 0x01, 0x03};
  size_t n = 0;
  int64_t vals[3] = {0};
  CHECK(read_one(packed, sizeof packed, &f) == WISP_OK);
  CHECK(pb_count_varints(&f, &n) == WISP_OK && n == 3);
  CHECK(pb_read_varints(&f, vals, n) == WISP_OK && vals[0] == 1 && vals[1] == 150 && vals[2] == 3);
  /* packed varints whose last one is cut */
  const uint8_t packed_cut[] = {0x0a, 0x02, 0x01, 0x96};
  CHECK(read_one(packed_cut, sizeof packed_cut, &f) == WISP_OK);
  CHECK(pb_count_varints(&f, &n) == WISP_ERR_INVALID_MODEL);
  /* packed fixed32 whose length is not a multiple of 4 */
  const uint8_t packed_f[] = {0x22, 0x05, 0, 0, 0x80, 0x3f, 0};
  CHECK(read_one(packed_f, sizeof packed_f, &f) == WISP_OK);
  CHECK(pb_count_fixed32(&f, &n) == WISP_ERR_INVALID_MODEL);
  /* empty message: no fields, no error */
  pb_reader r = pb_reader_init(NULL, 0);
  int more = 1;
  CHECK(pb_next(&r, &f, &more) == WISP_OK && more == 0);
  return check_report("test_pb");
}
