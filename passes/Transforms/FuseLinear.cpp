//===- FuseLinear.cpp - Fuse MatMul, bias and activation ------------------===//
//
// Exporters write a linear layer as MatMul(x, W) then Add with the bias (in
// either operand order: torch writes Add(bias, MatMul), Conv1D-style GPT-2
// exports Add(MatMul, bias)), often followed by an activation. One
// `xf.linear` lets code generation apply bias and activation to the product
// as it is produced instead of in separate passes over memory.
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

/// activation(linear(...)) -> linear(..., activation).
template <typename ActivationOp>
struct FuseActivation : OpRewritePattern<ActivationOp> {
  using OpRewritePattern<ActivationOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(ActivationOp op,
                                PatternRewriter &rewriter) const override {
    auto linear = getSingleUseProducer<LinearOp>(op.getInput());
    if (!linear || linear.getActivation() != "none" ||
        linear.getType() != op.getType())
      return failure();
    StringRef activation = "relu";
    if constexpr (std::is_same_v<ActivationOp, GeluOp>)
      activation = op.getApproximate() == "tanh" ? "gelu_tanh" : "gelu";
    rewriter.replaceOpWithNewOp<LinearOp>(op, op.getType(), linear.getInput(),
                                          linear.getWeight(), linear.getBias(),
                                          activation);
    return success();
  }
};

struct FuseLinearPass : xf::impl::XFFuseLinearBase<FuseLinearPass> {
  void runOnOperation() override {
    int64_t before = countOps<LinearOp>(getOperation());
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseBiasAdd, FuseActivation<GeluOp>, FuseActivation<ReluOp>>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    numFused += countOps<LinearOp>(getOperation()) - before;
  }
};
} // namespace
