//===- UnmergeBatchHeads.cpp - Batched products back to heads-first -------===//
//
// OPT, BLOOM, GPT-NeoX, Whisper and other exports compute attention on
// [B * H, S, D] tensors: heads-first Q, K and V are reshaped to merge the
// batch and the heads, multiplied by 3-D batched products, and reshaped
// back to [B, H, S, D] for the mask and after the product with V. These
// patterns move the merge below each op it passes through, so that the
// products, scores and softmax become the 4-D heads-first form that
// FuseAttention matches, and the merge meets its inverse and cancels:
//
//   matmul(merge(a), merge(b))          -> merge(matmul(a, b))
//   transpose(merge(k), [0, 2, 1])      -> merge(transpose(k, [0, 1, 3, 2]))
//   softmax(merge(x), axis 2)           -> merge(softmax(x, axis 3))
//   op(merge(x), merge(y) or broadcast) -> merge(op(x, y or broadcast))
//   merge(x) + zeros of its shape       -> merge(x)
//   op(merge(x), bias [B, H, Y] merged to [B * H, 1, Y])
//                                       -> merge(op(x, unsqueeze(bias, 2)))
//   op(merge(x), y of merge(x)'s shape) -> merge(op(x, split(y)))
//   split(merge(x)) to [B, H, S, T]     -> x
//   reshape(x, x's own shape)           -> x
//
// where merge is [B, H, X, Y] -> [B * H, X, Y] (isBatchHeadMerge). Each
// rewrite is exact: the ops act on the last two axes or elementwise.
// torch.nn's sequence-first heads ([S, B * H, D]) are first rewritten as
// merges of batch-first ones.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFDims.h"
#include "dialects/xf/XFOps.h"
#include "passes/Transforms/UnmergeBatchHeads.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::xf;

/// The [B, H, S, D] tensor that `value` merges to [B * H, S, D], if it does.
static Value getMergedHeads(Value value) {
  auto merge = value.getDefiningOp<ReshapeOp>();
  // With one head, [B, 1, X, Y] -> [B, X, Y] is a squeeze, not a merge.
  if (!merge || merge.getInput().getType().getDimSize(1) < 2 ||
      !isBatchHeadMerge(merge))
    return {};
  return merge.getInput();
}

/// The [B, H, Y] bias that `value` merges to [B * H, 1, Y], if it does.
static Value getMergedBias(Value value) {
  auto merge = value.getDefiningOp<ReshapeOp>();
  if (!merge || !isBatchHeadMergedBias(merge))
    return {};
  return merge.getInput();
}

/// Whether `a` and `b` ([B, H, ...]) have provably the same B and H.
static bool haveSameBatchAndHeads(Value a, Value b) {
  auto aType = cast<RankedTensorType>(a.getType());
  auto bType = cast<RankedTensorType>(b.getType());
  return aType.getDimSize(1) == bType.getDimSize(1) &&
         haveSameSize({a, 0}, {b, 0});
}

/// The 1-D i64 constant `values`.
static Value constI64(PatternRewriter &rewriter, Location loc,
                      ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    rewriter.getI64Type());
  return ConstantOp::create(rewriter, loc,
                            DenseIntElementsAttr::get(type, values));
}

/// reshape(x, [B * H, X, Y]) with its target read from x's own shape, of
/// type `type` (that of the value it replaces).
static Value mergeBatchHeads(PatternRewriter &rewriter, Location loc, Value x,
                             Type type) {
  auto i64 = [&](ArrayRef<int64_t> values) {
    return constI64(rewriter, loc, values);
  };
  auto xType = cast<RankedTensorType>(x.getType());
  Value shape = ShapeOfOp::create(rewriter, loc, x);
  Value batch = SliceOp::create(rewriter, loc, shape, i64({0}), i64({1}),
                                i64({0}), i64({1}));
  Value batchHeads =
      MulOp::create(rewriter, loc, batch, i64({xType.getDimSize(1)}));
  // One piece per dimension, so that each can be traced to x.
  Value rows = SliceOp::create(rewriter, loc, shape, i64({2}), i64({3}),
                               i64({0}), i64({1}));
  Value cols = SliceOp::create(rewriter, loc, shape, i64({3}), i64({4}),
                               i64({0}), i64({1}));
  Value target =
      ConcatOp::create(rewriter, loc, ValueRange{batchHeads, rows, cols},
                       rewriter.getI64IntegerAttr(0));
  return ReshapeOp::create(rewriter, loc, type, x, target,
                           rewriter.getBoolAttr(false));
}

