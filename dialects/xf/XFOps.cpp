//===- XFOps.cpp - Verification of xf ops ---------------------------------===//

#include "dialects/xf/XFOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mlir::xf;

#define GET_OP_CLASSES
#include "dialects/xf/XFOps.cpp.inc"

static RankedTensorType tensorTypeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// Checks that `axes` are unique and within [0, rank).
static LogicalResult verifyAxes(Operation *op, ArrayRef<int64_t> axes,
                                int64_t rank, StringRef what = "axis") {
  llvm::SmallSet<int64_t, 8> seen;
  for (int64_t axis : axes) {
    if (axis < 0 || axis >= rank)
      return op->emitOpError() << what << " " << axis
                               << " is out of range for rank " << rank;
    if (!seen.insert(axis).second)
      return op->emitOpError() << what << " " << axis << " appears twice";
  }
  return success();
}

LogicalResult WeightOp::verify() {
  // I64Attr reads back unsigned; the offset is a signed quantity.
  int64_t offset = static_cast<int64_t>(getOffset());
  if (offset < 0)
    return emitOpError("offset must not be negative, got ") << offset;
  if (!getType().hasStaticShape())
    return emitOpError("weights have static shapes, got ") << getType();
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

LogicalResult GeluOp::verify() {
  if (getApproximate() != "none" && getApproximate() != "tanh")
    return emitOpError("approximate must be \"none\" or \"tanh\", got \"")
           << getApproximate() << "\"";
  return success();
}

static LogicalResult verifyBroadcastable(Operation *op) {
  SmallVector<int64_t> shape;
  for (Value operand : op->getOperands()) {
    auto broadcast = broadcastShapes(shape, tensorTypeOf(operand).getShape());
    if (failed(broadcast)) {
      InFlightDiagnostic diag =
          op->emitOpError("operands are not broadcast-compatible: ");
      llvm::interleaveComma(op->getOperandTypes(), diag,
                            [&](Type t) { diag << t; });
      return diag;
    }
    shape = *broadcast;
  }
  return success();
}

#define XF_DEFINE_BROADCAST_VERIFIER(OP)                                       \
  LogicalResult OP::verify() { return verifyBroadcastable(*this); }
XF_DEFINE_BROADCAST_VERIFIER(AddOp)
XF_DEFINE_BROADCAST_VERIFIER(SubOp)
XF_DEFINE_BROADCAST_VERIFIER(MulOp)
XF_DEFINE_BROADCAST_VERIFIER(DivOp)
XF_DEFINE_BROADCAST_VERIFIER(PowOp)
XF_DEFINE_BROADCAST_VERIFIER(MaxOp)
XF_DEFINE_BROADCAST_VERIFIER(MinOp)
XF_DEFINE_BROADCAST_VERIFIER(AndOp)
XF_DEFINE_BROADCAST_VERIFIER(OrOp)
XF_DEFINE_BROADCAST_VERIFIER(XorOp)
XF_DEFINE_BROADCAST_VERIFIER(EqualOp)
XF_DEFINE_BROADCAST_VERIFIER(LessOp)
XF_DEFINE_BROADCAST_VERIFIER(LessEqualOp)
XF_DEFINE_BROADCAST_VERIFIER(GreaterOp)
XF_DEFINE_BROADCAST_VERIFIER(GreaterEqualOp)
#undef XF_DEFINE_BROADCAST_VERIFIER

LogicalResult WhereOp::verify() {
  if (getX().getType().getElementType() != getY().getType().getElementType())
    return emitOpError("x and y must have one element type, got ")
           << getX().getType().getElementType() << " and "
           << getY().getType().getElementType();
  return verifyBroadcastable(*this);
}

LogicalResult CastOp::verify() {
  if (failed(verifyCompatibleShape(getInput().getType(), getOutput().getType())))
    return emitOpError("input and result shapes differ: ")
           << getInput().getType() << " vs " << getOutput().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// MatMul, reductions, normalization
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::verify() {
  RankedTensorType lhs = getLhs().getType(), rhs = getRhs().getType();
  if (lhs.getRank() == 0 || rhs.getRank() == 0)
    return emitOpError("operands must have rank 1 or more, got ")
           << lhs << " and " << rhs;
  int64_t lhsK = lhs.getShape().back();
  int64_t rhsK = rhs.getRank() == 1 ? rhs.getDimSize(0)
                                    : rhs.getDimSize(rhs.getRank() - 2);
  if (!ShapedType::isDynamic(lhsK) && !ShapedType::isDynamic(rhsK) &&
      lhsK != rhsK)
    return emitOpError("contracting dimensions differ: ")
           << lhs << " has " << lhsK << " columns, " << rhs << " has " << rhsK
           << " rows";
  if (lhs.getRank() > 2 && rhs.getRank() > 2 &&
      failed(broadcastShapes(lhs.getShape().drop_back(2),
                             rhs.getShape().drop_back(2))))
    return emitOpError("batch dimensions are not broadcast-compatible: ")
           << lhs << " and " << rhs;
  return success();
}

/// Checks what `xf.linear` and `xf.packed_linear` share: the bias has the
/// `columns` elements of the product, the activation is a known one.
static LogicalResult verifyLinearEpilogue(Operation *op, Value bias,
                                          int64_t columns,
                                          StringRef activation) {
  if (bias) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 ||
        failed(verifyCompatibleShape(biasType.getShape(), {columns})))
      return op->emitOpError("bias must be a vector of the weight's ")
             << columns << " columns, got " << biasType;
  }
  if (activation != "none" && activation != "relu" && activation != "gelu" &&
      activation != "gelu_tanh" && activation != "silu")
    return op->emitOpError("activation must be none, relu, gelu, gelu_tanh "
                           "or silu, got \"")
           << activation << "\"";
  return success();
}

