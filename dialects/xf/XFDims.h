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
/// activations, softmax and attention, gathers (an embedding's rows take the
/// ids' shape), unsqueezes, expands, reshapes whose target reads another
/// shape, `range(0, n, 1)` (whose length is n) and broadcasting arithmetic
/// (when every operand that is not a static 1 there traces to one origin).
/// Function arguments' dimensions of one name (`xf.input_dim_names`) are one
/// origin.
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

/// Dimension `dim` of `slice`'s result, cut from 0 with step 1 to an end n
/// read from a dimension of origin `endOrigin`: min(n, the input's size).
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
