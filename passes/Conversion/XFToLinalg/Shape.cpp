//===- Shape.cpp - Constants and shape computations to tensor/linalg ------===//

#include "passes/Conversion/XFToLinalg/Patterns.h"

#include "dialects/xf/XFOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::xf;

/// The same constant with a signless element type.
static TypedAttr toSignless(ElementsAttr value) {
  auto type = cast<RankedTensorType>(getSignlessType(value.getType()));
  if (type == value.getType())
    return cast<TypedAttr>(value);
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return dense.bitcast(type.getElementType());
  auto resource = cast<DenseResourceElementsAttr>(value);
  return DenseResourceElementsAttr::get(type, resource.getRawHandle());
}

namespace {
struct ConstantToArith : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op,
                                                   toSignless(op.getValue()));
    return success();
  }
};

/// A weight is a view into the weights blob, the function's first argument.
struct WeightToView : OpConversionPattern<WeightOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WeightOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto func = op->getParentOfType<func::FuncOp>();
    if (!func || func.getNumArguments() == 0 ||
        func.getArgument(0).getType() !=
            MemRefType::get({ShapedType::kDynamic}, rewriter.getI8Type()))
      return rewriter.notifyMatchFailure(
          op, "the function has no weights argument");
    Location loc = op.getLoc();
    auto tensorType =
        convertTensorType(*getTypeConverter(), op.getType());
    auto memrefType =
        MemRefType::get(tensorType.getShape(), tensorType.getElementType());
    Value offset = arith::ConstantIndexOp::create(rewriter, loc, op.getOffset());
    Value view = memref::ViewOp::create(rewriter, loc, memrefType,
                                        func.getArgument(0), offset,
                                        ValueRange{});
    rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(
        op, tensorType, view, /*restrict=*/true, /*writable=*/false);
    return success();
  }
};

struct ShapeOfToTensor : OpConversionPattern<ShapeOfOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ShapeOfOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<Value> dims;
    for (OpFoldResult dim : getDims(rewriter, loc, adaptor.getInput()))
      dims.push_back(arith::IndexCastOp::create(
          rewriter, loc, rewriter.getI64Type(),
          getValueOrCreateConstantIndexOp(rewriter, loc, dim)));
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, op.getType(),
                                                        dims);
    return success();
  }
};

struct ConstantOfShapeToLinalg : OpConversionPattern<ConstantOfShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOfShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    SmallVector<OpFoldResult> dims;
    for (int64_t d = 0; d < resultType.getRank(); ++d)
      dims.push_back(extractIndex(rewriter, loc, adaptor.getShape(), d));
    Value init = createEmpty(rewriter, loc, resultType, dims);
    auto value = cast<DenseElementsAttr>(toSignless(op.getValue()));
    Value scalar = arith::ConstantOp::create(
        rewriter, loc, cast<TypedAttr>(*value.value_begin<Attribute>()));
    rewriter.replaceOp(
        op, linalg::FillOp::create(rewriter, loc, scalar, init).getResult(0));
    return success();
  }
};