LogicalResult LinearOp::verify() {
  RankedTensorType input = getInput().getType(), weight = getWeight().getType();
  if (input.getRank() == 0 || weight.getRank() != 2)
    return emitOpError("needs an input of rank 1 or more and a 2-D weight, got ")
           << input << " and " << weight;
  int64_t k = input.getShape().back(), wk = weight.getDimSize(0);
  if (!ShapedType::isDynamic(k) && !ShapedType::isDynamic(wk) && k != wk)
    return emitOpError("contracting dimensions differ: ")
           << input << " has " << k << " columns, " << weight << " has " << wk
           << " rows";
  return verifyLinearEpilogue(*this, getBias(), weight.getDimSize(1),
                              getActivation());
}

LogicalResult PackedLinearOp::verify() {
  RankedTensorType input = getInput().getType(), packed = getPacked().getType();
  RankedTensorType output = getType();
  if (input.getRank() == 0 || !packed.hasStaticShape() ||
      packed.getRank() != 3)
    return emitOpError("needs an input of rank 1 or more and a static 3-D "
                       "packed weight, got ")
           << input << " and " << packed;
  int64_t columns = getColumns(), width = getPanelWidth();
  if (columns <= 0 || width <= 0 ||
      packed.getDimSize(0) != llvm::divideCeil(columns, width))
    return emitOpError("packed weight ")
           << packed << " does not hold " << columns << " columns in panels of "
           << width;
  int64_t k = input.getShape().back();
  if (!ShapedType::isDynamic(k) && k != packed.getDimSize(1))
    return emitOpError("contracting dimensions differ: ")
           << input << " has " << k << " columns, " << packed << " has "
           << packed.getDimSize(1) << " rows per panel";
  SmallVector<int64_t> shape(input.getShape().drop_back());
  shape.push_back(columns);
  if (output.getElementType() != input.getElementType() ||
      output.getRank() != input.getRank() ||
      failed(verifyCompatibleShape(output.getShape(), shape)))
    return emitOpError("result ")
           << output << " is not the input's rows by " << columns
           << " columns of its element type";
  return verifyLinearEpilogue(*this, getBias(), columns, getActivation());
}

