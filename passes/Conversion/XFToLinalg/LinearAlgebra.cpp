//===- LinearAlgebra.cpp - xf.matmul to linalg ----------------------------===//

#include "passes/Conversion/XFToLinalg/Patterns.h"
#include "passes/Transforms/MicroKernelShape.h"

#include "dialects/xf/XFOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::xf;

namespace {
/// Lowers numpy-style matmul to one `linalg.generic` over
/// (batch..., m, k, n): batch dimensions broadcast through the indexing
/// maps, and a 1-D operand simply has no m (or n) dimension. The reduction
/// sits between the rows and the columns, so that the innermost loop walks
/// a row of the right operand and of the result, contiguous in memory, with
/// no reduction in it: LLVM vectorizes it.
struct MatMulToLinalg : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    auto lhsType = cast<RankedTensorType>(lhs.getType());
    auto rhsType = cast<RankedTensorType>(rhs.getType());
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    bool hasM = lhsType.getRank() >= 2, hasN = rhsType.getRank() >= 2;
    int64_t batchRank = resultType.getRank() - hasM - hasN;
    // Loop dimensions: batch..., [m], k, [n]. A vector times a matrix has
    // no rows to spread over threads: its columns are the outer loop there,
    // (batch..., n, k).
    int64_t numLoops = batchRank + hasM + hasN + 1;
    bool columnsInnermost = hasM || batchRank > 0;
    int64_t kLoop = columnsInnermost ? batchRank + hasM : numLoops - 1;
    AffineExpr m = getAffineDimExpr(batchRank, context);
    AffineExpr k = getAffineDimExpr(kLoop, context);
    AffineExpr n = getAffineDimExpr(
        columnsInnermost ? batchRank + hasM + 1 : batchRank, context);
    ArrayRef<int64_t> batchShape = resultType.getShape().take_front(batchRank);

    auto operandMap = [&](RankedTensorType type, bool isLhs) {
      int64_t rank = type.getRank();
      int64_t ownBatch = std::max<int64_t>(rank - 2, 0);
      SmallVector<AffineExpr> exprs;
      for (int64_t j = 0; j < ownBatch; ++j) {
        int64_t loop = j + (batchRank - ownBatch);
        bool broadcasts = type.getDimSize(j) == 1 && batchShape[loop] != 1;
        exprs.push_back(broadcasts ? getAffineConstantExpr(0, context)
                                   : getAffineDimExpr(loop, context));
      }
      if (isLhs) {
        if (rank >= 2)
          exprs.push_back(m);
        exprs.push_back(k);
      } else {
        exprs.push_back(k);
        if (rank >= 2)
          exprs.push_back(n);
      }
      return AffineMap::get(numLoops, 0, exprs, context);
    };
    SmallVector<AffineExpr> resultExprs;
    for (int64_t i = 0; i < batchRank; ++i)
      resultExprs.push_back(getAffineDimExpr(i, context));
    if (hasM)
      resultExprs.push_back(m);
    if (hasN)
      resultExprs.push_back(n);
    SmallVector<AffineMap> maps = {
        operandMap(lhsType, true), operandMap(rhsType, false),
        AffineMap::get(numLoops, 0, resultExprs, context)};

    // Result sizes: batch dims broadcast, m from lhs, n from rhs.
    SmallVector<OpFoldResult> dims;
    SmallVector<Value> batchOperands;
    for (int64_t i = 0; i < batchRank; ++i) {
      OpFoldResult dim = rewriter.getIndexAttr(1);
      if (!resultType.isDynamicDim(i)) {
        dim = rewriter.getIndexAttr(resultType.getDimSize(i));
      } else {
        for (Value operand : {lhs, rhs}) {
          auto type = cast<RankedTensorType>(operand.getType());
          int64_t j = i - (batchRank - (type.getRank() - 2));
          if (type.getRank() < 3 || j < 0 || type.getDimSize(j) == 1)
            continue;
          dim = tensor::DimOp::create(rewriter, loc, operand, j).getResult();
          break;
        }
      }
      dims.push_back(dim);
    }
    if (hasM)
      dims.push_back(
          tensor::getMixedSize(rewriter, loc, lhs, lhsType.getRank() - 2));
    if (hasN)
      dims.push_back(
          tensor::getMixedSize(rewriter, loc, rhs, rhsType.getRank() - 1));

