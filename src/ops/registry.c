/* registry.c — the one table of ops: (domain, op_type, opset versions) -> parse / infer / exec.
 * Rows are sorted by domain then op_type (a test checks); lookup is a binary search.
 * A row X(Name, since, until) says which versions of the domain's opset the op's semantics are
 * implemented for: a model importing another version is refused at load, naming the range. An op
 * whose semantics changed inside the range handles each version in its body (node->opset). */
#include <string.h>

#include "op.h"

#define OPS(X) \
  X(Abs, 6, 21) \
  X(Acos, 7, 21) \
  X(Acosh, 9, 21) \
  X(Add, 7, 21) \
  X(And, 7, 21) \
  X(ArgMax, 1, 21) \
  X(ArgMin, 1, 21) \
  X(Asin, 7, 21) \
  X(Asinh, 9, 21) \
  X(Atan, 7, 21) \
  X(Atanh, 9, 21) \
  X(AveragePool, 7, 21) \
  X(BatchNormalization, 7, 21) \
  X(BitShift, 11, 21) \
  X(BlackmanWindow, 17, 21) \
  X(Cast, 6, 21) \
  X(CastLike, 15, 21) \
  X(Ceil, 6, 21) \
  X(Celu, 12, 21) \
  X(Clip, 6, 21) \
  X(Compress, 9, 21) \
  X(Concat, 4, 21) \
  X(Constant, 1, 21) \
  X(ConstantOfShape, 9, 21) \
  X(Conv, 1, 21) \
  X(ConvInteger, 10, 21) \
  X(ConvTranspose, 1, 21) \
  X(Cos, 7, 21) \
  X(Cosh, 9, 21) \
  X(CumSum, 11, 21) \
  X(DFT, 17, 21) \
  X(DepthToSpace, 1, 21) \
  X(DequantizeLinear, 10, 21) \
  X(Det, 11, 21) \
  X(Div, 7, 21) \
  X(Dropout, 7, 21) \
  X(DynamicQuantizeLinear, 11, 21) \
  X(Einsum, 12, 21) \
  X(Elu, 6, 21) \
  X(Equal, 7, 21) \
  X(Erf, 9, 21) \
  X(Exp, 6, 21) \
  X(Expand, 8, 21) \
  X(EyeLike, 9, 21) \
  X(Flatten, 1, 21) \
  X(Floor, 6, 21) \
  X(GRU, 7, 21) \
  X(Gather, 1, 21) \
  X(GatherElements, 11, 21) \
  X(GatherND, 11, 21) \
  X(Gelu, 20, 21) \
  X(Gemm, 7, 21) \
  X(GlobalAveragePool, 1, 21) \
  X(GlobalMaxPool, 1, 21) \
  X(Greater, 7, 21) \
  X(GreaterOrEqual, 12, 21) \
  X(GridSample, 16, 21) \
  X(GroupNormalization, 18, 21) \
  X(HammingWindow, 17, 21) \
  X(HannWindow, 17, 21) \
  X(HardSigmoid, 6, 21) \
  X(HardSwish, 14, 21) \
  X(Hardmax, 1, 21) \
  X(Identity, 1, 21) \
  X(If, 1, 21) \
  X(InstanceNormalization, 6, 21) \
  X(IsInf, 10, 21) \
  X(IsNaN, 9, 21) \
  X(LRN, 1, 21) \
  X(LSTM, 7, 21) \
  X(LayerNormalization, 1, 21) /* before 17: onnxruntime's, which its optimiser writes */ \
  X(LeakyRelu, 6, 21) \
  X(Less, 7, 21) \
  X(LessOrEqual, 12, 21) \
  X(Log, 6, 21) \
  X(LogSoftmax, 1, 21) \
  X(Loop, 1, 21) \
  X(MatMul, 1, 21) \
  X(MatMulInteger, 10, 21) \
  X(Max, 8, 21) \
  X(MaxPool, 1, 21) \
  X(MaxUnpool, 9, 21) \
  X(Mean, 8, 21) \
  X(MeanVarianceNormalization, 9, 21) \
  X(MelWeightMatrix, 17, 21) \
  X(Min, 8, 21) \
  X(Mod, 10, 21) \
  X(Mul, 7, 21) \
  X(Neg, 6, 21) \
  X(NegativeLogLikelihoodLoss, 12, 21) \
  X(NonMaxSuppression, 10, 21) \
  X(NonZero, 9, 21) \
  X(Not, 1, 21) \
  X(OneHot, 9, 21) \
  X(Or, 7, 21) \
  X(PRelu, 7, 21) \
  X(Pad, 11, 21) \
  X(Pow, 7, 21) \
  X(QLinearConv, 10, 21) \
  X(QLinearMatMul, 10, 21) \
  X(QuantizeLinear, 10, 21) \
  X(RNN, 7, 21) \
  X(Range, 11, 21) \
  X(Reciprocal, 6, 21) \
  X(ReduceL1, 1, 21) \
  X(ReduceL2, 1, 21) \
  X(ReduceLogSum, 1, 21) \
  X(ReduceLogSumExp, 1, 21) \
  X(ReduceMax, 1, 21) \
  X(ReduceMean, 1, 21) \
  X(ReduceMin, 1, 21) \
  X(ReduceProd, 1, 21) \
  X(ReduceSum, 1, 21) \
  X(ReduceSumSquare, 1, 21) \
  X(Relu, 6, 21) \
  X(Reshape, 5, 21) \
  X(Resize, 10, 21) \
  X(ReverseSequence, 10, 21) \
  X(RoiAlign, 10, 21) \
  X(Round, 11, 21) \
  X(STFT, 17, 21) \
  X(Scan, 8, 21) \
  X(Scatter, 9, 10) \
  X(ScatterElements, 11, 21) \
  X(ScatterND, 11, 21) \
  X(Selu, 6, 21) \
  X(Shape, 1, 21) \
  X(Shrink, 9, 21) \
  X(Sigmoid, 6, 21) \
  X(Sign, 9, 21) \
  X(SimplifiedLayerNormalization, 1, 21) /* onnxruntime's, in this domain */ \
  X(Sin, 7, 21) \
  X(Sinh, 9, 21) \
  X(Size, 1, 21) \
  X(Slice, 10, 21) \
  X(Softmax, 1, 21) \
  X(SoftmaxCrossEntropyLoss, 12, 21) \
  X(Softplus, 1, 21) \
  X(Softsign, 1, 21) \
  X(SpaceToDepth, 1, 21) \
  X(Split, 2, 21) \
  X(Sqrt, 6, 21) \
  X(Squeeze, 1, 21) \
  X(StringNormalizer, 10, 21) \
  X(Sub, 7, 21) \
  X(Sum, 8, 21) \
  X(Tan, 7, 21) \
  X(Tanh, 6, 21) \
  X(TfIdfVectorizer, 9, 21) \
  X(ThresholdedRelu, 10, 21) \
  X(Tile, 6, 21) \
  X(TopK, 1, 21) \
  X(Transpose, 1, 21) \
  X(Trilu, 14, 21) \
  X(Unique, 11, 21) \
  X(Unsqueeze, 1, 21) \
  X(Upsample, 7, 9) \
  X(Where, 9, 21) \
  X(Xor, 7, 21)

