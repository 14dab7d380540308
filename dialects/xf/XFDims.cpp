//===- XFDims.cpp - Dimensions known only at run time ---------------------===//
//
// Sizes that only exist at run time (batch, sequence) are compared by where
// they come from: a dimension is traced back through layout ops, head splits
// and merges, projections, broadcasting arithmetic and the shape
// computations exporters write, to the tensor it was born in. Two dimensions
// with one origin have one size. Shape inference and the fusion patterns
// share this one analysis.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFDims.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace mlir::xf;


/// What traceDim found for the operands of broadcasting arithmetic while
/// a scope lives.
struct TraceCacheScope::Cache {
  llvm::DenseMap<std::pair<Value, int64_t>, DimRef> traced;
};

static thread_local TraceCacheScope::Cache *activeTraceCache = nullptr;

TraceCacheScope::TraceCacheScope()
    : cache(std::make_unique<Cache>()), previous(activeTraceCache) {
  activeTraceCache = cache.get();
}
TraceCacheScope::~TraceCacheScope() { activeTraceCache = previous; }

/// Follows `ref` up to the op that gave the dimension its size: through
/// transposes, head splits and merges, splits along another axis, the
/// leading dimensions of projections (linear layers and MatMuls by a weight
/// matrix), of normalizations, activations and attention, gathers (an
/// embedding's rows take the ids' shape), unsqueezes, `range(0, n, 1)`
/// (whose length is n, read from a shape) and broadcasting arithmetic
/// (when every operand that is not a static 1 there traces to one origin).
/// A dimension of a function argument stands for every argument dimension
/// of the same name (`xf.input_dim_names`: the runtime checks that inputs
/// agree on them), so `input_ids` and `attention_mask` share one batch.
static DimRef canonicalArgumentDim(DimRef ref) {
  auto arg = dyn_cast<BlockArgument>(ref.value);
  auto func = arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())
                  : func::FuncOp();
  auto names = func ? func->getAttrOfType<ArrayAttr>("xf.input_dim_names")
                    : ArrayAttr();
  if (!names || arg.getArgNumber() >= names.size())
    return ref;
  auto dimNames = dyn_cast<ArrayAttr>(names[arg.getArgNumber()]);
  if (!dimNames || ref.dim >= static_cast<int64_t>(dimNames.size()))
    return ref;
  auto name = dyn_cast<StringAttr>(dimNames[ref.dim]);
  if (!name || name.getValue().empty())
    return ref;
  for (auto [i, entry] : llvm::enumerate(names)) {
    auto list = dyn_cast<ArrayAttr>(entry);
    for (auto [d, other] : llvm::enumerate(list ? list.getValue()
                                                : ArrayRef<Attribute>()))
      if (other == name)
        return {func.getArgument(i), static_cast<int64_t>(d)};
  }
  return ref;
}

