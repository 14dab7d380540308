//===- XFFolds.cpp - Folders and canonicalizations of xf ops --------------===//
//
// Folding evaluates small constants only: the shape computations that
// exporters leave in a graph and scalar arithmetic. Weights are never
// evaluated here; rewriting them is the job of dedicated passes.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>

using namespace mlir;
using namespace mlir::xf;

/// The largest constant (in elements) that folding materializes.
static constexpr int64_t kMaxFoldedElements = 4096;

namespace {
/// The elements of a constant, widened to double (floats) or int64_t
/// (integers and booleans), in row-major order.
struct Literal {
  RankedTensorType type;
  bool isFloat = false;
  SmallVector<double> floats;
  SmallVector<int64_t> ints;

  int64_t size() const { return isFloat ? floats.size() : ints.size(); }
  double getDouble(int64_t i) const {
    return isFloat ? floats[i] : static_cast<double>(ints[i]);
  }
};
} // namespace

static bool isUnsignedInt(Type type) {
  auto intType = dyn_cast<IntegerType>(type);
  return intType && (intType.isUnsigned() || intType.getWidth() == 1);
}

static double toDouble(APFloat value) {
  bool losesInfo;
  value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &losesInfo);
  return value.convertToDouble();
}

/// Reads a constant of at most kMaxFoldedElements elements (expanding
/// splats), or of `splatOnly` size one when `asScalar` is set.
static std::optional<Literal> readLiteral(Attribute attr,
                                          bool asScalar = false) {
  auto dense = dyn_cast_if_present<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(dense.getType());
  if (!type)
    return std::nullopt;
  int64_t count = asScalar ? 1 : dense.getNumElements();
  if (asScalar && !dense.isSplat())
    return std::nullopt;
  if (count > kMaxFoldedElements)
    return std::nullopt;
  Literal literal;
  literal.type = type;
  Type elementType = type.getElementType();
  if (isa<FloatType>(elementType)) {
    literal.isFloat = true;
    if (dense.isSplat()) {
      literal.floats.assign(count, toDouble(dense.getSplatValue<APFloat>()));
    } else {
      for (APFloat v : dense.getValues<APFloat>())
        literal.floats.push_back(toDouble(v));
    }
    return literal;
  }
  if (!isa<IntegerType>(elementType))
    return std::nullopt;
  bool isUnsigned = isUnsignedInt(elementType);
  auto widen = [&](const APInt &v) {
    return isUnsigned ? static_cast<int64_t>(v.getZExtValue())
                      : v.getSExtValue();
  };
  if (dense.isSplat()) {
    literal.ints.assign(count, widen(dense.getSplatValue<APInt>()));
  } else {
    for (const APInt &v : dense.getValues<APInt>())
      literal.ints.push_back(widen(v));
  }
  return literal;
}

/// Builds a constant of `type` from widened values; a single value makes a
/// splat of any size.
static DenseElementsAttr writeLiteral(RankedTensorType type,
                                      ArrayRef<double> floats,
                                      ArrayRef<int64_t> ints) {
  if (!type || !type.hasStaticShape())
    return {};
  Type elementType = type.getElementType();
  int64_t count = std::max(floats.size(), ints.size());
  if (count != 1 && count != type.getNumElements())
    return {};
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    SmallVector<APFloat> values;
    for (int64_t i = 0; i < count; ++i) {
      double v = floats.empty() ? static_cast<double>(ints[i]) : floats[i];
      APFloat value(v);
      bool losesInfo;
      value.convert(floatType.getFloatSemantics(),
                    APFloat::rmNearestTiesToEven, &losesInfo);
      values.push_back(value);
    }
    if (count == 1)
      return DenseElementsAttr::get(type, values.front());
    return DenseElementsAttr::get(type, values);
  }
  auto intType = dyn_cast<IntegerType>(elementType);
  if (!intType)
    return {};
  SmallVector<APInt> values;
  for (int64_t i = 0; i < count; ++i) {
    int64_t v = ints.empty() ? static_cast<int64_t>(floats[i]) : ints[i];
    if (intType.getWidth() == 1)
      v = v != 0;
    values.push_back(APInt(intType.getWidth(), v, /*isSigned=*/true,
                           /*implicitTrunc=*/true));
  }
  if (count == 1)
    return DenseElementsAttr::get(type, values.front());
  return DenseElementsAttr::get(type, values);
}