/* Domain "ai.onnx.ml" sorts after "": these rows follow, as wisp_op_ml_<op_type>. */
#define ML_OPS(X) \
  X(ArrayFeatureExtractor, 1, 5) \
  X(Binarizer, 1, 5) \
  X(Imputer, 1, 5) \
  X(LabelEncoder, 1, 5) \
  X(LinearClassifier, 1, 5) \
  X(LinearRegressor, 1, 5) \
  X(Normalizer, 1, 5) \
  X(OneHotEncoder, 1, 5) \
  X(Scaler, 1, 5) \
  X(TreeEnsembleClassifier, 1, 5) \
  X(TreeEnsembleRegressor, 1, 5) \
  X(ZipMap, 1, 5)

/* Domain "com.microsoft" (onnxruntime's contrib ops) sorts last: wisp_op_ms_<op_type>.
 * DynamicQuantizeMatMul is also what src/fuse/ turns q8 MatMul chains into (quant_matmul.c). */
#define MS_OPS(X) \
  X(Attention, 1, 1) \
  X(BiasAdd, 1, 1) \
  X(BiasGelu, 1, 1) \
  X(BiasSoftmax, 1, 1) \
  X(BiasSplitGelu, 1, 1) \
  X(DynamicQuantizeMatMul, 1, 1) \
  X(EmbedLayerNormalization, 1, 1) \
  X(FastGelu, 1, 1) \
  X(FusedConv, 1, 1) \
  X(FusedGemm, 1, 1) \
  X(FusedMatMul, 1, 1) \
  X(GatherBlockQuantized, 1, 1) \
  X(Gelu, 1, 1) \
  X(MatMulBnb4, 1, 1) \
  X(MatMulIntegerToFloat, 1, 1) \
  X(MatMulNBits, 1, 1) \
  X(MultiHeadAttention, 1, 1) \
  X(QuickGelu, 1, 1) \
  X(RotaryEmbedding, 1, 1) \
  X(SkipLayerNormalization, 1, 1) \
  X(SkipSimplifiedLayerNormalization, 1, 1)

