//===- Layout.cpp - Layout and indexing xf ops to linalg/tensor -----------===//

#include "passes/Conversion/XFToLinalg/Patterns.h"

#include "dialects/xf/XFOps.h"
#include "runtime/ArtifactFormat.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::xf;

static Value i64Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), value);
}

static Value toIndex(OpBuilder &b, Location loc, Value value) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), value);
}

static Value toI64(OpBuilder &b, Location loc, OpFoldResult value) {
  return arith::IndexCastOp::create(
      b, loc, b.getI64Type(), getValueOrCreateConstantIndexOp(b, loc, value));
}

/// Reshapes `input` to `resultType`, whose sizes are `dims` (i64 values).
static Value reshapeTo(OpBuilder &b, Location loc, Value input,
                       RankedTensorType resultType, ArrayRef<Value> dims) {
  auto shapeType = RankedTensorType::get({resultType.getRank()},
                                         b.getI64Type());
  Value shape;
  if (resultType.hasStaticShape())
    shape = arith::ConstantOp::create(
        b, loc, DenseIntElementsAttr::get(shapeType, resultType.getShape()));
  else
    shape = tensor::FromElementsOp::create(b, loc, shapeType, dims);
  return tensor::ReshapeOp::create(b, loc, resultType, input, shape);
}

/// A `linalg.generic` over a result of `resultType` (sizes `dims`) whose
/// element at each position is read from `source` at the coordinates
/// `coordinates` computes from the loop indices: the shared form of slices
/// and tiles.
static Value buildIndexedRead(
    OpBuilder &b, Location loc, RankedTensorType resultType,
    ArrayRef<OpFoldResult> dims, Value source,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ArrayRef<Value>)>
        coordinates) {
  int64_t rank = resultType.getRank();
  Value init = createEmpty(b, loc, resultType, dims);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init},
      SmallVector<AffineMap>{b.getMultiDimIdentityMap(rank)}, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange) {
        SmallVector<Value> indices;
        for (int64_t d = 0; d < rank; ++d)
          indices.push_back(linalg::IndexOp::create(nb, nloc, d));
        linalg::YieldOp::create(
            nb, nloc,
            tensor::ExtractOp::create(nb, nloc, source,
                                      coordinates(nb, nloc, indices))
                .getResult());
      });
  return generic.getResult(0);
}

namespace {
struct TransposeToLinalg : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    SmallVector<OpFoldResult> inputDims =
        getDims(rewriter, loc, adaptor.getInput());
    SmallVector<OpFoldResult> dims;
    for (int64_t p : op.getPerm())
      dims.push_back(inputDims[p]);
    Value init = createEmpty(rewriter, loc, resultType, dims);
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, loc,
                                                       adaptor.getInput(),
                                                       init, op.getPerm())
                               .getResult());
    return success();
  }
};

/// The product of the i64 `values` and whether it overflowed (at any step:
/// sizes that wrap around to the right count must not pass a check).
static std::pair<Value, Value> buildCheckedProduct(OpBuilder &b, Location loc,
                                                   ArrayRef<Value> values) {
  Type i64 = b.getI64Type();
  Value product = arith::ConstantIntOp::create(b, loc, i64, 1);
  Value overflowed = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 0);
  Value signShift = arith::ConstantIntOp::create(b, loc, i64, 63);
  for (Value value : values) {
    auto wide = arith::MulSIExtendedOp::create(b, loc, product, value);
    // The high word of a product that fits is the low word's sign.
    Value fits = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, wide.getHigh(),
        arith::ShRSIOp::create(b, loc, wide.getLow(), signShift));
    overflowed = arith::OrIOp::create(
        b, loc, overflowed,
        arith::XOrIOp::create(
            b, loc, fits,
            arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1)));
    product = wide.getLow();
  }
  return {product, overflowed};
}