/// Whether `value` is zeros of shape [B * H, X, Y] for `heads` [B, H, X, Y].
static bool isZerosOfMergedShape(Value value, Value heads) {
  auto fill = value.getDefiningOp<ConstantOfShapeOp>();
  if (!fill)
    return false;
  auto attr = dyn_cast<DenseElementsAttr>(fill.getValue());
  if (!attr || !attr.isSplat() || !isa<FloatType>(attr.getElementType()) ||
      !attr.getSplatValue<APFloat>().isZero())
    return false;
  return isBatchHeadMergedShape(fill.getShape(), heads);
}

namespace {
struct UnmergeBatchedProduct : OpRewritePattern<MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatMulOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getType().getRank() != 3)
      return failure();
    Value lhs = getMergedHeads(op.getLhs()), rhs = getMergedHeads(op.getRhs());
    if (!lhs || !rhs || !haveSameBatchAndHeads(lhs, rhs))
      return rewriter.notifyMatchFailure(op, "operands are no head merges");
    Value product = MatMulOp::create(rewriter, op.getLoc(), lhs, rhs);
    rewriter.replaceOp(
        op, mergeBatchHeads(rewriter, op.getLoc(), product, op.getType()));
    return success();
  }
};

struct UnmergeTransposedKeys : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    Value keys = getMergedHeads(op.getInput());
    if (!keys || op.getPerm() != ArrayRef<int64_t>{0, 2, 1})
      return failure();
    Value transposed = TransposeOp::create(
        rewriter, op.getLoc(), keys,
        rewriter.getDenseI64ArrayAttr({0, 1, 3, 2}));
    rewriter.replaceOp(
        op, mergeBatchHeads(rewriter, op.getLoc(), transposed, op.getType()));
    return success();
  }
};

struct UnmergeSoftmax : OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SoftmaxOp op,
                                PatternRewriter &rewriter) const override {
    Value scores = getMergedHeads(op.getInput());
    if (!scores || op.getAxis() != 2)
      return failure();
    Value softmax = SoftmaxOp::create(rewriter, op.getLoc(), scores,
                                      rewriter.getI64IntegerAttr(3));
    rewriter.replaceOp(
        op, mergeBatchHeads(rewriter, op.getLoc(), softmax, op.getType()));
    return success();
  }
};

/// reshape(y, shape_of(heads)): `y` of the shape [B * H, X, Y] that `heads`
/// [B, H, X, Y] merges to, split the same way.
static Value splitLike(PatternRewriter &rewriter, Location loc, Value y,
                       Value heads) {
  auto headsType = cast<RankedTensorType>(heads.getType());
  auto type = headsType.clone(cast<RankedTensorType>(y.getType()).getElementType());
  Value shape = ShapeOfOp::create(rewriter, loc, heads);
  return ReshapeOp::create(rewriter, loc, type, y, shape,
                           rewriter.getBoolAttr(false));
}

/// Whether `y` provably has the shape of `merged` (a head merge's result),
/// dimension by dimension: B * H traced to a merge of the same B and H
/// (DeBERTa's relative-position scores are computed from merged queries).
static bool hasMergedShape(Value y, Value merged) {
  auto yType = cast<RankedTensorType>(y.getType());
  if (yType.getRank() != 3)
    return false;
  for (int64_t d = 0; d < 3; ++d)
    if (!haveSameSize({y, d}, {merged, d}))
      return false;
  return true;
}

