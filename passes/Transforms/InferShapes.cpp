//===- InferShapes.cpp - Refine xf result types ---------------------------===//

#include "dialects/xf/XFOps.h"
#include "passes/Passes.h"

#include "mlir/IR/TypeUtilities.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFINFERSHAPES
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

/// The more static of two compatible tensor types, or null when they conflict.
static RankedTensorType refine(Type declared, Type inferred) {
  auto d = dyn_cast<RankedTensorType>(declared);
  auto i = dyn_cast<RankedTensorType>(inferred);
  if (!d || !i || d.getElementType() != i.getElementType() ||
      d.getRank() != i.getRank())
    return {};
  SmallVector<int64_t> shape;
  for (auto [a, b] : llvm::zip(d.getShape(), i.getShape())) {
    if (!ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b)
      return {};
    shape.push_back(ShapedType::isDynamic(a) ? b : a);
  }
  return RankedTensorType::get(shape, d.getElementType(), d.getEncoding());
}

/// What the result types of `op` would be if computed from its operands now.
static LogicalResult inferResultTypes(Operation *op,
                                      SmallVectorImpl<Type> &types) {
  if (auto cast = dyn_cast<CastOp>(op)) {
    types.push_back(RankedTensorType::get(
        cast.getInput().getType().getShape(), cast.getType().getElementType()));
    return success();
  }
  auto infer = dyn_cast<InferTypeOpInterface>(op);
  if (!infer)
    return failure();
  return infer.inferReturnTypes(op->getContext(), op->getLoc(),
                                op->getOperands(), op->getAttrDictionary(),
                                op->getPropertiesStorage(), op->getRegions(),
                                types);
}

namespace {
struct InferShapesPass : xf::impl::XFInferShapesBase<InferShapesPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    func.walk([&](Operation *op) {
      if (!isa<XFDialect>(op->getDialect()))
        return;
      SmallVector<Type> inferred;
      if (failed(inferResultTypes(op, inferred)) ||
          inferred.size() != op->getNumResults())
        return;
      for (auto [result, type] : llvm::zip(op->getResults(), inferred)) {
        RankedTensorType refined = refine(result.getType(), type);
        if (refined && refined != result.getType()) {
          result.setType(refined);
          ++numRefinedValues;
        }
      }
    });
    // Results of the function follow the values it returns.
    Block &body = func.getBody().front();
    auto resultTypes = body.getTerminator()->getOperandTypes();
    func.setType(FunctionType::get(&getContext(), func.getArgumentTypes(),
                                   SmallVector<Type>(resultTypes)));
  }
};
} // namespace