DimRef xf::traceDim(DimRef ref, int depth) {
  for (; depth < 32; ++depth) {
    Operation *def = ref.value.getDefiningOp();
    if (!def)
      return canonicalArgumentDim(ref);
    if (auto expand = dyn_cast<ExpandOp>(def)) {
      // The input's size where it is not a static 1, else the target's.
      int64_t rank = expand.getType().getRank();
      int64_t j = ref.dim - (rank - expand.getInput().getType().getRank());
      if (j >= 0 && expand.getInput().getType().getDimSize(j) != 1) {
        ref = {expand.getInput(), j};
        continue;
      }
      int64_t length = expand.getShape().getType().getDimSize(0);
      std::optional<DimRef> source =
          getShapeElementDim(expand.getShape(), ref.dim - (rank - length));
      if (!source)
        return ref;
      ref = *source;
      continue;
    }
    if (auto gather = dyn_cast<GatherOp>(def)) {
      int64_t indicesRank = gather.getIndices().getType().getRank();
      FailureOr<int64_t> axis =
          normalizeAxis(gather.getAxis(), gather.getData().getType().getRank());
      if (failed(axis))
        return ref;
      if (ref.dim >= *axis && ref.dim < *axis + indicesRank)
        ref = {gather.getIndices(), ref.dim - *axis};
      else
        ref = {gather.getData(),
               ref.dim < *axis ? ref.dim : ref.dim - indicesRank + 1};
      continue;
    }
    if (auto unsqueeze = dyn_cast<UnsqueezeOp>(def)) {
      int64_t inserted = 0;
      for (int64_t axis : unsqueeze.getAxes()) {
        if (axis == ref.dim)
          return ref;
        inserted += axis < ref.dim;
      }
      ref = {unsqueeze.getInput(), ref.dim - inserted};
      continue;
    }
    if (auto range = dyn_cast<RangeOp>(def)) {
      std::optional<SmallVector<int64_t>> start =
          getKnownIntValues(range.getStart());
      std::optional<SmallVector<int64_t>> delta =
          getKnownIntValues(range.getDelta());
      std::optional<DimRef> limit = getDimSource(range.getLimit());
      if (!start || !delta || start->size() != 1 || delta->size() != 1 ||
          (*start)[0] != 0 || (*delta)[0] != 1 || !limit)
        return ref;
      ref = *limit;
      continue;
    }
    if (auto attention = dyn_cast<AttentionOp>(def)) {
      if (ref.dim >= 2)
        return ref;
      ref.value = attention.getQuery();
      continue;
    }
    if (isa<ScatterNDOp, ScatterElementsOp, TriluOp, CumSumOp, NegOp, AbsOp,
            ExpOp, SqrtOp, NotOp, SinOp, CosOp, ReluOp, SigmoidOp, TanhOp>(
            def)) {
      // The shape of the first operand.
      ref.value = def->getOperand(0);
      continue;
    }
    if (auto concat = dyn_cast<ConcatOp>(def)) {
      if (static_cast<int64_t>(concat.getAxis()) == ref.dim)
        return ref;
      ref.value = concat.getInputs().front();
      continue;
    }
    if (auto slice = dyn_cast<SliceOp>(def)) {
      // Dimensions the slice does not cut keep their size.
      std::optional<SmallVector<int64_t>> axes =
          getKnownIntValues(slice.getAxes());
      int64_t rank = slice.getType().getRank();
      if (!axes || llvm::any_of(*axes, [&](int64_t axis) {
            return ShapedType::isDynamic(axis) ||
                   (axis < 0 ? axis + rank : axis) == ref.dim;
          }))
        return ref;
      ref.value = slice.getInput();
      continue;
    }
    if (isa<AddOp, SubOp, MulOp, DivOp, WhereOp, MaxOp, MinOp, PowOp, ModOp,
            EqualOp, LessOp, LessEqualOp, GreaterOp, GreaterEqualOp, AndOp,
            OrOp, XorOp>(def)) {
      // Broadcasting: the result's size is that of every operand whose
      // dimension there is not a static 1.
      int64_t rank = cast<RankedTensorType>(def->getResult(0).getType()).getRank();
      std::optional<DimRef> common;
      for (Value operand : def->getOperands()) {
        auto type = cast<RankedTensorType>(operand.getType());
        int64_t dim = ref.dim - (rank - type.getRank());
        if (dim < 0 || type.getDimSize(dim) == 1)
          continue;
        DimRef traced;
        auto key = std::make_pair(operand, dim);
        if (activeTraceCache && activeTraceCache->traced.count(key)) {
          traced = activeTraceCache->traced.lookup(key);
        } else {
          traced = traceDim({operand, dim}, depth + 1);
          if (activeTraceCache)
            activeTraceCache->traced[key] = traced;
        }
        if (common && !(traced == *common))
          return ref;
        common = traced;
      }
      return common ? *common : ref;
    }
    if (auto transpose = dyn_cast<TransposeOp>(def)) {
      ref = {transpose.getInput(), transpose.getPerm()[ref.dim]};
      continue;
    }
    if (auto reshape = dyn_cast<ReshapeOp>(def)) {
      if (ref.dim < 2 && (isHeadSplit(reshape, depth + 1) ||
                          isHeadMerge(reshape, depth + 1))) {
        ref.value = reshape.getInput();
        continue;
      }
      // A dimension the target shape reads from another tensor's shape.
      if (std::optional<DimRef> source =
              getShapeElementDim(reshape.getShape(), ref.dim)) {
        ref = *source;
        continue;
      }
      return ref;
    }
    if (auto split = dyn_cast<SplitOp>(def)) {
      if (ref.dim == static_cast<int64_t>(split.getAxis()))
        return ref;
      ref.value = split.getInput();
      continue;
    }
    if (auto linear = dyn_cast<LinearOp>(def)) {
      if (ref.dim + 1 == linear.getType().getRank())
        return ref;
      ref.value = linear.getInput();
      continue;
    }
    if (auto matmul = dyn_cast<MatMulOp>(def)) {
      // Rows and batch dimensions come from the left operand (where it
      // does not broadcast), columns from the right one: a projection by a
      // weight matrix keeps the leading dimensions, and attention's
      // products keep batch, heads and queries.
      int64_t rank = matmul.getType().getRank();
      RankedTensorType lhsType = matmul.getLhs().getType();
      RankedTensorType rhsType = matmul.getRhs().getType();
      if (lhsType.getRank() != rank || rank < 2)
        return ref;
      if (ref.dim + 1 == rank) {
        if (rhsType.getRank() != rank || rhsType.getRank() == 2)
          return ref;
        ref.value = matmul.getRhs();
        continue;
      }
      if (lhsType.getDimSize(ref.dim) == 1 && ref.dim + 2 != rank)
        return ref;
      ref.value = matmul.getLhs();
      continue;
    }
    if (def->getNumOperands() >= 1 && def->getNumResults() == 1 &&
        isa<LayerNormOp, SkipLayerNormOp, RmsNormOp, GeluOp, CastOp,
            SoftmaxOp>(def)) {
      ref.value = def->getOperand(0);
      continue;
    }
    return ref;
  }
  return ref;
}

