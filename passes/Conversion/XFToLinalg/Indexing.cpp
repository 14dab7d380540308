//===- Indexing.cpp - Scans, triangles, scatters, convolutions to linalg --===//
//
// CumSum and Trilu become one `linalg.generic` each (a running sum as a
// masked reduction over the scanned axis: the axes exporters scan are a
// sequence long, so the quadratic work is small and stays parallel).
// Scatters are loops of slice insertions into a copy of the data, and a
// convolution is a `linalg.generic` over its padded input.
//
//===----------------------------------------------------------------------===//

#include "passes/Conversion/XFToLinalg/Patterns.h"

#include "dialects/xf/XFOps.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::xf;

static SmallVector<utils::IteratorType> parallelIterators(int64_t rank) {
  return SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel);
}

/// `lhs combine rhs` for a scatter's reduction ("none" keeps rhs).
static Value combineScatter(OpBuilder &b, Location loc, StringRef reduction,
                            Value lhs, Value rhs) {
  bool isFloat = isa<FloatType>(lhs.getType());
  if (reduction == "add")
    return isFloat ? Value(arith::AddFOp::create(b, loc, lhs, rhs))
                   : Value(arith::AddIOp::create(b, loc, lhs, rhs));
  if (reduction == "mul")
    return isFloat ? Value(arith::MulFOp::create(b, loc, lhs, rhs))
                   : Value(arith::MulIOp::create(b, loc, lhs, rhs));
  if (reduction == "max")
    return isFloat ? Value(arith::MaximumFOp::create(b, loc, lhs, rhs))
                   : Value(arith::MaxSIOp::create(b, loc, lhs, rhs));
  if (reduction == "min")
    return isFloat ? Value(arith::MinimumFOp::create(b, loc, lhs, rhs))
                   : Value(arith::MinSIOp::create(b, loc, lhs, rhs));
  return rhs;
}

