//===- XFDims.h - Dimensions known only at run time -------------*- C++ -*-===//
//
// The symbolic analysis of dynamic dimensions (see XFDims.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef XF_DIALECT_XFDIMS_H
#define XF_DIALECT_XFDIMS_H

#include "dialects/xf/XFOps.h"

#include <memory>

namespace mlir::xf {

/// Follows `ref` up to the op that gave the dimension its size: through
/// transposes, head splits and merges, splits along another axis, the
/// leading dimensions of projections and batched products, normalizations,
/// activations and every other unary op, softmax and attention, gathers (an
/// embedding's rows take the ids' shape), unsqueezes, squeezes, reductions
/// (the dimensions they keep), expands, reshapes whose target reads another
/// shape, slices that keep a dimension whole, `range(0, n, 1)` (whose
/// length is n) and broadcasting arithmetic (when every operand that is not
/// a static 1 there traces to one origin, or is a table clamped to the
/// first n rows against a dimension of n's origin: see getClampedSlice).
/// Function arguments' dimensions of one name (`xf.input_dim_names`) are one
/// origin. Walks are memoized while a TraceCacheScope lives (one is made
/// for each outermost call otherwise).
DimRef traceDim(DimRef ref, int depth = 0);

/// What the -1 entry `d` of a reshape's target `shape` stands for: the
/// dimensions of `input` that no other entry copies (0), reads (a dimension
/// of the same origin) or statically accounts for.
struct InferredEntry {
  /// The one dynamic input dimension left, if any.
  std::optional<int64_t> dynamicDim;
  /// Whether more than one dynamic input dimension is left.
  bool severalDynamic = false;
  /// The product of the static input sizes left, and of the target's
  /// static entries: with no dynamic dimension left, the entry is their
  /// quotient ([B, S, H, D] -> [B, S, -1] is H * D).
  int64_t staticLeft = 1;
  int64_t staticEntries = 1;
};
/// Nothing when the target is not known or an entry is neither a copy, a
/// positive static size nor a read of one of the input's dynamic
/// dimensions.
std::optional<InferredEntry> inferMinusOneEntry(Value input, Value shape,
                                                bool allowzero, int64_t d,
                                                int depth = 0);

/// Whether `op` is elementwise arithmetic, comparison or selection that
/// broadcasts its operands (numpy rules).
bool isBroadcastingElementwise(Operation *op);

/// The dimension of `operand` that broadcasts to dimension `resultDim` of
/// a result of rank `resultRank`, unless it is missing or a static 1.
std::optional<int64_t> getBroadcastOperandDim(Value operand,
                                              int64_t resultRank,
                                              int64_t resultDim);

/// The dimension that gives `range(0, n, 1)` its length n, if it is one.
std::optional<DimRef> getRangeLengthSource(RangeOp range);

/// Dimension `dim` of `slice`'s result, cut from 0 with step 1 to an end n
/// read from a dimension of origin `endOrigin`, of a table with a static
/// number N >= 2 of rows there: min(n, N).
struct ClampedSlice {
  SliceOp slice;
  int64_t dim;
  DimRef endOrigin;
};
/// `ref` as a clamped slice, if it is one.
std::optional<ClampedSlice> getClampedSlice(DimRef ref, int depth = 0);

/// Whether two dimensions provably have the same size.
bool haveSameSize(DimRef a, DimRef b);

/// Whether the scalar `element` (a 0-D or one-element tensor) is the size of
/// `ref`: a constant equal to its static size, or read from a dimension
/// that traces to the same origin.
bool isSizeOf(Value element, DimRef ref, int depth = 0);

/// Whether a rank-changing reshape keeps the leading dimension of its input.
bool keepsLeadingDim(ReshapeOp reshape, int depth = 0);

/// [B, S, H * D] -> [B, S, H, D] with static H and D.
bool isHeadSplit(ReshapeOp reshape, int depth = 0);

/// [B, S, H, D] -> [B, S, H * D], the inverse of a head split.
bool isHeadMerge(ReshapeOp reshape, int depth = 0);
/// [B, H, S, D] -> [B * H, S, D] with static H and D: heads merged into
/// the batch for batched products.
bool isBatchHeadMerge(ReshapeOp reshape, int depth = 0);
/// [B * H, S, T] -> [B, H, S, T] with static H, the inverse.
bool isBatchHeadSplit(ReshapeOp reshape, int depth = 0);
/// [B, H, Y] -> [B * H, 1, Y] with static H: a bias per batch and head
/// for every query (BLOOM's ALiBi).
bool isBatchHeadMergedBias(ReshapeOp reshape);
/// [S, B, H * D] -> [S, B * H, D] with static H and D (torch.nn's
/// sequence-first MultiheadAttention): H, when the reshape is one.
std::optional<int64_t> getSequenceFirstHeads(ReshapeOp reshape);
/// Whether every dimension of a reshape's result is provably the input's
/// dimension at the same place.
bool isIdentityReshape(ReshapeOp reshape);
/// Whether the 1-D `shape` is provably [B * H, X, Y] for the [B, H, X, Y]
/// tensor `heads` (with static H).
bool isBatchHeadMergedShape(Value shape, Value heads);

/// Keeps traceDim's results while it lives (a decoder's residual stream
/// reaches each layer's adds along two paths per layer before it: 2^layers
/// walks without it); the IR must not change meanwhile.
class TraceCacheScope {
public:
  TraceCacheScope();
  ~TraceCacheScope();
  TraceCacheScope(const TraceCacheScope &) = delete;
  TraceCacheScope &operator=(const TraceCacheScope &) = delete;

  struct Cache;

private:
  std::unique_ptr<Cache> cache;
  Cache *previous;
};

} // namespace mlir::xf

#endif // XF_DIALECT_XFDIMS_H
