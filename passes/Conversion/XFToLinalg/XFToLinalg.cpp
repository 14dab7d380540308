//===- XFToLinalg.cpp - The convert-xf-to-linalg pass ---------------------===//

#include "dialects/xf/XFDims.h"
#include "dialects/xf/XFOps.h"
#include "passes/Conversion/XFToLinalg/Patterns.h"
#include "runtime/ArtifactFormat.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::xf {
#define GEN_PASS_DEF_CONVERTXFTOLINALG
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;
namespace format = ::xf::artifact;

/// Gives every function that reads weights a leading `memref<?xi8>`
/// argument: the weights blob.
static void addWeightsArgument(ModuleOp module) {
  MLIRContext *context = module.getContext();
  bool hasWeights = module->hasAttr("xf.weights");
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    bool readsWeights = hasWeights;
    func.walk([&](WeightOp) { readsWeights = true; });
    if (!readsWeights)
      continue;
    auto type = MemRefType::get({ShapedType::kDynamic},
                                IntegerType::get(context, 8));
    (void)func.insertArgument(0, type, DictionaryAttr(), func.getLoc());
  }
}

/// The ops whose assumptions code generation checks at run time, each a
/// check site (`xf.check_site`): gathers by indices the graph computes (an
/// input's indices the runtime checks before the run, `value_range`, and
/// constants their verifiers, both against a table of static size), and
/// broadcasting ops whose dynamic sizes nothing proves equal. The module
/// lists each site's message, `xf.check_sites` (the manifest's `checks`),
/// and declares the function a failing check calls.
static void numberRunTimeChecks(ModuleOp module) {
  Builder builder(module.getContext());
  SmallVector<Attribute> sites;
  // Numbers `op` as the next site, whose message follows the node's name.
  auto addSite = [&](Operation *op, const Twine &message) {
    op->setAttr(kCheckSiteAttr,
                builder.getI64IntegerAttr(static_cast<int64_t>(sites.size())));
    sites.push_back(builder.getStringAttr(describeNode(op) + message));
  };
  module.walk([&](GatherOp gather) {
    Value indices = gather.getIndices();
    while (auto cast = indices.getDefiningOp<CastOp>())
      indices = cast.getInput();
    auto dataType = gather.getData().getType();
    FailureOr<int64_t> axis = normalizeAxis(gather.getAxis(), dataType.getRank());
    bool staticTable = succeeded(axis) && !dataType.isDynamicDim(*axis);
    if (staticTable &&
        (isa<BlockArgument>(indices) || matchPattern(indices, m_Constant())))
      return;
    addSite(gather, ": index {0} is out of range for {1} rows");
  });
  // Reshapes whose sizes, or whose input's, are known at run time only
  // check that they fit.
  module.walk([&](ReshapeOp reshape) {
    if (reshape.getType().hasStaticShape() &&
        reshape.getInput().getType().hasStaticShape())
      return;
    addSite(reshape, ": cannot reshape {0} elements to the requested shape "
                     "(its sizes other than -1 multiply to {1})");
  });
  // Expands with a size known at run time only check it against the
  // input's.
  module.walk([&](ExpandOp expand) {
    if (expand.getType().hasStaticShape() &&
        expand.getInput().getType().hasStaticShape())
      return;
    addSite(expand, ": cannot expand a size {1} of the input to {0} (sizes "
                    "must match where the input's is not a static 1, and the "
                    "result must fit in memory: a dynamic size 1 that "
                    "broadcasts is not supported)");
  });
  // Ranges of run-time length check that it is one (a step of 0, NaN).
  module.walk([&](RangeOp range) {
    if (range.getType().hasStaticShape())
      return;
    addSite(range, ": a range of {0} elements by a step of {1} cannot be "
                   "made (a step of 0, a length that is not a number or does "
                   "not fit in memory)");
  });
  // Broadcasting ops whose dynamic sizes are not provably equal compare
  // them: code generation reads every operand with the result's extent.
  TraceCacheScope traceCache;
  module.walk([&](Operation *op) {
    if (!isBroadcastingElementwise(op))
      return;
    int64_t rank = cast<RankedTensorType>(op->getResult(0).getType()).getRank();
    SmallVector<int64_t> pairs;
    for (int64_t d = 0; d < rank; ++d) {
      std::optional<std::pair<int64_t, int64_t>> first;
      for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
        std::optional<int64_t> dim = getBroadcastOperandDim(operand, rank, d);
        if (!dim)
          continue;
        if (!first) {
          first = {static_cast<int64_t>(i), *dim};
          continue;
        }
        Value reference = op->getOperand(first->first);
        auto referenceType = cast<RankedTensorType>(reference.getType());
        auto type = cast<RankedTensorType>(operand.getType());
        if ((!referenceType.isDynamicDim(first->second) &&
             !type.isDynamicDim(*dim)) ||
            haveSameSize({reference, first->second}, {operand, *dim}))
          continue;
        pairs.append({first->first, first->second, static_cast<int64_t>(i), *dim});
      }
    }
    if (pairs.empty())
      return;
    op->setAttr(kBroadcastPairsAttr, builder.getDenseI64ArrayAttr(pairs));
    addSite(op, ": operand sizes {0} and {1} differ (a dynamic size 1 that "
                "broadcasts is not supported)");
  });
  if (sites.empty())
    return;
  module->setAttr("xf.check_sites", builder.getArrayAttr(sites));
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  Type i64 = b.getI64Type();
  auto report = func::FuncOp::create(
      b, module.getLoc(), format::kCheckFailedSymbol,
      b.getFunctionType({i64, i64, i64}, {}));
  report.setPrivate();
}

