//===- FuseAttention.cpp - Fuse scaled dot-product attention --------------===//
//
// Exporters write multi-head attention as a dozen ops: the projections split
// into heads by Reshape and Transpose, Q K^T, a scale, a mask, a Softmax,
// the product with V, and a Transpose and Reshape that merge the heads
// again. `xf.attention` takes the place of everything from the head split
// to the head merge, so that code generation can compute it tile by tile
// without materializing the [B, H, Sq, Sk] scores or head-split copies.
//
// The pattern is anchored at the head merge and walks up to the projections.
// Sizes that only exist at run time (batch, sequence) are compared by where
// they come from: a dimension read by `xf.shape_of` is traced back through
// transposes, head splits and projections to the tensor it was born in.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFOps.h"
#include "passes/Passes.h"
#include "passes/Transforms/ConstantData.h"
#include "passes/Transforms/PatternUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cstring>

namespace mlir::xf {
#define GEN_PASS_DEF_XFFUSEATTENTION
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

//===----------------------------------------------------------------------===//
// Dimensions known only at run time
//===----------------------------------------------------------------------===//

static bool isHeadSplit(ReshapeOp reshape, int depth);
static bool isHeadMerge(ReshapeOp reshape, int depth);

namespace {
/// What traceDim found for the operands of broadcasting arithmetic during
/// one match: a decoder's residual stream reaches each layer's adds along
/// two paths per layer before it, 2^layers walks without it.
using TraceCache = llvm::DenseMap<std::pair<Value, int64_t>, DimRef>;
thread_local TraceCache *activeTraceCache = nullptr;

/// Keeps traceDim's results while it lives; the IR must not change
/// meanwhile.
class TraceCacheScope {
public:
  TraceCacheScope() : previous(activeTraceCache) { activeTraceCache = &cache; }
  ~TraceCacheScope() { activeTraceCache = previous; }
  TraceCacheScope(const TraceCacheScope &) = delete;
  TraceCacheScope &operator=(const TraceCacheScope &) = delete;

private:
  TraceCache cache;
  TraceCache *previous;
};
} // namespace

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

static DimRef traceDim(DimRef ref, int depth = 0) {
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
    if (isa<AddOp, SubOp, MulOp, DivOp, WhereOp>(def)) {
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
        if (activeTraceCache && activeTraceCache->count(key)) {
          traced = activeTraceCache->lookup(key);
        } else {
          traced = traceDim({operand, dim}, depth + 1);
          if (activeTraceCache)
            (*activeTraceCache)[key] = traced;
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
static bool isSizeOf(Value element, DimRef ref, int depth = 0) {
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
static bool haveSameSize(DimRef a, DimRef b) {
  auto aType = cast<RankedTensorType>(a.value.getType());
  auto bType = cast<RankedTensorType>(b.value.getType());
  if (!aType.isDynamicDim(a.dim) && !bType.isDynamicDim(b.dim))
    return aType.getDimSize(a.dim) == bType.getDimSize(b.dim);
  return traceDim(a) == traceDim(b);
}

/// Whether a rank-changing reshape keeps the leading dimension of its input:
/// its target shape starts with 0 (ONNX's "copy"), the input's static size,
/// or that dimension read back by `xf.shape_of`.
static bool keepsLeadingDim(ReshapeOp reshape, int depth) {
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
static bool isHeadSplit(ReshapeOp reshape, int depth) {
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
static bool isHeadMerge(ReshapeOp reshape, int depth) {
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

//===----------------------------------------------------------------------===//
// Pieces of the pattern
//===----------------------------------------------------------------------===//

/// `x * c` or `x / c` for a splat constant `c` that leaves the shape of `x`
/// unchanged: `x` and the factor it is multiplied by.
static std::optional<std::pair<Value, double>> matchScaling(Operation *op) {
  if (!isa_and_present<MulOp, DivOp>(op))
    return std::nullopt;
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  if (isa<MulOp>(op) && getSplatFloat(lhs) && !getSplatFloat(rhs))
    std::swap(lhs, rhs);
  std::optional<double> factor = getSplatFloat(rhs);
  if (!factor || lhs.getType() != op->getResult(0).getType() ||
      (isa<DivOp>(op) && *factor == 0.0))
    return std::nullopt;
  return std::make_pair(lhs, isa<MulOp>(op) ? *factor : 1.0 / *factor);
}

/// Strips single-use scalings (see `matchScaling`) off `value`, folding
/// their factors into `scale`.
static Value peelScale(Value value, double &scale) {
  while (value.hasOneUse()) {
    auto scaling = matchScaling(value.getDefiningOp());
    if (!scaling)
      break;
    scale *= scaling->second;
    value = scaling->first;
  }
  return value;
}

namespace {
/// Heads taken from a packed [B, S, H * D] tensor: `transpose(reshape(x))`.
struct HeadSplit {
  Value packed;
  int64_t heads = 0, headDim = 0;
};
} // namespace

/// Matches `transpose(reshape(packed), perm)` where the reshape splits the
/// last dimension of `packed` into heads. With `scale`, splat scalings of
/// the packed or split tensor are folded into it.
static std::optional<HeadSplit> matchHeads(Value value, ArrayRef<int64_t> perm,
                                           double *scale) {
  if (scale)
    value = peelScale(value, *scale);
  auto transpose = value.getDefiningOp<TransposeOp>();
  if (!transpose || transpose.getPerm() != perm)
    return std::nullopt;
  auto reshape = transpose.getInput().getDefiningOp<ReshapeOp>();
  if (!reshape || !isHeadSplit(reshape, 0))
    return std::nullopt;
  RankedTensorType split = reshape.getType();
  Value packed = reshape.getInput();
  if (scale)
    packed = peelScale(packed, *scale);
  return HeadSplit{packed, split.getDimSize(2), split.getDimSize(3)};
}

/// Reads the elements of an integer constant, inline or held in a resource
/// blob, when it has at most `limit` of them.
static std::optional<SmallVector<int64_t>> readIntConstant(Value value,
                                                           int64_t limit) {
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements || elements.getNumElements() > limit ||
      !isa<IntegerType>(elements.getElementType()))
    return std::nullopt;
  SmallVector<int64_t> values;
  if (auto dense = dyn_cast<DenseIntElementsAttr>(elements)) {
    for (const APInt &v : dense.getValues<APInt>())
      values.push_back(v.getZExtValue());
    return values;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(elements);
  if (!resource || !resource.getRawHandle().getBlob())
    return std::nullopt;
  ArrayRef<char> bytes = resource.getRawHandle().getBlob()->getData();
  unsigned width = elements.getElementType().getIntOrFloatBitWidth();
  unsigned byteWidth = width == 1 ? 1 : width / 8;
  if (bytes.size() != static_cast<size_t>(elements.getNumElements()) * byteWidth)
    return std::nullopt;
  for (int64_t i = 0, e = elements.getNumElements(); i < e; ++i) {
    uint64_t v = 0;
    std::memcpy(&v, bytes.data() + i * byteWidth, byteWidth);
    values.push_back(static_cast<int64_t>(v));
  }
  return values;
}

/// Reads an additive f32 mask constant, inline or held in a resource blob,
/// of at most `limit` elements, as visibility: 1 where it adds 0, 0 where
/// it adds `hiddenAtMost` or less; nothing when any element is something
/// else.
static std::optional<SmallVector<int64_t>>
readAdditiveMask(Value value, int64_t limit, double hiddenAtMost) {
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements || elements.getNumElements() > limit ||
      !elements.getElementType().isF32())
    return std::nullopt;
  std::optional<std::vector<float>> floats = readF32Elements(elements);
  if (!floats)
    return std::nullopt;
  SmallVector<int64_t> visible;
  for (float v : *floats) {
    if (v != 0.0f && !(v <= hiddenAtMost))
      return std::nullopt;
    visible.push_back(v == 0.0f);
  }
  return visible;
}

/// Whether the [rows x cols] matrix of zeros and non-zeros `mask` is causal
/// with `offset`: element (i, j) is set exactly when j <= i + offset.
static bool isCausalMatrix(ArrayRef<int64_t> mask, int64_t rows, int64_t cols,
                           int64_t offset) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      if ((mask[i * cols + j] != 0) != (j <= i + offset))
        return false;
  return true;
}

namespace {
/// What is known of the query and key sequence lengths of one attention.
struct Lengths {
  DimRef query, key;
  bool equal;
};

/// Whether a mask keeps exactly the causal scores: j <= i + Sk - Sq. The
/// condition of `where(cond, scores, lowest)` (GPT-2 exports), or an
/// additive mask of zeros and large negatives (Llama-style exports). Either
/// a constant, or the last two dimensions sliced out of a constant
/// lower-triangular buffer, rows [Sk - Sq, Sk) (or from 0 when Sq = Sk) and
/// columns [0, Sk).
class CausalMaskMatcher {
public:
  explicit CausalMaskMatcher(Lengths lengths) : lengths(lengths) {}

  /// `cond` of `where(cond, scores, lowest)`.
  bool matchCondition(Value cond) {
    if (auto cast = cond.getDefiningOp<CastOp>())
      cond = cast.getInput();
    return match(cond, [](Value buffer) {
      return readIntConstant(buffer, /*limit=*/1 << 24);
    });
  }

  /// `mask` of `scale * (scores + mask)`, `scale` > 0: hidden where the
  /// scaled mask adds -1e4 or less, which no score survives in softmax.
  bool matchAdditive(Value mask, double scale) {
    return match(mask, [&](Value buffer) {
      return readAdditiveMask(buffer, /*limit=*/1 << 24, -1e4 / scale);
    });
  }

private:
  /// `readVisible` reads the buffer's elements as 1 (visible) and 0.
  bool match(Value cond,
             function_ref<std::optional<SmallVector<int64_t>>(Value)>
                 readVisible) {
    auto type = cast<RankedTensorType>(cond.getType());
    int64_t rank = type.getRank();
    if (rank < 2 || !llvm::all_of(type.getShape().drop_back(2),
                                  [](int64_t d) { return d == 1; }))
      return false;
    // Slices of the buffer, row axis and column axis.
    SmallVector<SliceOp> slices;
    while (auto slice = cond.getDefiningOp<SliceOp>()) {
      slices.push_back(slice);
      cond = slice.getInput();
    }
    auto bufferType = cast<RankedTensorType>(cond.getType());
    if (bufferType.getRank() != rank || !bufferType.hasStaticShape())
      return false;
    int64_t rows = bufferType.getDimSize(rank - 2);
    int64_t cols = bufferType.getDimSize(rank - 1);
    std::optional<SmallVector<int64_t>> buffer = readVisible(cond);
    if (!buffer)
      return false;
    if (slices.empty()) {
      // A constant mask of the scores' static shape.
      auto qType = cast<RankedTensorType>(lengths.query.value.getType());
      auto kType = cast<RankedTensorType>(lengths.key.value.getType());
      if (qType.isDynamicDim(lengths.query.dim) ||
          kType.isDynamicDim(lengths.key.dim))
        return false;
      int64_t sq = qType.getDimSize(lengths.query.dim);
      int64_t sk = kType.getDimSize(lengths.key.dim);
      return rows == sq && cols == sk && isCausalMatrix(*buffer, rows, cols,
                                                        sk - sq);
    }
    // A lower-triangular buffer (ones on and below the diagonal), sliced.
    if (!isCausalMatrix(*buffer, rows, cols, 0))
      return false;
    bool rowsSliced = false, colsSliced = false;
    for (SliceOp slice : slices) {
      std::optional<SmallVector<int64_t>> axes =
          getKnownIntValues(slice.getAxes());
      std::optional<SmallVector<int64_t>> steps =
          getKnownIntValues(slice.getSteps());
      if (!axes || !steps || axes->size() != steps->size())
        return false;
      for (auto [i, axis] : llvm::enumerate(*axes)) {
        FailureOr<int64_t> normalized = normalizeAxis(axis, rank);
        if (failed(normalized) || (*steps)[i] != 1)
          return false;
        Value end = getShapePiece(slice.getEnds(), i);
        if (*normalized == rank - 2 && !rowsSliced) {
          rowsSliced = isRowStart(slice.getStarts(), i) && isKeyLength(end);
          if (!rowsSliced)
            return false;
        } else if (*normalized == rank - 1 && !colsSliced) {
          colsSliced = isZeroAt(slice.getStarts(), i) && isKeyLength(end);
          if (!colsSliced)
            return false;
        } else {
          return false;
        }
      }
    }
    return rowsSliced && colsSliced;
  }

  /// Whether element `i` of the 1-D `shape` is known to be 0: a constant
  /// vector (a slice over several axes at once) or a piece of a concat.
  static bool isZeroAt(Value shape, int64_t i) {
    std::optional<SmallVector<int64_t>> known = getKnownIntValues(shape);
    if (known && static_cast<int64_t>(known->size()) > i)
      return (*known)[i] == 0;
    Value element = getShapePiece(shape, i);
    known = element ? getKnownIntValues(element) : std::nullopt;
    return known && known->size() == 1 && (*known)[0] == 0;
  }
  bool isKeyLength(Value element) { return isSizeOf(element, lengths.key); }
  /// Element `i` of `starts` is Sk - Sq, or 0 when the two lengths are known
  /// to be equal.
  bool isRowStart(Value starts, int64_t i) {
    if (lengths.equal && isZeroAt(starts, i))
      return true;
    Value element = getShapePiece(starts, i);
    if (!element)
      return false;
    while (Operation *def = element.getDefiningOp()) {
      if (!isa<UnsqueezeOp, SqueezeOp, CastOp>(def))
        break;
      element = def->getOperand(0);
    }
    auto sub = element.getDefiningOp<SubOp>();
    return sub && isSizeOf(sub.getLhs(), lengths.key) &&
           isSizeOf(sub.getRhs(), lengths.query);
  }

  Lengths lengths;
};

/// The ops between Q K^T and the softmax: scales, an additive mask and a
/// causal `where`, each at most once, in any order.
struct ScoreEpilogue {
  double scale = 1.0;
  Value mask;
  /// The part of `scale` applied after the mask was added, which applies
  /// to the mask too: softmax(c * (s + m)) = softmax(c * s + c * m).
  double maskScale = 1.0;
  /// `where(condition, scores, fill)` (the condition keeps scores) or
  /// `where(condition, fill, scores)` (it hides them), with `fill` low
  /// enough that no score survives it; `conditionScale` is the part of
  /// `scale` applied after it, which scales the fill too.
  Value condition;
  bool conditionKeeps = true;
  double fill = 0.0, conditionScale = 1.0;
  SmallVector<Operation *> ops;
};
} // namespace

/// Whether `value` is Q K^T after a few single-use score ops.
static bool leadsToProduct(Value value) {
  for (int i = 0; i < 8 && value.hasOneUse(); ++i) {
    Operation *def = value.getDefiningOp();
    if (isa_and_present<MatMulOp>(def))
      return true;
    if (!isa_and_present<AddOp, MulOp, DivOp, WhereOp>(def))
      return false;
    value = isa<WhereOp>(def) ? def->getOperand(1) : def->getOperand(0);
  }
  return false;
}

static std::optional<ScoreEpilogue> matchScoreEpilogue(Value scores,
                                                       MatMulOp &product) {
  ScoreEpilogue epilogue;
  while (true) {
    Operation *def = scores.getDefiningOp();
    if (!def)
      return std::nullopt;
    if (auto matmul = dyn_cast<MatMulOp>(def)) {
      product = matmul;
      return epilogue;
    }
    Type type = def->getResult(0).getType();
    if (auto where = dyn_cast<WhereOp>(def)) {
      std::optional<double> fillY = getSplatFloat(where.getY());
      std::optional<double> fillX = getSplatFloat(where.getX());
      if (epilogue.condition)
        return std::nullopt;
      if (fillY && *fillY <= -1e4 && where.getX().getType() == type) {
        epilogue.fill = *fillY;
        scores = where.getX();
      } else if (fillX && *fillX <= -1e4 && where.getY().getType() == type) {
        epilogue.conditionKeeps = false;
        epilogue.fill = *fillX;
        scores = where.getY();
      } else {
        return std::nullopt;
      }
      epilogue.condition = where.getCondition();
      epilogue.conditionScale = epilogue.scale;
    } else if (auto scaling = matchScaling(def)) {
      epilogue.scale *= scaling->second;
      scores = scaling->first;
    } else if (auto add = dyn_cast<AddOp>(def)) {
      if (epilogue.mask)
        return std::nullopt;
      // The scores are the operand of the add's type that leads to Q K^T;
      // the mask is the other one.
      Value lhs = add.getLhs(), rhs = add.getRhs();
      if (lhs.getType() != type || (rhs.getType() == type &&
                                     leadsToProduct(rhs) &&
                                     !leadsToProduct(lhs)))
        std::swap(lhs, rhs);
      if (lhs.getType() != type)
        return std::nullopt;
      epilogue.mask = rhs;
      epilogue.maskScale = epilogue.scale;
      scores = lhs;
    } else {
      return std::nullopt;
    }
    epilogue.ops.push_back(def);
  }
}

/// The ops that become dead once `root` is erased: those whose every user
/// is `root` or another of them. (Every xf op is free of side effects.)
static llvm::SmallPtrSet<Operation *, 32>
getOpsDeadWithout(ArrayRef<Operation *> roots) {
  llvm::SmallPtrSet<Operation *, 32> dead(roots.begin(), roots.end());
  SmallVector<Operation *> worklist(roots);
  while (!worklist.empty() && dead.size() < 4096) {
    Operation *op = worklist.pop_back_val();
    for (Value operand : op->getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (!def || dead.contains(def) || !isa<XFDialect>(def->getDialect()))
        continue;
      bool allUsersDead = llvm::all_of(def->getUsers(), [&](Operation *user) {
        return dead.contains(user);
      });
      if (allUsersDead) {
        dead.insert(def);
        worklist.push_back(def);
      }
    }
  }
  return dead;
}

namespace {
/// merge(transpose(softmax(epilogue(Q K^T)) V)) -> xf.attention.
struct FuseAttentionPattern : OpRewritePattern<ReshapeOp> {
  FuseAttentionPattern(MLIRContext *context, bool explain)
      : OpRewritePattern(context), explain(explain) {}

  LogicalResult matchAndRewrite(ReshapeOp merge,
                                PatternRewriter &rewriter) const override {
    TraceCacheScope traceCache;
    std::string reason;
    LogicalResult result = match(merge, rewriter, reason);
    // Only reshapes of a product's transpose are worth a remark.
    auto transpose = merge.getInput().getDefiningOp<TransposeOp>();
    if (failed(result) && explain && transpose &&
        transpose.getInput().getDefiningOp<MatMulOp>())
      merge.emitRemark() << "attention not fused: " << reason;
    return result;
  }

private:
  bool explain;

  LogicalResult match(ReshapeOp merge, PatternRewriter &rewriter,
                      std::string &reason) const {
    auto refuse = [&](StringRef why) {
      reason = why.str();
      return rewriter.notifyMatchFailure(merge, why);
    };
    if (!isHeadMerge(merge, 0))
      return refuse("not a head merge");
    auto mergeTranspose = merge.getInput().getDefiningOp<TransposeOp>();
    if (!mergeTranspose ||
        mergeTranspose.getPerm() != ArrayRef<int64_t>{0, 2, 1, 3})
      return refuse("no head transpose");
    auto weighted = mergeTranspose.getInput().getDefiningOp<MatMulOp>();
    if (!weighted)
      return refuse("no product with V");
    auto softmax = weighted.getLhs().getDefiningOp<SoftmaxOp>();
    if (!softmax || softmax.getType().getRank() != 4 || softmax.getAxis() != 3)
      return refuse("no softmax over the keys");

    MatMulOp scoresOp;
    std::optional<ScoreEpilogue> epilogue =
        matchScoreEpilogue(softmax.getInput(), scoresOp);
    if (!epilogue)
      return refuse("unexpected score epilogue");

    double scale = epilogue->scale;
    std::optional<HeadSplit> query =
        matchHeads(scoresOp.getLhs(), {0, 2, 1, 3}, &scale);
    std::optional<HeadSplit> key =
        matchHeads(scoresOp.getRhs(), {0, 2, 3, 1}, &scale);
    std::optional<HeadSplit> value =
        matchHeads(weighted.getRhs(), {0, 2, 1, 3}, /*scale=*/nullptr);
    if (!query || !key || !value)
      return refuse("Q, K or V is not split "
                                                "into heads");
    int64_t heads = query->heads;
    if (key->heads != heads || value->heads != heads ||
        key->headDim != query->headDim ||
        value->heads * value->headDim !=
            merge.getType().getDimSize(2))
      return refuse("head counts differ");

    Lengths lengths{{query->packed, 1}, {key->packed, 1}, false};
    lengths.equal = haveSameSize(lengths.query, lengths.key);
    if (!haveSameSize(lengths.key, {value->packed, 1}))
      return refuse("K and V lengths differ");

    StringRef maskKind = "none";
    Value mask = epilogue->mask;
    // A condition that is not causal becomes an additive mask: its fill
    // where it hides scores, 0 where it keeps them. An expand of it (to
    // the scores' shape) is left out: the attention broadcasts its mask.
    Value conditionMask;
    if (epilogue->condition) {
      if (epilogue->conditionKeeps &&
          CausalMaskMatcher(lengths).matchCondition(epilogue->condition)) {
        maskKind = "causal";
      } else {
        conditionMask = epilogue->condition;
        if (auto expand = conditionMask.getDefiningOp<ExpandOp>())
          conditionMask = expand.getInput();
        if (cast<RankedTensorType>(conditionMask.getType()).getRank() > 4)
          return refuse("mask of rank above 4");
      }
    } else if (mask && epilogue->maskScale > 0 &&
               CausalMaskMatcher(lengths).matchAdditive(mask,
                                                        epilogue->maskScale)) {
      // An additive causal mask is the causal kind: no mask to read, and
      // key blocks past the diagonal skipped.
      maskKind = "causal";
      mask = nullptr;
    }
    // Other reshapes of the merged heads (GPT-2 flattens them to [B * S,
    // H * D] beside the head merge) read the same elements in the same
    // order: they become reshapes of the attention's result.
    SmallVector<ReshapeOp> otherReshapes;
    for (Operation *user : mergeTranspose->getUsers()) {
      auto reshape = dyn_cast<ReshapeOp>(user);
      if (!reshape || reshape == merge)
        continue;
      std::optional<SmallVector<int64_t>> target =
          getKnownIntValues(reshape.getShape());
      // A 0 would copy a dimension of the 4-D heads, not of the result.
      if (!reshape.getAllowzero() &&
          (!target || llvm::is_contained(*target, 0)))
        continue;
      otherReshapes.push_back(reshape);
    }
    // Every intermediate must die with the fusion: used only inside the
    // pattern or by the shape computations of its head merge.
    SmallVector<Operation *> roots = {merge};
    for (ReshapeOp reshape : otherReshapes)
      roots.push_back(reshape);
    llvm::SmallPtrSet<Operation *, 32> dead = getOpsDeadWithout(roots);
    SmallVector<Operation *> intermediates = {mergeTranspose, weighted, softmax,
                                              scoresOp};
    llvm::append_range(intermediates, epilogue->ops);
    if (!llvm::all_of(intermediates,
                      [&](Operation *op) { return dead.contains(op); }))
      return refuse("an intermediate is used outside the pattern");

    if (mask && cast<RankedTensorType>(mask.getType()).getRank() > 4)
      return refuse("mask of rank above 4");
    if (conditionMask) {
      // Nothing is created before the last refusal above.
      Location loc = merge.getLoc();
      Type elementType = softmax.getType().getElementType();
      auto scalar = [&](double v) -> Value {
        return ConstantOp::create(
            rewriter, loc,
            DenseElementsAttr::get(RankedTensorType::get({}, elementType),
                                   rewriter.getFloatAttr(elementType, v)));
      };
      Value hidden = scalar(epilogue->fill * epilogue->conditionScale);
      Value kept = scalar(0.0);
      Value additive = WhereOp::create(
          rewriter, loc, conditionMask,
          epilogue->conditionKeeps ? kept : hidden,
          epilogue->conditionKeeps ? hidden : kept);
      if (mask && epilogue->maskScale != 1.0)
        mask = MulOp::create(rewriter, loc, mask,
                             scalar(epilogue->maskScale));
      mask = mask ? Value(AddOp::create(rewriter, loc, mask, additive))
                  : additive;
      epilogue->maskScale = 1.0;
    }
    if (mask) {
      auto maskType = cast<RankedTensorType>(mask.getType());
      if (epilogue->maskScale != 1.0) {
        Type elementType = maskType.getElementType();
        auto factor = ConstantOp::create(
            rewriter, merge.getLoc(),
            DenseElementsAttr::get(RankedTensorType::get({}, elementType),
                                   rewriter.getFloatAttr(
                                       elementType, epilogue->maskScale)));
        mask = MulOp::create(rewriter, merge.getLoc(), mask, factor);
      }
      if (maskType.getRank() < 4) {
        auto leading = llvm::to_vector(llvm::seq<int64_t>(4 - maskType.getRank()));
        mask = UnsqueezeOp::create(rewriter, merge.getLoc(), mask,
                                   rewriter.getDenseI64ArrayAttr(leading));
        maskType = cast<RankedTensorType>(mask.getType());
      }
      if (maskKind == "none" && maskType.getDimSize(2) == 1)
        maskKind = "padding";
    }

    SmallVector<Location> locations = {
        scoresOp.getLoc(), softmax.getLoc(), weighted.getLoc(),
        mergeTranspose.getLoc(), merge.getLoc()};
    for (Operation *op : epilogue->ops)
      locations.push_back(op->getLoc());
    auto attention = AttentionOp::create(
        rewriter, rewriter.getFusedLoc(locations), merge.getType(),
        query->packed, key->packed, value->packed, mask,
        rewriter.getI64IntegerAttr(heads),
        rewriter.getF32FloatAttr(static_cast<float>(scale)),
        rewriter.getStringAttr(maskKind));
    for (ReshapeOp reshape : otherReshapes)
      rewriter.replaceOpWithNewOp<ReshapeOp>(reshape, reshape.getType(),
                                             attention.getResult(),
                                             reshape.getShape(),
                                             reshape.getAllowzero());
    rewriter.replaceOp(merge, attention.getResult());
    return success();
  }
};

struct FuseAttentionPass : xf::impl::XFFuseAttentionBase<FuseAttentionPass> {
  using XFFuseAttentionBase::XFFuseAttentionBase;
  void runOnOperation() override {
    auto countCausal = [&] {
      int64_t count = 0;
      getOperation().walk([&](AttentionOp op) {
        count += op.getMaskKind() == "causal";
      });
      return count;
    };
    int64_t before = countOps<AttentionOp>(getOperation());
    int64_t causalBefore = countCausal();
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttentionPattern>(&getContext(), explain);
    // In program order: a later layer's sequence length is traced through
    // the attention of the layers before it, once they are fused.
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config)))
      return signalPassFailure();
    numCausal += countCausal() - causalBefore;
    numFused += countOps<AttentionOp>(getOperation()) - before;
  }
};
} // namespace