#define DECLARE(name, since, until) extern const wisp_op_def wisp_op_##name;
OPS(DECLARE)
#define DECLARE_ML(name, since, until) extern const wisp_op_def wisp_op_ml_##name;
ML_OPS(DECLARE_ML)
#define DECLARE_MS(name, since, until) extern const wisp_op_def wisp_op_ms_##name;
MS_OPS(DECLARE_MS)

typedef struct {
  const wisp_op_def *def;
  int since, until; /* the domain's opset versions whose semantics the op implements */
} row;
#define ROW(name, since, until) {&wisp_op_##name, since, until},
#define ROW_ML(name, since, until) {&wisp_op_ml_##name, since, until},
#define ROW_MS(name, since, until) {&wisp_op_ms_##name, since, until},
static const row table[] = {OPS(ROW) ML_OPS(ROW_ML) MS_OPS(ROW_MS)};
#define N_ROWS ((int)(sizeof table / sizeof *table))

static int compare(const char *domain, const char *op_type, const wisp_op_def *def) {
  int c = strcmp(domain, def->domain);
  return c ? c : strcmp(op_type, def->op_type);
}

static const row *find_row(const char *domain, const char *op_type) {
  int lo = 0, hi = N_ROWS - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    int c = compare(domain, op_type, table[mid].def);
    if (!c) return &table[mid];
    if (c < 0) hi = mid - 1;
    else lo = mid + 1;
  }
  return NULL;
}

const wisp_op_def *wisp_op_find(const char *domain, const char *op_type) {
  const row *r = find_row(domain, op_type);
  return r ? r->def : NULL;
}

wisp_op_lookup wisp_op_resolve(const char *domain, const char *op_type, int64_t opset,
                               const wisp_op_def **def, int *since, int *until) {
  const row *r = find_row(domain, op_type);
  *def = NULL;
  if (!r) return WISP_OP_UNKNOWN;
  *since = r->since, *until = r->until;
  /* opset < 0: the model imports no version of the domain; take the op as wisp knows it */
  if (opset >= 0 && (opset < r->since || opset > r->until)) return WISP_OP_BAD_VERSION;
  *def = r->def;
  return WISP_OP_FOUND;
}

const wisp_op_def *wisp_op_table_entry(int i, int *since, int *until) {
  if (i < 0 || i >= N_ROWS) return NULL;
  if (since) *since = table[i].since;
  if (until) *until = table[i].until;
  return table[i].def;
}

int wisp_op_count(void) { return N_ROWS; }
