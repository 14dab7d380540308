//===- FuseElementwise.cpp - One loop nest per elementwise chain ----------===//
//
// After convert-xf-to-linalg every elementwise xf op is its own
// linalg.generic, materializing a tensor. This pass fuses producers into
// their elementwise consumers, so that a chain (sub, mul, add, ...) becomes
// one loop nest and no intermediate tensor is written.
//
// Unlike upstream's linalg-fuse-elementwise-ops, it never fuses into a
// consumer with reduction loops (a matmul would recompute its producer once
// per output column) and never duplicates a producer that has other users.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFFUSEELEMENTWISE
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

/// Fuses only a single-use producer into an all-parallel consumer.
static bool shouldFuse(OpOperand *operand) {
  auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
  Operation *producer = operand->get().getDefiningOp();
  return consumer && producer &&
         consumer.getNumLoops() == consumer.getNumParallelLoops() &&
         producer->hasOneUse();
}

namespace {
struct FuseElementwisePass
    : xf::impl::XFFuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    int64_t before = 0, after = 0;
    // Loop nests inside a tiled loop (xf.attention's tiles) are left as
    // their lowering built them: it writes each output tile in place into
    // its slice of the result, which the fusion patterns would turn into a
    // fresh buffer and a copy.
    SmallVector<Operation *> generics;
    getOperation().walk([&](linalg::GenericOp op) {
      ++before;
      if (!op->getParentOfType<scf::ForallOp>())
        generics.push_back(op);
    });
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(generics, std::move(patterns), config)))
      return signalPassFailure();
    getOperation().walk([&](linalg::GenericOp) { ++after; });
    numFused += before - after;
  }
};
} // namespace