/// Checks a reshape whose sizes are known at run time only (`requested`,
/// with 0 already resolved; `dims`, with -1 resolved too): no size below
/// -1, at most one -1, sizes that multiply to the input's `total` elements
/// (with a -1, other sizes that are not 0 and divide it; no product that
/// overflows), and the result type's static sizes. A failure is reported with `total` and the product
/// `known` of the sizes other than -1, and every dynamic size of the
/// result becomes 0, so that what follows reads nothing.
static void checkReshape(OpBuilder &b, Location loc,
                         RankedTensorType resultType,
                         ArrayRef<Value> requested, MutableArrayRef<Value> dims,
                         Value total, Value known, IntegerAttr site) {
  Type i64 = b.getI64Type();
  auto constant = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, loc, i64, v).getResult();
  };
  auto cmp = [&](arith::CmpIPredicate predicate, Value lhs, Value rhs) {
    return arith::CmpIOp::create(b, loc, predicate, lhs, rhs).getResult();
  };
  Value zero = constant(0), minusOne = constant(-1);
  Value valid = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
  Value inferredCount = zero;
  for (auto [i, size] : llvm::enumerate(requested)) {
    valid = arith::AndIOp::create(b, loc, valid,
                                  cmp(arith::CmpIPredicate::sge, size, minusOne));
    Value isInferred = cmp(arith::CmpIPredicate::eq, size, minusOne);
    inferredCount = arith::AddIOp::create(
        b, loc, inferredCount,
        arith::ExtUIOp::create(b, loc, i64, isInferred));
    if (!resultType.isDynamicDim(i))
      valid = arith::AndIOp::create(
          b, loc, valid,
          cmp(arith::CmpIPredicate::eq, dims[i],
              constant(resultType.getDimSize(i))));
  }
  auto [product, overflowed] = buildCheckedProduct(b, loc, dims);
  valid = arith::AndIOp::create(
      b, loc, valid,
      arith::XOrIOp::create(
          b, loc, overflowed,
          arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1)));
  Value hasInferred = cmp(arith::CmpIPredicate::ne, inferredCount, zero);
  Value inferrable = arith::AndIOp::create(
      b, loc, cmp(arith::CmpIPredicate::ne, known, zero),
      cmp(arith::CmpIPredicate::eq, product, total));
  valid = arith::AndIOp::create(
      b, loc, valid, cmp(arith::CmpIPredicate::ule, inferredCount, constant(1)));
  valid = arith::AndIOp::create(
      b, loc, valid,
      arith::SelectOp::create(b, loc, hasInferred, inferrable,
                              cmp(arith::CmpIPredicate::eq, product, total)));
  Value invalid = arith::XOrIOp::create(
      b, loc, valid, arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1));
  reportCheckFailure(b, loc, invalid, site, total, known);
  for (int64_t i = 0, e = dims.size(); i < e; ++i)
    if (resultType.isDynamicDim(i))
      dims[i] = arith::SelectOp::create(b, loc, valid, dims[i], zero);
}

/// ONNX Reshape: 0 copies the input dimension (unless allowzero), -1 takes
/// what is left of the element count.
struct ReshapeToTensor : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    SmallVector<Value> dims;
    if (!resultType.hasStaticShape()) {
      SmallVector<OpFoldResult> inputDims = getDims(rewriter, loc, input);
      Value total = i64Constant(rewriter, loc, 1);
      for (OpFoldResult dim : inputDims)
        total = arith::MulIOp::create(rewriter, loc, total,
                                      toI64(rewriter, loc, dim));
      Value zero = i64Constant(rewriter, loc, 0);
      Value minusOne = i64Constant(rewriter, loc, -1);
      Value one = i64Constant(rewriter, loc, 1);
      SmallVector<Value> resolved;
      Value known = one;
      for (int64_t i = 0; i < resultType.getRank(); ++i) {
        Value v = tensor::ExtractOp::create(
            rewriter, loc, adaptor.getShape(),
            ValueRange{arith::ConstantIndexOp::create(rewriter, loc, i)});
        if (!op.getAllowzero() && i < static_cast<int64_t>(inputDims.size())) {
          Value isZero = arith::CmpIOp::create(
              rewriter, loc, arith::CmpIPredicate::eq, v, zero);
          v = arith::SelectOp::create(rewriter, loc, isZero,
                                      toI64(rewriter, loc, inputDims[i]), v);
        }
        Value isInferred = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::eq, v, minusOne);
        known = arith::MulIOp::create(
            rewriter, loc, known,
            arith::SelectOp::create(rewriter, loc, isInferred, one, v));
        resolved.push_back(v);
      }
      auto site = op->getAttrOfType<IntegerAttr>(kCheckSiteAttr);
      // A checked reshape never divides by zero: its check reports the
      // shapes instead.
      Value divisor = known;
      if (site)
        divisor = arith::SelectOp::create(
            rewriter, loc,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                  known, zero),
            one, known);
      Value inferred = arith::DivSIOp::create(rewriter, loc, total, divisor);
      for (Value v : resolved) {
        Value isInferred = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::eq, v, minusOne);
        dims.push_back(
            arith::SelectOp::create(rewriter, loc, isInferred, inferred, v));
      }
      if (site)
        checkReshape(rewriter, loc, resultType, resolved, dims, total, known,
                     site);
    } else if (auto site = op->getAttrOfType<IntegerAttr>(kCheckSiteAttr)) {
      // A static result of an input of run-time size: its element count
      // must be the result's, else the run fails and reads nothing.
      SmallVector<Value> inputSizes;
      for (OpFoldResult dim : getDims(rewriter, loc, input))
        inputSizes.push_back(toI64(rewriter, loc, dim));
      Value total = buildCheckedProduct(rewriter, loc, inputSizes).first;
      Value count = i64Constant(rewriter, loc, resultType.getNumElements());
      Value differ = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::ne, total, count);
      reportCheckFailure(rewriter, loc, differ, site, total, count);
      auto guarded = scf::IfOp::create(
          rewriter, loc, differ,
          [&](OpBuilder &b, Location l) {
            scf::YieldOp::create(b, l, createEmpty(b, l, resultType, {}));
          },
          [&](OpBuilder &b, Location l) {
            scf::YieldOp::create(
                b, l, reshapeTo(b, l, input, resultType, dims));
          });
      rewriter.replaceOp(op, guarded.getResult(0));
      return success();
    }
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, input, resultType, dims));
    return success();
  }
};