/// Row-major strides of a static shape.
static SmallVector<int64_t> getStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// For each element of `outShape`, the index of the element of `inShape`
/// that broadcasts to it.
static SmallVector<int64_t> getBroadcastIndices(ArrayRef<int64_t> inShape,
                                                ArrayRef<int64_t> outShape) {
  int64_t outCount = ShapedType::getNumElements(outShape);
  SmallVector<int64_t> inStrides = getStrides(inShape);
  SmallVector<int64_t> outStrides = getStrides(outShape);
  size_t offset = outShape.size() - inShape.size();
  SmallVector<int64_t> indices(outCount);
  for (int64_t linear = 0; linear < outCount; ++linear) {
    int64_t index = 0;
    for (size_t d = offset; d < outShape.size(); ++d) {
      int64_t coord = (linear / outStrides[d]) % outShape[d];
      if (inShape[d - offset] != 1)
        index += coord * inStrides[d - offset];
    }
    indices[linear] = index;
  }
  return indices;
}

/// Gathers elements of `literal` by index into a literal of `type`.
static DenseElementsAttr remapLiteral(RankedTensorType type,
                                      const Literal &literal,
                                      ArrayRef<int64_t> indices) {
  SmallVector<double> floats;
  SmallVector<int64_t> ints;
  for (int64_t index : indices) {
    if (literal.isFloat)
      floats.push_back(literal.floats[index]);
    else
      ints.push_back(literal.ints[index]);
  }
  return writeLiteral(type, floats, ints);
}

/// Whether `attr` is a splat equal to `value`.
static bool isSplatOf(Attribute attr, double value) {
  auto dense = dyn_cast_if_present<DenseElementsAttr>(attr);
  if (!dense || !dense.isSplat())
    return false;
  if (isa<FloatType>(dense.getElementType()))
    return toDouble(dense.getSplatValue<APFloat>()) == value;
  if (isa<IntegerType>(dense.getElementType()))
    return dense.getSplatValue<APInt>().getSExtValue() ==
           static_cast<int64_t>(value);
  return false;
}

