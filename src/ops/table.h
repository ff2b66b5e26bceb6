/* table.h — the rows of the op table (registry.c), one per op, sorted by domain then op_type.
 *
 * X(Name, since, until): the versions of the domain's opset whose semantics the op implements.
 * E(Name, since, until): the same for an op of a rare family (ml_*, rnn, control, signal, vision,
 * resize, einsum, loss, strings, tfidf, conv_transpose, cast_string, mvn,
 * gather_block_quantized). The native build links them like any
 * other; the WebAssembly build links them apart, into web/wisp_extra.wasm (src/wasm/extra.c),
 * which web/ fetches only for a model that uses one of them, so the core download stays small.
 * Their code runs on the calling thread only: a family that hands functions of its own to
 * wisp_parallel_* cannot be an E family (scripts/wasm_imports.mjs refuses to build it). */
#ifndef WISP_OPS_TABLE_H
#define WISP_OPS_TABLE_H

#define WISP_OPS(X, E) \
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
  E(BlackmanWindow, 17, 21) \
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
  E(ConvTranspose, 1, 21) \
  X(Cos, 7, 21) \
  X(Cosh, 9, 21) \
  X(CumSum, 11, 21) \
  E(DFT, 17, 21) \
  X(DepthToSpace, 1, 21) \
  X(DequantizeLinear, 10, 21) \
  X(Det, 11, 21) \
  X(Div, 7, 21) \
  X(Dropout, 7, 21) \
  X(DynamicQuantizeLinear, 11, 21) \
  E(Einsum, 12, 21) \
  X(Elu, 6, 21) \
  X(Equal, 7, 21) \
  X(Erf, 9, 21) \
  X(Exp, 6, 21) \
  X(Expand, 8, 21) \
  X(EyeLike, 9, 21) \
  X(Flatten, 1, 21) \
  X(Floor, 6, 21) \
  E(GRU, 7, 21) \
  X(Gather, 1, 21) \
  X(GatherElements, 11, 21) \
  X(GatherND, 11, 21) \
  X(Gelu, 20, 21) \
  X(Gemm, 7, 21) \
  X(GlobalAveragePool, 1, 21) \
  X(GlobalMaxPool, 1, 21) \
  X(Greater, 7, 21) \
  X(GreaterOrEqual, 12, 21) \
  E(GridSample, 16, 21) \
  X(GroupNormalization, 18, 21) \
  E(HammingWindow, 17, 21) \
  E(HannWindow, 17, 21) \
  X(HardSigmoid, 6, 21) \
  X(HardSwish, 14, 21) \
  X(Hardmax, 1, 21) \
  X(Identity, 1, 21) \
  E(If, 1, 21) \
  X(InstanceNormalization, 6, 21) \
  X(IsInf, 10, 21) \
  X(IsNaN, 9, 21) \
  X(LRN, 1, 21) \
  E(LSTM, 7, 21) \
  X(LayerNormalization, 1, 21) /* before 17: onnxruntime's, which its optimiser writes */ \
  X(LeakyRelu, 6, 21) \
  X(Less, 7, 21) \
  X(LessOrEqual, 12, 21) \
  X(Log, 6, 21) \
  X(LogSoftmax, 1, 21) \
  E(Loop, 1, 21) \
  X(MatMul, 1, 21) \
  X(MatMulInteger, 10, 21) \
  X(Max, 8, 21) \
  X(MaxPool, 1, 21) \
  E(MaxUnpool, 9, 21) \
  X(Mean, 8, 21) \
  E(MeanVarianceNormalization, 9, 21) \
  E(MelWeightMatrix, 17, 21) \
  X(Min, 8, 21) \
  X(Mod, 10, 21) \
  X(Mul, 7, 21) \
  X(Neg, 6, 21) \
  E(NegativeLogLikelihoodLoss, 12, 21) \
  E(NonMaxSuppression, 10, 21) \
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
  E(RNN, 7, 21) \
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
  E(Resize, 10, 21) \
  X(ReverseSequence, 10, 21) \
  E(RoiAlign, 10, 21) \
  X(Round, 11, 21) \
  E(STFT, 17, 21) \
  E(Scan, 8, 21) \
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
  E(SoftmaxCrossEntropyLoss, 12, 21) \
  X(Softplus, 1, 21) \
  X(Softsign, 1, 21) \
  X(SpaceToDepth, 1, 21) \
  X(Split, 2, 21) \
  X(Sqrt, 6, 21) \
  X(Squeeze, 1, 21) \
  E(StringNormalizer, 10, 21) \
  X(Sub, 7, 21) \
  X(Sum, 8, 21) \
  X(Tan, 7, 21) \
  X(Tanh, 6, 21) \
  E(TfIdfVectorizer, 9, 21) \
  X(ThresholdedRelu, 10, 21) \
  X(Tile, 6, 21) \
  X(TopK, 1, 21) \
  X(Transpose, 1, 21) \
  X(Trilu, 14, 21) \
  X(Unique, 11, 21) \
  X(Unsqueeze, 1, 21) \
  E(Upsample, 7, 9) \
  X(Where, 9, 21) \
  X(Xor, 7, 21)

/* Domain "ai.onnx.ml" sorts after "": these rows follow, as wisp_op_ml_<op_type>. */
#define WISP_ML_OPS(X, E) \
  E(ArrayFeatureExtractor, 1, 5) \
  E(Binarizer, 1, 5) \
  E(Imputer, 1, 5) \
  E(LabelEncoder, 1, 5) \
  E(LinearClassifier, 1, 5) \
  E(LinearRegressor, 1, 5) \
  E(Normalizer, 1, 5) \
  E(OneHotEncoder, 1, 5) \
  E(Scaler, 1, 5) \
  E(TreeEnsembleClassifier, 1, 5) \
  E(TreeEnsembleRegressor, 1, 5) \
  E(ZipMap, 1, 5)

/* Domain "com.microsoft" (onnxruntime's contrib ops) sorts last: wisp_op_ms_<op_type>.
 * DynamicQuantizeMatMul is also what src/fuse/ turns q8 MatMul chains into (quant_matmul.c). */
#define WISP_MS_OPS(X, E) \
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
  E(GatherBlockQuantized, 1, 1) \
  X(Gelu, 1, 1) \
  X(MatMulBnb4, 1, 1) \
  X(MatMulIntegerToFloat, 1, 1) \
  X(MatMulNBits, 1, 1) \
  X(MultiHeadAttention, 1, 1) \
  X(QuickGelu, 1, 1) \
  X(RotaryEmbedding, 1, 1) \
  X(SkipLayerNormalization, 1, 1) \
  X(SkipSimplifiedLayerNormalization, 1, 1)

/* Domain "wisp" sorts last: wisp's own helpers as wisp_op_wisp_<op_type>, which models cannot use
 * (their infer refuses): CastString is Cast's part between numbers and strings (cast.h). */
#define WISP_OWN_OPS(X, E) E(CastString, 1, 1)

#endif
