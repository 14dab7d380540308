//===- SerializeNestedLinalg.cpp - Sequential loops inside parallel ones --===//
//
// convert-linalg-to-parallel-loops makes every linalg op a parallel loop,
// and convert-scf-to-openmp every parallel loop an OpenMP region. Inside a
// loop that is already parallel (the tiles of `xf.attention`), that would
// fork a nested region per op and iteration, where the outer loop already
// keeps every thread busy: such ops become plain `scf.for` nests instead.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFSERIALIZENESTEDLINALG
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {
struct SerializeNestedLinalgPass
    : xf::impl::XFSerializeNestedLinalgBase<SerializeNestedLinalgPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> nested;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op->getParentOfType<scf::ParallelOp>() ||
          op->getParentOfType<scf::ForallOp>())
        nested.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : nested) {
      if (!op.hasPureBufferSemantics()) {
        op->emitOpError("must be bufferized before it is serialized");
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(op);
      if (failed(linalg::linalgOpToLoops(rewriter, op)))
        return signalPassFailure();
      rewriter.eraseOp(op);
      ++numSerialized;
    }
  }
};
} // namespace