static RankedTensorType getResultType(Operation *op, unsigned i = 0) {
  return dyn_cast<RankedTensorType>(op->getResult(i).getType());
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

/// Evaluates an elementwise op over constant operands that broadcast to the
/// (static) result type; `fn` maps the operands' widened values to the
/// result's. All-splat operands give a splat result of any size.
template <typename Fn>
static OpFoldResult foldElementwise(Operation *op, ArrayRef<Attribute> operands,
                                    bool floatResult, Fn fn) {
  RankedTensorType resultType = getResultType(op);
  if (!resultType || !resultType.hasStaticShape())
    return {};
  bool allSplat = llvm::all_of(operands, [](Attribute a) {
    auto dense = dyn_cast_if_present<DenseElementsAttr>(a);
    return dense && dense.isSplat();
  });
  if (!allSplat && resultType.getNumElements() > kMaxFoldedElements)
    return {};
  SmallVector<Literal> literals;
  for (Attribute attr : operands) {
    auto literal = readLiteral(attr, allSplat);
    if (!literal)
      return {};
    literals.push_back(std::move(*literal));
  }
  int64_t count = allSplat ? 1 : resultType.getNumElements();
  SmallVector<SmallVector<int64_t>> indexMaps;
  for (const Literal &literal : literals)
    indexMaps.push_back(allSplat ? SmallVector<int64_t>{0}
                                 : getBroadcastIndices(literal.type.getShape(),
                                                       resultType.getShape()));
  SmallVector<double> floats;
  SmallVector<int64_t> ints;
  SmallVector<const Literal *> args;
  for (const Literal &literal : literals)
    args.push_back(&literal);
  for (int64_t i = 0; i < count; ++i) {
    SmallVector<int64_t> at;
    for (auto &map : indexMaps)
      at.push_back(map[i]);
    std::optional<double> value = fn(args, at);
    if (!value)
      return {};
    if (floatResult)
      floats.push_back(*value);
    else
      ints.push_back(static_cast<int64_t>(*value));
  }
  return writeLiteral(resultType, floats, ints);
}

template <typename Fn>
static OpFoldResult foldUnary(Operation *op, Attribute input, Fn fn) {
  bool isFloat = isa<FloatType>(getElementTypeOrSelf(op->getResult(0)));
  return foldElementwise(
      op, {input}, isFloat,
      [&](ArrayRef<const Literal *> args,
          ArrayRef<int64_t> at) -> std::optional<double> {
        return fn(args[0]->getDouble(at[0]));
      });
}

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(), [](double x) { return -x; });
}
OpFoldResult AbsOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::fabs(x); });
}
OpFoldResult SqrtOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::sqrt(x); });
}
OpFoldResult ExpOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::exp(x); });
}
OpFoldResult LogOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::log(x); });
}
OpFoldResult ErfOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::erf(x); });
}
OpFoldResult TanhOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::tanh(x); });
}
OpFoldResult SigmoidOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return 1.0 / (1.0 + std::exp(-x)); });
}
OpFoldResult ReciprocalOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return 1.0 / x; });
}
OpFoldResult ReluOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return x > 0 ? x : 0.0; });
}
OpFoldResult SinOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::sin(x); });
}
OpFoldResult CosOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::cos(x); });
}
OpFoldResult TanOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::tan(x); });
}
OpFoldResult AsinOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::asin(x); });
}
OpFoldResult AcosOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::acos(x); });
}
OpFoldResult AtanOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::atan(x); });
}
OpFoldResult SinhOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::sinh(x); });
}
OpFoldResult CoshOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::cosh(x); });
}
OpFoldResult AsinhOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::asinh(x); });
}
OpFoldResult AcoshOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::acosh(x); });
}
OpFoldResult AtanhOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::atanh(x); });
}
OpFoldResult CeilOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::ceil(x); });
}
OpFoldResult FloorOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::floor(x); });
}
OpFoldResult RoundOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return std::nearbyint(x); });
}
OpFoldResult SignOp::fold(FoldAdaptor adaptor) {
  return foldUnary(*this, adaptor.getInput(), [](double x) {
    return x > 0 ? 1.0 : x < 0 ? -1.0 : x;
  });
}
OpFoldResult NotOp::fold(FoldAdaptor adaptor) {
  if (!getType().getElementType().isInteger(1))
    return {};
  return foldUnary(*this, adaptor.getInput(),
                   [](double x) { return x == 0 ? 1.0 : 0.0; });
}