/// Squeeze and unsqueeze only drop or insert unit dimensions.
template <typename OpTy>
struct UnitDimsToReshape : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto resultType =
        convertTensorType(*this->getTypeConverter(), op.getType());
    SmallVector<OpFoldResult> inputDims = getDims(rewriter, loc, input);
    SmallVector<Value> dims;
    bool unsqueeze = std::is_same_v<OpTy, UnsqueezeOp>;
    int64_t next = 0;
    int64_t rank = unsqueeze ? resultType.getRank() : inputDims.size();
    for (int64_t d = 0; d < rank; ++d) {
      bool listed = llvm::is_contained(op.getAxes(), d);
      if (unsqueeze && listed) {
        dims.push_back(i64Constant(rewriter, loc, 1));
        continue;
      }
      if (!unsqueeze && listed)
        continue;
      dims.push_back(toI64(rewriter, loc, inputDims[unsqueeze ? next++ : d]));
    }
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, input, resultType, dims));
    return success();
  }
};

struct ConcatToTensor : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    int64_t axis = op.getAxis();
    ValueRange inputs = adaptor.getInputs();
    SmallVector<OpFoldResult> dims = getDims(rewriter, loc, inputs.front());
    AffineExpr s0, s1;
    bindSymbols(rewriter.getContext(), s0, s1);
    OpFoldResult total = rewriter.getIndexAttr(0);
    SmallVector<OpFoldResult> offsets;
    for (Value input : inputs) {
      offsets.push_back(total);
      total = affine::makeComposedFoldedAffineApply(
          rewriter, loc, s0 + s1,
          {total, tensor::getMixedSize(rewriter, loc, input, axis)});
    }
    dims[axis] = total;
    Value result = createEmpty(rewriter, loc, resultType, dims);
    int64_t rank = resultType.getRank();
    for (auto [input, offset] : llvm::zip(inputs, offsets)) {
      // An empty piece adds nothing; its offset may be the size of the
      // result, which tensor.insert_slice's verifier rejects.
      if (cast<RankedTensorType>(input.getType()).getDimSize(axis) == 0)
        continue;
      SmallVector<OpFoldResult> inputOffsets(rank, rewriter.getIndexAttr(0));
      inputOffsets[axis] = offset;
      SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
      result = tensor::InsertSliceOp::create(
          rewriter, loc, input, result, inputOffsets,
          getDims(rewriter, loc, input), strides);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// ONNX Slice with clamping and any non-zero step, as a gather from the
/// input: out[i] = in[start + i * step] along each sliced axis.
struct SliceToLinalg : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto axes = getKnownIntValues(op.getAxes());
    if (!axes || llvm::any_of(*axes, ShapedType::isDynamic))
      return rewriter.notifyMatchFailure(op, "slice axes must be constant");
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    int64_t rank = inputType.getRank();
    SmallVector<OpFoldResult> inputDims = getDims(rewriter, loc, input);
    SmallVector<Value> starts(rank), steps(rank);
    SmallVector<OpFoldResult> dims = inputDims;
    Value zero = i64Constant(rewriter, loc, 0);
    Value one = i64Constant(rewriter, loc, 1);
    Value minusOne = i64Constant(rewriter, loc, -1);
    for (auto [i, rawAxis] : llvm::enumerate(*axes)) {
      int64_t axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
      auto extract = [&](Value tensor) {
        return tensor::ExtractOp::create(
            rewriter, loc, tensor,
            ValueRange{arith::ConstantIndexOp::create(rewriter, loc, i)})
            .getResult();
      };
      Value dim = toI64(rewriter, loc, inputDims[axis]);
      Value start = extract(adaptor.getStarts());
      Value end = extract(adaptor.getEnds());
      Value step = extract(adaptor.getSteps());
      Value positive = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::sgt, step, zero);
      auto normalize = [&](Value v, bool isStart) {
        Value negative = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::slt, v, zero);
        v = arith::SelectOp::create(
            rewriter, loc, negative,
            arith::AddIOp::create(rewriter, loc, v, dim), v);
        // [0, dim] for positive steps; for negative ones, [0, dim - 1] for
        // starts and [-1, dim - 1] for ends, as the ONNX spec (and
        // onnxruntime) clamp: starts=-10, ends=INT64_MIN, steps=-1 on 5
        // elements takes element 0 (numpy's slicing would take none).
        Value lo = isStart ? zero
                           : arith::SelectOp::create(rewriter, loc, positive,
                                                     zero, minusOne)
                                 .getResult();
        Value hi = arith::SelectOp::create(
            rewriter, loc, positive, dim,
            arith::SubIOp::create(rewriter, loc, dim, one));
        return arith::MinSIOp::create(
            rewriter, loc, arith::MaxSIOp::create(rewriter, loc, v, lo), hi);
      };
      start = normalize(start, /*isStart=*/true);
      end = normalize(end, /*isStart=*/false);
      Value distance = arith::SelectOp::create(
          rewriter, loc, positive,
          arith::SubIOp::create(rewriter, loc, end, start),
          arith::SubIOp::create(rewriter, loc, start, end));
      Value stride = arith::SelectOp::create(
          rewriter, loc, positive, step,
          arith::SubIOp::create(rewriter, loc, zero, step));
      Value count = arith::MaxSIOp::create(
          rewriter, loc,
          arith::CeilDivSIOp::create(rewriter, loc, distance, stride), zero);
      starts[axis] = toIndex(rewriter, loc, start);
      steps[axis] = toIndex(rewriter, loc, step);
      dims[axis] = toIndex(rewriter, loc, count);
    }
    rewriter.replaceOp(
        op, buildIndexedRead(
                rewriter, loc, resultType, dims, input,
                [&](OpBuilder &b, Location nloc, ArrayRef<Value> indices) {
                  SmallVector<Value> coords(indices);
                  for (int64_t d = 0; d < rank; ++d)
                    if (starts[d])
                      coords[d] = arith::AddIOp::create(
                          b, nloc, starts[d],
                          arith::MulIOp::create(b, nloc, indices[d], steps[d]));
                  return coords;
                }));
    return success();
  }
};