namespace {
struct CumSumToLinalg : OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CumSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    Type elementType = type.getElementType();
    Value zero = createScalarConstant(rewriter, loc, elementType, 0);
    Value init =
        createEmpty(rewriter, loc, type, getDims(rewriter, loc, input));
    init = linalg::FillOp::create(rewriter, loc, zero, init).getResult(0);
    // Loops (d0 .. d{rank-1}, j): output[.., i, ..] += input[.., j, ..]
    // where j is on the summed side of i.
    SmallVector<AffineExpr> inputExprs;
    for (int64_t d = 0; d < rank; ++d)
      inputExprs.push_back(getAffineDimExpr(d == axis ? rank : d, context));
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank + 1, 0, inputExprs, context),
        AffineMap::getMultiDimIdentityMap(rank + 1, context)
            .getMajorSubMap(rank)};
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators.push_back(utils::IteratorType::reduction);
    bool exclusive = op.getExclusive(), reverse = op.getReverse();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{input}, ValueRange{init},
        maps, iterators, [&](OpBuilder &b, Location nloc, ValueRange args) {
          Value i = linalg::IndexOp::create(b, nloc, axis);
          Value j = linalg::IndexOp::create(b, nloc, rank);
          arith::CmpIPredicate predicate =
              reverse ? (exclusive ? arith::CmpIPredicate::ugt
                                   : arith::CmpIPredicate::uge)
                      : (exclusive ? arith::CmpIPredicate::ult
                                   : arith::CmpIPredicate::ule);
          Value summed = arith::CmpIOp::create(b, nloc, predicate, j, i);
          Value term = arith::SelectOp::create(
              b, nloc, summed, args[0],
              createScalarConstant(b, nloc, elementType, 0));
          Value sum =
              isa<FloatType>(elementType)
                  ? Value(arith::AddFOp::create(b, nloc, args[1], term))
                  : Value(arith::AddIOp::create(b, nloc, args[1], term));
          linalg::YieldOp::create(b, nloc, sum);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct TriluToLinalg : OpConversionPattern<TriluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TriluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    int64_t rank = type.getRank();
    Value k =
        tensor::ExtractOp::create(rewriter, loc, adaptor.getK(), ValueRange{});
    bool upper = op.getUpper();
    Value result = buildElementwise(
        rewriter, loc, type, ValueRange{input},
        [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          auto asI64 = [&](int64_t dim) -> Value {
            return arith::IndexCastOp::create(
                b, nloc, b.getI64Type(), linalg::IndexOp::create(b, nloc, dim));
          };
          Value offset =
              arith::SubIOp::create(b, nloc, asI64(rank - 1), asI64(rank - 2));
          Value keep = arith::CmpIOp::create(b, nloc,
                                             upper ? arith::CmpIPredicate::sge
                                                   : arith::CmpIPredicate::sle,
                                             offset, k);
          return arith::SelectOp::create(
              b, nloc, keep, args[0],
              createScalarConstant(b, nloc, type.getElementType(), 0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct GatherElementsToLinalg : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    int64_t rank = resultType.getRank();
    int64_t axis = op.getAxis();
    Value axisSize = tensor::DimOp::create(rewriter, loc, data, axis);
    Value init =
        createEmpty(rewriter, loc, resultType, getDims(rewriter, loc, indices));
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(rank));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{indices},
        ValueRange{init}, maps, parallelIterators(rank),
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(d == axis
                                 ? normalizeIndex(b, nloc, args[0], axisSize)
                                 : Value(linalg::IndexOp::create(b, nloc, d)));
          linalg::YieldOp::create(
              b, nloc,
              tensor::ExtractOp::create(b, nloc, data, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// Loops over `bounds` (index values) with `init` carried through; `body`
/// returns the next value of the carried tensor.
static Value buildScatterLoops(
    OpBuilder &b, Location loc, ArrayRef<Value> bounds, Value init,
    function_ref<Value(OpBuilder &, Location, ValueRange, Value)> body) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> lbs(bounds.size(), zero), steps(bounds.size(), one);
  scf::LoopNest nest =
      scf::buildLoopNest(b, loc, lbs, bounds, steps, ValueRange{init},
                         [&](OpBuilder &nb, Location nloc, ValueRange ivs,
                             ValueRange carried) -> scf::ValueVector {
                           return {body(nb, nloc, ivs, carried[0])};
                         });
  return nest.results.empty() ? init : nest.results[0];
}

struct ScatterNDToLinalg : OpConversionPattern<ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScatterNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices(),
          updates = adaptor.getUpdates();
    auto dataType = cast<RankedTensorType>(data.getType());
    auto indicesType = cast<RankedTensorType>(indices.getType());
    auto updatesType = cast<RankedTensorType>(updates.getType());
    int64_t q = indicesType.getRank();
    int64_t k = indicesType.getDimSize(q - 1);
    int64_t rank = dataType.getRank();
    StringRef reduction = op.getReduction();
    SmallVector<OpFoldResult> dataDims = getDims(rewriter, loc, data);
    SmallVector<OpFoldResult> updateDims = getDims(rewriter, loc, updates);
    SmallVector<Value> bounds;
    for (int64_t d = 0; d + 1 < q; ++d)
      bounds.push_back(tensor::DimOp::create(rewriter, loc, indices, d));
    // The slice one index tuple addresses: data's dimensions past k.
    auto sliceType = RankedTensorType::get(dataType.getShape().drop_front(k),
                                           dataType.getElementType());
    Value result = buildScatterLoops(
        rewriter, loc, bounds, data,
        [&](OpBuilder &b, Location nloc, ValueRange ivs, Value current) {
          SmallVector<OpFoldResult> offsets, sizes, strides;
          for (int64_t d = 0; d < k; ++d) {
            SmallVector<Value> at(ivs);
            at.push_back(arith::ConstantIndexOp::create(b, nloc, d));
            Value index = tensor::ExtractOp::create(b, nloc, indices, at);
            offsets.push_back(normalizeIndex(
                b, nloc, index,
                getValueOrCreateConstantIndexOp(b, nloc, dataDims[d])));
            sizes.push_back(b.getIndexAttr(1));
          }
          SmallVector<OpFoldResult> updOffsets(ivs.begin(), ivs.end());
          SmallVector<OpFoldResult> updSizes(ivs.size(), b.getIndexAttr(1));
          for (int64_t d = k; d < rank; ++d) {
            offsets.push_back(b.getIndexAttr(0));
            sizes.push_back(dataDims[d]);
            updOffsets.push_back(b.getIndexAttr(0));
            updSizes.push_back(updateDims[ivs.size() + d - k]);
          }
          strides.assign(rank, b.getIndexAttr(1));
          SmallVector<OpFoldResult> updStrides(updatesType.getRank(),
                                               b.getIndexAttr(1));
          Value slice = tensor::ExtractSliceOp::create(
              b, nloc, sliceType, updates, updOffsets, updSizes, updStrides);
          if (reduction != "none") {
            Value old = tensor::ExtractSliceOp::create(
                b, nloc, sliceType, current, offsets, sizes, strides);
            slice = buildElementwise(
                b, nloc, sliceType, ValueRange{old, slice},
                [&](OpBuilder &eb, Location eloc, ValueRange args) {
                  return combineScatter(eb, eloc, reduction, args[0], args[1]);
                });
          }
          return tensor::InsertSliceOp::create(b, nloc, slice, current, offsets,
                                               sizes, strides)
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ScatterElementsToLinalg : OpConversionPattern<ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScatterElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices(),
          updates = adaptor.getUpdates();
    int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
    int64_t axis = op.getAxis();
    StringRef reduction = op.getReduction();
    Value axisSize = tensor::DimOp::create(rewriter, loc, data, axis);
    SmallVector<Value> bounds;
    for (int64_t d = 0; d < rank; ++d)
      bounds.push_back(tensor::DimOp::create(rewriter, loc, indices, d));
    Value result = buildScatterLoops(
        rewriter, loc, bounds, data,
        [&](OpBuilder &b, Location nloc, ValueRange ivs, Value current) {
          Value index = tensor::ExtractOp::create(b, nloc, indices, ivs);
          Value update = tensor::ExtractOp::create(b, nloc, updates, ivs);
          SmallVector<Value> coords(ivs);
          coords[axis] = normalizeIndex(b, nloc, index, axisSize);
          if (reduction != "none") {
            Value old = tensor::ExtractOp::create(b, nloc, current, coords);
            update = combineScatter(b, nloc, reduction, old, update);
          }
          return tensor::InsertOp::create(b, nloc, update, current, coords)
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// output[n, f, o...] = bias[f] + sum over c, k... of
///   input[n, g * C/G + c, o * stride + k * dilation] * weight[f, c, k...]
/// with g = f / (F/G), over the input padded with zeros.
struct ConvToLinalg : OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value input = adaptor.getInput(), weight = adaptor.getWeight();
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    auto inputType = cast<RankedTensorType>(input.getType());
    auto weightType = cast<RankedTensorType>(weight.getType());
    Type elementType = resultType.getElementType();
    int64_t spatial = inputType.getRank() - 2;
    ArrayRef<int64_t> pads = op.getPads();
    if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
      SmallVector<OpFoldResult> low(2, rewriter.getIndexAttr(0)),
          high(2, rewriter.getIndexAttr(0));
      for (int64_t d = 0; d < spatial; ++d) {
        low.push_back(rewriter.getIndexAttr(pads[d]));
        high.push_back(rewriter.getIndexAttr(pads[d + spatial]));
      }
      Value zero = createScalarConstant(rewriter, loc, elementType, 0);
      input =
          tensor::PadOp::create(rewriter, loc, Type(), input, low, high, zero);
    }
    // Result sizes: batch from the input, the rest from the inferred type
    // or, where dynamic, from the padded input's size.
    SmallVector<OpFoldResult> dims = {
        tensor::getMixedSize(rewriter, loc, input, 0),
        rewriter.getIndexAttr(weightType.getDimSize(0))};
    for (int64_t d = 0; d < spatial; ++d) {
      if (!resultType.isDynamicDim(d + 2)) {
        dims.push_back(rewriter.getIndexAttr(resultType.getDimSize(d + 2)));
        continue;
      }
      // (padded - dilation * (kernel - 1) - 1) / stride + 1
      AffineExpr s0 = getAffineSymbolExpr(0, context);
      int64_t span = op.getDilations()[d] * (weightType.getDimSize(d + 2) - 1);
      AffineMap map = AffineMap::get(
          0, 1, (s0 - span - 1).floorDiv(op.getStrides()[d]) + 1, context);
      dims.push_back(affine::makeComposedFoldedAffineApply(
          rewriter, loc, map,
          {tensor::getMixedSize(rewriter, loc, input, d + 2)}));
    }
    Value init = createEmpty(rewriter, loc, resultType, dims);
    int64_t rank = resultType.getRank();
    if (Value bias = adaptor.getBias()) {
      SmallVector<AffineMap> maps = {
          AffineMap::get(rank, 0, {getAffineDimExpr(1, context)}, context),
          rewriter.getMultiDimIdentityMap(rank)};
      init = linalg::GenericOp::create(
                 rewriter, loc, TypeRange{resultType}, ValueRange{bias},
                 ValueRange{init}, maps, parallelIterators(rank),
                 [&](OpBuilder &b, Location nloc, ValueRange args) {
                   linalg::YieldOp::create(b, nloc, args[0]);
                 })
                 .getResult(0);
    } else {
      Value zero = createScalarConstant(rewriter, loc, elementType, 0);
      init = linalg::FillOp::create(rewriter, loc, zero, init).getResult(0);
    }
    // Loops: n, f, o... (parallel), c, k... (reduction).
    int64_t loops = rank + 1 + spatial;
    int64_t group = op.getGroup();
    int64_t channelsPerGroup = weightType.getDimSize(1);
    int64_t filtersPerGroup = weightType.getDimSize(0) / group;
    AffineExpr n = getAffineDimExpr(0, context),
               f = getAffineDimExpr(1, context),
               c = getAffineDimExpr(rank, context);
    SmallVector<AffineExpr> inputExprs = {
        n, group == 1 ? c : f.floorDiv(filtersPerGroup) * channelsPerGroup + c};
    SmallVector<AffineExpr> weightExprs = {f, c};
    for (int64_t d = 0; d < spatial; ++d) {
      AffineExpr o = getAffineDimExpr(2 + d, context);
      AffineExpr kd = getAffineDimExpr(rank + 1 + d, context);
      inputExprs.push_back(o * op.getStrides()[d] + kd * op.getDilations()[d]);
      weightExprs.push_back(kd);
    }
    SmallVector<AffineMap> maps = {
        AffineMap::get(loops, 0, inputExprs, context),
        AffineMap::get(loops, 0, weightExprs, context),
        AffineMap::getMultiDimIdentityMap(loops, context).getMajorSubMap(rank)};
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators.append(1 + spatial, utils::IteratorType::reduction);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{input, weight},
        ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          Value product = arith::MulFOp::create(b, nloc, args[0], args[1]);
          linalg::YieldOp::create(
              b, nloc,
              arith::AddFOp::create(b, nloc, args[2], product).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};
} // namespace

void xf::populateIndexingPatterns(const TypeConverter &converter,
                                  RewritePatternSet &patterns) {
  patterns.add<CumSumToLinalg, TriluToLinalg, GatherElementsToLinalg,
               ScatterNDToLinalg, ScatterElementsToLinalg, ConvToLinalg>(
      converter, patterns.getContext());
}