    Type elementType = resultType.getElementType();
    // Half-precision products accumulate in f32 and round once, as numpy
    // and onnxruntime do.
    bool isFloat = isa<FloatType>(elementType);
    Type accumulatorType =
        isFloat && elementType.getIntOrFloatBitWidth() < 32
            ? Type(rewriter.getF32Type())
            : elementType;
    auto accumulatorTensor = resultType.clone(accumulatorType);
    Value init = createEmpty(rewriter, loc, accumulatorTensor, dims);
    Value zero = createScalarConstant(rewriter, loc, accumulatorType, 0.0);
    init = linalg::FillOp::create(rewriter, loc, zero, init).getResult(0);
    SmallVector<utils::IteratorType> iterators(numLoops,
                                               utils::IteratorType::parallel);
    iterators[kLoop] = utils::IteratorType::reduction;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{accumulatorTensor}, ValueRange{lhs, rhs},
        ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          Value product, sum;
          if (isFloat) {
            Value a = args[0], c = args[1];
            if (accumulatorType != elementType) {
              a = arith::ExtFOp::create(b, nloc, accumulatorType, a);
              c = arith::ExtFOp::create(b, nloc, accumulatorType, c);
            }
            product = arith::MulFOp::create(b, nloc, a, c);
            sum = arith::AddFOp::create(b, nloc, args[2], product);
          } else {
            product = arith::MulIOp::create(b, nloc, args[0], args[1]);
            sum = arith::AddIOp::create(b, nloc, args[2], product);
          }
          linalg::YieldOp::create(b, nloc, sum);
        });
    Value result = generic.getResult(0);
    if (accumulatorType != elementType)
      result = buildElementwise(
          rewriter, loc, resultType, ValueRange{result},
          [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
            return arith::TruncFOp::create(b, nloc, elementType, args[0]);
          },
          ArrayRef<OpFoldResult>(dims));
    rewriter.replaceOp(op, result);
    return success();
  }
};
/// activation(x W + b): the product accumulates into the broadcast bias, so
/// the bias costs no pass of its own; the activation is one elementwise
/// generic that later fusion can fold into the product's loop nest. The
/// loops are (leading..., k, n), the columns innermost as for xf.matmul;
/// `weightMap` reads the weight in them, `columns` is N.
static Value buildLinear(OpBuilder &b, Location loc,
                         RankedTensorType resultType, Value input,
                         Value weight, AffineMap weightMap, Value bias,
                         OpFoldResult columns, StringRef activation) {
  MLIRContext *context = b.getContext();
  int64_t rank = resultType.getRank();
  Type elementType = resultType.getElementType();
  SmallVector<OpFoldResult> dims = getDims(b, loc, input);
  dims.back() = columns;
  Value init = createEmpty(b, loc, resultType, dims);
  if (bias) {
    init = buildElementwise(
        b, loc, resultType, ValueRange{bias},
        [](OpBuilder &, Location, ValueRange args) { return args[0]; },
        ArrayRef<OpFoldResult>(dims));
  } else {
    Value zero = createScalarConstant(b, loc, elementType, 0.0);
    init = linalg::FillOp::create(b, loc, zero, init).getResult(0);
  }
  int64_t numLoops = rank + 1;
  SmallVector<AffineExpr> inputExprs, outputExprs;
  for (int64_t d = 0; d < rank - 1; ++d) {
    inputExprs.push_back(getAffineDimExpr(d, context));
    outputExprs.push_back(getAffineDimExpr(d, context));
  }
  inputExprs.push_back(getAffineDimExpr(rank - 1, context));
  outputExprs.push_back(getAffineDimExpr(rank, context));
  SmallVector<AffineMap> maps = {
      AffineMap::get(numLoops, 0, inputExprs, context), weightMap,
      AffineMap::get(numLoops, 0, outputExprs, context)};
  SmallVector<utils::IteratorType> iterators(numLoops,
                                             utils::IteratorType::parallel);
  iterators[rank - 1] = utils::IteratorType::reduction;
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{resultType}, ValueRange{input, weight},
          ValueRange{init}, maps, iterators,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value product = arith::MulFOp::create(nb, nloc, args[0], args[1]);
            linalg::YieldOp::create(
                nb, nloc,
                arith::AddFOp::create(nb, nloc, args[2], product).getResult());
          })
          .getResult(0);
  if (activation == "none")
    return result;
  return buildElementwise(
      b, loc, resultType, ValueRange{result},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        if (activation == "relu")
          return arith::MaximumFOp::create(
              nb, nloc, args[0], createScalarConstant(nb, nloc, elementType, 0.0));
        if (activation == "silu")
          return buildSilu(nb, nloc, args[0]);
        return buildGelu(nb, nloc, args[0], activation == "gelu_tanh");
      },
      ArrayRef<OpFoldResult>(dims));
}

struct LinearToLinalg : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    unsigned numLoops = resultType.getRank() + 1;
    MLIRContext *context = rewriter.getContext();
    AffineMap weightMap = AffineMap::get(
        numLoops, 0,
        {getAffineDimExpr(numLoops - 2, context),
         getAffineDimExpr(numLoops - 1, context)},
        context);
    Value weight = adaptor.getWeight();
    rewriter.replaceOp(
        op, buildLinear(rewriter, op.getLoc(), resultType, adaptor.getInput(),
                        weight, weightMap, adaptor.getBias(),
                        tensor::getMixedSize(rewriter, op.getLoc(), weight, 1),
                        op.getActivation()));
    return success();
  }
};

/// The same product, reading the weight from its column panels.
struct PackedLinearToLinalg : OpConversionPattern<PackedLinearOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PackedLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    AffineMap weightMap =
        getPackedWeightMap(rewriter.getContext(), resultType.getRank() + 1,
                           op.getPanelWidth());
    rewriter.replaceOp(
        op, buildLinear(rewriter, op.getLoc(), resultType, adaptor.getInput(),
                        adaptor.getPacked(), weightMap, adaptor.getBias(),
                        rewriter.getIndexAttr(op.getColumns()),
                        op.getActivation()));
    return success();
  }
};
} // namespace

void xf::populateLinearAlgebraPatterns(const TypeConverter &converter,
                                       RewritePatternSet &patterns) {
  patterns.add<MatMulToLinalg, LinearToLinalg, PackedLinearToLinalg>(
      converter, patterns.getContext());
}
