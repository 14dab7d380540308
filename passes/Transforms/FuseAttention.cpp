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

#include "dialects/xf/XFDims.h"
#include "dialects/xf/XFOps.h"
#include "passes/Passes.h"
#include "passes/Transforms/ConstantData.h"
#include "passes/Transforms/PatternUtils.h"
#include "passes/Transforms/UnmergeBatchHeads.h"

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
/// Heads taken from a packed [B, S, H * D] tensor: `transpose(reshape(x))`,
/// or from a [B, S, H, D] tensor that is no reshape (rotary embeddings
/// applied after the head split), which the fusion reshapes to packed form.
struct HeadSplit {
  Value packed;  // [B, S, H * D], when it exists
  Value split;   // [B, S, H, D], when `packed` must be made from it
  int64_t heads = 0, headDim = 0;
  /// The [B, S] tensor whose dimension 1 is the sequence.
  Value sequenceSource() const { return packed ? packed : split; }
};
} // namespace

/// Heads from the [B, S, H, D] tensor `split`: the packed tensor it was
/// split from, when it was.
static HeadSplit fromSplit(Value split, double *scale) {
  auto type = cast<RankedTensorType>(split.getType());
  HeadSplit heads{Value(), Value(), type.getDimSize(2), type.getDimSize(3)};
  if (auto reshape = split.getDefiningOp<ReshapeOp>();
      reshape && isHeadSplit(reshape, 0)) {
    heads.packed = reshape.getInput();
    if (scale)
      heads.packed = peelScale(heads.packed, *scale);
    return heads;
  }
  heads.split = split;
  return heads;
}

/// Matches a heads-first [B, H, S, D] tensor: `transpose(x, [0, 2, 1, 3])`
/// of a [B, S, H', D] tensor, where H = H' or, for grouped-query
/// attention, H' heads repeated r times by `reshape(expand(unsqueeze(t, 2),
/// [B, H', r, S, D]), [B, H' * r, S, D])` (Llama's repeat_kv). Returns the
/// heads and the repeat count.
static std::optional<std::pair<HeadSplit, int64_t>>
matchHeadsFirst(Value value, double *scale) {
  if (scale)
    value = peelScale(value, *scale);
  int64_t repeat = 1;
  if (auto reshape = value.getDefiningOp<ReshapeOp>()) {
    auto expand = reshape.getInput().getDefiningOp<ExpandOp>();
    auto unsqueeze =
        expand ? expand.getInput().getDefiningOp<UnsqueezeOp>() : UnsqueezeOp();
    RankedTensorType expanded = expand ? expand.getType() : RankedTensorType();
    RankedTensorType result = reshape.getType();
    if (!unsqueeze || unsqueeze.getAxes() != ArrayRef<int64_t>{2} ||
        expanded.getRank() != 5 || result.getRank() != 4 ||
        expanded.isDynamicDim(1) || expanded.isDynamicDim(2) ||
        result.isDynamicDim(1) ||
        expanded.getDimSize(1) * expanded.getDimSize(2) != result.getDimSize(1) ||
        unsqueeze.getInput().getType().getDimSize(1) != expanded.getDimSize(1))
      return std::nullopt;
    repeat = expanded.getDimSize(2);
    value = unsqueeze.getInput();
  }
  auto transpose = value.getDefiningOp<TransposeOp>();
  if (!transpose || transpose.getPerm() != ArrayRef<int64_t>{0, 2, 1, 3})
    return std::nullopt;
  Value split = transpose.getInput();
  if (scale)
    split = peelScale(split, *scale);
  auto type = cast<RankedTensorType>(split.getType());
  if (type.isDynamicDim(2) || type.isDynamicDim(3))
    return std::nullopt;
  return std::make_pair(fromSplit(split, scale), repeat);
}

/// Matches K^T, [B, H, D, S]: `transpose(split, [0, 2, 3, 1])` of a
/// [B, S, H, D] tensor, or `transpose(k, [0, 1, 3, 2])` of heads-first K.
static std::optional<std::pair<HeadSplit, int64_t>>
matchKeyTranspose(Value value, double *scale) {
  value = peelScale(value, *scale);
  auto transpose = value.getDefiningOp<TransposeOp>();
  if (!transpose)
    return std::nullopt;
  if (transpose.getPerm() == ArrayRef<int64_t>{0, 2, 3, 1}) {
    Value split = peelScale(transpose.getInput(), *scale);
    auto type = cast<RankedTensorType>(split.getType());
    if (type.getRank() != 4 || type.isDynamicDim(2) || type.isDynamicDim(3))
      return std::nullopt;
    return std::make_pair(fromSplit(split, scale), int64_t(1));
  }
  if (transpose.getPerm() == ArrayRef<int64_t>{0, 1, 3, 2})
    return matchHeadsFirst(transpose.getInput(), scale);
  return std::nullopt;
}

