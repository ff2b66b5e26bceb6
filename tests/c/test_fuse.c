/* Load-time fusions (src/fuse/): the pattern table is well formed, and fixtures come out of
 * wisp_graph_fuse with their chains rewritten: static QDQ MatMul and Gemm onto the int8 GEMM
 * (MatMulIntegerToFloat quantizing x itself, no QuantizeLinear / DequantizeLinear left),
 * BatchNorm folded into its Conv, the Relu after that Conv (or after a BatchNorm with no Conv
 * before it) folded into its epilogue, and SiLU
 * (Sigmoid + Mul, either order) into its Conv; static QDQ Conv onto the int8 GEMM; BERT-style
 * attention into MultiHeadAttention; quantize_dynamic's ConvInteger chain into one ConvInteger
 * with float output. Numbers are checked by the parity tests. */
#include <math.h>
#include <string.h>

#include "../../src/fuse.h"
#include "../../src/fuse/fuser.h"
#include "../../src/onnx.h"
#include "testutil.h"

static int count_op(const wisp_graph *g, const char *domain, const char *op_type) {
  int n = 0;
  for (int i = 0; i < g->n_nodes; i++)
    n += !strcmp(g->nodes[i].domain, domain) && !strcmp(g->nodes[i].op_type, op_type);
  return n;
}

/* Loads (and fuses when asked) the model at path into g; 0 (and g->nodes NULL) on failure. */
static int load(const char *path, int fuse, wisp_graph *g) {
  memset(g, 0, sizeof *g);
  size_t len;
  char *bytes = read_file(path, &len), *padded = bytes ? realloc(bytes, len + WISP_PAD) : NULL;
  if (!padded) return free(bytes), 0;
  memset(padded + len, 0, WISP_PAD);
  if (wisp_onnx_load(padded, len, NULL, g) != WISP_OK) return memset(g, 0, sizeof *g), 0;
  if (wisp_graph_sort(g) == WISP_OK && (!fuse || wisp_graph_fuse(g) == WISP_OK)) return 1;
  wisp_graph_free(g);
  memset(g, 0, sizeof *g);
  return 0;
}

static void check_table(void) {
  CHECK(wisp_fuse_pattern_count > 0);
  for (int p = 0; p < wisp_fuse_pattern_count; p++) {
    const wisp_fuse_pattern *a = &wisp_fuse_patterns[p];
    CHECK(a->name && a->rewrite);
    CHECK(!a->needs || wisp_op_find("", a->needs));
    for (int q = 0; q < p; q++) CHECK(strcmp(a->name, wisp_fuse_patterns[q].name));
  }
}

static void check_qdq(void) {
  const char *path = "tests/fixtures/precision/qdq/qdq_matmul.onnx";
  wisp_graph g;
  CHECK(load(path, 0, &g));
  if (g.nodes) {
    CHECK(count_op(&g, "", "DequantizeLinear") == 2 && count_op(&g, "", "MatMul") == 1);
    wisp_graph_free(&g);
  }
  CHECK(load(path, 1, &g));
  if (g.nodes) {
    CHECK(count_op(&g, "", "DequantizeLinear") == 0 && count_op(&g, "", "MatMul") == 0);
    CHECK(count_op(&g, "com.microsoft", "MatMulIntegerToFloat") == 1);
    /* the activation's QuantizeLinear too: the GEMM quantizes x as it lays it out */
    CHECK(count_op(&g, "", "QuantizeLinear") == 0);
    for (int i = 0; i < g.n_nodes; i++)
      if (!strcmp(g.nodes[i].op_type, "MatMulIntegerToFloat"))
        CHECK(wisp_attr_int(&g.nodes[i], "wisp_quantize_a", 0) == 1);
    wisp_graph_free(&g);
  }
}

/* Gemm with transB 1 and 0 (weights transposed at load) and a bias: one MatMulIntegerToFloat. */
static void check_qdq_gemm(const char *path) {
  wisp_graph g;
  CHECK(load(path, 1, &g));
  if (g.nodes) {
    CHECK(count_op(&g, "", "DequantizeLinear") == 0 && count_op(&g, "", "Gemm") == 0);
    CHECK(count_op(&g, "com.microsoft", "MatMulIntegerToFloat") == 1);
    wisp_graph_free(&g);
  }
}

/* One int8 QuantizeLinear → DequantizeLinear read by two MatMuls: both quantize x themselves,
 * and nothing reads a value whose maker was fused away. */
