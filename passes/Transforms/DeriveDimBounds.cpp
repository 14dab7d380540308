//===- DeriveDimBounds.cpp - Bounds of dimensions implied by tables -------===//
//
// See XFDeriveDimBounds in Passes.td. Without these bounds a GPT-2 export of
// 128 positions run on 200 tokens reads past its position table.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFDims.h"
#include "dialects/xf/XFOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/FormatVariadic.h"

#include <map>

namespace mlir::xf {
#define GEN_PASS_DEF_XFDERIVEDIMBOUNDS
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

/// The name of the input dimension `ref` traces to ("" when unnamed).
static std::string getInputDimName(func::FuncOp func, DimRef ref) {
  DimRef origin = traceDim(ref);
  auto arg = dyn_cast<BlockArgument>(origin.value);
  auto names = func->getAttrOfType<ArrayAttr>("xf.input_dim_names");
  if (!arg || arg.getOwner() != &func.getBody().front() || !names ||
      arg.getArgNumber() >= names.size())
    return "";
  auto dims = dyn_cast<ArrayAttr>(names[arg.getArgNumber()]);
  if (!dims || origin.dim >= static_cast<int64_t>(dims.size()))
    return "";
  auto name = dyn_cast<StringAttr>(dims[origin.dim]);
  return name ? name.str() : "";
}

/// The length n of `range(0, n, 1)` that `indices` holds (possibly
/// reshaped, expanded or cast, which keep its largest value n - 1).
static std::optional<DimRef> getRangeLimit(Value indices) {
  while (Operation *def = indices.getDefiningOp()) {
    if (auto range = dyn_cast<RangeOp>(def))
      return getRangeLengthSource(range);
    if (!isa<UnsqueezeOp, SqueezeOp, ReshapeOp, ExpandOp, CastOp, TransposeOp>(
            def))
      return std::nullopt;
    indices = def->getOperand(0);
  }
  return std::nullopt;
}

namespace {
struct Bound {
  int64_t value;
  std::string origin;
};

struct DeriveDimBoundsPass
    : xf::impl::XFDeriveDimBoundsBase<DeriveDimBoundsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    std::map<std::string, Bound> bounds;
    auto record = [&](const std::string &name, int64_t value,
                      std::string origin) {
      if (name.empty() || value < 0)
        return;
      auto [it, inserted] = bounds.try_emplace(name, Bound{value, origin});
      if (!inserted && value < it->second.value)
        it->second = Bound{value, std::move(origin)};
    };
    TraceCacheScope traceCache;
    func.walk([&](Operation *op) {
      if (auto gather = dyn_cast<GatherOp>(op)) {
        // Rows 0 to n - 1 of a table of N rows: n <= N.
        auto dataType = gather.getData().getType();
        FailureOr<int64_t> axis =
            normalizeAxis(gather.getAxis(), dataType.getRank());
        if (failed(axis) || dataType.isDynamicDim(*axis))
          return;
        std::optional<DimRef> limit = getRangeLimit(gather.getIndices());
        if (!limit)
          return;
        std::string name = getInputDimName(func, *limit);
        int64_t rows = dataType.getDimSize(*axis);
        record(name, rows,
               llvm::formatv("{0} reads row {1} - 1 of a table of {2} rows",
                             describeNode(op), name, rows));
        return;
      }
      if (!isBroadcastingElementwise(op))
        return;
      // A table sliced to its first n rows, min(n, N), against a dimension
      // of size n: they differ (and the op fails) unless n <= N.
      auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
      for (int64_t d = 0; d < resultType.getRank(); ++d) {
        SmallVector<DimRef> traced;
        for (Value operand : op->getOperands())
          if (std::optional<int64_t> dim =
                  getBroadcastOperandDim(operand, resultType.getRank(), d))
            traced.push_back(traceDim({operand, *dim}));
        for (DimRef candidate : traced) {
          std::optional<ClampedSlice> clamped = getClampedSlice(candidate);
          if (!clamped || !llvm::is_contained(traced, clamped->endOrigin))
            continue;
          std::string name = getInputDimName(func, clamped->endOrigin);
          int64_t rows =
              clamped->slice.getInput().getType().getDimSize(clamped->dim);
          record(name, rows,
                 llvm::formatv("{0} takes the first {1} rows of a table of "
                               "{2} and {3} needs {1} of them",
                               describeNode(clamped->slice), name, rows,
                               describeNode(op)));
        }
      }
    });
    if (bounds.empty())
      return;
    Builder builder(&getContext());
    SmallVector<NamedAttribute> entries;
    for (const auto &[name, bound] : bounds)
      entries.push_back(builder.getNamedAttr(
          name, builder.getDictionaryAttr(
                    {builder.getNamedAttr("bound",
                                          builder.getI64IntegerAttr(bound.value)),
                     builder.getNamedAttr("origin",
                                          builder.getStringAttr(bound.origin))})));
    func->setAttr("xf.dim_bounds", builder.getDictionaryAttr(entries));
  }
};
} // namespace