static LogicalResult verifyReduction(Operation *op, ArrayRef<int64_t> axes) {
  int64_t rank = tensorTypeOf(op->getOperand(0)).getRank();
  if (!llvm::is_sorted(axes))
    return op->emitOpError("axes must be sorted");
  return verifyAxes(op, axes, rank);
}

#define XF_DEFINE_REDUCE_VERIFIER(OP)                                          \
  LogicalResult OP::verify() { return verifyReduction(*this, getAxes()); }
XF_DEFINE_REDUCE_VERIFIER(ReduceSumOp)
XF_DEFINE_REDUCE_VERIFIER(ReduceMeanOp)
XF_DEFINE_REDUCE_VERIFIER(ReduceMaxOp)
XF_DEFINE_REDUCE_VERIFIER(ReduceMinOp)
XF_DEFINE_REDUCE_VERIFIER(ReduceProdOp)
#undef XF_DEFINE_REDUCE_VERIFIER

LogicalResult ArgMaxOp::verify() {
  return verifyReduction(*this, {static_cast<int64_t>(getAxis())});
}
LogicalResult ArgMinOp::verify() {
  return verifyReduction(*this, {static_cast<int64_t>(getAxis())});
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxes(*this, {static_cast<int64_t>(getAxis())}, getInput().getType().getRank());
}

/// The checks every normalization shares: `axis` is a dimension of `input`,
/// and `scale` and `bias` broadcast to the normalized dimensions.
static LogicalResult verifyNormalization(Operation *op, RankedTensorType type,
                                         int64_t axis, Value scale,
                                         Value bias) {
  if (failed(verifyAxes(op, {axis}, type.getRank())))
    return failure();
  ArrayRef<int64_t> normalized = type.getShape().drop_front(axis);
  for (Value param : {scale, bias}) {
    if (!param)
      continue;
    auto paramType = tensorTypeOf(param);
    auto broadcast = broadcastShapes(normalized, paramType.getShape());
    if (paramType.getRank() > static_cast<int64_t>(normalized.size()) ||
        failed(broadcast) ||
        failed(verifyCompatibleShape(*broadcast, normalized)))
      return op->emitOpError("scale and bias must broadcast to the normalized "
                             "dimensions ")
             << RankedTensorType::get(normalized, type.getElementType())
             << ", got " << paramType;
  }
  return success();
}

LogicalResult LayerNormOp::verify() {
  return verifyNormalization(*this, getInput().getType(), getAxis(),
                             getScale(), getBias());
}

LogicalResult SkipLayerNormOp::verify() {
  return verifyNormalization(*this, getInput().getType(), getAxis(),
                             getScale(), getBias());
}

LogicalResult RmsNormOp::verify() {
  return verifyNormalization(*this, getInput().getType(), getAxis(),
                             getScale(), /*bias=*/nullptr);
}

