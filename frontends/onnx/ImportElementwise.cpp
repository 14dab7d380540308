//===- ImportElementwise.cpp - Elementwise ONNX ops -----------------------===//

#include "frontends/onnx/NodeImporter.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::xf;

template <typename OpTy>
static LogicalResult importUnary(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto result = n.create<OpTy>(*x);
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

/// ONNX elementwise ops take operands of one element type; saying which
/// types differ is clearer than the op verifier's message.
static LogicalResult checkSameElementType(NodeImporter &n, Value lhs,
                                          Value rhs) {
  if (getElementTypeOrSelf(lhs) == getElementTypeOrSelf(rhs))
    return success();
  n.emitError() << "operands have different element types: " << lhs.getType()
                << " and " << rhs.getType();
  return failure();
}

template <typename OpTy>
static LogicalResult importBinary(NodeImporter &n) {
  auto lhs = n.requiredInput(0), rhs = n.requiredInput(1);
  if (failed(lhs) || failed(rhs) || failed(checkSameElementType(n, *lhs, *rhs)))
    return failure();
  auto result = n.create<OpTy>(*lhs, *rhs);
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

/// Max, Min and Sum take one or more operands, none of which may be omitted.
template <typename OpTy>
static FailureOr<Value> combineVariadic(NodeImporter &n) {
  auto acc = n.requiredInput(0);
  if (failed(acc))
    return failure();
  for (unsigned i = 1; i < n.numInputs(); ++i) {
    auto operand = n.requiredInput(i);
    if (failed(operand) || failed(checkSameElementType(n, *acc, *operand)))
      return failure();
    acc = n.create<OpTy>(*acc, *operand);
    if (failed(acc))
      return failure();
  }
  return acc;
}

template <typename OpTy>
static LogicalResult importVariadic(NodeImporter &n) {
  auto result = combineVariadic<OpTy>(n);
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

static LogicalResult importMean(NodeImporter &n) {
  auto sum = combineVariadic<AddOp>(n);
  if (failed(sum))
    return failure();
  Value count = n.scalar(getElementTypeOrSelf(*sum), n.numInputs());
  auto mean = n.create<DivOp>(*sum, count);
  if (failed(mean))
    return failure();
  n.setResult(0, *mean);
  return success();
}

/// ONNX Pow allows an exponent of another numeric type.
static LogicalResult importPow(NodeImporter &n) {
  auto base = n.requiredInput(0), exponent = n.requiredInput(1);
  if (failed(base) || failed(exponent))
    return failure();
  // The result has the base's type; an exponent of another type is
  // converted to it (integer exponents of float bases are exact, and the
  // float exponents of integer bases that models use are whole numbers).
  Type elementType = getElementTypeOrSelf(*base);
  if (getElementTypeOrSelf(*exponent) != elementType) {
    auto type = cast<RankedTensorType>(exponent->getType());
    exponent = n.create<CastOp>(type.clone(elementType), *exponent);
    if (failed(exponent))
      return failure();
  }
  auto result = n.create<PowOp>(*base, *exponent);
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

static LogicalResult importIdentity(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  n.setResult(0, *x);
  return success();
}

static LogicalResult castTo(NodeImporter &n, Value x, Type elementType) {
  auto type = cast<RankedTensorType>(x.getType());
  auto result = n.create<CastOp>(type.clone(elementType), x);
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

static LogicalResult importCast(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  if (!n.hasAttr("to")) {
    n.emitError() << "the 'to' attribute is required";
    return failure();
  }
  int64_t to = n.getInt("to", 0);
  Type elementType = getElementType(n.getContext(), to);
  if (!elementType) {
    n.emitError() << "cast to unsupported data type "
                  << getOnnxDataTypeName(to);
    return failure();
  }
  return castTo(n, *x, elementType);
}

static LogicalResult importCastLike(NodeImporter &n) {
  auto x = n.requiredInput(0), like = n.requiredInput(1);
  if (failed(x) || failed(like))
    return failure();
  return castTo(n, *x, getElementTypeOrSelf(*like));
}

static LogicalResult importWhere(NodeImporter &n) {
  auto c = n.requiredInput(0), x = n.requiredInput(1), y = n.requiredInput(2);
  if (failed(c) || failed(x) || failed(y) ||
      failed(checkSameElementType(n, *x, *y)))
    return failure();
  auto result = n.create<WhereOp>(*c, *x, *y);
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

/// Clip bounds are attributes before opset 11 and optional inputs after.
static LogicalResult importClip(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  if (failed(n.checkAttrOrInput("min", 1, 11)) ||
      failed(n.checkAttrOrInput("max", 2, 11)))
    return failure();
  Type elementType = getElementTypeOrSelf(*x);
  Value lo, hi;
  if (n.getOpset() < 11) {
    if (n.hasAttr("min"))
      lo = n.scalar(elementType, n.getFloat("min", 0));
    if (n.hasAttr("max"))
      hi = n.scalar(elementType, n.getFloat("max", 0));
  } else {
    lo = n.input(1);
    hi = n.input(2);
  }
  FailureOr<Value> result = *x;
  if (lo)
    result = n.create<MaxOp>(*result, lo);
  if (succeeded(result) && hi)
    result = n.create<MinOp>(*result, hi);
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

/// Inference only: Dropout is the identity and its mask all true.
static LogicalResult importDropout(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  if (Value training = n.input(2)) {
    auto mode = n.getConstantInts(training, "training_mode");
    if (failed(mode))
      return failure();
    if (!mode->empty() && mode->front() != 0) {
      n.emitError() << "training mode is not supported (xfc compiles for "
                       "inference)";
      return failure();
    }
  }
  n.setResult(0, *x);
  if (n.hasOutput(1)) {
    auto shape = n.create<ShapeOfOp>(*x);
    if (failed(shape))
      return failure();
    auto boolType = RankedTensorType::get({1}, n.getBuilder().getI1Type());
    auto mask = n.create<ConstantOfShapeOp>(
        *shape, DenseElementsAttr::get(boolType, true));
    if (failed(mask))
      return failure();
    n.setResult(1, *mask);
  }
  return success();
}

static LogicalResult importMod(NodeImporter &n) {
  auto lhs = n.requiredInput(0), rhs = n.requiredInput(1);
  if (failed(lhs) || failed(rhs) || failed(checkSameElementType(n, *lhs, *rhs)))
    return failure();
  bool fmod = n.getInt("fmod", 0) != 0;
  if (!fmod && isa<FloatType>(getElementTypeOrSelf(*lhs))) {
    n.emitError() << "fmod must be 1 for floating-point inputs";
    return failure();
  }
  return n.setResult(n.create<ModOp>(*lhs, *rhs, fmod));
}

/// IsNaN(x) is x != x.
static LogicalResult importIsNaN(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto equal = n.create<EqualOp>(*x, *x);
  if (failed(equal))
    return failure();
  return n.setResult(n.create<NotOp>(*equal));
}

/// IsInf(x) compares x with +inf and -inf, as the attributes ask.
static LogicalResult importIsInf(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  Type elementType = getElementTypeOrSelf(*x);
  bool negative = n.getInt("detect_negative", 1) != 0;
  bool positive = n.getInt("detect_positive", 1) != 0;
  auto compare = [&](double value) {
    return n.create<EqualOp>(*x, n.scalar(elementType, value));
  };
  if (negative && positive) {
    auto abs = n.create<AbsOp>(*x);
    if (failed(abs))
      return failure();
    return n.setResult(
        n.create<EqualOp>(*abs, n.scalar(elementType, INFINITY)));
  }
  if (negative || positive)
    return n.setResult(compare(negative ? -INFINITY : INFINITY));
  auto shape = n.create<ShapeOfOp>(*x);
  if (failed(shape))
    return failure();
  auto boolType = RankedTensorType::get({1}, n.getBuilder().getI1Type());
  return n.setResult(n.create<ConstantOfShapeOp>(
      *shape, DenseElementsAttr::get(boolType, false)));
}

/// BitShift: `direction` "LEFT" or "RIGHT" on unsigned integers.
static LogicalResult importBitShift(NodeImporter &n) {
  auto lhs = n.requiredInput(0), rhs = n.requiredInput(1);
  if (failed(lhs) || failed(rhs) || failed(checkSameElementType(n, *lhs, *rhs)))
    return failure();
  std::string direction = n.getString("direction", "");
  if (direction != "LEFT" && direction != "RIGHT") {
    n.emitError() << "direction must be LEFT or RIGHT, got '" << direction
                  << "'";
    return failure();
  }
  return n.setResult(n.create<BitShiftOp>(
      *lhs, *rhs, direction == "LEFT" ? "left" : "right"));
}

static LogicalResult importGelu(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  std::string approximate = n.getString("approximate", "none");
  auto result = n.create<GeluOp>(*x, approximate);
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

void xf::addElementwiseImporters(OpImporterTable &table) {
  table["Add"] = {importBinary<AddOp>, 1};
  table["Sub"] = {importBinary<SubOp>, 1};
  table["Mul"] = {importBinary<MulOp>, 1};
  table["Div"] = {importBinary<DivOp>, 1};
  table["Pow"] = {importPow, 1};
  table["Max"] = {importVariadic<MaxOp>, 1};
  table["Min"] = {importVariadic<MinOp>, 1};
  table["Sum"] = {importVariadic<AddOp>, 1};
  table["Mean"] = {importMean, 1};
  table["And"] = {importBinary<AndOp>, 1};
  table["Or"] = {importBinary<OrOp>, 1};
  table["Xor"] = {importBinary<XorOp>, 1};
  table["Equal"] = {importBinary<EqualOp>, 1};
  table["Less"] = {importBinary<LessOp>, 1};
  table["LessOrEqual"] = {importBinary<LessEqualOp>, 12};
  table["Greater"] = {importBinary<GreaterOp>, 1};
  table["GreaterOrEqual"] = {importBinary<GreaterEqualOp>, 12};
  table["Not"] = {importUnary<NotOp>, 1};
  table["BitwiseAnd"] = {importBinary<AndOp>, 18};
  table["BitwiseOr"] = {importBinary<OrOp>, 18};
  table["BitwiseXor"] = {importBinary<XorOp>, 18};
  table["BitwiseNot"] = {importUnary<NotOp>, 18};
  table["BitShift"] = {importBitShift, 11};
  table["Sin"] = {importUnary<SinOp>, 7};
  table["Cos"] = {importUnary<CosOp>, 7};
  table["Tan"] = {importUnary<TanOp>, 7};
  table["Asin"] = {importUnary<AsinOp>, 7};
  table["Acos"] = {importUnary<AcosOp>, 7};
  table["Atan"] = {importUnary<AtanOp>, 7};
  table["Sinh"] = {importUnary<SinhOp>, 9};
  table["Cosh"] = {importUnary<CoshOp>, 9};
  table["Asinh"] = {importUnary<AsinhOp>, 9};
  table["Acosh"] = {importUnary<AcoshOp>, 9};
  table["Atanh"] = {importUnary<AtanhOp>, 9};
  table["Ceil"] = {importUnary<CeilOp>, 1};
  table["Floor"] = {importUnary<FloorOp>, 1};
  table["Round"] = {importUnary<RoundOp>, 11};
  table["Sign"] = {importUnary<SignOp>, 9};
  table["Mod"] = {importMod, 10};
  table["IsNaN"] = {importIsNaN, 9};
  table["IsInf"] = {importIsInf, 10};
  table["Neg"] = {importUnary<NegOp>, 1};
  table["Abs"] = {importUnary<AbsOp>, 1};
  table["Sqrt"] = {importUnary<SqrtOp>, 1};
  table["Exp"] = {importUnary<ExpOp>, 1};
  table["Log"] = {importUnary<LogOp>, 1};
  table["Erf"] = {importUnary<ErfOp>, 9};
  table["Tanh"] = {importUnary<TanhOp>, 1};
  table["Sigmoid"] = {importUnary<SigmoidOp>, 1};
  table["Reciprocal"] = {importUnary<ReciprocalOp>, 1};
  table["Relu"] = {importUnary<ReluOp>, 1};
  table["Gelu"] = {importGelu, 20};
  table["Identity"] = {importIdentity, 1};
  table["Dropout"] = {importDropout, 1};
  table["Cast"] = {importCast, 1};
  table["CastLike"] = {importCastLike, 15};
  table["Where"] = {importWhere, 9};
  table["Clip"] = {importClip, 1};
}
