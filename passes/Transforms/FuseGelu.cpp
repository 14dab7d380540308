//===- FuseGelu.cpp - Fuse decomposed GELU into xf.gelu -------------------===//
//
// Exporters write GELU as elementwise arithmetic, in two forms:
//   erf:  0.5 * x * (1 + erf(x / sqrt(2)))
//   tanh: 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
// with the three factors of the outer product in any order and grouping, and
// x / sqrt(2) written as a division or a multiplication by 1 / sqrt(2).
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFOps.h"
#include "passes/Passes.h"
#include "passes/Transforms/PatternUtils.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFFUSEGELU
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

/// The factors of the product rooted at `value`: multiplications are followed
/// through intermediates used only by the product.
static void collectFactors(Value value, bool isRoot,
                           SmallVectorImpl<Value> &factors) {
  auto mul = value.getDefiningOp<MulOp>();
  if (mul && (isRoot || mul->getResult(0).hasOneUse()) && factors.size() < 8) {
    collectFactors(mul.getLhs(), false, factors);
    collectFactors(mul.getRhs(), false, factors);
    return;
  }
  factors.push_back(value);
}

/// Whether `value` is `x / sqrt(2)` or `x * (1 / sqrt(2))`.
static bool isScaledBySqrtHalf(Value value, Value x) {
  if (auto div = getSingleUseProducer<DivOp>(value))
    return div.getLhs() == x && isSplatNear(div.getRhs(), M_SQRT2);
  if (auto mul = getSingleUseProducer<MulOp>(value)) {
    Value other = getOtherOperand(mul, x);
    return other && isSplatNear(other, M_SQRT1_2);
  }
  return false;
}

/// Whether `value` is x^3, as a power or as products.
static bool isCube(Value value, Value x) {
  if (auto pow = getSingleUseProducer<PowOp>(value))
    return pow.getLhs() == x && isSplatNear(pow.getRhs(), 3.0);
  SmallVector<Value> factors;
  if (!getSingleUseProducer<MulOp>(value))
    return false;
  collectFactors(value, /*isRoot=*/true, factors);
  return factors.size() == 3 &&
         llvm::all_of(factors, [&](Value f) { return f == x; });
}

/// Whether `value` is `sqrt(2 / pi) * (x + 0.044715 * x^3)`.
static bool isTanhArgument(Value value, Value x) {
  auto scale = getSingleUseProducer<MulOp>(value);
  if (!scale)
    return false;
  Value inner;
  for (Value operand : scale->getOperands())
    if (isSplatNear(operand, std::sqrt(2.0 / M_PI)))
      inner = getOtherOperand(scale, operand);
  auto sum = inner ? getSingleUseProducer<AddOp>(inner) : AddOp();
  Value cubic = sum ? getOtherOperand(sum, x) : Value();
  auto term = cubic ? getSingleUseProducer<MulOp>(cubic) : MulOp();
  if (!term)
    return false;
  for (Value operand : term->getOperands())
    if (isSplatNear(operand, 0.044715) &&
        isCube(getOtherOperand(term, operand), x))
      return true;
  return false;
}

/// If `value` is `1 + erf(x / sqrt(2))` or `1 + tanh(...)` for some x, the
/// GELU form it belongs to ("none" or "tanh") and x.
static std::optional<std::pair<StringRef, Value>> matchOnePlus(Value value) {
  auto add = getSingleUseProducer<AddOp>(value);
  if (!add)
    return std::nullopt;
  for (Value operand : add->getOperands()) {
    if (!isSplatNear(operand, 1.0))
      continue;
    Value other = getOtherOperand(add, operand);
    if (auto erf = getSingleUseProducer<ErfOp>(other)) {
      // erf's argument is x scaled: x is the lhs of that scaling.
      Operation *scaling = erf.getInput().getDefiningOp();
      if (scaling && isa<DivOp, MulOp>(scaling))
        for (Value candidate : scaling->getOperands())
          if (isScaledBySqrtHalf(erf.getInput(), candidate))
            return std::make_pair(StringRef("none"), candidate);
    }
    if (auto tanh = getSingleUseProducer<TanhOp>(other)) {
      // x is the operand of the sum inside the tanh that is not the cubic.
      auto scale = tanh.getInput().getDefiningOp<MulOp>();
      if (!scale)
        continue;
      for (Value scaled : scale->getOperands())
        if (auto sum = scaled.getDefiningOp<AddOp>())
          for (Value candidate : sum->getOperands())
            if (isTanhArgument(tanh.getInput(), candidate))
              return std::make_pair(StringRef("tanh"), candidate);
    }
  }
  return std::nullopt;
}

namespace {
/// 0.5 * x * (1 + f(x)) -> xf.gelu(x), f being the erf or tanh form.
struct FuseGeluPattern : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp root,
                                PatternRewriter &rewriter) const override {
    SmallVector<Value> factors;
    collectFactors(root.getResult(), /*isRoot=*/true, factors);
    if (factors.size() != 3)
      return failure();
    for (Value onePlus : factors) {
      auto form = matchOnePlus(onePlus);
      if (!form)
        continue;
      auto [approximate, x] = *form;
      bool hasHalf = false, hasX = false;
      for (Value factor : factors) {
        if (factor == onePlus)
          continue;
        hasHalf |= isSplatNear(factor, 0.5);
        hasX |= factor == x;
      }
      if (!hasHalf || !hasX || x.getType() != root.getType())
        continue;
      rewriter.replaceOpWithNewOp<GeluOp>(root, x, approximate);
      return success();
    }
    return failure();
  }
};

struct FuseGeluPass : xf::impl::XFFuseGeluBase<FuseGeluPass> {
  void runOnOperation() override {
    int64_t before = countOps<GeluOp>(getOperation());
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseGeluPattern>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    numFused += countOps<GeluOp>(getOperation()) - before;
  }
};
} // namespace