/// Reports an index of `indices` outside [-size, size) to the runtime, once
/// per run of the gather: the smallest and the largest index are reduced,
/// and the runtime's check-failed function called (check site, the offending
/// one of them, size) if either is out of range.
static void checkIndices(OpBuilder &b, Location loc, Value indices,
                         Value size, IntegerAttr site) {
  auto type = cast<RankedTensorType>(indices.getType());
  Type i64 = b.getI64Type();
  auto scalar = RankedTensorType::get({}, i64);
  auto filled = [&](int64_t value) {
    Value empty = tensor::EmptyOp::create(b, loc, scalar.getShape(), i64);
    Value constant = arith::ConstantIntOp::create(b, loc, i64, value);
    return linalg::FillOp::create(b, loc, constant, empty).getResult(0);
  };
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps = {
      b.getMultiDimIdentityMap(rank),
      AffineMap::get(rank, 0, {}, b.getContext()),
      AffineMap::get(rank, 0, {}, b.getContext())};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  auto bounds = linalg::GenericOp::create(
      b, loc, TypeRange{scalar, scalar}, ValueRange{indices},
      ValueRange{filled(std::numeric_limits<int64_t>::max()),
                 filled(std::numeric_limits<int64_t>::min())},
      maps, iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value index = args[0];
        if (index.getType() != i64)
          index = arith::ExtSIOp::create(nb, nloc, i64, index);
        linalg::YieldOp::create(
            nb, nloc,
            ValueRange{arith::MinSIOp::create(nb, nloc, index, args[1]),
                       arith::MaxSIOp::create(nb, nloc, index, args[2])});
      });
  Value smallest = tensor::ExtractOp::create(b, loc, bounds.getResult(0));
  Value largest = tensor::ExtractOp::create(b, loc, bounds.getResult(1));
  Value rows = arith::IndexCastOp::create(b, loc, i64, size);
  Value lowest = arith::SubIOp::create(
      b, loc, arith::ConstantIntOp::create(b, loc, i64, 0), rows);
  Value tooLarge = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                         largest, rows);
  Value tooSmall = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                         smallest, lowest);
  Value outside = arith::OrIOp::create(b, loc, tooLarge, tooSmall);
  Value index = arith::SelectOp::create(b, loc, tooLarge, largest, smallest);
  reportCheckFailure(b, loc, outside, site, index, rows);
}

