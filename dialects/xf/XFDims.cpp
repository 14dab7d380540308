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


/// What traceDim found while a scope lives.
struct TraceCacheScope::Cache {
  llvm::DenseMap<std::pair<Value, int64_t>, DimRef> traced;
};

static thread_local TraceCacheScope::Cache *activeTraceCache = nullptr;
/// Whether the walk in progress reached traceDim's depth limit.
static thread_local bool walkCutShort = false;

TraceCacheScope::TraceCacheScope()
    : cache(std::make_unique<Cache>()), previous(activeTraceCache) {
  activeTraceCache = cache.get();
}
TraceCacheScope::~TraceCacheScope() { activeTraceCache = previous; }

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

/// Element `i` of the 1-D `values` when known: one of a constant vector or
/// a constant piece of a concat.
static std::optional<int64_t> getKnownElement(Value values, int64_t i) {
  std::optional<SmallVector<int64_t>> known = getKnownIntValues(values);
  if (known && static_cast<int64_t>(known->size()) > i)
    return (*known)[i];
  Value piece = getShapePiece(values, i);
  known = piece ? getKnownIntValues(piece) : std::nullopt;
  if (known && known->size() == 1)
    return (*known)[0];
  return std::nullopt;
}

std::optional<InferredEntry> xf::inferMinusOneEntry(Value input, Value shape,
                                                     bool allowzero, int64_t d,
                                                     int depth) {
  std::optional<SmallVector<int64_t>> known = getKnownIntValues(shape);
  if (!known || static_cast<int64_t>(known->size()) <= d || (*known)[d] != -1)
    return std::nullopt;
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  SmallVector<bool> accounted(rank, false);
  InferredEntry inferred;
  for (auto [i, v] : llvm::enumerate(*known)) {
    int64_t entry = static_cast<int64_t>(i);
    if (entry == d)
      continue;
    if (v == 0 && !allowzero && entry < rank) {
      if (accounted[entry])
        return std::nullopt; // Read twice: the count proves nothing.
      accounted[entry] = true;
      continue;
    }
    if (!ShapedType::isDynamic(v)) {
      if (v <= 0)
        return std::nullopt;
      inferred.staticEntries *= v;
      continue;
    }
    std::optional<DimRef> source = getShapeElementDim(shape, entry);
    if (!source)
      return std::nullopt;
    DimRef origin = traceDim(*source, depth + 1);
    bool found = false;
    for (int64_t j = 0; j < rank && !found; ++j) {
      if (!accounted[j] && inputType.isDynamicDim(j) &&
          traceDim({input, j}, depth + 1) == origin)
        accounted[j] = found = true;
    }
    if (!found)
      return std::nullopt;
  }
  for (int64_t j = 0; j < rank; ++j) {
    if (accounted[j])
      continue;
    if (!inputType.isDynamicDim(j)) {
      inferred.staticLeft *= inputType.getDimSize(j);
    } else {
      inferred.severalDynamic |= inferred.dynamicDim.has_value();
      inferred.dynamicDim = j;
    }
  }
  return inferred;
}

/// For the -1 entry `d` of a reshape's target: the input dimension it
/// stands for, when every other entry copies (0), reads or statically
/// accounts for the other input dimensions and one dynamic one is left
/// (reshape(ids, [-1, S]) of [B, S] ids is [B, S]).
static std::optional<int64_t> getInferredInputDim(ReshapeOp reshape, int64_t d,
                                                  int depth) {
  std::optional<InferredEntry> inferred =
      inferMinusOneEntry(reshape.getInput(), reshape.getShape(),
                         reshape.getAllowzero(), d, depth);
  if (!inferred || !inferred->dynamicDim || inferred->severalDynamic ||
      inferred->staticLeft != inferred->staticEntries)
    return std::nullopt;
  return inferred->dynamicDim;
}


