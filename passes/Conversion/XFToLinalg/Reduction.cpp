//===- Reduction.cpp - Reductions, softmax and layer norm to linalg -------===//

#include "passes/Conversion/XFToLinalg/Patterns.h"

#include "dialects/xf/XFOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"

#include <limits>

using namespace mlir;
using namespace mlir::xf;

namespace {
enum class ReduceKind { Sum, Max, Min, Prod };
} // namespace

namespace {
/// The iteration space of a reduction of a rank-`rank` input over `axes`:
/// iterator kinds, and the result's shape, sizes and indexing map.
struct ReducedSpace {
  SmallVector<utils::IteratorType> iterators;
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> dims;
  AffineMap outputMap;
};
} // namespace

static ReducedSpace getReducedSpace(OpBuilder &b, Location loc, Value input,
                                    ArrayRef<int64_t> axes, bool keepdims) {
  MLIRContext *context = b.getContext();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  ReducedSpace space;
  SmallVector<AffineExpr> outExprs;
  SmallVector<OpFoldResult> inputDims = getDims(b, loc, input);
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    space.iterators.push_back(reduced ? utils::IteratorType::reduction
                                      : utils::IteratorType::parallel);
    if (reduced && !keepdims)
      continue;
    space.shape.push_back(reduced ? 1 : type.getDimSize(d));
    space.dims.push_back(reduced ? b.getIndexAttr(1) : inputDims[d]);
    outExprs.push_back(reduced ? getAffineConstantExpr(0, context)
                               : getAffineDimExpr(d, context));
  }
  space.outputMap = AffineMap::get(rank, 0, outExprs, context);
  return space;
}

/// The identity of a maximum (the lowest value of the type) or a minimum
/// (the highest).
static Value getExtremeIdentity(OpBuilder &b, Location loc, Type elementType,
                                bool isMax, bool isUnsigned) {
  if (isa<FloatType>(elementType)) {
    double inf = std::numeric_limits<double>::infinity();
    return createScalarConstant(b, loc, elementType, isMax ? -inf : inf);
  }
  unsigned width = elementType.getIntOrFloatBitWidth();
  APInt value = isMax ? (isUnsigned ? APInt::getMinValue(width)
                                    : APInt::getSignedMinValue(width))
                      : (isUnsigned ? APInt::getMaxValue(width)
                                    : APInt::getSignedMaxValue(width));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(elementType, value));
}

/// Reduces `input` over `axes` with `kind`; reduced axes are dropped, or
/// kept with size 1 when `keepdims` is set.
static Value buildReduction(OpBuilder &b, Location loc, Value input,
                            ArrayRef<int64_t> axes, bool keepdims,
                            ReduceKind kind, bool isUnsigned) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  bool isFloat = isa<FloatType>(elementType);
  int64_t rank = type.getRank();
  ReducedSpace space = getReducedSpace(b, loc, input, axes, keepdims);
  SmallVector<utils::IteratorType> &iterators = space.iterators;
  auto resultType = RankedTensorType::get(space.shape, elementType);
  Value initValue;
  if (kind == ReduceKind::Max || kind == ReduceKind::Min)
    initValue = getExtremeIdentity(b, loc, elementType,
                                   kind == ReduceKind::Max, isUnsigned);
  else
    initValue = createScalarConstant(b, loc, elementType,
                                     kind == ReduceKind::Sum ? 0.0 : 1.0);
  Value init = createEmpty(b, loc, resultType, space.dims);
  init = linalg::FillOp::create(b, loc, initValue, init).getResult(0);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 space.outputMap};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{input}, ValueRange{init},
      maps, iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value x = args[0], acc = args[1], result;
        switch (kind) {
        case ReduceKind::Sum:
          result = isFloat ? Value(arith::AddFOp::create(nb, nloc, acc, x))
                           : Value(arith::AddIOp::create(nb, nloc, acc, x));
          break;
        case ReduceKind::Prod:
          result = isFloat ? Value(arith::MulFOp::create(nb, nloc, acc, x))
                           : Value(arith::MulIOp::create(nb, nloc, acc, x));
          break;
        case ReduceKind::Max:
          result = isFloat      ? Value(arith::MaximumFOp::create(nb, nloc, acc, x))
                   : isUnsigned ? Value(arith::MaxUIOp::create(nb, nloc, acc, x))
                                : Value(arith::MaxSIOp::create(nb, nloc, acc, x));
          break;
        case ReduceKind::Min:
          result = isFloat      ? Value(arith::MinimumFOp::create(nb, nloc, acc, x))
                   : isUnsigned ? Value(arith::MinUIOp::create(nb, nloc, acc, x))
                                : Value(arith::MinSIOp::create(nb, nloc, acc, x));
          break;
        }
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