/// Whether the scalar `element` (a 0-D or one-element tensor) is the size of
/// `ref`: a constant equal to its static size, or read from a dimension
/// that traces to the same origin.
bool xf::isSizeOf(Value element, DimRef ref, int depth) {
  if (!element)
    return false;
  std::optional<SmallVector<int64_t>> known = getKnownIntValues(element);
  auto type = cast<RankedTensorType>(ref.value.getType());
  if (known && known->size() == 1 && !ShapedType::isDynamic((*known)[0]))
    return !type.isDynamicDim(ref.dim) &&
           (*known)[0] == type.getDimSize(ref.dim);
  std::optional<DimRef> source = getDimSource(element);
  return source && traceDim(*source, depth) == traceDim(ref, depth);
}

/// Whether two dimensions provably have the same size.
bool xf::haveSameSize(DimRef a, DimRef b) {
  auto aType = cast<RankedTensorType>(a.value.getType());
  auto bType = cast<RankedTensorType>(b.value.getType());
  if (!aType.isDynamicDim(a.dim) && !bType.isDynamicDim(b.dim))
    return aType.getDimSize(a.dim) == bType.getDimSize(b.dim);
  return traceDim(a) == traceDim(b);
}

/// Whether a rank-changing reshape keeps the leading dimension of its input:
/// its target shape starts with 0 (ONNX's "copy"), the input's static size,
/// or that dimension read back by `xf.shape_of`.
bool xf::keepsLeadingDim(ReshapeOp reshape, int depth) {
  auto inputType = reshape.getInput().getType();
  auto resultType = reshape.getType();
  if (!inputType.isDynamicDim(0) && !resultType.isDynamicDim(0))
    return inputType.getDimSize(0) == resultType.getDimSize(0);
  std::optional<SmallVector<int64_t>> known =
      getKnownIntValues(reshape.getShape());
  if (known && !known->empty() && (*known)[0] == 0 && !reshape.getAllowzero())
    return true;
  if (std::optional<DimRef> source = getShapeElementDim(reshape.getShape(), 0))
    return traceDim(*source, depth) == traceDim({reshape.getInput(), 0}, depth);
  return isSizeOf(getShapePiece(reshape.getShape(), 0),
                  {reshape.getInput(), 0}, depth);
}

/// [B, S, H * D] -> [B, S, H, D] with static H and D. With the leading
/// dimension kept and the element count unchanged, S is kept too.
bool xf::isHeadSplit(ReshapeOp reshape, int depth) {
  auto inputType = reshape.getInput().getType();
  auto resultType = reshape.getType();
  if (inputType.getRank() != 3 || resultType.getRank() != 4 ||
      inputType.isDynamicDim(2) || resultType.isDynamicDim(2) ||
      resultType.isDynamicDim(3) ||
      resultType.getDimSize(2) * resultType.getDimSize(3) !=
          inputType.getDimSize(2))
    return false;
  return keepsLeadingDim(reshape, depth);
}

/// [B, S, H, D] -> [B, S, H * D], the inverse of a head split.
bool xf::isHeadMerge(ReshapeOp reshape, int depth) {
  auto inputType = reshape.getInput().getType();
  auto resultType = reshape.getType();
  if (inputType.getRank() != 4 || resultType.getRank() != 3 ||
      inputType.isDynamicDim(2) || inputType.isDynamicDim(3) ||
      resultType.isDynamicDim(2) ||
      inputType.getDimSize(2) * inputType.getDimSize(3) !=
          resultType.getDimSize(2))
    return false;
  return keepsLeadingDim(reshape, depth);
}

