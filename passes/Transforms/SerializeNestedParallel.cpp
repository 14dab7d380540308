//===- SerializeNestedParallel.cpp - One level of threads -----------------===//
//
// convert-linalg-to-parallel-loops makes every parallel dimension of a
// linalg op an `scf.parallel`, and convert-scf-to-openmp every parallel
// loop an OpenMP region. A parallel loop inside another one (the inner
// columns of a matmul whose reduction loop sits in between, the loops of an
// attention tile) would fork a nested region per iteration of the loops
// around it, while the outer loop already keeps every thread busy: such
// loops become plain `scf.for` nests. The innermost dimension of a
// multi-dimensional outermost loop, contiguous in memory, becomes a plain
// loop too, so that LLVM vectorizes it.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFSERIALIZENESTEDPARALLEL
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

/// Replaces `loop` (which has no reductions) by an `scf.for` nest running
/// the same body.
static void serialize(scf::ParallelOp loop, RewriterBase &rewriter) {
  rewriter.setInsertionPoint(loop);
  scf::buildLoopNest(
      rewriter, loop.getLoc(), loop.getLowerBound(), loop.getUpperBound(),
      loop.getStep(), [&](OpBuilder &b, Location, ValueRange ivs) {
        IRMapping mapping;
        mapping.map(loop.getInductionVars(), ivs);
        for (Operation &op : loop.getBody()->without_terminator())
          b.clone(op, mapping);
      });
  rewriter.eraseOp(loop);
}

/// Makes the innermost dimension of the multi-dimensional parallel loop
/// `loop` a sequential loop inside it.
static void serializeInnermostDim(scf::ParallelOp loop,
                                  RewriterBase &rewriter) {
  rewriter.setInsertionPoint(loop);
  Location loc = loop.getLoc();
  // Copies: the builders below must not see ranges into ops they change
  // (with 7 or more dimensions they outgrow inline storage).
  SmallVector<Value> lbs(loop.getLowerBound()), ubs(loop.getUpperBound()),
      steps(loop.getStep());
  auto outer = scf::ParallelOp::create(rewriter, loc, ArrayRef(lbs).drop_back(),
                                       ArrayRef(ubs).drop_back(),
                                       ArrayRef(steps).drop_back());
  rewriter.setInsertionPoint(outer.getBody()->getTerminator());
  auto inner =
      scf::ForOp::create(rewriter, loc, lbs.back(), ubs.back(), steps.back());
  IRMapping mapping;
  SmallVector<Value> ivs(loop.getInductionVars());
  for (auto [from, to] :
       llvm::zip(ArrayRef(ivs).drop_back(), outer.getInductionVars()))
    mapping.map(from, to);
  mapping.map(ivs.back(), inner.getInductionVar());
  rewriter.setInsertionPoint(inner.getBody()->getTerminator());
  for (Operation &op : loop.getBody()->without_terminator())
    rewriter.clone(op, mapping);
  rewriter.eraseOp(loop);
}

namespace {
struct SerializeNestedParallelPass
    : xf::impl::XFSerializeNestedParallelBase<SerializeNestedParallelPass> {
  void runOnOperation() override {
    // Innermost first, so that every loop is cloned once its nested loops
    // are already sequential.
    SmallVector<scf::ParallelOp> nested;
    getOperation().walk<WalkOrder::PostOrder>([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<scf::ParallelOp>())
        nested.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    // The outermost loops keep their outer dimensions on the threads; their
    // innermost one, contiguous in memory, becomes a loop LLVM vectorizes
    // (OpenMP would collapse all dimensions into one index and divide it
    // back into coordinates).
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>() && loop.getNumLoops() > 1 &&
          loop.getNumResults() == 0)
        outermost.push_back(loop);
    });
    for (scf::ParallelOp loop : nested) {
      if (loop.getNumResults() != 0) {
        loop.emitOpError("with reductions cannot be serialized");
        return signalPassFailure();
      }
      serialize(loop, rewriter);
      ++numSerialized;
    }
    for (scf::ParallelOp loop : outermost) {
      serializeInnermostDim(loop, rewriter);
      ++numSerialized;
    }
  }
};
} // namespace
