//===- Elementwise.cpp - Elementwise xf ops to linalg.generic -------------===//

#include "passes/Conversion/XFToLinalg/Patterns.h"

#include "dialects/xf/XFOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::xf;

/// Converts a scalar from element type `from` (as the xf op sees it, signed or
/// unsigned) to `to` (signless form of the result).
static Value convertScalar(OpBuilder &b, Location loc, Value value, Type from,
                           Type resultElement) {
  Type to = getSignlessType(resultElement);
  Type source = getSignlessType(from);
  if (source == to)
    return value;
  bool fromUnsigned = isUnsignedElement(from);
  bool toUnsigned = isUnsignedElement(resultElement);
  if (to.isInteger(1)) {
    // Any non-zero value is true.
    if (isa<FloatType>(source))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   createScalarConstant(b, loc, source, 0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value,
                                 createScalarConstant(b, loc, source, 0));
  }
  if (auto toFloat = dyn_cast<FloatType>(to)) {
    if (auto fromFloat = dyn_cast<FloatType>(source)) {
      if (fromFloat.getWidth() < toFloat.getWidth())
        return arith::ExtFOp::create(b, loc, to, value);
      return arith::TruncFOp::create(b, loc, to, value);
    }
    if (fromUnsigned)
      return arith::UIToFPOp::create(b, loc, to, value);
    return arith::SIToFPOp::create(b, loc, to, value);
  }
  if (isa<FloatType>(source)) {
    if (toUnsigned)
      return arith::FPToUIOp::create(b, loc, to, value);
    return arith::FPToSIOp::create(b, loc, to, value);
  }
  unsigned fromWidth = source.getIntOrFloatBitWidth();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (fromWidth > toWidth)
    return arith::TruncIOp::create(b, loc, to, value);
  if (fromUnsigned)
    return arith::ExtUIOp::create(b, loc, to, value);
  return arith::ExtSIOp::create(b, loc, to, value);
}

Value xf::buildGelu(OpBuilder &b, Location loc, Value x, bool tanhForm) {
  Type t = x.getType();
  auto c = [&](double v) { return createScalarConstant(b, loc, t, v); };
  Value half = arith::MulFOp::create(b, loc, x, c(0.5));
  Value inner;
  if (tanhForm) {
    // sqrt(2/pi) * (x + 0.044715 x^3)
    Value x3 = arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, x), x);
    Value poly = arith::AddFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, x3, c(0.044715)));
    inner = math::TanhOp::create(
        b, loc, arith::MulFOp::create(b, loc, poly, c(std::sqrt(2.0 / M_PI))));
  } else {
    inner = math::ErfOp::create(b, loc,
                                arith::MulFOp::create(b, loc, x, c(M_SQRT1_2)));
  }
  return arith::MulFOp::create(b, loc, half,
                               arith::AddFOp::create(b, loc, inner, c(1.0)));
}