/// The packed [B, S, H * D] tensor of `heads`, reshaped from its split form
/// where needed (a reshape that copies B and S: free).
static Value materializePacked(PatternRewriter &rewriter, Location loc,
                               HeadSplit &heads) {
  if (heads.packed)
    return heads.packed;
  auto shape = ConstantOp::create(
      rewriter, loc,
      DenseIntElementsAttr::get(
          RankedTensorType::get({3}, rewriter.getI64Type()),
          ArrayRef<int64_t>{0, 0, heads.heads * heads.headDim}));
  heads.packed = ReshapeOp::create(rewriter, loc, heads.split, shape,
                                   /*allowzero=*/false);
  return heads.packed;
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

/// The ops between Q K^T and the softmax: scales, an additive mask, a
/// causal `where` and a clamp at the lowest float, each at most once, in
/// any order.
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
  /// Whether the mask is added before the `where` (it is after it in
  /// GPT-2's graph).
  bool maskBeforeCondition = false;
  /// `max(s + mask, floor)` (OPT): the floor moves onto the mask.
  std::optional<double> maskFloor;
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
    } else if (auto clamp = dyn_cast<MaxOp>(def)) {
      // OPT clamps masked scores at the lowest float: max(s + m, lowest).
      // Near the lowest float, adding a score leaves it unchanged, so the
      // clamp only turns a -inf in the mask into the lowest float:
      // s + max(m, lowest). Before the mask, it clamps nothing.
      Value other = getSplatFloat(clamp.getRhs()) ? clamp.getLhs()
                                                  : clamp.getRhs();
      std::optional<double> bound = getSplatFloat(getOtherOperand(def, other));
      if (!bound || *bound > -1e30 || other.getType() != type ||
          epilogue.maskFloor)
        return std::nullopt;
      if (!epilogue.mask)
        epilogue.maskFloor = *bound;
      scores = other;
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
      // The walk goes from the softmax back to Q K^T.
      epilogue.maskBeforeCondition = static_cast<bool>(epilogue.condition);
      scores = lhs;
    } else {
      return std::nullopt;
    }
    epilogue.ops.push_back(def);
  }
}