/// Whether the slice's `i`-th axis, dimension `dim`, keeps all of it: from
/// 0 with step 1 to the end (a huge end) or to the input's own size there.
static bool slicesWhole(SliceOp slice, int64_t i, int64_t dim, int depth) {
  std::optional<int64_t> start = getKnownElement(slice.getStarts(), i);
  std::optional<int64_t> step = getKnownElement(slice.getSteps(), i);
  if (start != 0 || step != 1)
    return false;
  std::optional<int64_t> end = getKnownElement(slice.getEnds(), i);
  if (end && !ShapedType::isDynamic(*end))
    return *end >= std::numeric_limits<int32_t>::max();
  return isSizeOf(getShapePiece(slice.getEnds(), i), {slice.getInput(), dim},
                  depth + 1);
}

static DimRef traceDimUncached(DimRef ref, int depth);

/// The input dimension of result dimension `dim` of an op that removed the
/// (sorted, non-negative) `axes`.
static int64_t mapPastRemovedAxes(int64_t dim, ArrayRef<int64_t> axes) {
  for (int64_t axis : axes) // Sorted: skip each removed one before.
    dim += axis <= dim;
  return dim;
}

std::optional<int64_t> xf::getBroadcastOperandDim(Value operand,
                                                  int64_t resultRank,
                                                  int64_t resultDim) {
  auto type = cast<RankedTensorType>(operand.getType());
  int64_t dim = resultDim - (resultRank - type.getRank());
  if (dim < 0 || type.getDimSize(dim) == 1)
    return std::nullopt;
  return dim;
}

std::optional<DimRef> xf::getRangeLengthSource(RangeOp range) {
  std::optional<SmallVector<int64_t>> start = getKnownIntValues(range.getStart());
  std::optional<SmallVector<int64_t>> delta = getKnownIntValues(range.getDelta());
  if (!start || !delta || start->size() != 1 || delta->size() != 1 ||
      (*start)[0] != 0 || (*delta)[0] != 1)
    return std::nullopt;
  return getDimSource(range.getLimit());
}

bool xf::isBroadcastingElementwise(Operation *op) {
  return isa<AddOp, SubOp, MulOp, DivOp, WhereOp, MaxOp, MinOp, PowOp, ModOp,
             EqualOp, LessOp, LessEqualOp, GreaterOp, GreaterEqualOp, AndOp,
             OrOp, XorOp>(op);
}

std::optional<ClampedSlice> xf::getClampedSlice(DimRef ref, int depth) {
  auto slice = ref.value.getDefiningOp<SliceOp>();
  if (!slice)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> axes = getKnownIntValues(slice.getAxes());
  int64_t rank = slice.getType().getRank();
  if (!axes)
    return std::nullopt;
  for (auto [i, axis] : llvm::enumerate(*axes)) {
    if ((axis < 0 ? axis + rank : axis) != ref.dim)
      continue;
    if (getKnownElement(slice.getStarts(), i) != 0 ||
        getKnownElement(slice.getSteps(), i) != 1)
      return std::nullopt;
    // A table: static rows, more than one (one row broadcasts anyway).
    int64_t rows = slice.getInput().getType().getDimSize(ref.dim);
    if (ShapedType::isDynamic(rows) || rows < 2)
      return std::nullopt;
    Value end = getShapePiece(slice.getEnds(), i);
    std::optional<DimRef> source = end ? getDimSource(end) : std::nullopt;
    if (!source)
      return std::nullopt;
    return ClampedSlice{slice, ref.dim, traceDim(*source, depth + 1)};
  }
  return std::nullopt;
}

static std::optional<DimRef> getClampedSliceOrigin(DimRef ref, int depth) {
  if (std::optional<ClampedSlice> clamped = getClampedSlice(ref, depth))
    return clamped->endOrigin;
  return std::nullopt;
}

DimRef xf::traceDim(DimRef ref, int depth) {
  // Every walk is memoized: without it, broadcasting arithmetic reached
  // along several paths makes the walk exponential in the layers.
  std::optional<TraceCacheScope> scope;
  if (!activeTraceCache)
    scope.emplace();
  auto key = std::make_pair(ref.value, ref.dim);
  auto it = activeTraceCache->traced.find(key);
  if (it != activeTraceCache->traced.end())
    return it->second;
  // A walk the depth limit cut short is right (it stops at a dimension of
  // the same size) but shallower; kept, it would make answers depend on
  // the order of queries.
  bool cutShort = false;
  std::swap(cutShort, walkCutShort);
  DimRef traced = traceDimUncached(ref, depth);
  std::swap(cutShort, walkCutShort);
  if (!cutShort)
    activeTraceCache->traced[key] = traced;
  walkCutShort |= cutShort;
  return traced;
}