/// out[i] = start + i * delta, for ceil((limit - start) / delta) elements.
struct RangeToLinalg : OpConversionPattern<RangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RangeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertTensorType(*getTypeConverter(), op.getType());
    Type elementType = resultType.getElementType();
    bool isFloat = isa<FloatType>(elementType);
    auto scalar = [&](Value tensor) {
      return tensor::ExtractOp::create(rewriter, loc, tensor, ValueRange{})
          .getResult();
    };
    Value start = scalar(adaptor.getStart());
    Value limit = scalar(adaptor.getLimit());
    Value delta = scalar(adaptor.getDelta());
    OpFoldResult count;
    if (!resultType.isDynamicDim(0)) {
      count = rewriter.getIndexAttr(resultType.getDimSize(0));
    } else {
      auto site = op->getAttrOfType<IntegerAttr>(kCheckSiteAttr);
      Type i64 = rewriter.getI64Type();
      // A length past 2^59 elements would overflow its allocation's bytes.
      constexpr int64_t kMaxLength = int64_t(1) << 59;
      Value n, valid, step;
      if (isFloat) {
        Value q = arith::DivFOp::create(
            rewriter, loc, arith::SubFOp::create(rewriter, loc, limit, start),
            delta);
        q = math::CeilOp::create(rewriter, loc, q);
        // NaN or a length no integer holds (a step of 0): fptosi would be
        // poison.
        valid = arith::CmpFOp::create(
            rewriter, loc, arith::CmpFPredicate::OLT, q,
            createScalarConstant(rewriter, loc, elementType,
                                 static_cast<double>(kMaxLength)));
        q = arith::SelectOp::create(
            rewriter, loc, valid, q,
            createScalarConstant(rewriter, loc, elementType, 0.0));
        n = arith::FPToSIOp::create(rewriter, loc, i64, q);
        step = arith::FPToSIOp::create(rewriter, loc, i64, delta);
      } else {
        auto wide = [&](Value v) -> Value {
          if (v.getType().isInteger(64))
            return v;
          return arith::ExtSIOp::create(rewriter, loc, i64, v);
        };
        step = wide(delta);
        Value zero = arith::ConstantIntOp::create(rewriter, loc, i64, 0);
        valid = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne,
                                      step, zero);
        // A step of 0 divides by 1 instead: the check reports it.
        Value divisor = arith::SelectOp::create(
            rewriter, loc, valid, step,
            arith::ConstantIntOp::create(rewriter, loc, i64, 1));
        n = arith::CeilDivSIOp::create(
            rewriter, loc,
            arith::SubIOp::create(rewriter, loc, wide(limit), wide(start)),
            divisor);
        valid = arith::AndIOp::create(
            rewriter, loc, valid,
            arith::CmpIOp::create(
                rewriter, loc, arith::CmpIPredicate::slt, n,
                arith::ConstantIntOp::create(rewriter, loc, i64, kMaxLength)));
      }
      if (site) {
        Value invalid = arith::XOrIOp::create(
            rewriter, loc, valid,
            arith::ConstantIntOp::create(rewriter, loc, 1, 1));
        reportCheckFailure(rewriter, loc, invalid, site, n, step);
        n = arith::SelectOp::create(
            rewriter, loc, valid, n,
            arith::ConstantIntOp::create(rewriter, loc, i64, 0));
      }
      n = arith::MaxSIOp::create(
          rewriter, loc, n,
          arith::ConstantIntOp::create(rewriter, loc, rewriter.getI64Type(), 0));
      count = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                         n)
                  .getResult();
    }
    Value init = createEmpty(rewriter, loc, resultType, {count});
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(1)},
        SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location nloc, ValueRange) {
          Value i = arith::IndexCastOp::create(
              b, nloc, b.getI64Type(), linalg::IndexOp::create(b, nloc, 0));
          Value step = i;
          if (isFloat)
            step = arith::SIToFPOp::create(b, nloc, elementType, i);
          else if (!elementType.isInteger(64))
            step = arith::TruncIOp::create(b, nloc, elementType, i);
          Value value =
              isFloat
                  ? Value(arith::AddFOp::create(
                        b, nloc, start,
                        arith::MulFOp::create(b, nloc, step, delta)))
                  : Value(arith::AddIOp::create(
                        b, nloc, start,
                        arith::MulIOp::create(b, nloc, step, delta)));
          linalg::YieldOp::create(b, nloc, value);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};
} // namespace

void xf::populateShapePatterns(const TypeConverter &converter,
                               RewritePatternSet &patterns) {
  patterns.add<ConstantToArith, WeightToView, ShapeOfToTensor,
               ConstantOfShapeToLinalg, RangeToLinalg>(converter,
                                                       patterns.getContext());
}