/// Whether each row of `condition` ([..., 1, Sq, Sk] or [Sq, Sk], the same
/// for every head) keeps at least one key: [..., Sq, 1] with the head
/// dimension dropped, to select from the packed [B, Sq, H * D] output.
static Value getVisibleRows(PatternRewriter &rewriter, Location loc,
                            Value condition, bool conditionKeeps,
                            Type elementType) {
  auto type = cast<RankedTensorType>(condition.getType());
  int64_t rank = type.getRank();
  Value visible = conditionKeeps ? condition
                                 : Value(NotOp::create(rewriter, loc, condition));
  if (rank >= 3) {
    visible = SqueezeOp::create(rewriter, loc, visible,
                                rewriter.getDenseI64ArrayAttr({rank - 3}));
    --rank;
  }
  auto shape = llvm::to_vector(cast<RankedTensorType>(visible.getType()).getShape());
  Value numeric = CastOp::create(
      rewriter, loc, RankedTensorType::get(shape, elementType), visible);
  Value any = ReduceMaxOp::create(rewriter, loc, numeric,
                                  rewriter.getDenseI64ArrayAttr({rank - 1}),
                                  rewriter.getBoolAttr(true));
  Value zero = ConstantOp::create(
      rewriter, loc,
      DenseElementsAttr::get(RankedTensorType::get({}, elementType),
                             rewriter.getFloatAttr(elementType, 0.0)));
  return GreaterOp::create(rewriter, loc, any, zero);
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
    // DeBERTa's XSoftmax zeroes the probabilities its mask hides again:
    // where(cond, 0, softmax(where(cond, lowest, s))).
    WhereOp zeroing = weighted.getLhs().getDefiningOp<WhereOp>();
    Value probabilities = weighted.getLhs();
    if (zeroing) {
      std::optional<double> zeroX = getSplatFloat(zeroing.getX());
      std::optional<double> zeroY = getSplatFloat(zeroing.getY());
      probabilities = zeroX == 0.0   ? zeroing.getY()
                      : zeroY == 0.0 ? zeroing.getX()
                                     : Value();
      if (!probabilities || probabilities.getType() != zeroing.getType())
        return refuse("no softmax over the keys");
    }
    auto softmax = probabilities.getDefiningOp<SoftmaxOp>();
    if (!softmax || softmax.getType().getRank() != 4 || softmax.getAxis() != 3)
      return refuse("no softmax over the keys");

    MatMulOp scoresOp;
    std::optional<ScoreEpilogue> epilogue =
        matchScoreEpilogue(softmax.getInput(), scoresOp);
    if (!epilogue)
      return refuse("unexpected score epilogue");

    double scale = epilogue->scale;
    auto query = matchHeadsFirst(scoresOp.getLhs(), &scale);
    auto key = matchKeyTranspose(scoresOp.getRhs(), &scale);
    auto value = matchHeadsFirst(weighted.getRhs(), /*scale=*/nullptr);
    if (!query || !key || !value || query->second != 1)
      return refuse("Q, K or V is not split into heads");
    int64_t heads = query->first.heads;
    // One K and V head broadcast by the products to every query head
    // (Falcon's multi-query attention) is grouped-query attention with one
    // group.
    if (key->first.heads == 1 && value->first.heads == 1 &&
        key->second == 1 && value->second == 1) {
      key->second = heads;
      value->second = heads;
    }
    int64_t kvHeads = key->first.heads;
    if (key->first.heads * key->second != heads ||
        value->first.heads != kvHeads || value->second != key->second ||
        key->first.headDim != query->first.headDim ||
        heads * value->first.headDim != merge.getType().getDimSize(2))
      return refuse("head counts differ");

    Lengths lengths{{query->first.sequenceSource(), 1},
                    {key->first.sequenceSource(), 1},
                    false};
    lengths.equal = haveSameSize(lengths.query, lengths.key);
    if (!haveSameSize(lengths.key, {value->first.sequenceSource(), 1}))
      return refuse("K and V lengths differ");
    // The attention does not broadcast batches, as a product of heads may.
    if (!haveSameSize({query->first.sequenceSource(), 0},
                      {key->first.sequenceSource(), 0}) ||
        !haveSameSize({key->first.sequenceSource(), 0},
                      {value->first.sequenceSource(), 0}))
      return refuse("Q, K and V batches differ");

    // Zeroing what the score condition hid changes only the rows where it
    // hid every key (their softmax is uniform, then zero): the output keeps
    // the rows that have a visible key and is zero in the others.
    if (zeroing &&
        (zeroing.getCondition() != epilogue->condition ||
         epilogue->conditionKeeps != (zeroing.getX() == probabilities)))
      return refuse("probabilities zeroed by another condition");

    // OPT's clamp moves onto the mask, which is exact only when nothing
    // else is added between: a causal fill before a mask and the clamp
    // would become fill + max(m, lowest) instead of max(fill + m, lowest).
    if (epilogue->maskFloor && epilogue->condition &&
        !epilogue->maskBeforeCondition && epilogue->mask)
      return refuse("a clamp after a causal fill and a mask");
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
    if (zeroing)
      intermediates.push_back(zeroing);
    llvm::append_range(intermediates, epilogue->ops);
    if (!llvm::all_of(intermediates,
                      [&](Operation *op) { return dead.contains(op); }))
      return refuse("an intermediate is used outside the pattern");

    if (mask && cast<RankedTensorType>(mask.getType()).getRank() > 4)
      return refuse("mask of rank above 4");
    // The rows of a condition that is the same for every head (an expand
    // of it to the scores' shape is left out).
    Value rowCondition = epilogue->condition;
    if (auto expand = rowCondition ? rowCondition.getDefiningOp<ExpandOp>()
                                   : ExpandOp())
      rowCondition = expand.getInput();
    auto conditionType = rowCondition
                             ? cast<RankedTensorType>(rowCondition.getType())
                             : RankedTensorType();
    bool zeroHiddenRows = zeroing && maskKind != "causal";
    if (zeroHiddenRows &&
        (conditionType.getRank() < 2 ||
         (conditionType.getRank() >= 3 &&
          conditionType.getDimSize(conditionType.getRank() - 3) != 1)))
      return refuse("probabilities zeroed per head");
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
    if (mask && epilogue->maskFloor) {
      Type elementType = cast<RankedTensorType>(mask.getType()).getElementType();
      auto floor = ConstantOp::create(
          rewriter, merge.getLoc(),
          DenseElementsAttr::get(
              RankedTensorType::get({}, elementType),
              rewriter.getFloatAttr(elementType, *epilogue->maskFloor)));
      mask = MaxOp::create(rewriter, merge.getLoc(), mask, floor);
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
    Location loc = rewriter.getFusedLoc(locations);
    Value queryPacked = materializePacked(rewriter, loc, query->first);
    Value keyPacked = materializePacked(rewriter, loc, key->first);
    Value valuePacked = materializePacked(rewriter, loc, value->first);
    auto attention = AttentionOp::create(
        rewriter, loc, merge.getType(), queryPacked, keyPacked, valuePacked,
        mask, rewriter.getI64IntegerAttr(heads),
        rewriter.getF32FloatAttr(static_cast<float>(scale)),
        rewriter.getStringAttr(maskKind),
        kvHeads == heads ? IntegerAttr() : rewriter.getI64IntegerAttr(kvHeads),
        FloatAttr(), UnitAttr());
    // What a causal `where` writes, and whether the mask comes before it:
    // they decide the rows whose every visible key the mask hides.
    if (maskKind == "causal" && epilogue->condition) {
      auto fill = static_cast<float>(epilogue->fill * epilogue->conditionScale);
      if (fill != -std::numeric_limits<float>::max())
        attention.setCausalFillAttr(rewriter.getF32FloatAttr(fill));
      if (mask && epilogue->maskBeforeCondition)
        attention.setMaskBeforeCausal(true);
    }
    Value output = attention.getResult();
    if (zeroHiddenRows) {
      // A select, exact whatever the kernel leaves in rows it cannot
      // normalize (every score -inf).
      Type elementType = merge.getType().getElementType();
      Value zero = ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(RankedTensorType::get({}, elementType),
                                 rewriter.getFloatAttr(elementType, 0.0)));
      output = WhereOp::create(
          rewriter, loc, merge.getType(),
          getVisibleRows(rewriter, loc, rowCondition, epilogue->conditionKeeps,
                         elementType),
          output, zero);
    }
    for (ReshapeOp reshape : otherReshapes)
      rewriter.replaceOpWithNewOp<ReshapeOp>(reshape, reshape.getType(),
                                             output, reshape.getShape(),
                                             reshape.getAllowzero());
    rewriter.replaceOp(merge, output);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Normalization: head transposes hoisted to the top of rotary embeddings
//===----------------------------------------------------------------------===//

/// The head transpose [B, S, H, D] <-> [B, H, S, D] (its own inverse).
static constexpr int64_t kHeadPerm[] = {0, 2, 1, 3};

static bool isHeadTranspose(Value value) {
  auto transpose = value.getDefiningOp<TransposeOp>();
  return transpose && transpose.getPerm() == ArrayRef<int64_t>(kHeadPerm);
}

static Value headTranspose(PatternRewriter &rewriter, Location loc,
                           Value value) {
  if (isHeadTranspose(value))
    return value.getDefiningOp<TransposeOp>().getInput();
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() < 4) {
    auto leading = llvm::to_vector(llvm::seq<int64_t>(4 - type.getRank()));
    value = UnsqueezeOp::create(rewriter, loc, value,
                                rewriter.getDenseI64ArrayAttr(leading));
  }
  return TransposeOp::create(rewriter, loc, value,
                             rewriter.getDenseI64ArrayAttr(kHeadPerm));
}