/// The number of elements of `input` along `axes`, as a scalar of
/// `elementType`.
static Value countAlong(OpBuilder &b, Location loc, Value input,
                        ArrayRef<int64_t> axes, Type elementType) {
  SmallVector<OpFoldResult> dims = getDims(b, loc, input);
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t axis : axes)
    count = arith::MulIOp::create(
        b, loc, count, getValueOrCreateConstantIndexOp(b, loc, dims[axis]));
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), count);
  if (isa<FloatType>(elementType))
    return arith::SIToFPOp::create(b, loc, elementType, asInt);
  return arith::TruncIOp::create(b, loc, elementType, asInt);
}

namespace {
template <typename OpTy, ReduceKind kind, bool isMean = false>
struct ReduceToLinalg : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    Value result = buildReduction(rewriter, loc, input, op.getAxes(),
                                  op.getKeepdims(), kind,
                                  isUnsignedElement(op.getInput().getType()));
    if (isMean) {
      Type elementType = getElementTypeOrSelf(result);
      Value count = countAlong(rewriter, loc, input, op.getAxes(), elementType);
      auto resultType = cast<RankedTensorType>(result.getType());
      result = buildElementwise(
          rewriter, loc, resultType, ValueRange{result},
          [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
            if (isa<FloatType>(elementType))
              return arith::DivFOp::create(b, nloc, args[0], count);
            return arith::DivSIOp::create(b, nloc, args[0], count);
          });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// xf.arg_max and xf.arg_min: one generic that carries the best value and
/// its index along the axis. A later element replaces the best one when it
/// is strictly better, or also when equal with `select_last_index`.
template <typename OpTy, bool isMax>
struct ArgReduceToLinalg : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    Type elementType = type.getElementType();
    bool isFloat = isa<FloatType>(elementType);
    bool isUnsigned = isUnsignedElement(op.getInput().getType());
    int64_t rank = type.getRank(), axis = op.getAxis();
    bool last = op.getSelectLastIndex();

    ReducedSpace space =
        getReducedSpace(rewriter, loc, input, {axis}, op.getKeepdims());
    // The starting best value: the worst of the type, so that the first
    // element (or, with select_last_index, any) replaces it.
    Value worst =
        getExtremeIdentity(rewriter, loc, elementType, isMax, isUnsigned);
    Type i64 = rewriter.getI64Type();
    auto valueType = RankedTensorType::get(space.shape, elementType);
    auto indexType = RankedTensorType::get(space.shape, i64);
    Value bestInit = linalg::FillOp::create(
                         rewriter, loc, worst,
                         createEmpty(rewriter, loc, valueType, space.dims))
                         .getResult(0);
    Value zero = arith::ConstantIntOp::create(rewriter, loc, i64, 0);
    Value indexInit = linalg::FillOp::create(
                          rewriter, loc, zero,
                          createEmpty(rewriter, loc, indexType, space.dims))
                          .getResult(0);
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank),
                                   space.outputMap, space.outputMap};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valueType, indexType}, ValueRange{input},
        ValueRange{bestInit, indexInit}, maps, space.iterators,
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          Value x = args[0], best = args[1], bestIndex = args[2], better;
          if (isFloat) {
            auto predicate = isMax ? (last ? arith::CmpFPredicate::OGE
                                           : arith::CmpFPredicate::OGT)
                                   : (last ? arith::CmpFPredicate::OLE
                                           : arith::CmpFPredicate::OLT);
            better = arith::CmpFOp::create(b, nloc, predicate, x, best);
          } else {
            using P = arith::CmpIPredicate;
            P predicate = isMax ? (last ? (isUnsigned ? P::uge : P::sge)
                                        : (isUnsigned ? P::ugt : P::sgt))
                                : (last ? (isUnsigned ? P::ule : P::sle)
                                        : (isUnsigned ? P::ult : P::slt));
            better = arith::CmpIOp::create(b, nloc, predicate, x, best);
          }
          Value index = arith::IndexCastOp::create(
              b, nloc, i64, linalg::IndexOp::create(b, nloc, axis));
          linalg::YieldOp::create(
              b, nloc,
              ValueRange{arith::SelectOp::create(b, nloc, better, x, best),
                         arith::SelectOp::create(b, nloc, better, index,
                                                 bestIndex)});
        });
    rewriter.replaceOp(op, generic.getResult(1));
    return success();
  }
};