/// Folds a broadcasting binary op: `lhs op identity` to `lhs` when that
/// changes no type, and constant operands by evaluation.
template <typename Fn>
static OpFoldResult foldBinary(Operation *op, ArrayRef<Attribute> operands,
                               std::optional<double> rhsIdentity,
                               std::optional<double> lhsIdentity, Fn fn) {
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  Type resultType = op->getResult(0).getType();
  if (rhsIdentity && lhs.getType() == resultType &&
      broadcastsInto(rhs.getType(), resultType) &&
      isSplatOf(operands[1], *rhsIdentity))
    return lhs;
  if (lhsIdentity && rhs.getType() == resultType &&
      broadcastsInto(lhs.getType(), resultType) &&
      isSplatOf(operands[0], *lhsIdentity))
    return rhs;
  bool isFloat = isa<FloatType>(getElementTypeOrSelf(resultType));
  bool isUnsigned = isUnsignedInt(getElementTypeOrSelf(lhs));
  return foldElementwise(
      op, operands, isFloat,
      [&](ArrayRef<const Literal *> args,
          ArrayRef<int64_t> at) -> std::optional<double> {
        const Literal &l = *args[0], &r = *args[1];
        if (l.isFloat)
          return fn(l.floats[at[0]], r.floats[at[1]], /*isInt=*/false,
                    isUnsigned);
        return fn(static_cast<double>(l.ints[at[0]]),
                  static_cast<double>(r.ints[at[1]]), /*isInt=*/true,
                  isUnsigned);
      });
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), 0.0, 0.0,
                    [](double a, double b, bool, bool) { return a + b; });
}
OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  // x - x is 0 for integers (not for floats: inf - inf is NaN). Exporters
  // compute a past length of 0 so: seq_len - seq_len.
  auto type = getType();
  if (getLhs() == getRhs() && isa<IntegerType>(type.getElementType()) &&
      type.hasStaticShape())
    return DenseElementsAttr::get(
        type, IntegerAttr::get(type.getElementType(), 0).getValue());
  return foldBinary(*this, adaptor.getOperands(), 0.0, std::nullopt,
                    [](double a, double b, bool, bool) { return a - b; });
}
OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), 1.0, 1.0,
                    [](double a, double b, bool, bool) { return a * b; });
}
OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), 1.0, std::nullopt,
                    [](double a, double b, bool isInt,
                       bool) -> std::optional<double> {
                      if (!isInt)
                        return a / b;
                      if (b == 0)
                        return std::nullopt; // Undefined: leave it to run time.
                      return std::trunc(a / b);
                    });
}
OpFoldResult ModOp::fold(FoldAdaptor adaptor) {
  bool fmod = getFmod();
  return foldBinary(*this, adaptor.getOperands(), std::nullopt, std::nullopt,
                    [fmod](double a, double b, bool isInt,
                           bool) -> std::optional<double> {
                      if (b == 0)
                        return std::nullopt; // Undefined: leave it to run time.
                      double r = std::fmod(a, b);
                      if (!fmod && isInt && r != 0 && ((r < 0) != (b < 0)))
                        r += b;
                      return r;
                    });
}
OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), 1.0, std::nullopt,
                    [](double a, double b, bool, bool) {
                      return std::pow(a, b);
                    });
}
OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), std::nullopt, std::nullopt,
                    [](double a, double b, bool, bool) {
                      return std::isnan(a) || std::isnan(b) ? NAN
                                                            : std::max(a, b);
                    });
}
OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), std::nullopt, std::nullopt,
                    [](double a, double b, bool, bool) {
                      return std::isnan(a) || std::isnan(b) ? NAN
                                                            : std::min(a, b);
                    });
}
OpFoldResult AndOp::fold(FoldAdaptor adaptor) {
  if (!getType().getElementType().isInteger(1))
    return {}; // Bitwise on wider integers: doubles do not hold the bits.
  return foldBinary(*this, adaptor.getOperands(), 1.0, 1.0,
                    [](double a, double b, bool, bool) {
                      return (a != 0 && b != 0) ? 1.0 : 0.0;
                    });
}
OpFoldResult OrOp::fold(FoldAdaptor adaptor) {
  if (!getType().getElementType().isInteger(1))
    return {}; // Bitwise on wider integers: doubles do not hold the bits.
  return foldBinary(*this, adaptor.getOperands(), 0.0, 0.0,
                    [](double a, double b, bool, bool) {
                      return (a != 0 || b != 0) ? 1.0 : 0.0;
                    });
}
OpFoldResult XorOp::fold(FoldAdaptor adaptor) {
  if (!getType().getElementType().isInteger(1))
    return {}; // Bitwise on wider integers: doubles do not hold the bits.
  return foldBinary(*this, adaptor.getOperands(), 0.0, 0.0,
                    [](double a, double b, bool, bool) {
                      return ((a != 0) != (b != 0)) ? 1.0 : 0.0;
                    });
}
OpFoldResult EqualOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), std::nullopt, std::nullopt,
                    [](double a, double b, bool, bool) {
                      return a == b ? 1.0 : 0.0;
                    });
}
OpFoldResult LessOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), std::nullopt, std::nullopt,
                    [](double a, double b, bool, bool) {
                      return a < b ? 1.0 : 0.0;
                    });
}
OpFoldResult LessEqualOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), std::nullopt, std::nullopt,
                    [](double a, double b, bool, bool) {
                      return a <= b ? 1.0 : 0.0;
                    });
}
OpFoldResult GreaterOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), std::nullopt, std::nullopt,
                    [](double a, double b, bool, bool) {
                      return a > b ? 1.0 : 0.0;
                    });
}
OpFoldResult GreaterEqualOp::fold(FoldAdaptor adaptor) {
  return foldBinary(*this, adaptor.getOperands(), std::nullopt, std::nullopt,
                    [](double a, double b, bool, bool) {
                      return a >= b ? 1.0 : 0.0;
                    });
}

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  Type resultType = getType();
  // The other operands must not broadcast the chosen one to a larger shape.
  auto chosen = [&](Value value, Value other) {
    return value.getType() == resultType &&
           broadcastsInto(getCondition().getType(), resultType) &&
           broadcastsInto(other.getType(), resultType);
  };
  if (isSplatOf(adaptor.getCondition(), 1) && chosen(getX(), getY()))
    return getX();
  if (isSplatOf(adaptor.getCondition(), 0) && chosen(getY(), getX()))
    return getY();
  if (getX() == getY() && chosen(getX(), getY()))
    return getX();
  bool isFloat = isa<FloatType>(getElementTypeOrSelf(resultType));
  return foldElementwise(
      *this, adaptor.getOperands(), isFloat,
      [](ArrayRef<const Literal *> args,
         ArrayRef<int64_t> at) -> std::optional<double> {
        return args[0]->ints[at[0]] != 0 ? args[1]->getDouble(at[1])
                                         : args[2]->getDouble(at[2]);
      });
}