namespace {
/// op(transpose(x), c) -> transpose(op(x, transpose(c))) for the head
/// transpose and elementwise arithmetic: rotary embeddings applied to
/// heads-first Q and K (Llama: q * cos + rotate_half(q) * sin) then sit
/// under one head transpose, as the attention pattern expects. Only when a
/// transposed operand has the result's shape (or every operand is
/// transposed), so the transposes of broadcast tables never move back up.
template <typename OpTy>
struct HoistHeadTransposeThroughElementwise : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Type resultType = op->getResult(0).getType();
    if (cast<RankedTensorType>(resultType).getRank() != 4)
      return failure();
    // Only when it removes more full-size transposes than it adds: a
    // transposed operand of the result's shape goes away, one that is not
    // transposed would need a transpose of its own.
    int64_t removed = 0, added = 0;
    for (Value operand : op->getOperands()) {
      if (cast<RankedTensorType>(operand.getType()).getRank() > 4)
        return failure();
      bool transposed = isHeadTranspose(operand);
      bool fullSize = operand.getType() == resultType;
      removed += transposed;
      added += fullSize && !transposed;
    }
    if (removed == 0 || removed <= added)
      return failure();
    SmallVector<Value> operands;
    for (Value operand : op->getOperands())
      operands.push_back(headTranspose(rewriter, op.getLoc(), operand));
    Value hoisted;
    if constexpr (std::is_same_v<OpTy, NegOp>)
      hoisted = NegOp::create(rewriter, op.getLoc(), operands[0]);
    else
      hoisted = OpTy::create(rewriter, op.getLoc(), operands[0], operands[1]);
    rewriter.replaceOp(op, headTranspose(rewriter, op.getLoc(), hoisted));
    return success();
  }
};