LogicalResult AttentionOp::verify() {
  RankedTensorType query = getQuery().getType(), key = getKey().getType(),
                   value = getValue().getType();
  for (RankedTensorType type : {query, key, value})
    if (type.getRank() != 3)
      return emitOpError("query, key and value must be 3-D "
                         "[batch, sequence, heads * head_dim], got ")
             << type;
  int64_t heads = getNumHeads();
  if (heads < 1)
    return emitOpError("num_heads must be positive, got ") << heads;
  int64_t kvHeads = getKeyValueHeads();
  if (kvHeads < 1 || heads % kvHeads != 0)
    return emitOpError("num_kv_heads must divide the ")
           << heads << " heads, got " << kvHeads;
  for (auto [type, count] :
       {std::make_pair(query, heads), std::make_pair(key, kvHeads),
        std::make_pair(value, kvHeads)}) {
    int64_t width = type.getDimSize(2);
    if (ShapedType::isDynamic(width) || width % count != 0)
      return emitOpError("the last dimension of ")
             << type << " must be static and a multiple of its " << count
             << " heads";
  }
  if (query.getDimSize(2) / heads != key.getDimSize(2) / kvHeads)
    return emitOpError("query and key head dimensions differ: ")
           << query << " vs " << key;
  if (failed(verifyCompatibleShape(key.getShape().drop_back(),
                                   value.getShape().drop_back())) ||
      failed(verifyCompatibleShape(query.getShape().take_front(),
                                   key.getShape().take_front())))
    return emitOpError("batch and key sequence dimensions must agree: ")
           << query << ", " << key << ", " << value;
  StringRef kind = getMaskKind();
  if (kind != "none" && kind != "padding" && kind != "causal")
    return emitOpError("mask_kind must be none, padding or causal, got \"")
           << kind << "\"";
  Value mask = getMask();
  if (kind == "padding" && !mask)
    return emitOpError("a padding mask_kind needs a mask operand");
  if (mask) {
    auto maskType = tensorTypeOf(mask);
    SmallVector<int64_t> scores = {query.getDimSize(0), heads,
                                   query.getDimSize(1), key.getDimSize(1)};
    auto broadcast = broadcastShapes(scores, maskType.getShape());
    if (maskType.getRank() != 4 || failed(broadcast) ||
        failed(verifyCompatibleShape(*broadcast, scores)))
      return emitOpError("mask must be 4-D and broadcast to the scores ")
             << RankedTensorType::get(scores, query.getElementType())
             << ", got " << maskType;
    if (kind == "padding" && maskType.getDimSize(2) != 1)
      return emitOpError("a padding mask is the same for every query: its "
                         "dimension 2 must be 1, got ")
             << maskType;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Layout ops
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (static_cast<int64_t>(getPerm().size()) != rank)
    return emitOpError("perm has ")
           << getPerm().size() << " entries for an input of rank " << rank;
  return verifyAxes(*this, getPerm(), rank, "perm entry");
}

LogicalResult ReshapeOp::verify() {
  if (getShape().getType().isDynamicDim(0))
    return emitOpError("target shape must have a static length");
  auto known = getKnownIntValues(getShape());
  int64_t inferred = 0;
  for (auto [i, v] : llvm::enumerate(*known)) {
    if (ShapedType::isDynamic(v))
      continue;
    if (v == -1 && ++inferred > 1)
      return emitOpError("target shape has more than one -1");
    if (v < -1)
      return emitOpError("target shape has invalid dimension ") << v;
    if (v == 0 && !getAllowzero() &&
        static_cast<int64_t>(i) >= getInput().getType().getRank())
      return emitOpError("target shape copies dimension ")
             << i << " (0) of an input of rank "
             << getInput().getType().getRank();
    if (v == 0 && getAllowzero() && llvm::is_contained(*known, -1))
      return emitOpError("target shape has both 0 and -1 with allowzero");
  }
  RankedTensorType input = getInput().getType(), output = getOutput().getType();
  if (input.hasStaticShape() && output.hasStaticShape() &&
      input.getNumElements() != output.getNumElements())
    return emitOpError("cannot reshape ")
           << input << " (" << input.getNumElements() << " elements) to "
           << output << " (" << output.getNumElements() << " elements)";
  return success();
}

LogicalResult UnsqueezeOp::verify() {
  return verifyAxes(*this, getAxes(), getOutput().getType().getRank());
}

LogicalResult SqueezeOp::verify() {
  RankedTensorType type = getInput().getType();
  if (failed(verifyAxes(*this, getAxes(), type.getRank())))
    return failure();
  for (int64_t axis : getAxes())
    if (!type.isDynamicDim(axis) && type.getDimSize(axis) != 1)
      return emitOpError("cannot squeeze dimension ")
             << axis << " of size " << type.getDimSize(axis);
  return success();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  RankedTensorType first = tensorTypeOf(getInputs().front());
  if (failed(verifyAxes(*this, {static_cast<int64_t>(getAxis())}, first.getRank())))
    return failure();
  for (Value input : getInputs()) {
    RankedTensorType type = tensorTypeOf(input);
    if (type.getRank() != first.getRank())
      return emitOpError("inputs have different ranks: ")
             << first << " and " << type;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != static_cast<int64_t>(getAxis()) && !type.isDynamicDim(d) && !first.isDynamicDim(d) &&
          type.getDimSize(d) != first.getDimSize(d))
        return emitOpError("inputs differ in dimension ")
               << d << " outside the concatenation axis: " << first << " and "
               << type;
  }
  return success();
}

