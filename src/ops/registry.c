/* registry.c — the one table of ops: (domain, op_type) -> parse / infer / exec.
 * Rows are sorted by domain then op_type (a test checks); lookup is a binary search. */
#include <string.h>

#include "op.h"

#define OPS(X)                                                                                    \
  X(Abs) X(Add) X(And) X(ArgMax) X(ArgMin) X(AveragePool) X(BatchNormalization) X(Cast)           \
  X(CastLike) X(Ceil) X(Clip) X(Concat) X(Constant) X(ConstantOfShape) X(Conv) X(ConvInteger)     \
  X(DequantizeLinear) X(Div) X(Dropout) X(DynamicQuantizeLinear) X(Elu) X(Equal) X(Erf) X(Exp)    \
  X(Expand) X(Flatten) X(Floor) X(Gather) X(Gelu) X(Gemm) X(GlobalAveragePool) X(GlobalMaxPool)   \
  X(Greater) X(GreaterOrEqual) X(HardSigmoid) X(HardSwish) X(Identity) X(IsInf) X(IsNaN)          \
  X(LayerNormalization) X(LeakyRelu) X(Less) X(LessOrEqual) X(Log) X(LogSoftmax) X(MatMul)        \
  X(MatMulInteger) X(Max) X(MaxPool) X(Mean) X(Min) X(Mul) X(Neg) X(Not) X(Or) X(PRelu) X(Pad)    \
  X(Pow) X(QLinearConv) X(QLinearMatMul) X(QuantizeLinear) X(Range) X(Reciprocal) X(ReduceL1)     \
  X(ReduceL2) X(ReduceLogSum) X(ReduceLogSumExp) X(ReduceMax) X(ReduceMean) X(ReduceMin)          \
  X(ReduceProd) X(ReduceSum) X(ReduceSumSquare) X(Relu) X(Reshape) X(Round) X(Selu) X(Shape)      \
  X(Sigmoid) X(Sign) X(Size) X(Slice) X(Softmax) X(Softplus) X(Softsign) X(Split) X(Sqrt)         \
  X(Squeeze) X(Sub) X(Sum) X(Tanh) X(Tile) X(Transpose) X(Unsqueeze) X(Where) X(Xor)

/* Domain "ai.onnx.ml" sorts after "": these rows follow, as wisp_op_ml_<op_type>. */
#define ML_OPS(X)                                                                                 \
  X(ArrayFeatureExtractor) X(Binarizer) X(Imputer) X(LabelEncoder) X(LinearClassifier)            \
  X(LinearRegressor) X(Normalizer) X(OneHotEncoder) X(Scaler) X(TreeEnsembleClassifier)           \
  X(TreeEnsembleRegressor) X(ZipMap)

/* Domain "com.microsoft" (onnxruntime's contrib ops) sorts last: wisp_op_ms_<op_type>.
 * DynamicQuantizeMatMul is also what fuse.c turns q8 MatMul chains into (quant_matmul.c). */
#define MS_OPS(X) X(DynamicQuantizeMatMul)

#define DECLARE(name) extern const wisp_op_def wisp_op_##name;
OPS(DECLARE)
#define DECLARE_ML(name) extern const wisp_op_def wisp_op_ml_##name;
ML_OPS(DECLARE_ML)
#define DECLARE_MS(name) extern const wisp_op_def wisp_op_ms_##name;
MS_OPS(DECLARE_MS)
#define ROW(name) &wisp_op_##name,
#define ROW_ML(name) &wisp_op_ml_##name,
#define ROW_MS(name) &wisp_op_ms_##name,
static const wisp_op_def *const table[] = {OPS(ROW) ML_OPS(ROW_ML) MS_OPS(ROW_MS)};

static int compare(const char *domain, const char *op_type, const wisp_op_def *def) {
  int c = strcmp(domain, def->domain);
  return c ? c : strcmp(op_type, def->op_type);
}

const wisp_op_def *wisp_op_find(const char *domain, const char *op_type) {
  int lo = 0, hi = (int)(sizeof table / sizeof *table) - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    int c = compare(domain, op_type, table[mid]);
    if (!c) return table[mid];
    if (c < 0) hi = mid - 1;
    else lo = mid + 1;
  }
  return NULL;
}

const wisp_op_def *const *wisp_op_table(int *count) {
  *count = (int)(sizeof table / sizeof *table);
  return table;
}