/// softmax(x) = exp(x - max(x)) / sum(exp(x - max(x))) along one axis.
struct SoftmaxToLinalg : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    auto resultType = type;
    int64_t axis = op.getAxis();
    // Half-precision rows are exponentiated and summed in f32 and rounded
    // once, as onnxruntime does.
    Type elementType = type.getElementType();
    bool widened = elementType.getIntOrFloatBitWidth() < 32;
    if (widened) {
      type = type.clone(rewriter.getF32Type());
      x = buildElementwise(
          rewriter, loc, type, ValueRange{x},
          [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
            return arith::ExtFOp::create(b, nloc, b.getF32Type(), args[0]);
          });
    }
    Value max = buildReduction(rewriter, loc, x, {axis}, /*keepdims=*/true,
                               ReduceKind::Max, false);
    Value exp = buildElementwise(
        rewriter, loc, type, ValueRange{x, max},
        [](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          return math::ExpOp::create(
              b, nloc, arith::SubFOp::create(b, nloc, args[0], args[1]));
        });
    Value sum = buildReduction(rewriter, loc, exp, {axis}, /*keepdims=*/true,
                               ReduceKind::Sum, false);
    Value result = buildElementwise(
        rewriter, loc, type, ValueRange{exp, sum},
        [](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          return arith::DivFOp::create(b, nloc, args[0], args[1]);
        });
    if (widened)
      result = buildElementwise(
          rewriter, loc, resultType, ValueRange{result},
          [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
            return arith::TruncFOp::create(b, nloc, elementType, args[0]);
          });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// sum over the trailing axes from `axis` of `term(x, rowValues...)`, kept
/// as [..., 1, ...1]: one pass over `x` whose terms are computed as they are
/// read. `rowValues` have that row shape (a mean, say).
static Value buildRowSum(
    OpBuilder &b, Location loc, Value x, ValueRange rowValues, int64_t axis,
    function_ref<Value(OpBuilder &, Location, ValueRange)> term) {
  MLIRContext *context = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<AffineExpr> rowExprs;
  SmallVector<utils::IteratorType> iterators;
  SmallVector<int64_t> rowShape;
  SmallVector<OpFoldResult> rowDims, dims = getDims(b, loc, x);
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = d >= axis;
    rowExprs.push_back(reduced ? getAffineConstantExpr(0, context)
                               : getAffineDimExpr(d, context));
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    rowShape.push_back(reduced ? 1 : type.getDimSize(d));
    rowDims.push_back(reduced ? b.getIndexAttr(1) : dims[d]);
  }
  auto rowType = RankedTensorType::get(rowShape, type.getElementType());
  AffineMap rowMap = AffineMap::get(rank, 0, rowExprs, context);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
  maps.append(rowValues.size() + 1, rowMap);
  SmallVector<Value> inputs = {x};
  llvm::append_range(inputs, rowValues);
  Value zero = createScalarConstant(b, loc, type.getElementType(), 0.0);
  Value init = linalg::FillOp::create(b, loc, zero,
                                      createEmpty(b, loc, rowType, rowDims))
                   .getResult(0);
  return linalg::GenericOp::create(
             b, loc, TypeRange{rowType}, inputs, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value value = term(nb, nloc, args.drop_back());
               linalg::YieldOp::create(
                   nb, nloc,
                   arith::AddFOp::create(nb, nloc, args.back(), value)
                       .getResult());
             })
      .getResult(0);
}

/// y = (x - mean) * rstd * scale + bias over the trailing axes from `axis`,
/// with rstd = 1 / sqrt(var + eps): three passes over x (the mean, the
/// variance of the centered values, the normalization), one square root and
/// one division per row rather than per element.
static Value buildLayerNorm(OpBuilder &b, Location loc, Value x, Value scale,
                            Value bias, int64_t axis, double epsilonValue) {
  auto type = cast<RankedTensorType>(x.getType());
  Type elementType = type.getElementType();
  int64_t rank = type.getRank();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(axis, rank));
  Value count = countAlong(b, loc, x, axes, elementType);
  Value sum = buildReduction(b, loc, x, axes, /*keepdims=*/true,
                             ReduceKind::Sum, false);
  auto rowType = cast<RankedTensorType>(sum.getType());
  auto perRow = [&](ValueRange operands,
                    function_ref<Value(OpBuilder &, Location, ValueRange)> fn) {
    return buildElementwise(b, loc, rowType, operands, fn);
  };
  Value mean = perRow({sum}, [&](OpBuilder &nb, Location nloc, ValueRange a) {
    return Value(arith::DivFOp::create(nb, nloc, a[0], count));
  });
  // sum((x - mean)^2) in one pass, reading the mean of the row.
  Value squares = buildRowSum(
      b, loc, x, {mean}, axis,
      [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
        Value d = arith::SubFOp::create(nb, nloc, a[0], a[1]);
        return arith::MulFOp::create(nb, nloc, d, d);
      });
  Value epsilon = createScalarConstant(b, loc, elementType, epsilonValue);
  Value one = createScalarConstant(b, loc, elementType, 1.0);
  Value rstd = perRow({squares}, [&](OpBuilder &nb, Location nloc,
                                     ValueRange a) {
    Value variance = arith::DivFOp::create(nb, nloc, a[0], count);
    Value stddev = math::SqrtOp::create(
        nb, nloc, arith::AddFOp::create(nb, nloc, variance, epsilon));
    return Value(arith::DivFOp::create(nb, nloc, one, stddev));
  });
  SmallVector<Value> operands = {x, mean, rstd, scale};
  if (bias)
    operands.push_back(bias);
  return buildElementwise(
      b, loc, type, operands,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value centered = arith::SubFOp::create(nb, nloc, args[0], args[1]);
        Value normalized = arith::MulFOp::create(nb, nloc, centered, args[2]);
        Value scaled = arith::MulFOp::create(nb, nloc, normalized, args[3]);
        if (args.size() > 4)
          return arith::AddFOp::create(nb, nloc, scaled, args[4]);
        return scaled;
      },
      getDims(b, loc, x));
}