/// A small integer vector whose every element is known from static
/// dimensions (`gather(shape_of(x), 3)` of an `x` whose dimension 3 is
/// static) becomes a constant, so that scales computed from head sizes
/// (`1 / sqrt(d)` with d read from a shape) fold as well.
static OpFoldResult foldKnownInts(Operation *op) {
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type || type.getRank() > 1 || !type.hasStaticShape() ||
      !isa<IntegerType>(type.getElementType()) ||
      type.getElementType().isInteger(1))
    return {};
  std::optional<SmallVector<int64_t>> known =
      getKnownIntValues(op->getResult(0));
  if (!known || llvm::any_of(*known, ShapedType::isDynamic) ||
      static_cast<int64_t>(known->size()) != type.getNumElements())
    return {};
  SmallVector<APInt> values;
  for (int64_t v : *known)
    values.push_back(APInt(type.getElementType().getIntOrFloatBitWidth(), v,
                           /*isSigned=*/true, /*implicitTrunc=*/true));
  return DenseIntElementsAttr::get(type, values);
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult known = foldKnownInts(*this))
    return known;
  if (getInput().getType() == getType())
    return getInput();
  bool isFloat = isa<FloatType>(getType().getElementType());
  Type resultElement = getType().getElementType();
  return foldUnary(*this, adaptor.getInput(), [&](double x) {
    if (resultElement.isInteger(1))
      return x != 0 ? 1.0 : 0.0;
    return isFloat ? x : std::trunc(x);
  });
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// Folds a reduction over unit dimensions to its input and a small constant
/// by evaluation.
template <typename Combine>
static OpFoldResult foldReduction(Operation *op, Attribute input,
                                  ArrayRef<int64_t> axes, double init,
                                  bool isMean, Combine combine) {
  Value in = op->getOperand(0);
  auto inputType = cast<RankedTensorType>(in.getType());
  RankedTensorType resultType = getResultType(op);
  if (in.getType() == resultType &&
      llvm::all_of(axes, [&](int64_t a) { return inputType.getDimSize(a) == 1; }))
    return in;
  auto literal = readLiteral(input);
  if (!literal || !inputType.hasStaticShape() || !resultType.hasStaticShape())
    return {};
  ArrayRef<int64_t> shape = inputType.getShape();
  SmallVector<int64_t> reducedShape(shape);
  int64_t reducedCount = 1;
  for (int64_t a : axes) {
    reducedShape[a] = 1;
    reducedCount *= shape[a];
  }
  SmallVector<int64_t> inStrides = getStrides(shape);
  SmallVector<int64_t> outStrides = getStrides(reducedShape);
  SmallVector<double> acc(ShapedType::getNumElements(reducedShape), init);
  for (int64_t i = 0; i < literal->size(); ++i) {
    int64_t out = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      if (reducedShape[d] != 1)
        out += ((i / inStrides[d]) % shape[d]) * outStrides[d];
    acc[out] = combine(acc[out], literal->getDouble(i));
  }
  if (isMean)
    for (double &v : acc)
      v /= reducedCount;
  if (literal->isFloat)
    return writeLiteral(resultType, acc, {});
  SmallVector<int64_t> ints(acc.begin(), acc.end());
  return writeLiteral(resultType, {}, ints);
}