/// Binary elementwise ops of a merge and another merge of the same B and H,
/// of an operand that broadcasts over B * H alike (rank 2 or less, or a
/// leading static 1), which broadcasts over B and H the same way, or of one
/// of the merge's own shape, split alike.
template <typename OpTy>
struct UnmergeElementwise : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    if (type.getRank() != 3)
      return failure();
    Value lhs = getMergedHeads(op.getLhs()), rhs = getMergedHeads(op.getRhs());
    auto broadcastsAlike = [](Value v) {
      auto vType = cast<RankedTensorType>(v.getType());
      return vType.getRank() <= 2 ||
             (vType.getRank() == 3 && vType.getDimSize(0) == 1);
    };
    // GPT-NeoX's baddbmm adds zeros of the scores' shape: nothing.
    if (std::is_same_v<OpTy, AddOp> && lhs && op.getLhs().getType() == type &&
        isZerosOfMergedShape(op.getRhs(), lhs)) {
      rewriter.replaceOp(op, op.getLhs());
      return success();
    }
    // A [B, H, Y] bias merged to [B * H, 1, Y] is [B, H, 1, Y] unmerged.
    Value lhsBias = getMergedBias(op.getLhs()), rhsBias = getMergedBias(op.getRhs());
    auto unsqueezed = [&](Value bias) -> Value {
      return UnsqueezeOp::create(rewriter, op.getLoc(), bias,
                                 rewriter.getDenseI64ArrayAttr({2}));
    };
    Value heads;
    if (lhs && rhsBias && haveSameBatchAndHeads(lhs, rhsBias)) {
      heads = OpTy::create(rewriter, op.getLoc(), lhs, unsqueezed(rhsBias));
    } else if (rhs && lhsBias && haveSameBatchAndHeads(rhs, lhsBias)) {
      heads = OpTy::create(rewriter, op.getLoc(), unsqueezed(lhsBias), rhs);
    } else if (lhs && rhs) {
      if (!haveSameBatchAndHeads(lhs, rhs))
        return failure();
      heads = OpTy::create(rewriter, op.getLoc(), lhs, rhs);
    } else if (lhs && broadcastsAlike(op.getRhs())) {
      heads = OpTy::create(rewriter, op.getLoc(), lhs, op.getRhs());
    } else if (rhs && broadcastsAlike(op.getLhs())) {
      heads = OpTy::create(rewriter, op.getLoc(), op.getLhs(), rhs);
    } else if (lhs && hasMergedShape(op.getRhs(), op.getLhs())) {
      heads = OpTy::create(rewriter, op.getLoc(), lhs,
                           splitLike(rewriter, op.getLoc(), op.getRhs(), lhs));
    } else if (rhs && hasMergedShape(op.getLhs(), op.getRhs())) {
      heads = OpTy::create(rewriter, op.getLoc(),
                           splitLike(rewriter, op.getLoc(), op.getLhs(), rhs),
                           rhs);
    } else {
      return failure();
    }
    rewriter.replaceOp(op,
                       mergeBatchHeads(rewriter, op.getLoc(), heads, type));
    return success();
  }
};

/// Dimensions [begin, end) of `x`'s shape.
static Value dimsOf(PatternRewriter &rewriter, Location loc, Value x,
                    int64_t begin, int64_t end) {
  Value shape = ShapeOfOp::create(rewriter, loc, x);
  return SliceOp::create(rewriter, loc, shape, constI64(rewriter, loc, {begin}),
                         constI64(rewriter, loc, {end}),
                         constI64(rewriter, loc, {0}),
                         constI64(rewriter, loc, {1}));
}

/// torch.nn's sequence-first heads: transpose(reshape(x, [S, B * H, D]),
/// [1, 0, 2]) of x [S, B, H * D] is merge(transpose(split(x^T), [0, 2, 1,
/// 3])) with x^T the [B, S, H * D] transpose of x and split its head split;
/// with [1, 2, 0] (K^T) the head transpose is [0, 2, 3, 1]. Batch-first,
/// the heads take the form the attention pattern reads.
struct SplitSequenceFirstHeads : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    ArrayRef<int64_t> perm = op.getPerm();
    bool isKeyTranspose = perm == ArrayRef<int64_t>{1, 2, 0};
    if (perm != ArrayRef<int64_t>{1, 0, 2} && !isKeyTranspose)
      return failure();
    auto reshape = op.getInput().getDefiningOp<ReshapeOp>();
    std::optional<int64_t> heads =
        reshape ? getSequenceFirstHeads(reshape) : std::nullopt;
    if (!heads)
      return failure();
    Location loc = op.getLoc();
    Value x = reshape.getInput();
    int64_t headDim = reshape.getType().getDimSize(2);
    Value batchFirst = TransposeOp::create(
        rewriter, loc, x, rewriter.getDenseI64ArrayAttr({1, 0, 2}));
    Value target = ConcatOp::create(
        rewriter, loc,
        ValueRange{dimsOf(rewriter, loc, batchFirst, 0, 2),
                   constI64(rewriter, loc, {*heads, headDim})},
        rewriter.getI64IntegerAttr(0));
    Value split = ReshapeOp::create(rewriter, loc, batchFirst, target,
                                    rewriter.getBoolAttr(false));
    Value headsFirst = TransposeOp::create(
        rewriter, loc, split,
        rewriter.getDenseI64ArrayAttr(isKeyTranspose
                                          ? ArrayRef<int64_t>{0, 2, 3, 1}
                                          : ArrayRef<int64_t>{0, 2, 1, 3}));
    rewriter.replaceOp(
        op, mergeBatchHeads(rewriter, loc, headsFirst, op.getType()));
    return success();
  }
};