/// out[pre, idx, post] = data[pre, indices[idx], post], with negative indices
/// counting from the end.
struct GatherToLinalg : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto indicesType = cast<RankedTensorType>(indices.getType());
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    int64_t axis = op.getAxis();
    int64_t q = indicesType.getRank();
    int64_t rank = resultType.getRank();
    SmallVector<OpFoldResult> dataDims = getDims(rewriter, loc, data);
    SmallVector<OpFoldResult> indexDims = getDims(rewriter, loc, indices);
    SmallVector<OpFoldResult> dims(dataDims.begin(), dataDims.begin() + axis);
    dims.append(indexDims);
    dims.append(dataDims.begin() + axis + 1, dataDims.end());
    Value init = createEmpty(rewriter, loc, resultType, dims);
    SmallVector<AffineExpr> indexExprs;
    for (int64_t j = 0; j < q; ++j)
      indexExprs.push_back(getAffineDimExpr(axis + j, context));
    SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, indexExprs, context),
                                   rewriter.getMultiDimIdentityMap(rank)};
    Value axisSize =
        getValueOrCreateConstantIndexOp(rewriter, loc, dataDims[axis]);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto site = op->getAttrOfType<IntegerAttr>(kCheckSiteAttr);
    if (site)
      checkIndices(rewriter, loc, indices, axisSize, site);
    auto gather = [&](OpBuilder &builder, Location gloc) -> Value {
      return linalg::GenericOp::create(
          builder, gloc, TypeRange{resultType}, ValueRange{indices},
          ValueRange{init}, maps, iterators,
          [&](OpBuilder &b, Location nloc, ValueRange args) {
            Value index = normalizeIndex(b, nloc, args[0], axisSize);
            if (site) {
              // Past a failed check the run only has to stay in bounds: its
              // results are dropped for the error.
              Value zero = arith::ConstantIndexOp::create(b, nloc, 0);
              Value one = arith::ConstantIndexOp::create(b, nloc, 1);
              Value last = arith::SubIOp::create(b, nloc, axisSize, one);
              index = arith::MaxSIOp::create(
                  b, nloc, zero, arith::MinSIOp::create(b, nloc, index, last));
            }
            SmallVector<Value> coords;
            for (int64_t d = 0; d < axis; ++d)
              coords.push_back(linalg::IndexOp::create(b, nloc, d));
            coords.push_back(index);
            for (int64_t d = axis + q; d < rank; ++d)
              coords.push_back(linalg::IndexOp::create(b, nloc, d));
            linalg::YieldOp::create(
                b, nloc,
                tensor::ExtractOp::create(b, nloc, data, coords).getResult());
          }).getResult(0);
    };
    // A checked gather from a table that may have no rows reads nothing
    // then (the check reported every index).
    if (site && !getConstantIntValue(dataDims[axis])) {
      Value hasRows = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::sgt, axisSize,
          arith::ConstantIndexOp::create(rewriter, loc, 0));
      auto guarded = scf::IfOp::create(
          rewriter, loc, hasRows,
          [&](OpBuilder &b, Location l) {
            scf::YieldOp::create(b, l, gather(b, l));
          },
          [&](OpBuilder &b, Location l) { scf::YieldOp::create(b, l, init); });
      rewriter.replaceOp(op, guarded.getResult(0));
      return success();
    }
    rewriter.replaceOp(op, gather(rewriter, loc));
    return success();
  }
};

