//===- ImportLosses.cpp - Loss functions as xf ops ------------------------===//
//
// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss, expanded into
// gathers, elementwise ops and reductions. Inference graphs rarely hold a
// loss, but evaluation graphs exported for scoring do.
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/NodeImporter.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::xf;

namespace {
/// The operands and attributes shared by the two losses.
struct LossRequest {
  Value logProb; // [N, C, d1, ..., dk]
  Value target;  // [N, d1, ..., dk], integer
  Value weight;  // [C] or null
  std::optional<int64_t> ignoreIndex;
  std::string reduction;
};
} // namespace

static FailureOr<LossRequest> readLoss(NodeImporter &n, Value input) {
  auto target = n.requiredInput(1);
  if (failed(target))
    return failure();
  auto inputType = cast<RankedTensorType>(input.getType());
  auto targetType = cast<RankedTensorType>(target->getType());
  if (inputType.getRank() < 2 ||
      targetType.getRank() != inputType.getRank() - 1) {
    n.emitError() << "input must be [N, C, d1, ..., dk] and target [N, d1, "
                     "..., dk], got "
                  << inputType << " and " << targetType;
    return failure();
  }
  if (!isa<FloatType>(inputType.getElementType()) ||
      !isa<IntegerType>(targetType.getElementType())) {
    n.emitError() << "input must be floating-point and target integer, got "
                  << inputType << " and " << targetType;
    return failure();
  }
  LossRequest request{input, *target, n.input(2), std::nullopt,
                      n.getString("reduction", "mean")};
  if (n.hasAttr("ignore_index"))
    request.ignoreIndex = n.getInt("ignore_index", 0);
  if (request.reduction != "none" && request.reduction != "sum" &&
      request.reduction != "mean") {
    n.emitError() << "unsupported reduction '" << request.reduction << "'";
    return failure();
  }
  return request;
}

/// loss[n, d...] = -logProb[n, target[n, d...], d...] * weight[target],
/// zero where target is ignore_index; "mean" divides the sum by the total
/// weight of the targets that are not ignored.
static Value buildNegativeLogLikelihood(Expansion &e, const LossRequest &r) {
  Value target = r.target, kept;
  if (r.ignoreIndex) {
    Value ignored = e.create<EqualOp>(target, e.scalarLike(target, *r.ignoreIndex));
    kept = e.create<NotOp>(ignored);
    // Ignored targets may be out of range: read class 0 in their place.
    target = e.create<WhereOp>(ignored, e.scalarLike(target, 0), target);
  }
  SmallVector<int64_t> classAxis = {1};
  Value picked = e.create<GatherElementsOp>(
      r.logProb, e.create<UnsqueezeOp>(target, classAxis), int64_t(1));
  Value loss = e.create<NegOp>(e.create<SqueezeOp>(picked, classAxis));
  Value weight;
  if (r.weight)
    weight = e.create<GatherOp>(r.weight, target, int64_t(0));
  if (e.failed())
    return {};
  if (kept) {
    auto lossType = cast<RankedTensorType>(loss.getType());
    Value keptWeight = e.create<CastOp>(
        cast<RankedTensorType>(kept.getType()).clone(lossType.getElementType()),
        kept);
    weight = weight ? e.create<MulOp>(weight, keptWeight) : keptWeight;
  }
  if (weight)
    loss = e.create<MulOp>(loss, weight);
  if (r.reduction == "none" || e.failed())
    return loss;
  auto all = llvm::to_vector(
      llvm::seq<int64_t>(0, cast<RankedTensorType>(loss.getType()).getRank()));
  Value sum = e.create<ReduceSumOp>(loss, all, false);
  if (r.reduction == "sum")
    return sum;
  if (!weight)
    return e.create<ReduceMeanOp>(loss, all, false);
  return e.create<DivOp>(sum, e.create<ReduceSumOp>(weight, all, false));
}

static LogicalResult importNegativeLogLikelihoodLoss(NodeImporter &n) {
  auto input = n.requiredInput(0);
  if (failed(input))
    return failure();
  auto request = readLoss(n, *input);
  if (failed(request))
    return failure();
  Expansion e(n);
  e.setResult(0, buildNegativeLogLikelihood(e, *request));
  return e.status();
}

/// The negative log-likelihood of log_softmax(scores) over the class axis;
/// the log-probabilities are the optional second output.
static LogicalResult importSoftmaxCrossEntropyLoss(NodeImporter &n) {
  auto scores = n.requiredInput(0);
  if (failed(scores))
    return failure();
  auto request = readLoss(n, *scores);
  if (failed(request))
    return failure();
  Expansion e(n);
  request->logProb = buildLogSoftmax(e, *scores, 1);
  if (e.failed())
    return failure();
  e.setResult(0, buildNegativeLogLikelihood(e, *request));
  if (n.hasOutput(1))
    e.setResult(1, request->logProb);
  return e.status();
}

void xf::addLossImporters(OpImporterTable &table) {
  table["NegativeLogLikelihoodLoss"] = {importNegativeLogLikelihoodLoss, 12};
  table["SoftmaxCrossEntropyLoss"] = {importSoftmaxCrossEntropyLoss, 12};
}