static void check_qdq_shared(void) {
  wisp_graph g;
  CHECK(load("tests/fixtures/precision/qdq/qdq_shared_s8.onnx", 1, &g));
  if (g.nodes) {
    CHECK(count_op(&g, "", "QuantizeLinear") == 0 && count_op(&g, "", "DequantizeLinear") == 0);
    CHECK(count_op(&g, "com.microsoft", "MatMulIntegerToFloat") == 2);
    for (int i = 0; i < g.n_nodes; i++)
      if (!strcmp(g.nodes[i].op_type, "MatMulIntegerToFloat"))
        CHECK(!strcmp(g.values[g.nodes[i].in[0]].name, "x"));
    wisp_graph_free(&g);
  }
}

static void check_conv_bn(void) {
  wisp_graph g;
  int bn = 0, relu = 0, clamped = 0;
  CHECK(load("tests/fixtures/conv_bn.onnx", 0, &g));
  if (g.nodes) {
    bn = count_op(&g, "", "BatchNormalization"), relu = count_op(&g, "", "Relu");
    wisp_graph_free(&g);
  }
  CHECK(bn > 0 && relu > 0);
  CHECK(load("tests/fixtures/conv_bn.onnx", 1, &g));
  if (g.nodes) {
    CHECK(count_op(&g, "", "BatchNormalization") == 0);
    for (int i = 0; i < g.n_nodes; i++) {
      const wisp_epilogue *e = wisp_node_epilogue(&g.nodes[i]);
      clamped += !strcmp(g.nodes[i].op_type, "Conv") && e->lo == 0.0f && isinf(e->hi);
    }
    CHECK(count_op(&g, "", "Relu") + clamped == relu);
    wisp_graph_free(&g);
  }
}

/* tests/fixtures/bn_act.onnx: BatchNormalization → Relu, and Concat → BatchNormalization →
 * Clip(0, 6), no Conv before either: the clamps fold into the BatchNormalizations. */
static void check_bn_act(void) {
  wisp_graph g;
  CHECK(load("tests/fixtures/bn_act.onnx", 1, &g));
  if (g.nodes) {
    int relu = 0, relu6 = 0;
    for (int i = 0; i < g.n_nodes; i++) {
      const wisp_epilogue *e = wisp_node_epilogue(&g.nodes[i]);
      if (strcmp(g.nodes[i].op_type, "BatchNormalization")) continue;
      relu += e->lo == 0.0f && isinf(e->hi), relu6 += e->lo == 0.0f && e->hi == 6.0f;
    }
    CHECK(relu == 1 && relu6 == 1 && count_op(&g, "", "BatchNormalization") == 2);
    CHECK(count_op(&g, "", "Relu") == 0 && count_op(&g, "", "Clip") == 0);
    wisp_graph_free(&g);
  }
}

/* tests/fixtures/conv_paths.onnx: four SiLUs and four HardSwishes (two as the op, two as
 * HardSigmoid(1/6, 1/2) and Mul) folded into their Convs; the HardSigmoid(0.2, 0.5) and its Mul
 * stay. */
static void check_gates(void) {
  wisp_graph g;
  CHECK(load("tests/fixtures/conv_paths.onnx", 1, &g));
  if (g.nodes) {
    int sigmoid = 0, hard = 0;
    for (int i = 0; i < g.n_nodes; i++) {
      if (strcmp(g.nodes[i].op_type, "Conv")) continue;
      sigmoid += wisp_node_epilogue(&g.nodes[i])->gate == WISP_GATE_SIGMOID;
      hard += wisp_node_epilogue(&g.nodes[i])->gate == WISP_GATE_HARD;
    }
    CHECK(sigmoid == 4 && hard == 4 && count_op(&g, "", "Sigmoid") == 0);
    CHECK(count_op(&g, "", "HardSwish") == 0 && count_op(&g, "", "HardSigmoid") == 1);
    CHECK(count_op(&g, "", "Mul") == 1);
    wisp_graph_free(&g);
  }
}

/* Static QDQ convs (seven shapes, one Q → DQ read by all): each a ConvInteger with float output
 * that quantizes x itself; no Conv, QuantizeLinear or DequantizeLinear left, and the Relu and
 * Clip after three of them folded into their epilogue. */
