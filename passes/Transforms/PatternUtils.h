//===- PatternUtils.h - Helpers for matching exported subgraphs -*- C++ -*-===//
//
// Fusion patterns match the op sequences exporters emit, in their several
// operand orders. These helpers answer the questions every pattern asks: is
// this operand a splat constant of a given value, which operand is the other
// one, is an intermediate used only inside the pattern.
//
//===----------------------------------------------------------------------===//

#ifndef XF_PASSES_TRANSFORMS_PATTERNUTILS_H
#define XF_PASSES_TRANSFORMS_PATTERNUTILS_H

#include "dialects/xf/XFOps.h"

#include "mlir/IR/Matchers.h"

#include <cmath>
#include <optional>

namespace mlir::xf {

/// The value of a splat floating-point constant (through xf.cast of one).
inline std::optional<double> getSplatFloat(Value value) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.isSplat())
    return std::nullopt;
  if (isa<FloatType>(attr.getElementType()))
    return attr.getSplatValue<APFloat>().convertToDouble();
  if (isa<IntegerType>(attr.getElementType()))
    return static_cast<double>(attr.getSplatValue<APInt>().getSExtValue());
  return std::nullopt;
}

/// Whether `value` is a splat constant within a relative `tolerance` of
/// `expected` (exporters round constants such as sqrt(2) differently).
inline bool isSplatNear(Value value, double expected,
                        double tolerance = 1e-4) {
  std::optional<double> actual = getSplatFloat(value);
  return actual && std::fabs(*actual - expected) <=
                       tolerance * std::max(1.0, std::fabs(expected));
}

/// For a binary op with `known` as one operand, the other operand.
inline Value getOtherOperand(Operation *op, Value known) {
  if (op->getNumOperands() != 2)
    return {};
  if (op->getOperand(0) == known)
    return op->getOperand(1);
  if (op->getOperand(1) == known)
    return op->getOperand(0);
  return {};
}

/// The defining op of `value` if it is an `OpTy` whose result has exactly
/// one use: an intermediate that a fusion may absorb.
template <typename OpTy>
OpTy getSingleUseProducer(Value value) {
  auto op = value.getDefiningOp<OpTy>();
  if (!op || !op->getResult(0).hasOneUse())
    return {};
  return op;
}

/// The number of `OpTy` ops nested in `root`: fusion passes count their
/// effect as the difference before and after.
template <typename OpTy>
int64_t countOps(Operation *root) {
  int64_t count = 0;
  root->walk([&](OpTy) { ++count; });
  return count;
}

} // namespace mlir::xf

#endif // XF_PASSES_TRANSFORMS_PATTERNUTILS_H
