//===- FuseLayerNorm.cpp - Fuse decomposed layer norms --------------------===//
//
// torch.onnx (before opset 17) and other exporters write LayerNorm as
//   mean = ReduceMean(x, axes)            d = Sub(x, mean)
//   var  = ReduceMean(Pow(d, 2) | Mul(d, d), axes)
//   n    = Div(d, Sqrt(Add(var, eps)))  |  Mul(d, Reciprocal(Sqrt(...)))
//   y    = Add(Mul(n, gamma), beta)
// over the trailing axes. The scale is fused first, then a bias add that
// follows a layer norm without bias is folded into it. TF/keras exports
// (through tf2onnx) scale the reciprocal standard deviation instead:
//   inv  = Mul(Reciprocal(Sqrt(Add(var, eps))), gamma)
//   y    = Add(Mul(x, inv), Sub(beta, Mul(mean, inv))) RMSNorm (T5, Llama)
// is the same without the centering:
//   n    = x / Sqrt(Add(ReduceMean(Pow(x, 2)), eps))  (or x * 1 / Sqrt(...))
//   y    = Mul(n, gamma)
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
/// `sqrt(var + eps)` with `var` a ReduceMean: the statistic and epsilon.
struct StandardDeviation {
  ReduceMeanOp variance;
  float epsilon;
};
} // namespace

/// Matches `sqrt(add(reduce_mean(...), eps))` (either operand order) whose
/// intermediates have no other user.
static std::optional<StandardDeviation> matchStandardDeviation(Value stddev) {
  auto sqrt = getSingleUseProducer<SqrtOp>(stddev);
  auto shifted = sqrt ? getSingleUseProducer<AddOp>(sqrt.getInput()) : AddOp();
  if (!shifted)
    return std::nullopt;
  for (Value operand : shifted->getOperands()) {
    std::optional<double> epsilon = getSplatFloat(operand);
    auto variance = getSingleUseProducer<ReduceMeanOp>(
        getOtherOperand(shifted, operand));
    if (epsilon && variance)
      return StandardDeviation{variance, static_cast<float>(*epsilon)};
  }
  return std::nullopt;
}

/// Replaces `root` with `NormOp(operands..., axis, epsilon)` if it verifies.
template <typename NormOp, typename... Operands>
static LogicalResult replaceWithNorm(Operation *root, int64_t axis,
                                     float epsilon, PatternRewriter &rewriter,
                                     Operands... operands) {
  auto norm = NormOp::create(rewriter, root->getLoc(), operands...,
                             rewriter.getI64IntegerAttr(axis),
                             rewriter.getF32FloatAttr(epsilon));
  if (failed(mlir::verify(norm))) {
    rewriter.eraseOp(norm);
    return failure();
  }
  rewriter.replaceOp(root, norm.getResult());
  return success();
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
      // 1 / stddev as Reciprocal, or as Div(1, stddev) (torch's rsqrt).
      for (Value operand : mul->getOperands()) {
        if (auto reciprocal = getSingleUseProducer<ReciprocalOp>(operand)) {
          d = getOtherOperand(mul, operand);
          stddev = reciprocal.getInput();
        } else if (auto inverse = getSingleUseProducer<DivOp>(operand);
                   inverse && isSplatNear(inverse.getLhs(), 1.0, 0.0)) {
          d = getOtherOperand(mul, operand);
          stddev = inverse.getRhs();
        }
      }
    }
    if (!d || !stddev)
      return failure();
    std::optional<StandardDeviation> deviation = matchStandardDeviation(stddev);
    if (!deviation || !isSquareOf(deviation->variance.getInput(), d))
      return failure();
    ReduceMeanOp varianceMean = deviation->variance;
    float epsilon = deviation->epsilon;
    auto centered = d.getDefiningOp<SubOp>();
    auto mean =
        centered ? getSingleUseProducer<ReduceMeanOp>(centered.getRhs())
                 : ReduceMeanOp();
    if (!mean || mean.getInput() != centered.getLhs())
      return tryFuseRms(root, d, gamma, varianceMean, epsilon, rewriter);
    // d feeds the square and the normalization, nothing else.
    int64_t dUses = std::distance(d.use_begin(), d.use_end());
    bool squareIsMul = isa<MulOp>(varianceMean.getInput().getDefiningOp());
    if (dUses != (squareIsMul ? 3 : 2))
      return failure();
    Value x = centered.getLhs();
    auto type = cast<RankedTensorType>(x.getType());
    ArrayRef<int64_t> axes = mean.getAxes();
    if (!mean.getKeepdims() || varianceMean.getAxes() != axes ||
        !isNormalizedOver(varianceMean, type, root, gamma))
      return failure();
    return replaceWithNorm<LayerNormOp>(root, axes.front(), epsilon, rewriter,
                                        x, gamma, Value());
  }

  /// Whether the statistic `mean` reduces the trailing axes of `type` with
  /// `keepdims`, the result `root` keeps that type and `gamma` broadcasts to
  /// the normalized dimensions.
  static bool isNormalizedOver(ReduceMeanOp mean, RankedTensorType type,
                               MulOp root, Value gamma) {
    ArrayRef<int64_t> axes = mean.getAxes();
    if (!mean.getKeepdims() || !areTrailingAxes(axes, type.getRank()) ||
        root.getType() != type)
      return false;
    auto gammaType = cast<RankedTensorType>(gamma.getType());
    return gammaType.getRank() <= type.getRank() - axes.front() &&
           gammaType.getElementType() == type.getElementType();
  }

  /// RMSNorm (T5, Llama): x / sqrt(mean(x^2) + eps) * gamma, with no
  /// centering. `x` may have other users (it is the residual stream); the
  /// intermediates may not.
  LogicalResult tryFuseRms(MulOp root, Value x, Value gamma,
                           ReduceMeanOp meanSquare, float epsilon,
                           PatternRewriter &rewriter) const {
    auto type = cast<RankedTensorType>(x.getType());
    if (!isNormalizedOver(meanSquare, type, root, gamma))
      return failure();
    return replaceWithNorm<RmsNormOp>(root, meanSquare.getAxes().front(),
                                      epsilon, rewriter, x, gamma);
  }
};