static void check_qdq_conv(void) {
  wisp_graph g;
  CHECK(load("tests/fixtures/quant/conv_qdq_s8.onnx", 1, &g));
  if (g.nodes) {
    CHECK(count_op(&g, "", "Conv") == 0 && count_op(&g, "", "ConvInteger") == 7);
    CHECK(count_op(&g, "", "QuantizeLinear") == 0 && count_op(&g, "", "DequantizeLinear") == 0);
    CHECK(count_op(&g, "", "Relu") == 0 && count_op(&g, "", "Clip") == 0);
    int clamped = 0;
    for (int i = 0; i < g.n_nodes; i++) {
      const wisp_node *n = &g.nodes[i];
      CHECK(wisp_attr_int(n, "wisp_to_float", 0) == 1 &&
            wisp_attr_int(n, "wisp_quantize_a", 0) == 1);
      CHECK(!strcmp(g.values[n->in[0]].name, "x"));
      clamped += wisp_node_epilogue(n)->lo == 0.0f;
    }
    CHECK(clamped == 3);
    wisp_graph_free(&g);
  }
}

/* BERT-style attention (tests/fixtures/contrib/attention_pattern.onnx): four blocks become
 * MultiHeadAttention on the (B, S, N, H) or (S, B·N, H) tensors with their scale; the block whose
 * Softmax runs over another axis keeps its nodes. */
static void check_attention(void) {
  wisp_graph g;
  CHECK(load("tests/fixtures/contrib/attention_pattern.onnx", 1, &g));
  if (g.nodes) {
    CHECK(count_op(&g, "com.microsoft", "MultiHeadAttention") == 4);
    CHECK(count_op(&g, "", "Softmax") == 1 && count_op(&g, "", "Transpose") == 4);
    CHECK(count_op(&g, "", "MatMul") == 2); /* d's Div went into its MatMul (matmul_scale) */
    const float want[4] = {0.5f, 0.35f, 1.0f, 0.5f}; /* blocks a, b, c, e in graph order */
    int k = 0;
    for (int i = 0; i < g.n_nodes; i++) {
      const wisp_node *n = &g.nodes[i];
      if (strcmp(n->op_type, "MultiHeadAttention")) continue;
      CHECK(wisp_attr_int(n, "wisp_bsnh", 0) == 1 && k < 4);
      if (k < 4) CHECK(fabsf(wisp_attr_float(n, "scale", 0.0f) - want[k]) < 1e-7f);
      CHECK(n->n_in == (k == 2 ? 3 : 6));
      k++;
    }
    wisp_graph_free(&g);
  }
}

/* The dynamic uint8 conv of quantize_dynamic (tests/fixtures/quant/conv_u8.onnx):
 * DynamicQuantizeLinear → ConvInteger → Cast → Mul(Mul(x_scale, W_scale)) → Add bias → Relu is
 * DynamicQuantizeLinear → ConvInteger with float output, the scales, the bias and the Relu in it. */
static void check_dynamic_conv(void) {
  wisp_graph g;
  CHECK(load("tests/fixtures/quant/conv_u8.onnx", 1, &g));
  if (g.nodes) {
    CHECK(count_op(&g, "", "ConvInteger") == 1 && count_op(&g, "", "Relu") == 0);
    CHECK(count_op(&g, "", "Cast") == 0 && count_op(&g, "", "Add") == 0);
    CHECK(count_op(&g, "", "Mul") == 0); /* the MatMul's chain went into DynamicQuantizeMatMul */
    for (int i = 0; i < g.n_nodes; i++) {
      const wisp_node *n = &g.nodes[i];
      if (strcmp(n->op_type, "ConvInteger")) continue;
      CHECK(wisp_attr_int(n, "wisp_to_float", 0) == 1 && !wisp_attr_int(n, "wisp_quantize_a", 0));
      CHECK(n->n_in == 7 && wisp_node_epilogue(n)->lo == 0.0f);
      const wisp_node *dql = NULL;
      for (int j = 0; j < g.n_nodes; j++)
        if (g.nodes[j].n_out == 3 && g.nodes[j].out[0] == n->in[0]) dql = &g.nodes[j];
      CHECK(dql && !strcmp(dql->op_type, "DynamicQuantizeLinear") && n->in[4] == dql->out[1] &&
            n->in[2] == dql->out[2]);
    }
    wisp_graph_free(&g);
  }
}

int main(void) {
  check_table();
  check_dynamic_conv();
  check_attention();
  check_gates();
  check_qdq();
  check_qdq_gemm("tests/fixtures/precision/qdq/qdq_gemm_tb1.onnx");
  check_qdq_gemm("tests/fixtures/precision/qdq/qdq_gemm_tb0_u8.onnx");
  check_qdq_shared();
  check_qdq_conv();
  check_conv_bn();
  check_bn_act();
  return check_report("test_fuse");
}