static DimRef traceDimUncached(DimRef ref, int depth) {
  for (; depth < 64; ++depth) {
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
    if (auto tile = dyn_cast<TileOp>(def)) {
      // A dimension repeated once keeps its size.
      std::optional<SmallVector<int64_t>> repeats =
          getKnownIntValues(tile.getRepeats());
      if (!repeats || static_cast<int64_t>(repeats->size()) <= ref.dim ||
          (*repeats)[ref.dim] != 1)
        return ref;
      ref.value = tile.getInput();
      continue;
    }
    if (auto gather = dyn_cast<GatherElementsOp>(def)) {
      // The result has the indices' shape.
      ref.value = gather.getIndices();
      continue;
    }
    if (auto fill = dyn_cast<ConstantOfShapeOp>(def)) {
      std::optional<DimRef> source = getShapeElementDim(fill.getShape(), ref.dim);
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
    if (auto squeeze = dyn_cast<SqueezeOp>(def)) {
      ref = {squeeze.getInput(), mapPastRemovedAxes(ref.dim, squeeze.getAxes())};
      continue;
    }
    if (auto range = dyn_cast<RangeOp>(def)) {
      std::optional<DimRef> limit = getRangeLengthSource(range);
      if (!limit)
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
    bool isUnary = def->getNumOperands() == 1 &&
                   def->hasTrait<OpTrait::SameOperandsAndResultType>();
    if (isUnary ||
        isa<ScatterNDOp, ScatterElementsOp, TriluOp, CumSumOp>(def)) {
      // The shape of the first operand.
      ref.value = def->getOperand(0);
      continue;
    }
    if (isa<ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceMinOp, ReduceProdOp>(
            def)) {
      // Dimensions not reduced keep their size (and place, with keepdims).
      // Every reduction has the same `axes` and `keepdims` (XF_ReduceOp).
      ArrayRef<int64_t> axes =
          cast<DenseI64ArrayAttr>(def->getAttr("axes")).asArrayRef();
      bool keepdims = cast<BoolAttr>(def->getAttr("keepdims")).getValue();
      if (keepdims && llvm::is_contained(axes, ref.dim))
        return ref;
      ref = {def->getOperand(0),
             keepdims ? ref.dim : mapPastRemovedAxes(ref.dim, axes)};
      continue;
    }
    if (auto concat = dyn_cast<ConcatOp>(def)) {
      if (static_cast<int64_t>(concat.getAxis()) == ref.dim)
        return ref;
      ref.value = concat.getInputs().front();
      continue;
    }
    if (auto slice = dyn_cast<SliceOp>(def)) {
      // Dimensions the slice does not cut keep their size: not among its
      // axes, or sliced from 0 to their own size (DeBERTa's relative
      // positions, [S, S] sliced to the S queries) or to the end.
      std::optional<SmallVector<int64_t>> axes =
          getKnownIntValues(slice.getAxes());
      int64_t rank = slice.getType().getRank();
      if (!axes)
        return ref;
      bool kept = true;
      for (auto [i, axis] : llvm::enumerate(*axes)) {
        if (ShapedType::isDynamic(axis))
          return ref;
        if ((axis < 0 ? axis + rank : axis) == ref.dim)
          kept = slicesWhole(slice, i, ref.dim, depth);
      }
      if (!kept)
        return ref;
      ref.value = slice.getInput();
      continue;
    }
    if (isBroadcastingElementwise(def)) {
      // Broadcasting: the result's size is that of every operand whose
      // dimension there is not a static 1.
      int64_t rank = cast<RankedTensorType>(def->getResult(0).getType()).getRank();
      std::optional<DimRef> common;
      for (Value operand : def->getOperands()) {
        std::optional<int64_t> dim = getBroadcastOperandDim(operand, rank, ref.dim);
        if (!dim)
          continue;
        DimRef traced = traceDim({operand, *dim}, depth + 1);
        if (common && !(traced == *common)) {
          // A table of N >= 2 rows sliced to the first n has min(n, N):
          // where it meets a dimension of n's origin, the result has n
          // (n <= N, or the sizes differ and the op fails), e.g. position
          // embeddings [1, min(S, 512), D] added to token embeddings.
          if (getClampedSliceOrigin(traced, depth) == *common)
            continue;
          std::optional<DimRef> commonOrigin =
              getClampedSliceOrigin(*common, depth);
          if (!commonOrigin || !(*commonOrigin == traced))
            return ref;
        }
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
      // [B, H, S, D] <-> [B * H, S, D]: S and D move one place.
      if (ref.dim >= 1 && reshape.getType().getRank() == 3 &&
          isBatchHeadMerge(reshape, depth + 1)) {
        ref = {reshape.getInput(), ref.dim + 1};
        continue;
      }
      if (ref.dim >= 2 && reshape.getType().getRank() == 4 &&
          isBatchHeadSplit(reshape, depth + 1)) {
        ref = {reshape.getInput(), ref.dim - 1};
        continue;
      }
      // A 0 entry copies the input's dimension at its place.
      std::optional<SmallVector<int64_t>> target =
          getKnownIntValues(reshape.getShape());
      if (target && static_cast<int64_t>(target->size()) > ref.dim &&
          (*target)[ref.dim] == 0 && !reshape.getAllowzero() &&
          ref.dim < reshape.getInput().getType().getRank()) {
        ref.value = reshape.getInput();
        continue;
      }
      if (std::optional<int64_t> inputDim = getInferredInputDim(reshape, ref.dim,
                                                                depth)) {
        ref = {reshape.getInput(), *inputDim};
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
  walkCutShort = true;
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
  if (known && known->size() == 1 && !ShapedType::isDynamic((*known)[0])) {
    // A dimension whose type forgot its static size may still trace to one.
    DimRef sized = type.isDynamicDim(ref.dim) ? traceDim(ref, depth) : ref;
    auto sizedType = cast<RankedTensorType>(sized.value.getType());
    return !sizedType.isDynamicDim(sized.dim) &&
           (*known)[0] == sizedType.getDimSize(sized.dim);
  }
  std::optional<DimRef> source = getDimSource(element);
  if (source)
    return traceDim(*source, depth) == traceDim(ref, depth);
  // (B * H) / H read from a batch-head merge (BLOOM's head merge) is B.
  Operation *def = element.getDefiningOp();
  while (def && isa<UnsqueezeOp, SqueezeOp, CastOp>(def)) {
    element = def->getOperand(0);
    def = element.getDefiningOp();
  }
  auto div = dyn_cast_or_null<DivOp>(def);
  if (!div)
    return false;
  std::optional<SmallVector<int64_t>> divisor =
      getKnownIntValues(div.getRhs());
  std::optional<DimRef> merged = getDimSource(div.getLhs());
  if (!divisor || divisor->size() != 1 || !merged || merged->dim != 0)
    return false;
  auto merge = merged->value.getDefiningOp<ReshapeOp>();
  if (!merge || !isBatchHeadMerge(merge, depth + 1) ||
      merge.getInput().getType().getDimSize(1) != (*divisor)[0])
    return false;
  return traceDim({merge.getInput(), 0}, depth) == traceDim(ref, depth);
}

/// Whether two dimensions provably have the same size.
bool xf::haveSameSize(DimRef a, DimRef b) {
  auto aType = cast<RankedTensorType>(a.value.getType());
  auto bType = cast<RankedTensorType>(b.value.getType());
  if (!aType.isDynamicDim(a.dim) && !bType.isDynamicDim(b.dim))
    return aType.getDimSize(a.dim) == bType.getDimSize(b.dim);
  DimRef aOrigin = traceDim(a), bOrigin = traceDim(b);
  if (aOrigin == bOrigin)
    return true;
  // B * H of two head merges with the same B and H.
  auto aMerge = aOrigin.value.getDefiningOp<ReshapeOp>();
  auto bMerge = bOrigin.value.getDefiningOp<ReshapeOp>();
  if (!aMerge || !bMerge || aOrigin.dim != 0 || bOrigin.dim != 0 ||
      !isBatchHeadMerge(aMerge) || !isBatchHeadMerge(bMerge))
    return false;
  TypedValue<RankedTensorType> aHeads = aMerge.getInput(),
                               bHeads = bMerge.getInput();
  return aHeads.getType().getDimSize(1) == bHeads.getType().getDimSize(1) &&
         traceDim({aHeads, 0}) == traceDim({bHeads, 0});
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


/// Whether the scalar `element` is B * H with B the size of `batch` and H
/// the static `heads`: a constant, or `B * H` (either order) where B is a
/// dimension of the same origin as `batch` (through unsqueezes, squeezes
/// and casts of one-element tensors).
static bool isBatchTimesHeads(Value element, DimRef batch, int64_t heads,
                              int depth) {
  if (!element)
    return false;
  auto batchType = cast<RankedTensorType>(batch.value.getType());
  std::optional<SmallVector<int64_t>> known = getKnownIntValues(element);
  if (known && known->size() == 1 && !ShapedType::isDynamic((*known)[0]))
    return !batchType.isDynamicDim(batch.dim) &&
           (*known)[0] == batchType.getDimSize(batch.dim) * heads;
  Operation *def = element.getDefiningOp();
  auto isOneElement = [](Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    return type.hasStaticShape() && type.getNumElements() == 1;
  };
  while (def && isa<UnsqueezeOp, SqueezeOp, CastOp, ReshapeOp>(def) &&
         isOneElement(def->getResult(0))) {
    element = def->getOperand(0);
    def = element.getDefiningOp();
  }
  auto mul = dyn_cast_or_null<MulOp>(def);
  if (!mul)
    return false;
  for (auto [factor, other] : {std::pair(mul.getLhs(), mul.getRhs()),
                               std::pair(mul.getRhs(), mul.getLhs())}) {
    std::optional<SmallVector<int64_t>> constant = getKnownIntValues(factor);
    if (constant && constant->size() == 1 && (*constant)[0] == heads &&
        isSizeOf(other, batch, depth))
      return true;
  }
  return false;
}

/// Whether dimension `d` of `reshape`'s result is provably the input's
/// dimension `inputDim`: equal static sizes, or a target entry read from it.
static bool keepsDim(ReshapeOp reshape, int64_t d, int64_t inputDim,
                     int depth) {
  auto inputType = reshape.getInput().getType();
  auto resultType = reshape.getType();
  if (!inputType.isDynamicDim(inputDim) && !resultType.isDynamicDim(d))
    return inputType.getDimSize(inputDim) == resultType.getDimSize(d);
  std::optional<SmallVector<int64_t>> known =
      getKnownIntValues(reshape.getShape());
  if (known && static_cast<int64_t>(known->size()) > d && (*known)[d] == 0 &&
      !reshape.getAllowzero())
    return d == inputDim;
  return isSizeOf(getShapePiece(reshape.getShape(), d),
                  {reshape.getInput(), inputDim}, depth);
}

/// [B, H, X, Y] -> [B * H, X, Y] with static H (the batched-matmul layout
/// of OPT, BLOOM, GPT-NeoX and Whisper; X, Y is S, D or, for K^T, D, S).
/// With the first entry B * H and one of X and Y kept, the element count
/// keeps the other.
bool xf::isBatchHeadMerge(ReshapeOp reshape, int depth) {
  auto inputType = reshape.getInput().getType();
  auto resultType = reshape.getType();
  if (inputType.getRank() != 4 || resultType.getRank() != 3 ||
      inputType.isDynamicDim(1))
    return false;
  if (!keepsDim(reshape, 2, 3, depth) && !keepsDim(reshape, 1, 2, depth))
    return false;
  int64_t heads = inputType.getDimSize(1);
  if (!inputType.isDynamicDim(0) && !resultType.isDynamicDim(0))
    return resultType.getDimSize(0) == inputType.getDimSize(0) * heads;
  // [-1, X, Y] (DeBERTa): the -1 is what X and Y leave, B * H.
  if (std::optional<InferredEntry> inferred =
          inferMinusOneEntry(reshape.getInput(), reshape.getShape(),
                             reshape.getAllowzero(), 0, depth))
    return inferred->dynamicDim == 0 && !inferred->severalDynamic &&
           inferred->staticLeft == heads * inferred->staticEntries;
  return isBatchTimesHeads(getShapePiece(reshape.getShape(), 0),
                           {reshape.getInput(), 0}, heads, depth);
}

/// [B * H, S, T] -> [B, H, S, T] with static H: the last two entries read
/// (or equal) the input's last two dimensions, so B and H split the first.
bool xf::isBatchHeadSplit(ReshapeOp reshape, int depth) {
  auto inputType = reshape.getInput().getType();
  auto resultType = reshape.getType();
  if (inputType.getRank() != 3 || resultType.getRank() != 4 ||
      resultType.isDynamicDim(1))
    return false;
  for (int64_t d = 2; d < 4; ++d) {
    if (!keepsDim(reshape, d, d - 1, depth))
      return false;
  }
  return true;
}

bool xf::isBatchHeadMergedShape(Value shape, Value heads) {
  auto type = cast<RankedTensorType>(heads.getType());
  if (type.getRank() != 4 || type.isDynamicDim(1))
    return false;
  return isBatchTimesHeads(getShapePiece(shape, 0), {heads, 0},
                           type.getDimSize(1), 0) &&
         isSizeOf(getShapePiece(shape, 1), {heads, 2}) &&
         isSizeOf(getShapePiece(shape, 2), {heads, 3});
}

bool xf::isBatchHeadMergedBias(ReshapeOp reshape) {
  auto inputType = reshape.getInput().getType();
  auto resultType = reshape.getType();
  if (inputType.getRank() != 3 || resultType.getRank() != 3 ||
      inputType.isDynamicDim(1) || resultType.getDimSize(1) != 1 ||
      !keepsDim(reshape, 2, 2, 0))
    return false;
  int64_t heads = inputType.getDimSize(1);
  if (!inputType.isDynamicDim(0) && !resultType.isDynamicDim(0))
    return resultType.getDimSize(0) == inputType.getDimSize(0) * heads;
  return isBatchTimesHeads(getShapePiece(reshape.getShape(), 0),
                           {reshape.getInput(), 0}, heads, 0);
}

bool xf::isIdentityReshape(ReshapeOp reshape) {
  int64_t rank = reshape.getType().getRank();
  if (reshape.getInput().getType().getRank() != rank)
    return false;
  for (int64_t d = 0; d < rank; ++d)
    if (!keepsDim(reshape, d, d, 0))
      return false;
  return true;
}

std::optional<int64_t> xf::getSequenceFirstHeads(ReshapeOp reshape) {
  auto inputType = reshape.getInput().getType();
  auto resultType = reshape.getType();
  if (inputType.getRank() != 3 || resultType.getRank() != 3 ||
      inputType.isDynamicDim(2) || resultType.isDynamicDim(2) ||
      resultType.getDimSize(2) <= 0 ||
      inputType.getDimSize(2) % resultType.getDimSize(2) != 0 ||
      !keepsDim(reshape, 0, 0, 0))
    return std::nullopt;
  int64_t heads = inputType.getDimSize(2) / resultType.getDimSize(2);
  if (heads < 2)
    return std::nullopt; // One head is no split: nothing to normalize.
  if (!inputType.isDynamicDim(1) && !resultType.isDynamicDim(1))
    return resultType.getDimSize(1) == inputType.getDimSize(1) * heads
               ? std::optional<int64_t>(heads)
               : std::nullopt;
  if (!isBatchTimesHeads(getShapePiece(reshape.getShape(), 1),
                         {reshape.getInput(), 1}, heads, 0))
    return std::nullopt;
  return heads;
}
