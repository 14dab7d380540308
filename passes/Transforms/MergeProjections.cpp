//===- MergeProjections.cpp - One product for projections of one input ----===//
//
// A transformer projects the same activations several times: Q, K and V of
// an attention, the gate and up projections of a SwiGLU MLP. Each is a
// product of its own, which reads the input again and costs a parallel
// region and a result buffer. Projections of one input by constant weights
// with the same activation become one `xf.linear` by the weights side by
// side (and the biases end to end), whose result an `xf.split` cuts back
// into the original columns: a slice, not a copy, once lowered.
//
//   q = x Wq + bq;  k = x Wk + bk;  v = x Wv + bv
//   ->  [q, k, v] = split(x [Wq Wk Wv] + [bq bk bv])
//
// `xf-fuse-attention` matches Q, K and V split from one packed projection,
// as GPT-2 exports them.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFOps.h"
#include "passes/Passes.h"
#include "passes/Transforms/ConstantData.h"

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFMERGEPROJECTIONS
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

namespace {
/// A product of the shared input by a constant K x N weight: an
/// `xf.linear`, or an `xf.matmul` by a 2-D constant (no bias, no
/// activation).
struct Projection {
  Operation *op;
  ConstantOp weight;
  ConstantOp bias; // null when there is none
  StringRef activation;
  int64_t columns;
};
} // namespace

static bool isConstantF32Matrix(ConstantOp constant, int64_t rows) {
  auto type = cast<RankedTensorType>(constant.getType());
  return type.getRank() == 2 && type.hasStaticShape() &&
         type.getElementType().isF32() && type.getDimSize(0) == rows;
}

/// `op` as a projection of `input` (whose last dimension is K), if it is one.
static std::optional<Projection> matchProjection(Operation *op, Value input,
                                                 int64_t k) {
  if (auto linear = dyn_cast<LinearOp>(op)) {
    auto weight = linear.getWeight().getDefiningOp<ConstantOp>();
    if (linear.getInput() != input || !weight ||
        !isConstantF32Matrix(weight, k))
      return std::nullopt;
    ConstantOp bias;
    if (Value b = linear.getBias()) {
      bias = b.getDefiningOp<ConstantOp>();
      if (!bias || !cast<RankedTensorType>(bias.getType()).hasStaticShape())
        return std::nullopt;
    }
    return Projection{op, weight, bias, linear.getActivation(),
                      weight.getType().getDimSize(1)};
  }
  if (auto matmul = dyn_cast<MatMulOp>(op)) {
    auto weight = matmul.getRhs().getDefiningOp<ConstantOp>();
    if (matmul.getLhs() != input || !weight ||
        !isConstantF32Matrix(weight, k))
      return std::nullopt;
    return Projection{op, weight, {}, "none",
                      weight.getType().getDimSize(1)};
  }
  return std::nullopt;
}

/// `group`'s weights side by side, [K, sum N], and its biases end to end
/// (zeros for a projection without one); nothing when a constant's data
/// cannot be read.
static std::optional<std::pair<std::vector<float>, std::vector<float>>>
concatenate(ArrayRef<Projection> group, int64_t k, int64_t total) {
  std::vector<float> weights(k * total), biases(total, 0.0f);
  int64_t offset = 0;
  for (Projection p : group) {
    std::optional<std::vector<float>> w =
        readF32Elements(p.weight.getValue());
    if (!w)
      return std::nullopt;
    for (int64_t row = 0; row < k; ++row)
      std::copy_n(w->begin() + row * p.columns, p.columns,
                  weights.begin() + row * total + offset);
    if (p.bias) {
      std::optional<std::vector<float>> b = readF32Elements(p.bias.getValue());
      if (!b || static_cast<int64_t>(b->size()) != p.columns)
        return std::nullopt;
      std::copy(b->begin(), b->end(), biases.begin() + offset);
    }
    offset += p.columns;
  }
  return std::make_pair(std::move(weights), std::move(biases));
}

namespace {
struct MergeProjectionsPass
    : xf::impl::XFMergeProjectionsBase<MergeProjectionsPass> {
  void runOnOperation() override {
    // Inputs in program order, each with its projections grouped by
    // activation, in the order of the projections.
    llvm::MapVector<std::pair<Value, StringRef>, SmallVector<Projection>>
        groups;
    getOperation().walk([&](Operation *op) {
      if (!isa<LinearOp, MatMulOp>(op))
        return;
      Value input = op->getOperand(0);
      auto type = cast<RankedTensorType>(input.getType());
      if (type.getRank() < 2 || !type.getElementType().isF32() ||
          type.isDynamicDim(type.getRank() - 1))
        return;
      if (auto projection =
              matchProjection(op, input, type.getShape().back()))
        groups[{input, projection->activation}].push_back(*projection);
    });
    IRRewriter rewriter(&getContext());
    for (auto &[key, group] : groups) {
      // One block, so that the merged product can go before the first.
      llvm::erase_if(group, [&](const Projection &p) {
        return p.op->getBlock() != group.front().op->getBlock();
      });
      if (group.size() < 2)
        continue;
      Value input = key.first;
      auto inputType = cast<RankedTensorType>(input.getType());
      int64_t k = inputType.getShape().back(), total = 0;
      bool anyBias = false, allResources = true;
      for (Projection p : group) {
        total += p.columns;
        anyBias |= static_cast<bool>(p.bias);
        allResources &= isa<DenseResourceElementsAttr>(p.weight.getValue());
      }
      auto data = concatenate(group, k, total);
      if (!data)
        continue;
      Operation *first = group.front().op;
      for (const Projection &p : group)
        if (p.op->isBeforeInBlock(first))
          first = p.op;
      rewriter.setInsertionPoint(first);
      Location loc = rewriter.getFusedLoc(llvm::to_vector(
          llvm::map_range(group, [](const Projection &p) {
            return p.op->getLoc();
          })));
      std::string name = "merged";
      for (Projection p : group)
        if (auto resource =
                dyn_cast<DenseResourceElementsAttr>(p.weight.getValue()))
          name += "." + resource.getRawHandle().getKey().str();
      Value weight = createF32Constant(
          rewriter, loc,
          RankedTensorType::get({k, total}, rewriter.getF32Type()),
          data->first, name, allResources);
      Value bias;
      if (anyBias)
        bias = createF32Constant(
            rewriter, loc, RankedTensorType::get({total}, rewriter.getF32Type()),
            data->second, name + ".bias", allResources);
      SmallVector<int64_t> shape(inputType.getShape().drop_back());
      shape.push_back(total);
      auto merged = LinearOp::create(
          rewriter, loc,
          RankedTensorType::get(shape, inputType.getElementType()), input,
          weight, bias, rewriter.getStringAttr(key.second));
      SmallVector<Type> pieceTypes;
      SmallVector<int64_t> sizes;
      for (const Projection &p : group) {
        pieceTypes.push_back(p.op->getResult(0).getType());
        sizes.push_back(p.columns);
      }
      auto split = SplitOp::create(
          rewriter, loc, pieceTypes, merged.getResult(),
          rewriter.getI64IntegerAttr(inputType.getRank() - 1),
          rewriter.getDenseI64ArrayAttr(sizes));
      for (auto [p, piece] : llvm::zip(group, split.getResults()))
        rewriter.replaceOp(p.op, piece);
      numMerged += group.size();
    }
  }
};
} // namespace
