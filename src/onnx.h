/* onnx.h — reads ONNX protobuf bytes into wisp's graph (graph.h).
 *
 * Format notes (onnx/onnx.proto, the fields wisp reads):
 *   ModelProto      1 ir_version, 8 opset_import{1 domain, 2 version}, 7 graph
 *   GraphProto      1 node, 5 initializer, 11 input, 12 output (ValueInfoProto), 13 value_info
 *   NodeProto       1 input, 2 output, 3 name, 4 op_type, 7 domain, 5 attribute
 *   AttributeProto  1 name, 20 type, 2 f, 3 i, 4 s, 5 t, 6 g, 7 floats, 8 ints, 9 strings, 10 tensors
 *   ValueInfoProto  1 name, 2 type{1 tensor_type{1 elem_type, 2 shape{1 dim{1 dim_value, 2 dim_param}}}}
 *   TensorProto     1 dims, 2 data_type, 8 name, 9 raw_data (little-endian), typed data in
 *                   4 float_data, 5 int32_data (also int8/16, uint8/16, bool, float16 bits),
 *                   7 int64_data, 10 double_data, 11 uint64_data (also uint32);
 *                   13 external_data{1 key, 2 value}: location, offset, length; 14 data_location
 *
 * The rules for untrusted bytes (each has a regression test in tests/c/test_loader.c and
 * tests/js/loader_rules.test.js):
 *  - Every count, length and shape product is checked before it is used.
 *  - Sizes are computed in 64 bits and checked against explicit limits (tensor.h) before they
 *    become a size_t: on wasm32 size_t has 32 bits, and a wrapped size under-allocates.
 *  - Single assignment: every value is written once, by one node, never over a graph input or
 *    an initializer (graph.c checks, before anything is planned).
 *  - Ops the table lacks are all named in one error (with node counts), as are ops at an opset
 *    version outside what wisp implements; nothing runs with another version's semantics.
 *  - Loading is linear in the model: graph sorting is O(nodes + edges), buffer placement costs
 *    the sum of buffer lifetimes (bench/load_scaling.js measures it).
 *  - Pointers that cross into JS are unsigned (web/): a heap past 2 GiB is still addressable. */
#ifndef WISP_ONNX_H
#define WISP_ONNX_H

#include "graph.h"
#include "wisp.h"

/* Parses a ModelProto held in `bytes`, a malloc'd block of len + WISP_PAD bytes that the graph
 * takes over (g->model, also on failure). Initializers' raw_data is used in place: each is moved
 * back within its own TensorProto to a 16-byte boundary, which rewrites the block. On failure the
 * graph is freed and the status says why. */
wisp_status wisp_onnx_load(void *bytes, size_t len, const wisp_options *opts, wisp_graph *g);

/* Parses one TensorProto (e.g. a test's input_0.pb); data lives in `pool`. */
wisp_status wisp_onnx_read_tensor(const void *bytes, size_t len, wisp_pool *pool, wisp_tensor *out,
                                  const char **name);

#endif
