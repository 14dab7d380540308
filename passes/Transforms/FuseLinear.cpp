//===- FuseLinear.cpp - Fuse MatMul, bias and activation ------------------===//
//
// Exporters write a linear layer as MatMul(x, W) then Add with the bias (in
// either operand order: torch writes Add(bias, MatMul), Conv1D-style GPT-2
// exports Add(MatMul, bias)), often followed by an activation (GELU, ReLU,
// or SiLU as x * Sigmoid(x)). One `xf.linear` lets code generation apply
// bias and activation to the product as it is produced instead of in
// separate passes over memory. The residual Add before a LayerNorm joins the
// normalization as `xf.skip_layer_norm`.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFOps.h"
#include "passes/Passes.h"
#include "passes/Transforms/PatternUtils.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFFUSELINEAR
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

namespace {
/// add(matmul(x, W), b) -> linear(x, W, b) for a 2-D weight and a bias
/// vector of its columns.
struct FuseBiasAdd : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    for (Value operand : add->getOperands()) {
      auto matmul = getSingleUseProducer<MatMulOp>(operand);
      Value bias = getOtherOperand(add, operand);
      if (!matmul || !bias || matmul.getType() != add.getType() ||
          matmul.getRhs().getType().getRank() != 2 ||
          matmul.getLhs().getType().getRank() < 1)
        continue;
      auto biasType = cast<RankedTensorType>(bias.getType());
      if (biasType.getRank() != 1)
        continue;
      auto linear = LinearOp::create(rewriter, add.getLoc(), add.getType(),
                                     matmul.getLhs(), matmul.getRhs(), bias,
                                     "none");
      if (failed(mlir::verify(linear))) {
        rewriter.eraseOp(linear);
        continue;
      }
      rewriter.replaceOp(add, linear.getResult());
      return success();
    }
    return failure();
  }
};

/// The projection an activation may be folded into: a linear layer without
/// activation, or a MatMul by a 2-D weight (Llama's projections have no
/// bias), whose result has no user but the activation's ops.
static std::optional<std::tuple<Value, Value, Value>>
getProjection(Value value, int64_t allowedUses) {
  if (std::distance(value.use_begin(), value.use_end()) != allowedUses)
    return std::nullopt;
  if (auto linear = value.getDefiningOp<LinearOp>();
      linear && linear.getActivation() == "none")
    return std::make_tuple(linear.getInput(), linear.getWeight(),
                           linear.getBias());
  if (auto matmul = value.getDefiningOp<MatMulOp>();
      matmul && matmul.getRhs().getType().getRank() == 2 &&
      matmul.getLhs().getType().getRank() >= 1 &&
      isa<FloatType>(matmul.getType().getElementType()))
    return std::make_tuple(matmul.getLhs(), matmul.getRhs(), Value());
  return std::nullopt;
}

/// activation(linear(...)) -> linear(..., activation).
template <typename ActivationOp>
struct FuseActivation : OpRewritePattern<ActivationOp> {
  using OpRewritePattern<ActivationOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(ActivationOp op,
                                PatternRewriter &rewriter) const override {
    auto projection = getProjection(op.getInput(), 1);
    if (!projection || op.getInput().getType() != op.getType())
      return failure();
    StringRef activation = "relu";
    if constexpr (std::is_same_v<ActivationOp, GeluOp>)
      activation = op.getApproximate() == "tanh" ? "gelu_tanh" : "gelu";
    auto [input, weight, bias] = *projection;
    rewriter.replaceOpWithNewOp<LinearOp>(op, op.getType(), input, weight,
                                          bias, activation);
    return success();
  }
};

/// x * sigmoid(x) for a projection x -> linear(..., "silu"): SiLU (swish)
/// as torch exports it, in either operand order.
struct FuseSilu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp mul,
                                PatternRewriter &rewriter) const override {
    for (Value operand : mul->getOperands()) {
      auto sigmoid = getSingleUseProducer<SigmoidOp>(operand);
      if (!sigmoid || getOtherOperand(mul, operand) != sigmoid.getInput() ||
          mul.getType() != sigmoid.getType())
        continue;
      auto projection = getProjection(sigmoid.getInput(), 2);
      if (!projection)
        continue;
      auto [input, weight, bias] = *projection;
      rewriter.replaceOpWithNewOp<LinearOp>(mul, mul.getType(), input, weight,
                                            bias, "silu");
      return success();
    }
    return failure();
  }
};

/// layer_norm(x + residual) -> skip_layer_norm(x, residual) when the sum
/// feeds nothing else (post-norm blocks: BERT). Pre-norm blocks (GPT-2,
/// Llama) keep the sum for the next residual connection and are left alone.
struct FuseSkipLayerNorm : OpRewritePattern<LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LayerNormOp layerNorm,
                                PatternRewriter &rewriter) const override {
    auto sum = getSingleUseProducer<AddOp>(layerNorm.getInput());
    if (!sum || sum.getLhs().getType() != layerNorm.getType() ||
        sum.getRhs().getType() != layerNorm.getType())
      return failure();
    rewriter.replaceOpWithNewOp<SkipLayerNormOp>(
        layerNorm, layerNorm.getType(), sum.getLhs(), sum.getRhs(),
        layerNorm.getScale(), layerNorm.getBias(), layerNorm.getAxisAttr(),
        layerNorm.getEpsilonAttr());
    return success();
  }
};

struct FuseLinearPass : xf::impl::XFFuseLinearBase<FuseLinearPass> {
  void runOnOperation() override {
    int64_t before = countOps<LinearOp>(getOperation());
    int64_t skipBefore = countOps<SkipLayerNormOp>(getOperation());
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseBiasAdd, FuseActivation<GeluOp>, FuseActivation<ReluOp>,
                 FuseSilu, FuseSkipLayerNorm>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    numFused += countOps<LinearOp>(getOperation()) - before;
    numSkipFused += countOps<SkipLayerNormOp>(getOperation()) - skipBefore;
  }
};
} // namespace