LogicalResult SliceOp::verify() {
  int64_t n = getStarts().getType().getDimSize(0);
  for (Value v : {getEnds(), getAxes(), getSteps()})
    if (tensorTypeOf(v).getDimSize(0) != n)
      return emitOpError("starts, ends, axes and steps must have one length");
  auto axes = getKnownIntValues(getAxes());
  int64_t rank = getInput().getType().getRank();
  if (axes && llvm::none_of(*axes, ShapedType::isDynamic)) {
    SmallVector<int64_t> normalized;
    for (int64_t axis : *axes) {
      auto a = normalizeAxis(axis, rank);
      if (failed(a))
        return emitOpError("axis ") << axis << " is out of range for rank "
                                    << rank;
      normalized.push_back(*a);
    }
    if (failed(verifyAxes(*this, normalized, rank)))
      return failure();
  }
  auto steps = getKnownIntValues(getSteps());
  if (steps && llvm::is_contained(*steps, 0))
    return emitOpError("steps must not be 0");
  return success();
}

LogicalResult GatherOp::verify() {
  RankedTensorType data = getData().getType();
  if (data.getRank() == 0)
    return emitOpError("data must have rank 1 or more");
  if (failed(verifyAxes(*this, {static_cast<int64_t>(getAxis())}, data.getRank())))
    return failure();
  DenseIntElementsAttr indices;
  int64_t dim = data.getDimSize(getAxis());
  if (!ShapedType::isDynamic(dim) &&
      matchPattern(getIndices(), m_Constant(&indices)))
    for (const APInt &index : indices.getValues<APInt>())
      if (index.getSExtValue() < -dim || index.getSExtValue() >= dim)
        return emitOpError("index ") << index.getSExtValue()
                                     << " is out of range for dimension size "
                                     << dim;
  return success();
}

LogicalResult ExpandOp::verify() {
  if (getShape().getType().isDynamicDim(0))
    return emitOpError("target shape must have a static length");
  auto known = getKnownIntValues(getShape());
  if (failed(broadcastShapes(getInput().getType().getShape(), *known)))
    return emitOpError("cannot broadcast ")
           << getInput().getType() << " to shape ["
           << llvm::make_range(known->begin(), known->end()) << "]";
  return success();
}

LogicalResult TileOp::verify() {
  int64_t rank = getInput().getType().getRank();
  if (getRepeats().getType().getDimSize(0) != rank)
    return emitOpError("repeats must have one entry per dimension (")
           << rank << ")";
  auto repeats = getKnownIntValues(getRepeats());
  if (repeats && llvm::any_of(*repeats, [](int64_t r) {
        return r < 0 && !ShapedType::isDynamic(r);
      }))
    return emitOpError("repeats must not be negative");
  return success();
}