struct ExpandToLinalg : OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    int64_t rank = resultType.getRank();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t shapeLength = op.getShape().getType().getDimSize(0);
    SmallVector<OpFoldResult> inputDims = getDims(rewriter, loc, input);
    SmallVector<OpFoldResult> dims;
    for (int64_t i = 0; i < rank; ++i) {
      if (!resultType.isDynamicDim(i)) {
        dims.push_back(rewriter.getIndexAttr(resultType.getDimSize(i)));
        continue;
      }
      int64_t s = i - (rank - shapeLength);
      int64_t j = i - (rank - inputType.getRank());
      Value fromShape =
          s >= 0 ? extractIndex(rewriter, loc, adaptor.getShape(), s) : Value();
      if (!fromShape) {
        dims.push_back(inputDims[j]);
        continue;
      }
      if (j < 0) {
        dims.push_back(fromShape);
        continue;
      }
      // A target of 1 keeps the input's size.
      Value inputDim =
          getValueOrCreateConstantIndexOp(rewriter, loc, inputDims[j]);
      Value isOne = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::eq, fromShape,
          arith::ConstantIndexOp::create(rewriter, loc, 1));
      dims.push_back(
          arith::SelectOp::create(rewriter, loc, isOne, inputDim, fromShape)
              .getResult());
    }
    auto build = [&](OpBuilder &b, Location l) {
      return buildElementwise(
          b, l, resultType, ValueRange{input},
          [](OpBuilder &, Location, ValueRange args) { return args[0]; },
          ArrayRef<OpFoldResult>(dims));
    };
    auto site = op->getAttrOfType<IntegerAttr>(kCheckSiteAttr);
    if (!site) {
      rewriter.replaceOp(op, build(rewriter, loc));
      return success();
    }
    // The input is read with the result's extent wherever its size is not a
    // static 1: those sizes must be equal at run time, and the others not
    // negative. A failure is reported and the op computes nothing.
    Value valid = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
    Value zero = i64Constant(rewriter, loc, 0);
    for (int64_t i = 0; i < rank; ++i) {
      int64_t j = i - (rank - inputType.getRank());
      Value size = toI64(rewriter, loc, dims[i]);
      Value failed, other;
      if (j >= 0 && inputType.getDimSize(j) != 1) {
        if (!resultType.isDynamicDim(i) && !inputType.isDynamicDim(j))
          continue;
        other = toI64(rewriter, loc, inputDims[j]);
        failed = arith::CmpIOp::create(rewriter, loc,
                                       arith::CmpIPredicate::ne, size, other);
      } else if (resultType.isDynamicDim(i)) {
        other = i64Constant(rewriter, loc, 1);
        failed = arith::CmpIOp::create(rewriter, loc,
                                       arith::CmpIPredicate::slt, size, zero);
      } else {
        continue;
      }
      reportCheckFailure(rewriter, loc, failed, site, size, other);
      valid = arith::AndIOp::create(
          rewriter, loc, valid,
          arith::XOrIOp::create(
              rewriter, loc, failed,
              arith::ConstantIntOp::create(rewriter, loc, 1, 1)));
    }
    // Nor may the result's size overflow (it would wrap the allocation's).
    SmallVector<Value> sizes;
    Value largest = zero;
    for (OpFoldResult dim : dims) {
      sizes.push_back(toI64(rewriter, loc, dim));
      largest = arith::MaxSIOp::create(rewriter, loc, largest, sizes.back());
    }
    sizes.push_back(i64Constant(
        rewriter, loc,
        std::max<int64_t>(1, resultType.getElementTypeBitWidth() / 8)));
    Value overflowed = buildCheckedProduct(rewriter, loc, sizes).second;
    reportCheckFailure(rewriter, loc, overflowed, site, largest,
                       i64Constant(rewriter, loc, 1));
    valid = arith::AndIOp::create(
        rewriter, loc, valid,
        arith::XOrIOp::create(rewriter, loc, overflowed,
                              arith::ConstantIntOp::create(rewriter, loc, 1, 1)));
    auto guarded = scf::IfOp::create(
        rewriter, loc, valid,
        [&](OpBuilder &b, Location l) { scf::YieldOp::create(b, l, build(b, l)); },
        [&](OpBuilder &b, Location l) {
          SmallVector<OpFoldResult> none(dims);
          for (int64_t i = 0; i < rank; ++i)
            if (resultType.isDynamicDim(i))
              none[i] = b.getIndexAttr(0);
          scf::YieldOp::create(b, l, createEmpty(b, l, resultType, none));
        });
    rewriter.replaceOp(op, guarded.getResult(0));
    return success();
  }
};

