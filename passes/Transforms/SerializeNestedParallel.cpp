//===- SerializeNestedParallel.cpp - One level of threads -----------------===//
//
// convert-linalg-to-parallel-loops makes every parallel dimension of a
// linalg op an `scf.parallel`, and convert-scf-to-openmp every parallel
// loop an OpenMP region. A parallel loop inside another one (the inner
// columns of a matmul whose reduction loop sits in between, the loops of an
// attention tile) would fork a nested region per iteration of the loops
// around it, while the outer loop already keeps every thread busy: such
// loops become plain `scf.for` nests.
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
    for (scf::ParallelOp loop : nested) {
      if (loop.getNumResults() != 0) {
        loop.emitOpError("with reductions cannot be serialized");
        return signalPassFailure();
      }
      serialize(loop, rewriter);
      ++numSerialized;
    }
  }
};
} // namespace