LogicalResult SplitOp::verify() {
  RankedTensorType type = getInput().getType();
  if (failed(verifyAxes(*this, {static_cast<int64_t>(getAxis())}, type.getRank())))
    return failure();
  if (getOutputs().empty())
    return emitOpError("needs at least one result");
  int64_t dim = type.getDimSize(getAxis());
  std::optional<ArrayRef<int64_t>> sizes = getSplitSizes();
  if (sizes) {
    if (sizes->size() != getOutputs().size())
      return emitOpError("has ") << sizes->size() << " split sizes for "
                                 << getOutputs().size() << " results";
    int64_t total = 0;
    for (int64_t s : *sizes) {
      if (s < 0)
        return emitOpError("split sizes must not be negative");
      total += s;
    }
    if (!ShapedType::isDynamic(dim) && total != dim)
      return emitOpError("split sizes add up to ")
             << total << " but dimension " << getAxis() << " has size " << dim;
  } else if (!ShapedType::isDynamic(dim) && dim % getOutputs().size() != 0) {
    return emitOpError("dimension ")
           << getAxis() << " of size " << dim << " does not split evenly into "
           << getOutputs().size() << " pieces";
  }
  for (auto [i, result] : llvm::enumerate(getOutputs())) {
    RankedTensorType resultType = tensorTypeOf(result);
    SmallVector<int64_t> expected(type.getShape());
    expected[getAxis()] =
        sizes ? (*sizes)[i]
              : (ShapedType::isDynamic(dim)
                     ? ShapedType::kDynamic
                     : dim / static_cast<int64_t>(getOutputs().size()));
    if (failed(verifyCompatibleShape(expected, resultType.getShape())))
      return emitOpError("result ")
             << i << " has type " << resultType << ", expected shape ["
             << llvm::make_range(expected.begin(), expected.end()) << "]";
  }
  return success();
}

LogicalResult ConstantOfShapeOp::verify() {
  if (getValue().getNumElements() != 1)
    return emitOpError("value must hold exactly one element");
  if (getShape().getType().isDynamicDim(0))
    return emitOpError("shape must have a static length");
  auto known = getKnownIntValues(getShape());
  if (llvm::any_of(*known,
                   [](int64_t v) { return v < 0 && !ShapedType::isDynamic(v); }))
    return emitOpError("shape must not have negative dimensions");
  return success();
}

//===----------------------------------------------------------------------===//
// Scans, masks, scatters and convolutions
//===----------------------------------------------------------------------===//

LogicalResult ModOp::verify() {
  if (!getFmod() && isa<FloatType>(getType().getElementType()))
    return emitOpError("a floating-point remainder needs fmod = true (the "
                       "sign of the dividend), as ONNX Mod requires");
  return verifyBroadcastable(*this);
}

LogicalResult BitShiftOp::verify() {
  if (getDirection() != "left" && getDirection() != "right")
    return emitOpError("direction must be \"left\" or \"right\", got \"")
           << getDirection() << "\"";
  return verifyBroadcastable(*this);
}

LogicalResult CumSumOp::verify() {
  int64_t rank = getType().getRank();
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0 || axis >= rank)
    return emitOpError() << "axis " << axis << " is out of range for rank "
                         << rank;
  return success();
}

LogicalResult TriluOp::verify() {
  if (getType().getRank() < 2)
    return emitOpError() << "needs a tensor of rank 2 or more, got "
                         << getType();
  return success();
}

/// The reduction of scatter ops.
static LogicalResult verifyScatterReduction(Operation *op, StringRef kind) {
  if (kind != "none" && kind != "add" && kind != "mul" && kind != "max" &&
      kind != "min")
    return op->emitOpError() << "reduction must be none, add, mul, max or "
                                "min, got \""
                             << kind << "\"";
  return success();
}

LogicalResult ScatterNDOp::verify() {
  RankedTensorType data = getData().getType();
  RankedTensorType indices = getIndices().getType();
  RankedTensorType updates = getUpdates().getType();
  if (updates.getElementType() != data.getElementType())
    return emitOpError() << "updates " << updates
                         << " must have the element type of data " << data;
  if (indices.getRank() < 1 || indices.isDynamicDim(indices.getRank() - 1))
    return emitOpError() << "indices need a static last dimension, got "
                         << indices;
  int64_t k = indices.getDimSize(indices.getRank() - 1);
  if (k > data.getRank())
    return emitOpError() << "index tuples of length " << k
                         << " are longer than the rank of data " << data;
  // updates.shape == indices.shape[:-1] + data.shape[k:]
  SmallVector<int64_t> expected(indices.getShape().drop_back());
  llvm::append_range(expected, data.getShape().drop_front(k));
  if (failed(verifyCompatibleShape(updates.getShape(), expected))) {
    InFlightDiagnostic diag = emitOpError() << "updates " << updates
                                            << " must have the shape [";
    llvm::interleaveComma(expected, diag, [&](int64_t d) {
      if (ShapedType::isDynamic(d))
        diag << "?";
      else
        diag << d;
    });
    return diag << "] (indices' leading dimensions, then data's past the "
                   "index tuple)";
  }
  return verifyScatterReduction(*this, getReduction());
}