struct TileToLinalg : OpConversionPattern<TileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    int64_t rank = resultType.getRank();
    SmallVector<OpFoldResult> inputDims = getDims(rewriter, loc, input);
    SmallVector<Value> inputSizes;
    SmallVector<OpFoldResult> dims;
    for (int64_t d = 0; d < rank; ++d) {
      Value size = getValueOrCreateConstantIndexOp(rewriter, loc, inputDims[d]);
      inputSizes.push_back(size);
      Value repeat = extractIndex(rewriter, loc, adaptor.getRepeats(), d);
      dims.push_back(arith::MulIOp::create(rewriter, loc, size, repeat)
                         .getResult());
    }
    rewriter.replaceOp(
        op, buildIndexedRead(
                rewriter, loc, resultType, dims, input,
                [&](OpBuilder &b, Location nloc, ArrayRef<Value> indices) {
                  SmallVector<Value> coords;
                  for (int64_t d = 0; d < rank; ++d)
                    coords.push_back(arith::RemUIOp::create(
                        b, nloc, indices[d], inputSizes[d]));
                  return coords;
                }));
    return success();
  }
};

struct SplitToTensor : OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    int64_t axis = op.getAxis();
    int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
    int64_t pieces = op.getNumResults();
    SmallVector<OpFoldResult> inputDims = getDims(rewriter, loc, input);
    AffineExpr s0, s1;
    bindSymbols(rewriter.getContext(), s0, s1);
    OpFoldResult offset = rewriter.getIndexAttr(0);
    SmallVector<Value> results;
    for (int64_t i = 0; i < pieces; ++i) {
      auto resultType =
          convertTensorType(*getTypeConverter(), op.getResult(i).getType());
      OpFoldResult size =
          op.getSplitSizes()
              ? OpFoldResult(rewriter.getIndexAttr((*op.getSplitSizes())[i]))
              : affine::makeComposedFoldedAffineApply(
                    rewriter, loc, s0.floorDiv(pieces), {inputDims[axis]});
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      offsets[axis] = offset;
      SmallVector<OpFoldResult> sizes = inputDims;
      sizes[axis] = size;
      SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
      // An empty piece may start at the end of the input, an offset that
      // tensor.extract_slice's verifier rejects.
      std::optional<int64_t> staticSize = getConstantIntValue(size);
      Value piece =
          staticSize && *staticSize == 0
              ? createEmpty(rewriter, loc, resultType, sizes)
              : tensor::ExtractSliceOp::create(rewriter, loc, input, offsets,
                                               sizes, strides)
                    .getResult();
      if (piece.getType() != resultType)
        piece = tensor::CastOp::create(rewriter, loc, resultType, piece);
      results.push_back(piece);
      offset = affine::makeComposedFoldedAffineApply(rewriter, loc, s0 + s1,
                                                     {offset, size});
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};
} // namespace

void mlir::xf::populateLayoutPatterns(const TypeConverter &converter,
                                RewritePatternSet &patterns) {
  patterns.add<TransposeToLinalg, ReshapeToTensor,
               UnitDimsToReshape<SqueezeOp>, UnitDimsToReshape<UnsqueezeOp>,
               ConcatToTensor, SliceToLinalg, GatherToLinalg, ExpandToLinalg,
               TileToLinalg, SplitToTensor>(converter, patterns.getContext());
}