OpFoldResult ReduceSumOp::fold(FoldAdaptor adaptor) {
  return foldReduction(*this, adaptor.getInput(), getAxes(), 0.0, false,
                       [](double a, double b) { return a + b; });
}
OpFoldResult ReduceMeanOp::fold(FoldAdaptor adaptor) {
  return foldReduction(*this, adaptor.getInput(), getAxes(), 0.0, true,
                       [](double a, double b) { return a + b; });
}
OpFoldResult ReduceMaxOp::fold(FoldAdaptor adaptor) {
  return foldReduction(*this, adaptor.getInput(), getAxes(), -INFINITY, false,
                       [](double a, double b) { return std::max(a, b); });
}
OpFoldResult ReduceMinOp::fold(FoldAdaptor adaptor) {
  return foldReduction(*this, adaptor.getInput(), getAxes(), INFINITY, false,
                       [](double a, double b) { return std::min(a, b); });
}
OpFoldResult ReduceProdOp::fold(FoldAdaptor adaptor) {
  return foldReduction(*this, adaptor.getInput(), getAxes(), 1.0, false,
                       [](double a, double b) { return a * b; });
}

//===----------------------------------------------------------------------===//
// Layout ops
//===----------------------------------------------------------------------===//

/// Folds an op that only reinterprets its input's shape (element order
/// unchanged): to the input when the shape is unchanged, and a constant
/// input to a constant of the result type. Equal types prove equal shapes
/// only when they are static: `?x?x?` may hold [8, 1, 64] on one side and
/// [8, 4, 16] on the other, so a dynamic reshape must show its shape is the
/// input's own (`sameShape`).
static OpFoldResult foldShapeCast(Operation *op, Attribute input,
                                  bool sameShape) {
  Value in = op->getOperand(0);
  RankedTensorType resultType = getResultType(op);
  if (in.getType() == resultType && (resultType.hasStaticShape() || sameShape))
    return in;
  auto dense = dyn_cast_if_present<DenseElementsAttr>(input);
  if (!dense || !resultType.hasStaticShape() ||
      (!dense.isSplat() && dense.getNumElements() > kMaxFoldedElements))
    return {};
  return dense.reshape(resultType);
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  if (llvm::equal(getPerm(), llvm::seq<int64_t>(0, getPerm().size())) &&
      getInput().getType() == getType())
    return getInput();
  auto literal = readLiteral(adaptor.getInput());
  RankedTensorType inputType = getInput().getType();
  if (!literal || !getType().hasStaticShape() || !inputType.hasStaticShape())
    return {};
  SmallVector<int64_t> inStrides = getStrides(inputType.getShape());
  SmallVector<int64_t> outStrides = getStrides(getType().getShape());
  SmallVector<int64_t> indices(literal->size());
  for (int64_t i = 0; i < literal->size(); ++i) {
    int64_t index = 0;
    for (auto [d, p] : llvm::enumerate(getPerm()))
      index += ((i / outStrides[d]) % getType().getDimSize(d)) * inStrides[p];
    indices[i] = index;
  }
  return remapLiteral(getType(), *literal, indices);
}

namespace {
/// transpose(transpose(x, p1), p2) -> transpose(x, p1 o p2).
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().getDefiningOp<TransposeOp>();
    if (!producer)
      return failure();
    SmallVector<int64_t> perm;
    for (int64_t p : op.getPerm())
      perm.push_back(producer.getPerm()[p]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(),
                                             producer.getInput(), perm);
    return success();
  }
};
} // namespace

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<ComposeTransposes>(context);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  return foldShapeCast(*this, adaptor.getInput(),
                       isShapeOf(getShape(), getInput(),
                                 getAllowzero() ? std::nullopt
                                                : std::optional<int64_t>(0)));
}

namespace {
/// A reshape whose result type is static takes its shape from a constant,
/// which frees the shape computation feeding it.
struct StaticReshapeShape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    if (!type.hasStaticShape() || matchPattern(op.getShape(), m_Constant()))
      return failure();
    auto shapeType = RankedTensorType::get({type.getRank()},
                                           rewriter.getI64Type());
    Value shape = ConstantOp::create(
        rewriter, op.getLoc(),
        DenseIntElementsAttr::get(shapeType, type.getShape()));
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, type, op.getInput(), shape,
                                           /*allowzero=*/true);
    return success();
  }
};