/// The form of TF/keras exports (tf.nn.batch_normalization, converted by
/// tf2onnx): the scale is folded into the reciprocal standard deviation and
/// the shift computed from the mean:
///   inv = Mul(Reciprocal(Sqrt(Add(var, eps))), gamma)
///   y   = Add(Mul(x, inv), Sub(beta, Mul(mean, inv)))
/// with var = ReduceMean(Sub(x, mean)^2), mean = ReduceMean(x). Keras 3
/// writes the shift as Add(Mul(Neg(mean), inv), beta) (either order).
struct FuseScaleShiftForm : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp root,
                                PatternRewriter &rewriter) const override {
    for (Value operand : root->getOperands()) {
      auto scaled = getSingleUseProducer<MulOp>(operand);
      if (!scaled)
        continue;
      for (const Shift &shift : matchShifts(getOtherOperand(root, operand))) {
        for (Value x : scaled->getOperands()) {
          Value inv = getOtherOperand(scaled, x);
          Value mean = getOtherOperand(shift.meanTimesInv, inv);
          if (shift.negated) {
            auto neg = mean ? getSingleUseProducer<NegOp>(mean) : NegOp();
            mean = neg ? neg.getInput() : Value();
          }
          if (mean && succeeded(tryFuse(root, x, inv, mean, shift.beta,
                                        rewriter)))
            return success();
        }
      }
    }
    return failure();
  }

  /// beta - mean * inv, or -mean * inv + beta (either order).
  struct Shift {
    MulOp meanTimesInv;
    Value beta;
    bool negated;
  };
  static SmallVector<Shift, 2> matchShifts(Value shift) {
    SmallVector<Shift, 2> shifts;
    if (auto sub = getSingleUseProducer<SubOp>(shift)) {
      if (auto product = getSingleUseProducer<MulOp>(sub.getRhs()))
        shifts.push_back({product, sub.getLhs(), false});
      return shifts;
    }
    if (auto add = getSingleUseProducer<AddOp>(shift))
      for (Value term : add->getOperands())
        if (auto product = getSingleUseProducer<MulOp>(term))
          shifts.push_back({product, getOtherOperand(add, term), true});
    return shifts;
  }

  LogicalResult tryFuse(AddOp root, Value x, Value inv, Value mean,
                        Value beta, PatternRewriter &rewriter) const {
    // inv feeds the two products, nothing else.
    auto invOp = inv.getDefiningOp<MulOp>();
    if (!invOp || std::distance(inv.use_begin(), inv.use_end()) != 2)
      return failure();
    Value gamma, stddev;
    for (Value operand : invOp->getOperands())
      if (auto reciprocal = getSingleUseProducer<ReciprocalOp>(operand)) {
        gamma = getOtherOperand(invOp, operand);
        stddev = reciprocal.getInput();
      }
    std::optional<StandardDeviation> deviation =
        stddev ? matchStandardDeviation(stddev) : std::nullopt;
    auto meanOp = mean.getDefiningOp<ReduceMeanOp>();
    if (!deviation || !meanOp || meanOp.getInput() != x ||
        std::distance(mean.use_begin(), mean.use_end()) != 2)
      return failure();
    ReduceMeanOp varianceMean = deviation->variance;
    // The variance is of the centered values: d = x - mean, squared.
    Operation *square = varianceMean.getInput().getDefiningOp();
    auto centered = square && square->getNumOperands() == 2
                        ? square->getOperand(0).getDefiningOp<SubOp>()
                        : SubOp();
    if (!centered || centered.getLhs() != x || centered.getRhs() != mean ||
        !isSquareOf(varianceMean.getInput(), centered.getResult()) ||
        std::distance(centered->use_begin(), centered->use_end()) !=
            (isa<MulOp>(square) ? 2 : 1))
      return failure();
    auto type = cast<RankedTensorType>(x.getType());
    ArrayRef<int64_t> axes = meanOp.getAxes();
    if (!meanOp.getKeepdims() || !varianceMean.getKeepdims() ||
        varianceMean.getAxes() != axes ||
        !areTrailingAxes(axes, type.getRank()) || root.getType() != type)
      return failure();
    // Keras's scale and shift come as [1, 1, C]: without the leading 1s,
    // checked before anything is created.
    ArrayRef<int64_t> normalized = type.getShape().drop_front(axes.front());
    int64_t extraGamma = getExtraLeadingOnes(gamma, normalized);
    int64_t extraBeta = getExtraLeadingOnes(beta, normalized);
    if (extraGamma < 0 || extraBeta < 0)
      return failure();
    Value scale = dropLeadingOnes(rewriter, root.getLoc(), gamma, extraGamma);
    Value shift = dropLeadingOnes(rewriter, root.getLoc(), beta, extraBeta);
    return replaceWithNorm<LayerNormOp>(root, axes.front(), deviation->epsilon,
                                        rewriter, x, scale, shift);
  }

  /// How many leading 1s `param` has beyond the `normalized` dimensions,
  /// or -1 when, without them, it would not broadcast to those dimensions.
  static int64_t getExtraLeadingOnes(Value param, ArrayRef<int64_t> normalized) {
    ArrayRef<int64_t> shape = cast<RankedTensorType>(param.getType()).getShape();
    int64_t extra = std::max<int64_t>(
        0, static_cast<int64_t>(shape.size() - normalized.size()));
    if (llvm::any_of(shape.take_front(extra), [](int64_t d) { return d != 1; }))
      return -1;
    ArrayRef<int64_t> kept = shape.drop_front(extra);
    for (auto [d, size] : llvm::enumerate(kept)) {
      int64_t target = normalized[normalized.size() - kept.size() + d];
      if (size != 1 && !ShapedType::isDynamic(size) &&
          !ShapedType::isDynamic(target) && size != target)
        return -1;
    }
    return extra;
  }

  static Value dropLeadingOnes(PatternRewriter &rewriter, Location loc,
                               Value param, int64_t count) {
    if (count == 0)
      return param;
    return SqueezeOp::create(
        rewriter, loc, param,
        rewriter.getDenseI64ArrayAttr(llvm::to_vector(llvm::seq<int64_t>(count))));
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
    int64_t rmsBefore = countOps<RmsNormOp>(getOperation());
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseNormalization, FuseScaleShiftForm, FoldBiasIntoLayerNorm>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    numFused += countOps<LayerNormOp>(getOperation()) - before;
    numRmsFused += countOps<RmsNormOp>(getOperation()) - rmsBefore;
  }
};
} // namespace