/// Function boundaries keep their types during the conversion; afterwards
/// unsigned tensors become signless there too.
static void makeSignaturesSignless(ModuleOp module) {
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal())
      continue;
    Block &entry = func.getBody().front();
    for (BlockArgument arg : entry.getArguments()) {
      Type signless = getSignlessType(arg.getType());
      if (signless == arg.getType())
        continue;
      arg.setType(signless);
      // The conversion bridged the old type with casts; drop them.
      for (Operation *user : llvm::make_early_inc_range(arg.getUsers())) {
        auto cast = dyn_cast<UnrealizedConversionCastOp>(user);
        if (cast && cast.getNumOperands() == 1 &&
            cast.getResult(0).getType() == signless) {
          cast.getResult(0).replaceAllUsesWith(arg);
          cast.erase();
        }
      }
    }
    func.walk([&](func::ReturnOp ret) {
      for (OpOperand &operand : ret->getOpOperands()) {
        auto cast = operand.get().getDefiningOp<UnrealizedConversionCastOp>();
        if (cast && cast.getNumOperands() == 1 &&
            cast.getOperand(0).getType() ==
                getSignlessType(operand.get().getType())) {
          operand.set(cast.getOperand(0));
          if (cast->use_empty())
            cast.erase();
        }
      }
    });
    SmallVector<Type> results;
    for (Type t : func.getResultTypes())
      results.push_back(getSignlessType(t));
    func.setType(FunctionType::get(module.getContext(),
                                   entry.getArgumentTypes(), results));
  }
}

namespace {
struct ConvertXFToLinalgPass
    : mlir::xf::impl::ConvertXFToLinalgBase<ConvertXFToLinalgPass> {
  using ConvertXFToLinalgBase::ConvertXFToLinalgBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    addWeightsArgument(module);
    if (runTimeChecks)
      numberRunTimeChecks(module);

    XFToLinalgTypeConverter converter;
    RewritePatternSet patterns(context);
    populateAttentionPatterns(converter, patterns);
    populateElementwisePatterns(converter, patterns);
    populateIndexingPatterns(converter, patterns);
    populateLinearAlgebraPatterns(converter, patterns);
    populateReductionPatterns(converter, patterns);
    populateLayoutPatterns(converter, patterns);
    populateShapePatterns(converter, patterns);

    ConversionTarget target(*context);
    target.addIllegalDialect<XFDialect>();
    target.addLegalDialect<affine::AffineDialect, arith::ArithDialect,
                           bufferization::BufferizationDialect,
                           func::FuncDialect, linalg::LinalgDialect,
                           math::MathDialect, memref::MemRefDialect,
                           scf::SCFDialect, tensor::TensorDialect>();
    target.addLegalOp<UnrealizedConversionCastOp>();
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    makeSignaturesSignless(module);
  }
};
} // namespace