/// reshape(reshape(x, s1), s2) -> reshape(x, s2) when s2 does not copy
/// dimensions (0 entries) of the intermediate value.
struct ComposeReshapes : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().getDefiningOp<ReshapeOp>();
    if (!producer)
      return failure();
    auto known = getKnownIntValues(op.getShape());
    if (!op.getAllowzero() && (!known || llvm::any_of(*known, [](int64_t v) {
                                 return v == 0 || ShapedType::isDynamic(v);
                               })))
      return failure();
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(),
                                           producer.getInput(), op.getShape(),
                                           op.getAllowzero());
    return success();
  }
};
} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<StaticReshapeShape, ComposeReshapes>(context);
}

OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult known = foldKnownInts(*this))
    return known;
  // Inserting dimensions always changes the rank: no fold to the input.
  return foldShapeCast(*this, adaptor.getInput(), /*sameShape=*/false);
}

OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult known = foldKnownInts(*this))
    return known;
  // An unchanged rank means nothing was squeezed.
  return foldShapeCast(*this, adaptor.getInput(), /*sameShape=*/true);
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult known = foldKnownInts(*this))
    return known;
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  RankedTensorType type = getType();
  if (!type.hasStaticShape() || type.getNumElements() > kMaxFoldedElements)
    return {};
  SmallVector<Literal> parts;
  for (Attribute attr : adaptor.getInputs()) {
    auto literal = readLiteral(attr);
    if (!literal || !literal->type.hasStaticShape())
      return {};
    parts.push_back(std::move(*literal));
  }
  // Copy blocks of `inner` elements, where `inner` spans the axis and after.
  int64_t outer = ShapedType::getNumElements(type.getShape().take_front(getAxis()));
  SmallVector<double> floats;
  SmallVector<int64_t> ints;
  for (int64_t o = 0; o < outer; ++o) {
    for (const Literal &part : parts) {
      int64_t inner = part.size() / std::max<int64_t>(outer, 1);
      for (int64_t i = o * inner; i < (o + 1) * inner; ++i) {
        if (part.isFloat)
          floats.push_back(part.floats[i]);
        else
          ints.push_back(part.ints[i]);
      }
    }
  }
  return writeLiteral(type, floats, ints);
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult known = foldKnownInts(*this))
    return known;
  RankedTensorType inputType = getInput().getType();
  if (inputType == getType() && inputType.hasStaticShape())
    return getInput(); // Selecting every element in order.
  auto literal = readLiteral(adaptor.getInput());
  auto starts = readLiteral(adaptor.getStarts());
  auto axes = readLiteral(adaptor.getAxes());
  auto steps = readLiteral(adaptor.getSteps());
  if (!literal || !starts || !axes || !steps || !inputType.hasStaticShape() ||
      !getType().hasStaticShape())
    return {};
  int64_t rank = inputType.getRank();
  SmallVector<int64_t> begin(rank, 0), stride(rank, 1);
  for (int64_t i = 0; i < axes->size(); ++i) {
    int64_t axis = axes->ints[i] < 0 ? axes->ints[i] + rank : axes->ints[i];
    int64_t dim = inputType.getDimSize(axis);
    int64_t start = starts->ints[i], step = steps->ints[i];
    if (start < 0)
      start += dim;
    // As SliceOp::inferReturnTypes clamps.
    start = step > 0 ? std::clamp<int64_t>(start, 0, dim)
                     : std::min<int64_t>(std::max<int64_t>(start, 0), dim - 1);
    begin[axis] = start;
    stride[axis] = step;
  }
  SmallVector<int64_t> inStrides = getStrides(inputType.getShape());
  SmallVector<int64_t> outStrides = getStrides(getType().getShape());
  SmallVector<int64_t> indices(getType().getNumElements());
  for (int64_t i = 0; i < static_cast<int64_t>(indices.size()); ++i) {
    int64_t index = 0;
    for (int64_t d = 0; d < rank; ++d)
      index += (begin[d] + ((i / outStrides[d]) % getType().getDimSize(d)) *
                               stride[d]) *
               inStrides[d];
    indices[i] = index;
  }
  return remapLiteral(getType(), *literal, indices);
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult known = foldKnownInts(*this))
    return known;
  auto data = readLiteral(adaptor.getData());
  auto gathered = readLiteral(adaptor.getIndices());
  RankedTensorType dataType = getData().getType();
  if (!data || !gathered || !dataType.hasStaticShape() ||
      !getType().hasStaticShape())
    return {};
  int64_t axis = getAxis();
  int64_t dim = dataType.getDimSize(axis);
  int64_t outer = ShapedType::getNumElements(dataType.getShape().take_front(axis));
  int64_t inner =
      ShapedType::getNumElements(dataType.getShape().drop_front(axis + 1));
  SmallVector<int64_t> indices;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t g : gathered->ints) {
      if (g < 0)
        g += dim;
      if (g < 0 || g >= dim)
        return {};
      for (int64_t i = 0; i < inner; ++i)
        indices.push_back((o * dim + g) * inner + i);
    }
  }
  return remapLiteral(getType(), *data, indices);
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  // A dynamic dimension of the input may be 1 at run time and grow.
  if (getInput().getType() == getType() &&
      (getType().hasStaticShape() ||
       isShapeOf(getShape(), getInput(), /*keepValue=*/1)))
    return getInput();
  auto dense = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput());
  if (!dense || !getType().hasStaticShape())
    return {};
  if (dense.isSplat())
    return SplatElementsAttr::get(getType(), dense.getSplatValue<Attribute>());
  auto literal = readLiteral(dense);
  if (!literal || getType().getNumElements() > kMaxFoldedElements)
    return {};
  return remapLiteral(getType(), *literal,
                      getBroadcastIndices(literal->type.getShape(),
                                          getType().getShape()));
}

