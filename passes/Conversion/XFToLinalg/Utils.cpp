//===- Utils.cpp - Helpers of the xf to linalg conversion -----------------===//

#include "passes/Conversion/XFToLinalg/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::xf;

Type xf::getSignlessType(Type type) {
  if (auto tensorType = dyn_cast<RankedTensorType>(type))
    return tensorType.clone(getSignlessType(tensorType.getElementType()));
  if (auto intType = dyn_cast<IntegerType>(type); intType && !intType.isSignless())
    return IntegerType::get(type.getContext(), intType.getWidth());
  return type;
}

bool xf::isUnsignedElement(Type type) {
  auto intType = dyn_cast<IntegerType>(getElementTypeOrSelf(type));
  return intType && (intType.isUnsigned() || intType.getWidth() == 1);
}

XFToLinalgTypeConverter::XFToLinalgTypeConverter() {
  addConversion([](Type type) { return getSignlessType(type); });
  auto cast = [](OpBuilder &b, Type type, ValueRange inputs,
                 Location loc) -> Value {
    return UnrealizedConversionCastOp::create(b, loc, type, inputs)
        .getResult(0);
  };
  addSourceMaterialization(cast);
  addTargetMaterialization(cast);
}

SmallVector<OpFoldResult> xf::getDims(OpBuilder &b, Location loc,
                                      Value tensor) {
  return tensor::getMixedSizes(b, loc, tensor);
}

Value xf::createEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                      ArrayRef<OpFoldResult> dims) {
  SmallVector<OpFoldResult> sizes;
  // A dynamic size stays a value even when it is a constant, so that the
  // result has `type`.
  for (auto [i, dim] : llvm::enumerate(type.getShape()))
    sizes.push_back(ShapedType::isDynamic(dim)
                        ? OpFoldResult(getValueOrCreateConstantIndexOp(
                              b, loc, dims[i]))
                        : b.getIndexAttr(dim));
  return tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
}

SmallVector<OpFoldResult> xf::getBroadcastDims(OpBuilder &b, Location loc,
                                               RankedTensorType resultType,
                                               ValueRange operands) {
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> dims;
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      dims.push_back(b.getIndexAttr(resultType.getDimSize(i)));
      continue;
    }
    OpFoldResult dim = b.getIndexAttr(1);
    for (Value operand : operands) {
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t j = i - (rank - type.getRank());
      if (j < 0 || type.getDimSize(j) == 1)
        continue;
      dim = type.isDynamicDim(j)
                ? OpFoldResult(tensor::DimOp::create(b, loc, operand, j)
                                   .getResult())
                : OpFoldResult(b.getIndexAttr(type.getDimSize(j)));
      break;
    }
    dims.push_back(dim);
  }
  return dims;
}

AffineMap xf::getBroadcastMap(MLIRContext *context,
                              RankedTensorType operandType,
                              ArrayRef<int64_t> resultShape) {
  int64_t rank = resultShape.size();
  int64_t offset = rank - operandType.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t j = 0; j < operandType.getRank(); ++j) {
    bool broadcasts =
        operandType.getDimSize(j) == 1 && resultShape[j + offset] != 1;
    exprs.push_back(broadcasts ? getAffineConstantExpr(0, context)
                               : getAffineDimExpr(j + offset, context));
  }
  return AffineMap::get(rank, 0, exprs, context);
}

Value xf::buildElementwise(
    OpBuilder &b, Location loc, RankedTensorType resultType,
    ValueRange operands,
    function_ref<Value(OpBuilder &, Location, ValueRange)> scalarFn,
    std::optional<ArrayRef<OpFoldResult>> dims) {
  MLIRContext *context = b.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps;
  for (Value operand : operands)
    maps.push_back(getBroadcastMap(
        context, cast<RankedTensorType>(operand.getType()),
        resultType.getShape()));
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = createEmpty(
      b, loc, resultType,
      dims ? *dims : getBroadcastDims(b, loc, resultType, operands));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, operands, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = scalarFn(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

Value xf::createScalarConstant(OpBuilder &b, Location loc, Type elementType,
                               double value) {
  if (auto floatType = dyn_cast<FloatType>(elementType))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(elementType, static_cast<int64_t>(value)));
}

Value xf::extractIndex(OpBuilder &b, Location loc, Value tensor,
                       int64_t position) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> indices;
  if (type.getRank() == 1)
    indices.push_back(arith::ConstantIndexOp::create(b, loc, position));
  Value element = tensor::ExtractOp::create(b, loc, tensor, indices);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), element);
}

Value xf::normalizeIndex(OpBuilder &b, Location loc, Value index, Value size) {
  index = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero);
  return arith::SelectOp::create(
      b, loc, negative, arith::AddIOp::create(b, loc, index, size), index);
}

void xf::reportCheckFailure(OpBuilder &b, Location loc, Value failed,
                            IntegerAttr site, Value first, Value second) {
  scf::IfOp::create(b, loc, failed, [&](OpBuilder &tb, Location tloc) {
    Value siteValue = arith::ConstantIntOp::create(tb, tloc, tb.getI64Type(),
                                                   site.getInt());
    func::CallOp::create(tb, tloc, kCheckFailedFunction, TypeRange{},
                         ValueRange{siteValue, first, second});
    scf::YieldOp::create(tb, tloc);
  });
}
