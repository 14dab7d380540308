//===- ExternalizeWeights.cpp - Move weights into the weights blob --------===//

#include "dialects/xf/XFOps.h"
#include "passes/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFEXTERNALIZEWEIGHTS
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

namespace {
struct ExternalizeWeightsPass
    : xf::impl::XFExternalizeWeightsBase<ExternalizeWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    int64_t align = alignment;
    if (align <= 0 || !llvm::isPowerOf2_64(align)) {
      module.emitError("xf-externalize-weights: alignment must be a power of "
                       "two, got ")
          << align;
      return signalPassFailure();
    }
    int64_t size = 0;
    if (auto existing = module->getAttrOfType<IntegerAttr>("xf.weights_size"))
      size = existing.getInt();
    SmallVector<Attribute> entries;
    if (auto existing = module->getAttrOfType<ArrayAttr>("xf.weights"))
      entries.assign(existing.begin(), existing.end());

    // One offset per distinct blob, even when several constants share it.
    llvm::DenseMap<Attribute, std::pair<int64_t, StringAttr>> placed;
    bool failedBlob = false;
    module.walk([&](ConstantOp op) {
      auto value = dyn_cast<DenseResourceElementsAttr>(op.getValue());
      if (!value)
        return;
      AsmResourceBlob *blob = value.getRawHandle().getBlob();
      if (!blob) {
        op.emitError("weight '") << value.getRawHandle().getKey()
                                 << "' has no data";
        failedBlob = true;
        return;
      }
      auto [it, inserted] = placed.try_emplace(value);
      if (inserted) {
        int64_t offset = llvm::alignTo(size, align);
        size = offset + static_cast<int64_t>(blob->getData().size());
        StringAttr name =
            StringAttr::get(context, value.getRawHandle().getKey());
        it->second = {offset, name};
        entries.push_back(DictionaryAttr::get(
            context,
            {NamedAttribute(StringAttr::get(context, "name"), name),
             NamedAttribute(StringAttr::get(context, "offset"),
                            IntegerAttr::get(IntegerType::get(context, 64),
                                             offset)),
             NamedAttribute(StringAttr::get(context, "value"), value)}));
      }
      OpBuilder builder(op);
      auto weight = WeightOp::create(builder, op.getLoc(), op.getType(),
                                     it->second.second, it->second.first);
      op.replaceAllUsesWith(weight.getResult());
      op.erase();
    });
    if (failedBlob)
      return signalPassFailure();
    module->setAttr("xf.weights", ArrayAttr::get(context, entries));
    module->setAttr("xf.weights_size",
                    IntegerAttr::get(IntegerType::get(context, 64), size));
  }
};
} // namespace
