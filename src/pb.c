#include "pb.h"

#include <string.h>

wisp_status pb_read_varint(pb_reader *r, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    WISP_CHECK(r->p < r->end, WISP_ERR_INVALID_MODEL, "protobuf: truncated varint");
    uint8_t b = *r->p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return WISP_OK;
    }
  }
  return wisp_fail(WISP_ERR_INVALID_MODEL, "protobuf: varint longer than 10 bytes");
}

static uint64_t load_le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

wisp_status pb_next(pb_reader *r, pb_field *f, int *more) {
  memset(f, 0, sizeof *f);
  *more = r->p < r->end;
  if (!*more) return WISP_OK;
  uint64_t key = 0;
  WISP_TRY(pb_read_varint(r, &key));
  f->number = (uint32_t)(key >> 3);
  f->wire = (int)(key & 7);
  WISP_CHECK(f->number != 0 && (key >> 3) <= 0x1fffffff, WISP_ERR_INVALID_MODEL,
             "protobuf: invalid field number");
  size_t left = (size_t)(r->end - r->p);
  switch (f->wire) {
    case PB_VARINT: return pb_read_varint(r, &f->u);
    case PB_FIXED64:
      WISP_CHECK(left >= 8, WISP_ERR_INVALID_MODEL, "protobuf: truncated fixed64");
      f->u = load_le(r->p, 8);
      r->p += 8;
      return WISP_OK;
    case PB_FIXED32:
      WISP_CHECK(left >= 4, WISP_ERR_INVALID_MODEL, "protobuf: truncated fixed32");
      f->u = load_le(r->p, 4);
      r->p += 4;
      return WISP_OK;
    case PB_LEN: {
      uint64_t len = 0;
      WISP_TRY(pb_read_varint(r, &len));
      left = (size_t)(r->end - r->p);
      WISP_CHECK(len <= left, WISP_ERR_INVALID_MODEL,
                 "protobuf: field %u claims %llu bytes, only %zu left", f->number,
                 (unsigned long long)len, left);
      f->data = r->p;
      f->len = (size_t)len;
      r->p += len;
      return WISP_OK;
    }
    default:
      return wisp_fail(WISP_ERR_INVALID_MODEL, "protobuf: unsupported wire type %d", f->wire);
  }
}

wisp_status pb_count_varints(const pb_field *f, size_t *count) {
  if (f->wire == PB_VARINT) {
    *count = 1;
    return WISP_OK;
  }
  WISP_CHECK(f->wire == PB_LEN, WISP_ERR_INVALID_MODEL, "protobuf: expected varints");
  size_t n = 0;
  for (size_t i = 0; i < f->len; i++) n += !(f->data[i] & 0x80);
  WISP_CHECK(f->len == 0 || !(f->data[f->len - 1] & 0x80), WISP_ERR_INVALID_MODEL,
             "protobuf: truncated packed varints");
  *count = n;
  return WISP_OK;
}

wisp_status pb_read_varints(const pb_field *f, int64_t *out, size_t count) {
  if (f->wire == PB_VARINT) {
    out[0] = (int64_t)f->u;
    return WISP_OK;
  }
  pb_reader r = pb_reader_init(f->data, f->len);
  for (size_t i = 0; i < count; i++) {
    uint64_t v = 0;
    WISP_TRY(pb_read_varint(&r, &v));
    out[i] = (int64_t)v;
  }
  return WISP_OK;
}

static wisp_status count_fixed(const pb_field *f, int wire, size_t width, size_t *count) {
  if (f->wire == wire) {
    *count = 1;
    return WISP_OK;
  }
  WISP_CHECK(f->wire == PB_LEN && f->len % width == 0, WISP_ERR_INVALID_MODEL,
             "protobuf: bad packed fixed%zu field", width * 8);
  *count = f->len / width;
  return WISP_OK;
}

wisp_status pb_count_fixed32(const pb_field *f, size_t *count) {
  return count_fixed(f, PB_FIXED32, 4, count);
}

wisp_status pb_count_fixed64(const pb_field *f, size_t *count) {
  return count_fixed(f, PB_FIXED64, 8, count);
}

void pb_read_fixed32(const pb_field *f, uint32_t *out, size_t count) {
  if (f->wire == PB_FIXED32) {
    out[0] = (uint32_t)f->u;
    return;
  }
  for (size_t i = 0; i < count; i++) out[i] = (uint32_t)load_le(f->data + 4 * i, 4);
}

void pb_read_fixed64(const pb_field *f, uint64_t *out, size_t count) {
  if (f->wire == PB_FIXED64) {
    out[0] = f->u;
    return;
  }
  for (size_t i = 0; i < count; i++) out[i] = load_le(f->data + 8 * i, 8);
}