/// reshape(transpose(merge(o), [1, 0, 2]), shape) of heads-first o [B, H,
/// S, D], the sequence-first attention output, is reshape(transpose(m, [1,
/// 0, 2]), shape) with m = reshape(transpose(o, [0, 2, 1, 3]), [B, S,
/// H * D]): the batch-first head merge that FuseAttention anchors on.
struct MergeSequenceFirstHeads : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto transpose = op.getInput().getDefiningOp<TransposeOp>();
    if (!transpose || transpose.getPerm() != ArrayRef<int64_t>{1, 0, 2})
      return failure();
    Value heads = getMergedHeads(transpose.getInput());
    if (!heads)
      return failure();
    auto headsType = cast<RankedTensorType>(heads.getType());
    // With one head the rewrite would produce its own input again. The
    // target is reused on a new input: a 0 entry would copy another size.
    std::optional<SmallVector<int64_t>> target =
        getKnownIntValues(op.getShape());
    if (headsType.isDynamicDim(3) || headsType.getDimSize(1) < 2 ||
        (!op.getAllowzero() && (!target || llvm::is_contained(*target, 0))))
      return failure();
    Location loc = op.getLoc();
    Value sequenceMajor = TransposeOp::create(
        rewriter, loc, heads, rewriter.getDenseI64ArrayAttr({0, 2, 1, 3}));
    Value mergeTarget = ConcatOp::create(
        rewriter, loc,
        ValueRange{dimsOf(rewriter, loc, sequenceMajor, 0, 2),
                   constI64(rewriter, loc,
                            {headsType.getDimSize(1) * headsType.getDimSize(3)})},
        rewriter.getI64IntegerAttr(0));
    Value merged = ReshapeOp::create(rewriter, loc, sequenceMajor,
                                     mergeTarget, rewriter.getBoolAttr(false));
    Value sequenceFirst = TransposeOp::create(
        rewriter, loc, merged, rewriter.getDenseI64ArrayAttr({1, 0, 2}));
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), sequenceFirst,
                                           op.getShape(), op.getAllowzero());
    return success();
  }
};

/// reshape(x, shape) -> x where every entry of the shape is x's own
/// dimension (Falcon reshapes heads-first tensors to the shape they have).
struct RemoveIdentityReshape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getType() != op.getInput().getType() ||
        !isIdentityReshape(op))
      return failure();
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
};

/// split(merge(x)) -> x: the split's H is x's, and its last two entries are
/// the merge's last two dimensions, x's S and T.
struct CancelSplitOfMerge : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    Value heads = getMergedHeads(op.getInput());
    if (!heads || !isBatchHeadSplit(op))
      return failure();
    auto headsType = cast<RankedTensorType>(heads.getType());
    // Equal types: a user such as func.return needs the type it had.
    if (op.getType() != headsType)
      return failure();
    rewriter.replaceOp(op, heads);
    return success();
  }
};
} // namespace

void xf::populateUnmergeBatchHeadsPatterns(RewritePatternSet &patterns) {
  patterns.add<UnmergeBatchedProduct, UnmergeTransposedKeys, UnmergeSoftmax,
               UnmergeElementwise<AddOp>, UnmergeElementwise<SubOp>,
               UnmergeElementwise<MulOp>, UnmergeElementwise<DivOp>,
               UnmergeElementwise<MaxOp>, UnmergeElementwise<MinOp>,
               CancelSplitOfMerge, RemoveIdentityReshape,
               SplitSequenceFirstHeads, MergeSequenceFirstHeads>(
      patterns.getContext());
}
