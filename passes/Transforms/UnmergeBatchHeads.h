//===- UnmergeBatchHeads.h - Batched products back to heads-first -*- C++ -*-===//

#ifndef XF_PASSES_TRANSFORMS_UNMERGEBATCHHEADS_H
#define XF_PASSES_TRANSFORMS_UNMERGEBATCHHEADS_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::xf {

/// Patterns that move [B, H, S, D] -> [B * H, S, D] reshapes below batched
/// products, softmax and elementwise ops until they cancel against their
/// inverse (part of FuseAttention's normalization).
void populateUnmergeBatchHeadsPatterns(RewritePatternSet &patterns);

} // namespace mlir::xf

#endif // XF_PASSES_TRANSFORMS_UNMERGEBATCHHEADS_H