OpFoldResult TileOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() && getType().hasStaticShape())
    return getInput(); // Every repeat is 1.
  auto literal = readLiteral(adaptor.getInput());
  RankedTensorType inputType = getInput().getType();
  if (!literal || !inputType.hasStaticShape() || !getType().hasStaticShape() ||
      getType().getNumElements() > kMaxFoldedElements)
    return {};
  SmallVector<int64_t> inStrides = getStrides(inputType.getShape());
  SmallVector<int64_t> outStrides = getStrides(getType().getShape());
  SmallVector<int64_t> indices(getType().getNumElements());
  for (int64_t i = 0; i < static_cast<int64_t>(indices.size()); ++i) {
    int64_t index = 0;
    for (int64_t d = 0; d < inputType.getRank(); ++d)
      index += (((i / outStrides[d]) % getType().getDimSize(d)) %
                inputType.getDimSize(d)) *
               inStrides[d];
    indices[i] = index;
  }
  return remapLiteral(getType(), *literal, indices);
}

//===----------------------------------------------------------------------===//
// Shape computations
//===----------------------------------------------------------------------===//

OpFoldResult ShapeOfOp::fold(FoldAdaptor) {
  RankedTensorType inputType = getInput().getType();
  if (!inputType.hasStaticShape())
    return {};
  return DenseIntElementsAttr::get(getType(), inputType.getShape());
}

OpFoldResult ConstantOfShapeOp::fold(FoldAdaptor) {
  auto value = dyn_cast<DenseElementsAttr>(getValue());
  if (!value || !getType().hasStaticShape())
    return {};
  return SplatElementsAttr::get(getType(), *value.value_begin<Attribute>());
}

OpFoldResult RangeOp::fold(FoldAdaptor adaptor) {
  auto start = readLiteral(adaptor.getStart());
  auto delta = readLiteral(adaptor.getDelta());
  if (!start || !delta || !getType().hasStaticShape() ||
      getType().getNumElements() > kMaxFoldedElements)
    return {};
  SmallVector<double> floats;
  SmallVector<int64_t> ints;
  for (int64_t i = 0; i < getType().getNumElements(); ++i) {
    if (start->isFloat)
      floats.push_back(start->floats[0] + i * delta->floats[0]);
    else
      ints.push_back(start->ints[0] + i * delta->ints[0]);
  }
  return writeLiteral(getType(), floats, ints);
}
