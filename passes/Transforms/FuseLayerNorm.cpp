//===- FuseLayerNorm.cpp - Fuse decomposed layer norms --------------------===//
//
// torch.onnx (before opset 17) and other exporters write LayerNorm as
//   mean = ReduceMean(x, axes)            d = Sub(x, mean)
//   var  = ReduceMean(Pow(d, 2) | Mul(d, d), axes)
//   n    = Div(d, Sqrt(Add(var, eps)))  |  Mul(d, Reciprocal(Sqrt(...)))
//   y    = Add(Mul(n, gamma), beta)
// over the trailing axes. The scale is fused first, then a bias add that
// follows a layer norm without bias is folded into it.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFOps.h"
#include "passes/Passes.h"
#include "passes/Transforms/PatternUtils.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFFUSELAYERNORM
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

/// Whether `axes` are the trailing axes of a tensor of `rank`.
static bool areTrailingAxes(ArrayRef<int64_t> axes, int64_t rank) {
  if (axes.empty())
    return false;
  for (auto [i, axis] : llvm::enumerate(axes))
    if (axis != rank - static_cast<int64_t>(axes.size() - i))
      return false;
  return true;
}

/// Whether `value` is `d * d` or `d ^ 2`.
static bool isSquareOf(Value value, Value d) {
  if (auto pow = getSingleUseProducer<PowOp>(value))
    return pow.getLhs() == d && isSplatNear(pow.getRhs(), 2.0);
  if (auto mul = getSingleUseProducer<MulOp>(value))
    return mul.getLhs() == d && mul.getRhs() == d;
  return false;
}

namespace {
/// The normalization itself: `(x - mean) / sqrt(var + eps)`, times `gamma`.
struct FuseNormalization : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp root,
                                PatternRewriter &rewriter) const override {
    for (Value normalized : root->getOperands()) {
      Value gamma = getOtherOperand(root, normalized);
      if (succeeded(tryFuse(root, normalized, gamma, rewriter)))
        return success();
    }
    return failure();
  }

  LogicalResult tryFuse(MulOp root, Value normalized, Value gamma,
                        PatternRewriter &rewriter) const {
    // n = d / stddev, or d * (1 / stddev).
    Value d, stddev;
    if (auto div = getSingleUseProducer<DivOp>(normalized)) {
      d = div.getLhs();
      stddev = div.getRhs();
    } else if (auto mul = getSingleUseProducer<MulOp>(normalized)) {
      for (Value operand : mul->getOperands())
        if (auto reciprocal = getSingleUseProducer<ReciprocalOp>(operand)) {
          d = getOtherOperand(mul, operand);
          stddev = reciprocal.getInput();
        }
    }
    if (!d || !stddev)
      return failure();
    auto sqrt = getSingleUseProducer<SqrtOp>(stddev);
    auto shifted = sqrt ? getSingleUseProducer<AddOp>(sqrt.getInput()) : AddOp();
    if (!shifted)
      return failure();
    Value variance, epsilon;
    for (Value operand : shifted->getOperands())
      if (getSplatFloat(operand)) {
        epsilon = operand;
        variance = getOtherOperand(shifted, operand);
      }
    auto varianceMean =
        variance ? getSingleUseProducer<ReduceMeanOp>(variance) : ReduceMeanOp();
    auto centered = d.getDefiningOp<SubOp>();
    if (!varianceMean || !centered || !isSquareOf(varianceMean.getInput(), d))
      return failure();
    // d feeds the square and the normalization, nothing else.
    int64_t dUses = std::distance(d.use_begin(), d.use_end());
    bool squareIsMul = isa<MulOp>(varianceMean.getInput().getDefiningOp());
    if (dUses != (squareIsMul ? 3 : 2))
      return failure();
    Value x = centered.getLhs();
    auto mean = getSingleUseProducer<ReduceMeanOp>(centered.getRhs());
    if (!mean || mean.getInput() != x)
      return failure();
    auto type = cast<RankedTensorType>(x.getType());
    ArrayRef<int64_t> axes = mean.getAxes();
    if (!mean.getKeepdims() || !varianceMean.getKeepdims() ||
        varianceMean.getAxes() != axes ||
        !areTrailingAxes(axes, type.getRank()) || root.getType() != type)
      return failure();
    int64_t axis = axes.front();
    auto gammaType = cast<RankedTensorType>(gamma.getType());
    if (gammaType.getRank() > type.getRank() - axis ||
        gammaType.getElementType() != type.getElementType())
      return failure();
    auto layerNorm = LayerNormOp::create(
        rewriter, root.getLoc(), x, gamma, Value(),
        rewriter.getI64IntegerAttr(axis),
        rewriter.getF32FloatAttr(*getSplatFloat(epsilon)));
    if (failed(mlir::verify(layerNorm))) {
      rewriter.eraseOp(layerNorm);
      return failure();
    }
    rewriter.replaceOp(root, layerNorm.getResult());
    return success();
  }
};

/// add(layer_norm(x, gamma), beta) -> layer_norm(x, gamma, beta).
struct FoldBiasIntoLayerNorm : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp root,
                                PatternRewriter &rewriter) const override {
    for (Value operand : root->getOperands()) {
      auto layerNorm = getSingleUseProducer<LayerNormOp>(operand);
      if (!layerNorm || layerNorm.getBias())
        continue;
      Value beta = getOtherOperand(root, operand);
      auto betaType = cast<RankedTensorType>(beta.getType());
      int64_t normalizedRank =
          layerNorm.getType().getRank() - layerNorm.getAxis();
      if (betaType.getRank() > normalizedRank ||
          root.getType() != layerNorm.getType())
        continue;
      auto fused = LayerNormOp::create(
          rewriter, root.getLoc(), layerNorm.getInput(), layerNorm.getScale(),
          beta, layerNorm.getAxisAttr(), layerNorm.getEpsilonAttr());
      if (failed(mlir::verify(fused))) {
        rewriter.eraseOp(fused);
        continue;
      }
      rewriter.replaceOp(root, fused.getResult());
      return success();
    }
    return failure();
  }
};

struct FuseLayerNormPass : xf::impl::XFFuseLayerNormBase<FuseLayerNormPass> {
  void runOnOperation() override {
    int64_t before = countOps<LayerNormOp>(getOperation());
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseNormalization, FoldBiasIntoLayerNorm>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    numFused += countOps<LayerNormOp>(getOperation()) - before;
  }
};
} // namespace
