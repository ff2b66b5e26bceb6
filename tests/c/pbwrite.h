/* pbwrite.h — a minimal protobuf writer for building test models by hand. */
#ifndef WISP_TEST_PBWRITE_H
#define WISP_TEST_PBWRITE_H

#include <stdint.h>
#include <string.h>

typedef struct {
  uint8_t buf[4096];
  size_t len;
} pbw;

static void pbw_varint(pbw *w, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    w->buf[w->len++] = b | (v ? 0x80 : 0);
  } while (v);
}
static void pbw_key(pbw *w, int field, int wire) { pbw_varint(w, (uint64_t)field << 3 | wire); }
static void pbw_int(pbw *w, int field, uint64_t v) { pbw_key(w, field, 0), pbw_varint(w, v); }
static void pbw_bytes(pbw *w, int field, const void *data, size_t n) {
  pbw_key(w, field, 2);
  pbw_varint(w, n);
  memcpy(w->buf + w->len, data, n);
  w->len += n;
}
static void pbw_str(pbw *w, int field, const char *s) { pbw_bytes(w, field, s, strlen(s)); }
static void pbw_msg(pbw *w, int field, const pbw *m) { pbw_bytes(w, field, m->buf, m->len); }

/* ValueInfoProto for a float tensor of the given dims (-1 = symbolic "N"). */
static pbw pbw_value_info(const char *name, int ndim, const int64_t *dims) {
  pbw shape = {0}, tensor = {0}, type = {0}, vi = {0};
  for (int i = 0; i < ndim; i++) {
    pbw dim = {0};
    if (dims[i] < 0) pbw_str(&dim, 2, "N");
    else pbw_int(&dim, 1, (uint64_t)dims[i]);
    pbw_msg(&shape, 1, &dim);
  }
  pbw_int(&tensor, 1, 1); /* float */
  pbw_msg(&tensor, 2, &shape);
  pbw_msg(&type, 1, &tensor);
  pbw_str(&vi, 1, name);
  pbw_msg(&vi, 2, &type);
  return vi;
}

/* A ModelProto (IR 8, opset 13) around a finished GraphProto. */
static inline pbw pbw_model(const pbw *graph) {
  pbw opset = {0}, model = {0};
  pbw_int(&opset, 2, 13);
  pbw_int(&model, 1, 8);
  pbw_msg(&model, 8, &opset);
  pbw_msg(&model, 7, graph);
  return model;
}

/* ModelProto with one node `op_type`(x) -> y, x and y float of shape dims, opset 13. */
static inline pbw pbw_unary_model(const char *op_type, int ndim, const int64_t *dims) {
  pbw node = {0}, graph = {0};
  pbw_str(&node, 1, "x");
  pbw_str(&node, 2, "y");
  pbw_str(&node, 3, "the_node");
  pbw_str(&node, 4, op_type);
  pbw_msg(&graph, 1, &node);
  pbw in = pbw_value_info("x", ndim, dims), out = pbw_value_info("y", ndim, dims);
  pbw_msg(&graph, 11, &in);
  pbw_msg(&graph, 12, &out);
  return pbw_model(&graph);
}

#endif