Value xf::buildSigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = createScalarConstant(b, loc, x.getType(), 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

Value xf::buildSilu(OpBuilder &b, Location loc, Value x) {
  return arith::MulFOp::create(b, loc, x, buildSigmoid(b, loc, x));
}

/// The scalar computation of one elementwise xf op. `args` are signless;
/// signedness comes from the xf op's own operand type.
static Value emitScalar(OpBuilder &b, Location loc, Operation *op,
                        ValueRange args) {
  Type operandType = getElementTypeOrSelf(op->getOperand(0));
  bool isFloat = isa<FloatType>(operandType);
  bool isUnsigned = isUnsignedElement(operandType);
  Value x = args[0];
  Value y = args.size() > 1 ? args[1] : Value();
  auto c = [&](double v) {
    return createScalarConstant(b, loc, x.getType(), v);
  };
  auto compare = [&](arith::CmpFPredicate f, arith::CmpIPredicate s,
                     arith::CmpIPredicate u) -> Value {
    if (isFloat)
      return arith::CmpFOp::create(b, loc, f, x, y);
    return arith::CmpIOp::create(b, loc, isUnsigned ? u : s, x, y);
  };
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case([&](AddOp) -> Value {
        return isFloat ? Value(arith::AddFOp::create(b, loc, x, y))
                       : Value(arith::AddIOp::create(b, loc, x, y));
      })
      .Case([&](SubOp) -> Value {
        return isFloat ? Value(arith::SubFOp::create(b, loc, x, y))
                       : Value(arith::SubIOp::create(b, loc, x, y));
      })
      .Case([&](MulOp) -> Value {
        return isFloat ? Value(arith::MulFOp::create(b, loc, x, y))
                       : Value(arith::MulIOp::create(b, loc, x, y));
      })
      .Case([&](DivOp) -> Value {
        if (isFloat)
          return arith::DivFOp::create(b, loc, x, y);
        if (isUnsigned)
          return arith::DivUIOp::create(b, loc, x, y);
        return arith::DivSIOp::create(b, loc, x, y);
      })
      .Case([&](PowOp) -> Value {
        if (isFloat)
          return math::PowFOp::create(b, loc, x, y);
        return math::IPowIOp::create(b, loc, x, y);
      })
      .Case([&](ModOp mod) -> Value {
        if (isFloat)
          return arith::RemFOp::create(b, loc, x, y);
        if (isUnsigned)
          return arith::RemUIOp::create(b, loc, x, y);
        Value r = arith::RemSIOp::create(b, loc, x, y);
        if (mod.getFmod())
          return r;
        // Python's sign convention: a non-zero remainder whose sign differs
        // from the divisor's moves by one divisor.
        Value zero = c(0);
        Value nonZero =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, r, zero);
        Value rNegative =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, zero);
        Value yNegative =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, y, zero);
        Value differ = arith::XOrIOp::create(b, loc, rNegative, yNegative);
        Value adjust = arith::AndIOp::create(b, loc, nonZero, differ);
        return arith::SelectOp::create(b, loc, adjust,
                                       arith::AddIOp::create(b, loc, r, y), r);
      })
      .Case([&](MaxOp) -> Value {
        if (isFloat)
          return arith::MaximumFOp::create(b, loc, x, y);
        if (isUnsigned)
          return arith::MaxUIOp::create(b, loc, x, y);
        return arith::MaxSIOp::create(b, loc, x, y);
      })
      .Case([&](MinOp) -> Value {
        if (isFloat)
          return arith::MinimumFOp::create(b, loc, x, y);
        if (isUnsigned)
          return arith::MinUIOp::create(b, loc, x, y);
        return arith::MinSIOp::create(b, loc, x, y);
      })
      .Case([&](AndOp) -> Value { return arith::AndIOp::create(b, loc, x, y); })
      .Case([&](OrOp) -> Value { return arith::OrIOp::create(b, loc, x, y); })
      .Case([&](XorOp) -> Value { return arith::XOrIOp::create(b, loc, x, y); })
      .Case([&](EqualOp) {
        return compare(arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq,
                       arith::CmpIPredicate::eq);
      })
      .Case([&](LessOp) {
        return compare(arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt,
                       arith::CmpIPredicate::ult);
      })
      .Case([&](LessEqualOp) {
        return compare(arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle,
                       arith::CmpIPredicate::ule);
      })
      .Case([&](GreaterOp) {
        return compare(arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt,
                       arith::CmpIPredicate::ugt);
      })
      .Case([&](GreaterEqualOp) {
        return compare(arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge,
                       arith::CmpIPredicate::uge);
      })
      .Case([&](WhereOp) -> Value {
        return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
      })
      .Case([&](NegOp) -> Value {
        return isFloat ? Value(arith::NegFOp::create(b, loc, x))
                       : Value(arith::SubIOp::create(b, loc, c(0), x));
      })
      .Case([&](AbsOp) -> Value {
        if (isFloat)
          return math::AbsFOp::create(b, loc, x);
        if (isUnsigned)
          return x;
        // Not math.absi: convert-math-to-libm refuses it.
        Value negative =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, c(0));
        return arith::SelectOp::create(
            b, loc, negative, arith::SubIOp::create(b, loc, c(0), x), x);
      })
      .Case([&](SqrtOp) -> Value { return math::SqrtOp::create(b, loc, x); })
      .Case([&](ExpOp) -> Value { return math::ExpOp::create(b, loc, x); })
      .Case([&](LogOp) -> Value { return math::LogOp::create(b, loc, x); })
      .Case([&](ErfOp) -> Value { return math::ErfOp::create(b, loc, x); })
      .Case([&](TanhOp) -> Value { return math::TanhOp::create(b, loc, x); })
      .Case([&](SigmoidOp) -> Value { return buildSigmoid(b, loc, x); })
      .Case([&](SinOp) -> Value { return math::SinOp::create(b, loc, x); })
      .Case([&](CosOp) -> Value { return math::CosOp::create(b, loc, x); })
      .Case([&](TanOp) -> Value { return math::TanOp::create(b, loc, x); })
      .Case([&](AsinOp) -> Value { return math::AsinOp::create(b, loc, x); })
      .Case([&](AcosOp) -> Value { return math::AcosOp::create(b, loc, x); })
      .Case([&](AtanOp) -> Value { return math::AtanOp::create(b, loc, x); })
      .Case([&](SinhOp) -> Value { return math::SinhOp::create(b, loc, x); })
      .Case([&](CoshOp) -> Value { return math::CoshOp::create(b, loc, x); })
      .Case([&](AsinhOp) -> Value { return math::AsinhOp::create(b, loc, x); })
      .Case([&](AcoshOp) -> Value { return math::AcoshOp::create(b, loc, x); })
      .Case([&](AtanhOp) -> Value { return math::AtanhOp::create(b, loc, x); })
      .Case([&](CeilOp) -> Value { return math::CeilOp::create(b, loc, x); })
      .Case([&](FloorOp) -> Value { return math::FloorOp::create(b, loc, x); })
      .Case([&](RoundOp) -> Value {
        return math::RoundEvenOp::create(b, loc, x);
      })
      .Case([&](SignOp) -> Value {
        // -1, 0 or 1; a float NaN or -0 stays itself.
        Value positive, negative;
        if (isFloat) {
          positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                           x, c(0));
          negative = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                                           x, c(0));
        } else {
          positive = arith::CmpIOp::create(
              b, loc,
              isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt,
              x, c(0));
          negative = isUnsigned ? Value(arith::ConstantIntOp::create(
                                      b, loc, b.getI1Type(), 0))
                                : Value(arith::CmpIOp::create(
                                      b, loc, arith::CmpIPredicate::slt, x,
                                      c(0)));
        }
        Value result = arith::SelectOp::create(b, loc, negative, c(-1), x);
        return arith::SelectOp::create(b, loc, positive, c(1), result);
      })
      .Case([&](ReciprocalOp) -> Value {
        return arith::DivFOp::create(b, loc, c(1.0), x);
      })
      .Case([&](ReluOp) -> Value {
        if (isFloat)
          return arith::MaximumFOp::create(b, loc, x, c(0.0));
        if (isUnsigned)
          return x;
        return arith::MaxSIOp::create(b, loc, x, c(0.0));
      })
      .Case([&](NotOp) -> Value {
        return arith::XOrIOp::create(b, loc, x, c(-1.0)); // All bits set.
      })
      .Case([&](BitShiftOp shift) -> Value {
        // Shifting by the width or more shifts every bit out (arith would
        // give poison).
        Value shifted =
            shift.getDirection() == "left"
                ? Value(arith::ShLIOp::create(b, loc, x, y))
                : Value(arith::ShRUIOp::create(b, loc, x, y));
        Value inRange = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::ult, y,
            c(static_cast<double>(x.getType().getIntOrFloatBitWidth())));
        return arith::SelectOp::create(b, loc, inRange, shifted, c(0));
      })
      .Case([&](GeluOp gelu_) {
        return buildGelu(b, loc, x, gelu_.getApproximate() == "tanh");
      })
      .Case([&](CastOp cast) {
        return convertScalar(b, loc, x, operandType,
                             cast.getType().getElementType());
      })
      .Default([](Operation *) -> Value { return {}; });
}