/// slice(transpose(x)) -> transpose(slice(x)) along the permuted axes, and
/// concat of transposes -> transpose of the concat (rotate_half).
struct HoistHeadTransposeThroughSlice : OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SliceOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallVector<int64_t>> axes = getKnownIntValues(op.getAxes());
    if (!isHeadTranspose(op.getInput()) || !axes ||
        llvm::any_of(*axes, ShapedType::isDynamic))
      return failure();
    SmallVector<int64_t> permuted;
    for (int64_t axis : *axes) {
      FailureOr<int64_t> normalized = normalizeAxis(axis, 4);
      if (failed(normalized))
        return failure();
      permuted.push_back(kHeadPerm[*normalized]);
    }
    auto axesType = RankedTensorType::get(
        {static_cast<int64_t>(permuted.size())}, rewriter.getI64Type());
    Value newAxes = ConstantOp::create(
        rewriter, op.getLoc(), DenseIntElementsAttr::get(axesType, permuted));
    Value sliced = SliceOp::create(
        rewriter, op.getLoc(), headTranspose(rewriter, op.getLoc(), op.getInput()),
        op.getStarts(), op.getEnds(), newAxes, op.getSteps());
    rewriter.replaceOp(op, headTranspose(rewriter, op.getLoc(), sliced));
    return success();
  }
};

struct HoistHeadTransposeThroughConcat : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getType().getRank() != 4 ||
        !llvm::all_of(op.getInputs(), isHeadTranspose))
      return failure();
    SmallVector<Value> inputs;
    for (Value input : op.getInputs())
      inputs.push_back(headTranspose(rewriter, op.getLoc(), input));
    int64_t axis = op.getAxis();
    Value joined = ConcatOp::create(rewriter, op.getLoc(), inputs,
                                    kHeadPerm[axis < 0 ? axis + 4 : axis]);
    rewriter.replaceOp(op, headTranspose(rewriter, op.getLoc(), joined));
    return success();
  }
};
} // namespace

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
    // Normalize, then match: head transposes above rotary embeddings,
    // batched [B * H, S, D] products back to heads-first form. A layer's
    // batch is traced through the layers before it, which is easier once
    // they are fused: rounds repeat while they fuse more.
    FrozenRewritePatternSet normalize = [&] {
      RewritePatternSet set(&getContext());
      set.add<HoistHeadTransposeThroughElementwise<AddOp>,
              HoistHeadTransposeThroughElementwise<SubOp>,
              HoistHeadTransposeThroughElementwise<MulOp>,
              HoistHeadTransposeThroughElementwise<NegOp>,
              HoistHeadTransposeThroughSlice,
              HoistHeadTransposeThroughConcat>(&getContext());
      populateUnmergeBatchHeadsPatterns(set);
      TransposeOp::getCanonicalizationPatterns(set, &getContext());
      return FrozenRewritePatternSet(std::move(set));
    }();
    auto matcher = [&](bool withRemarks) {
      RewritePatternSet set(&getContext());
      set.add<FuseAttentionPattern>(&getContext(), withRemarks);
      return FrozenRewritePatternSet(std::move(set));
    };
    FrozenRewritePatternSet match = matcher(/*withRemarks=*/false);
    // In program order: a later layer's sequence length is traced through
    // the attention of the layers before it, once they are fused.
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    for (int64_t fused = -1; fused != countOps<AttentionOp>(getOperation());) {
      fused = countOps<AttentionOp>(getOperation());
      if (failed(applyPatternsGreedily(getOperation(), normalize)) ||
          failed(applyPatternsGreedily(getOperation(), match, config)))
        return signalPassFailure();
    }
    // Why the rest stays unfused, said once, after the last round.
    if (explain &&
        failed(applyPatternsGreedily(getOperation(), matcher(true), config)))
      return signalPassFailure();
    numCausal += countCausal() - causalBefore;
    numFused += countOps<AttentionOp>(getOperation()) - before;
  }
};
} // namespace