struct LayerNormToLinalg : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, buildLayerNorm(rewriter, op.getLoc(), adaptor.getInput(),
                           adaptor.getScale(), adaptor.getBias(), op.getAxis(),
                           op.getEpsilonAttr().getValueAsDouble()));
    return success();
  }
};

/// layer_norm(x + skip): the sum is one elementwise loop, written once and
/// read by the normalization's three passes (xf-fuse-elementwise never fuses
/// into reductions, which would recompute it in each).
struct SkipLayerNormToLinalg : OpConversionPattern<SkipLayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SkipLayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    Value sum = buildElementwise(
        rewriter, loc, type, ValueRange{adaptor.getInput(), adaptor.getSkip()},
        [](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          return arith::AddFOp::create(b, nloc, args[0], args[1]);
        });
    rewriter.replaceOp(op, buildLayerNorm(rewriter, loc, sum,
                                          adaptor.getScale(), adaptor.getBias(),
                                          op.getAxis(),
                                          op.getEpsilonAttr().getValueAsDouble()));
    return success();
  }
};

/// y = x * (1 / sqrt(mean(x^2) + eps)) * scale over the trailing axes: two
/// passes over x, the reciprocal computed once per row.
struct RmsNormToLinalg : OpConversionPattern<RmsNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RmsNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type elementType = type.getElementType();
    int64_t rank = type.getRank(), axis = op.getAxis();
    SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(axis, rank));
    // sum(x^2) per row, squaring as it reads.
    Value sumOfSquares = buildRowSum(
        rewriter, loc, x, {}, axis,
        [](OpBuilder &b, Location nloc, ValueRange a) -> Value {
          return arith::MulFOp::create(b, nloc, a[0], a[0]);
        });
    auto rowType = cast<RankedTensorType>(sumOfSquares.getType());
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, x);
    Value count = countAlong(rewriter, loc, x, axes, elementType);
    Value epsilon = createScalarConstant(rewriter, loc, elementType,
                                         op.getEpsilonAttr().getValueAsDouble());
    Value one = createScalarConstant(rewriter, loc, elementType, 1.0);
    Value inverseRms = buildElementwise(
        rewriter, loc, rowType, ValueRange{sumOfSquares},
        [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          Value meanSquare = arith::DivFOp::create(b, nloc, args[0], count);
          Value rms = math::SqrtOp::create(
              b, nloc, arith::AddFOp::create(b, nloc, meanSquare, epsilon));
          return arith::DivFOp::create(b, nloc, one, rms);
        });
    Value result = buildElementwise(
        rewriter, loc, type, ValueRange{x, inverseRms, adaptor.getScale()},
        [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          Value normalized = arith::MulFOp::create(b, nloc, args[0], args[1]);
          return arith::MulFOp::create(b, nloc, normalized, args[2]);
        },
        ArrayRef<OpFoldResult>(dims));
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void xf::populateReductionPatterns(const TypeConverter &converter,
                                   RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  patterns.add<ReduceToLinalg<ReduceSumOp, ReduceKind::Sum>,
               ReduceToLinalg<ReduceMeanOp, ReduceKind::Sum, true>,
               ReduceToLinalg<ReduceMaxOp, ReduceKind::Max>,
               ReduceToLinalg<ReduceMinOp, ReduceKind::Min>,
               ReduceToLinalg<ReduceProdOp, ReduceKind::Prod>,
               ArgReduceToLinalg<ArgMaxOp, true>,
               ArgReduceToLinalg<ArgMinOp, false>, SoftmaxToLinalg,
               LayerNormToLinalg, SkipLayerNormToLinalg, RmsNormToLinalg>(
      converter, context);
}