LogicalResult ScatterElementsOp::verify() {
  RankedTensorType data = getData().getType();
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0 || axis >= data.getRank())
    return emitOpError() << "axis " << axis << " is out of range for rank "
                         << data.getRank();
  if (getIndices().getType().getRank() != data.getRank() ||
      failed(verifyCompatibleShape(getIndices().getType().getShape(),
                                   getUpdates().getType().getShape())))
    return emitOpError() << "indices " << getIndices().getType()
                         << " and updates " << getUpdates().getType()
                         << " must have one shape, of the rank of data "
                         << data;
  if (getUpdates().getType().getElementType() != data.getElementType())
    return emitOpError() << "updates must have the element type of data";
  return verifyScatterReduction(*this, getReduction());
}

LogicalResult GatherElementsOp::verify() {
  RankedTensorType data = getData().getType();
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < 0 || axis >= data.getRank())
    return emitOpError() << "axis " << axis << " is out of range for rank "
                         << data.getRank();
  if (getIndices().getType().getRank() != data.getRank())
    return emitOpError() << "indices " << getIndices().getType()
                         << " must have the rank of data " << data;
  return success();
}

LogicalResult ConvOp::verify() {
  RankedTensorType input = getInput().getType();
  RankedTensorType weight = getWeight().getType();
  int64_t spatial = input.getRank() - 2;
  if (spatial < 1 || spatial > 2)
    return emitOpError() << "supports 1-D and 2-D convolutions (input of "
                            "rank 3 or 4), got "
                         << input;
  if (weight.getRank() != input.getRank())
    return emitOpError() << "weight " << weight
                         << " must have the rank of the input " << input;
  if (!weight.hasStaticShape())
    return emitOpError() << "weight must have a static shape, got " << weight;
  if (static_cast<int64_t>(getStrides().size()) != spatial ||
      static_cast<int64_t>(getDilations().size()) != spatial ||
      static_cast<int64_t>(getPads().size()) != 2 * spatial)
    return emitOpError() << "needs " << spatial << " strides and dilations and "
                         << 2 * spatial << " pads";
  int64_t group = static_cast<int64_t>(getGroup());
  if (group < 1 || weight.getDimSize(0) % group != 0)
    return emitOpError() << "group " << group
                         << " must divide the output channels "
                         << weight.getDimSize(0);
  if (!input.isDynamicDim(1) &&
      input.getDimSize(1) != weight.getDimSize(1) * group)
    return emitOpError() << "input channels " << input.getDimSize(1)
                         << " != weight's " << weight.getDimSize(1)
                         << " x group " << group;
  if (getBias() && (getBias().getType().getRank() != 1 ||
                    getBias().getType().getDimSize(0) != weight.getDimSize(0)))
    return emitOpError() << "bias " << getBias().getType() << " must have "
                         << weight.getDimSize(0) << " elements";
  for (int64_t v : getStrides())
    if (v < 1)
      return emitOpError() << "strides must be positive";
  for (int64_t v : getDilations())
    if (v < 1)
      return emitOpError() << "dilations must be positive";
  for (int64_t v : getPads())
    if (v < 0)
      return emitOpError() << "pads must not be negative";
  return success();
}

std::string xf::describeNode(Operation *op) {
  std::string name;
  op->getLoc()->walk([&](Location loc) {
    if (auto named = dyn_cast<NameLoc>(loc)) {
      name = named.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name.empty() ? op->getName().getStringRef().str()
                      : "node '" + name + "'";
}