namespace {
/// Lowers every elementwise xf op to one `linalg.generic` whose indexing maps
/// implement the broadcast.
struct ElementwiseToLinalg : ConversionPattern {
  ElementwiseToLinalg(const TypeConverter &converter, MLIRContext *context)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1,
                          context) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isa<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, AndOp, OrOp,
             XorOp, EqualOp, LessOp, LessEqualOp, GreaterOp, GreaterEqualOp,
             WhereOp, NegOp, AbsOp, SqrtOp, ExpOp, LogOp, ErfOp, TanhOp,
             SigmoidOp, ReciprocalOp, ReluOp, NotOp, GeluOp, CastOp, ModOp,
             BitShiftOp,
             SinOp, CosOp, TanOp, AsinOp, AcosOp, AtanOp, SinhOp, CoshOp,
             AsinhOp, AcoshOp, AtanhOp, CeilOp, FloorOp, RoundOp, SignOp>(op))
      return failure();
    auto resultType =
        convertTensorType(*getTypeConverter(), op->getResult(0).getType());
    auto build = [&](OpBuilder &b, Location loc) {
      return buildElementwise(b, loc, resultType, operands,
                              [&](OpBuilder &nb, Location nloc,
                                  ValueRange args) {
                                return emitScalar(nb, nloc, op, args);
                              });
    };
    auto pairs = op->getAttrOfType<DenseI64ArrayAttr>(kBroadcastPairsAttr);
    if (!pairs) {
      rewriter.replaceOp(op, build(rewriter, op->getLoc()));
      return success();
    }
    // Sizes that must be equal (xf.check_broadcast): a difference is
    // reported and the op computes nothing, so that nothing is read past
    // the smaller operand.
    Location loc = op->getLoc();
    Type i64 = rewriter.getI64Type();
    auto site = op->getAttrOfType<IntegerAttr>(kCheckSiteAttr);
    Value allEqual = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
    ArrayRef<int64_t> flat = pairs.asArrayRef();
    for (size_t k = 0; k + 3 < flat.size(); k += 4) {
      auto size = [&](int64_t operand, int64_t dim) -> Value {
        Value extent =
            tensor::DimOp::create(rewriter, loc, operands[operand], dim);
        return arith::IndexCastOp::create(rewriter, loc, i64, extent);
      };
      Value a = size(flat[k], flat[k + 1]), b = size(flat[k + 2], flat[k + 3]);
      Value equal =
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, a, b);
      Value differ =
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne, a, b);
      reportCheckFailure(rewriter, loc, differ, site, a, b);
      allEqual = arith::AndIOp::create(rewriter, loc, allEqual, equal);
    }
    auto guarded = scf::IfOp::create(
        rewriter, loc, allEqual,
        [&](OpBuilder &b, Location l) { scf::YieldOp::create(b, l, build(b, l)); },
        [&](OpBuilder &b, Location l) {
          Value empty = createEmpty(
              b, l, resultType, getBroadcastDims(b, l, resultType, operands));
          scf::YieldOp::create(b, l, empty);
        });
    rewriter.replaceOp(op, guarded.getResult(0));
    return success();
  }
};
} // namespace

void xf::populateElementwisePatterns(const TypeConverter &converter,
                                     RewritePatternSet &patterns) {
  patterns.add<ElementwiseToLinalg>(converter, patterns.getContext());
}
