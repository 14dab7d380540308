//===- XFShapeInference.cpp - Result type inference of xf ops -------------===//
//
// Inference is deliberately total: on inconsistent operands it returns the
// most general type it can and leaves the diagnosis to the op verifiers, so
// that builders never abort and every error carries a clear message.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFDims.h"
#include "dialects/xf/XFOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::xf;

static constexpr int64_t kDynamic = ShapedType::kDynamic;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<int64_t>> xf::broadcastShapes(ArrayRef<int64_t> lhs,
                                                    ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t l = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t r = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (l == 1) {
      result[i] = r;
    } else if (r == 1) {
      result[i] = l;
    } else if (ShapedType::isDynamic(l)) {
      result[i] = r; // `?` against a static d > 1 must be d (or 1).
    } else if (ShapedType::isDynamic(r) || l == r) {
      result[i] = l;
    } else {
      return failure();
    }
  }
  return result;
}

FailureOr<int64_t> xf::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return failure();
  return axis < 0 ? axis + rank : axis;
}

bool xf::areCompatibleTensorTypes(TypeRange lhs, TypeRange rhs) {
  if (lhs.size() != rhs.size())
    return false;
  for (auto [l, r] : llvm::zip(lhs, rhs)) {
    auto lt = dyn_cast<RankedTensorType>(l);
    auto rt = dyn_cast<RankedTensorType>(r);
    if (!lt || !rt || lt.getElementType() != rt.getElementType() ||
        failed(verifyCompatibleShape(lt.getShape(), rt.getShape())))
      return false;
  }
  return true;
}

/// The static length of a 0-D or 1-D tensor type, or std::nullopt.
static std::optional<int64_t> getVectorLength(Type type) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  if (!tensorType || !isa<IntegerType>(tensorType.getElementType()) ||
      tensorType.getRank() > 1 || !tensorType.hasStaticShape())
    return std::nullopt;
  return tensorType.getNumElements();
}

static std::optional<SmallVector<int64_t>> getKnownIntValuesImpl(Value value,
                                                                 int depth) {
  std::optional<int64_t> length = getVectorLength(value.getType());
  if (!length)
    return std::nullopt;
  SmallVector<int64_t> unknown(*length, kDynamic);
  if (depth > 12)
    return unknown;

  DenseIntElementsAttr constant;
  if (matchPattern(value, m_Constant(&constant))) {
    SmallVector<int64_t> values;
    for (const APInt &v : constant.getValues<APInt>())
      values.push_back(v.getSExtValue());
    return values;
  }
  Operation *def = value.getDefiningOp();
  if (!def)
    return unknown;
  if (auto shapeOf = dyn_cast<ShapeOfOp>(def)) {
    auto inputType = cast<RankedTensorType>(shapeOf.getInput().getType());
    return SmallVector<int64_t>(inputType.getShape());
  }
  if (isa<CastOp, UnsqueezeOp, SqueezeOp, ReshapeOp>(def)) {
    // Element order is unchanged: only the rank or the integer width differ.
    auto known = getKnownIntValuesImpl(def->getOperand(0), depth + 1);
    if (known && known->size() == unknown.size())
      return known;
    return unknown;
  }
  if (auto concat = dyn_cast<ConcatOp>(def)) {
    SmallVector<int64_t> values;
    for (Value input : concat.getInputs()) {
      auto known = getKnownIntValuesImpl(input, depth + 1);
      if (!known)
        return unknown;
      values.append(*known);
    }
    if (values.size() != unknown.size())
      return unknown;
    return values;
  }
  if (auto gather = dyn_cast<GatherOp>(def)) {
    auto data = getKnownIntValuesImpl(gather.getData(), depth + 1);
    DenseIntElementsAttr indices;
    if (!data || !matchPattern(gather.getIndices(), m_Constant(&indices)))
      return unknown;
    SmallVector<int64_t> values;
    int64_t size = data->size();
    for (const APInt &index : indices.getValues<APInt>()) {
      int64_t i = index.getSExtValue();
      if (i < 0)
        i += size;
      if (i < 0 || i >= size)
        return unknown;
      values.push_back((*data)[i]);
    }
    if (values.size() != unknown.size())
      return unknown;
    return values;
  }
  if (auto where = dyn_cast<WhereOp>(def)) {
    // where(equal(a, b), x, y) element by element, as exporters write
    // "replace -1 by 1" in expand shapes: an element is known when its
    // comparison and the chosen value are.
    auto equal = where.getCondition().getDefiningOp<EqualOp>();
    if (!equal)
      return unknown;
    SmallVector<std::optional<SmallVector<int64_t>>> parts = {
        getKnownIntValuesImpl(equal.getLhs(), depth + 1),
        getKnownIntValuesImpl(equal.getRhs(), depth + 1),
        getKnownIntValuesImpl(where.getX(), depth + 1),
        getKnownIntValuesImpl(where.getY(), depth + 1)};
    for (auto &part : parts)
      if (!part || (part->size() != unknown.size() && part->size() != 1))
        return unknown;
    auto at = [&](int k, size_t i) {
      return (*parts[k])[parts[k]->size() == 1 ? 0 : i];
    };
    SmallVector<int64_t> values(unknown.size(), kDynamic);
    for (size_t i = 0; i < values.size(); ++i) {
      if (ShapedType::isDynamic(at(0, i)) || ShapedType::isDynamic(at(1, i)))
        continue;
      values[i] = at(0, i) == at(1, i) ? at(2, i) : at(3, i);
    }
    return values;
  }
  if (auto slice = dyn_cast<SliceOp>(def)) {
    auto data = getKnownIntValuesImpl(slice.getInput(), depth + 1);
    DenseIntElementsAttr starts, ends, steps;
    if (!data || !matchPattern(slice.getStarts(), m_Constant(&starts)) ||
        !matchPattern(slice.getEnds(), m_Constant(&ends)) ||
        !matchPattern(slice.getSteps(), m_Constant(&steps)) ||
        starts.getNumElements() != 1 || steps.getNumElements() != 1)
      return unknown;
    int64_t size = data->size();
    int64_t step = (*steps.getValues<APInt>().begin()).getSExtValue();
    int64_t start = (*starts.getValues<APInt>().begin()).getSExtValue();
    int64_t end = (*ends.getValues<APInt>().begin()).getSExtValue();
    if (step != 1)
      return unknown;
    start = std::clamp<int64_t>(start < 0 ? start + size : start, 0, size);
    end = std::clamp<int64_t>(end < 0 ? end + size : end, 0, size);
    SmallVector<int64_t> values(data->begin() + start,
                                data->begin() + std::max(start, end));
    if (values.size() != unknown.size())
      return unknown;
    return values;
  }
  return unknown;
}

std::optional<SmallVector<int64_t>> xf::getKnownIntValues(Value value) {
  return getKnownIntValuesImpl(value, 0);
}

std::optional<DimRef> xf::getShapeElementDim(Value shape, int64_t i,
                                             int depth) {
  if (depth > 16)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(shape.getType());
  if (!type || type.getRank() > 1 || !type.hasStaticShape() || i < 0 ||
      i >= type.getNumElements())
    return std::nullopt;
  Operation *def = shape.getDefiningOp();
  if (!def)
    return std::nullopt;
  if (auto shapeOf = dyn_cast<ShapeOfOp>(def))
    return DimRef{shapeOf.getInput(), i};
  if (isa<UnsqueezeOp, SqueezeOp, CastOp, ReshapeOp>(def)) {
    // Element order is unchanged.
    auto operandType = dyn_cast<RankedTensorType>(def->getOperand(0).getType());
    if (!operandType || !operandType.hasStaticShape() ||
        operandType.getNumElements() != type.getNumElements())
      return std::nullopt;
    return getShapeElementDim(def->getOperand(0), i, depth + 1);
  }
  if (auto concat = dyn_cast<ConcatOp>(def)) {
    int64_t offset = 0;
    for (Value piece : concat.getInputs()) {
      auto pieceType = cast<RankedTensorType>(piece.getType());
      if (pieceType.getRank() != 1 || pieceType.isDynamicDim(0))
        return std::nullopt;
      if (i < offset + pieceType.getDimSize(0))
        return getShapeElementDim(piece, i - offset, depth + 1);
      offset += pieceType.getDimSize(0);
    }
    return std::nullopt;
  }
  if (auto gather = dyn_cast<GatherOp>(def)) {
    auto dataType = gather.getData().getType();
    std::optional<SmallVector<int64_t>> indices =
        getKnownIntValues(gather.getIndices());
    if (dataType.getRank() != 1 || dataType.isDynamicDim(0) || !indices ||
        static_cast<int64_t>(indices->size()) <= i)
      return std::nullopt;
    FailureOr<int64_t> index = normalizeAxis((*indices)[i], dataType.getDimSize(0));
    if (failed(index))
      return std::nullopt;
    return getShapeElementDim(gather.getData(), *index, depth + 1);
  }
  if (auto where = dyn_cast<WhereOp>(def)) {
    // where(equal(a, b), x, y) with the comparison decided for element i:
    // known on both sides, or a dimension (never negative) against a
    // negative constant (exporters' "replace -1 by 1").
    auto equal = where.getCondition().getDefiningOp<EqualOp>();
    auto lhs = equal ? getKnownIntValues(equal.getLhs()) : std::nullopt;
    auto rhs = equal ? getKnownIntValues(equal.getRhs()) : std::nullopt;
    if (!lhs || !rhs)
      return std::nullopt;
    auto at = [&](const SmallVector<int64_t> &v) {
      return v.size() == 1 ? v[0] : i < static_cast<int64_t>(v.size()) ? v[i] : kDynamic;
    };
    int64_t a = at(*lhs), b = at(*rhs);
    std::optional<bool> same;
    if (!ShapedType::isDynamic(a) && !ShapedType::isDynamic(b))
      same = a == b;
    else if ((ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && b < 0) ||
             (ShapedType::isDynamic(b) && !ShapedType::isDynamic(a) && a < 0))
      same = false;
    if (!same)
      return std::nullopt;
    return getShapeElementDim(*same ? where.getX() : where.getY(), i,
                              depth + 1);
  }
  if (auto slice = dyn_cast<SliceOp>(def)) {
    auto dataType = slice.getInput().getType();
    std::optional<SmallVector<int64_t>> starts = getKnownIntValues(slice.getStarts());
    std::optional<SmallVector<int64_t>> steps = getKnownIntValues(slice.getSteps());
    if (dataType.getRank() != 1 || dataType.isDynamicDim(0) || !starts ||
        !steps || starts->size() != 1 || steps->size() != 1 ||
        (*steps)[0] != 1 || ShapedType::isDynamic((*starts)[0]))
      return std::nullopt;
    int64_t size = dataType.getDimSize(0);
    int64_t start = std::clamp<int64_t>(
        (*starts)[0] < 0 ? (*starts)[0] + size : (*starts)[0], 0, size);
    return getShapeElementDim(slice.getInput(), start + i, depth + 1);
  }
  return std::nullopt;
}

std::optional<DimRef> xf::getDimSource(Value scalar) {
  return getShapeElementDim(scalar, 0);
}

Value xf::getShapePiece(Value shape, int64_t i) {
  auto concat = shape.getDefiningOp<ConcatOp>();
  if (!concat)
    return i == 0 ? shape : Value();
  int64_t offset = 0;
  for (Value piece : concat.getInputs()) {
    auto type = cast<RankedTensorType>(piece.getType());
    if (type.getRank() != 1 || type.isDynamicDim(0))
      return {};
    if (i < offset + type.getDimSize(0))
      return type.getDimSize(0) == 1 ? piece : Value();
    offset += type.getDimSize(0);
  }
  return {};
}

bool xf::isShapeOf(Value shape, Value tensor,
                   std::optional<int64_t> keepValue) {
  auto tensorType = dyn_cast<RankedTensorType>(tensor.getType());
  std::optional<SmallVector<int64_t>> known = getKnownIntValues(shape);
  if (!tensorType || !known ||
      static_cast<int64_t>(known->size()) != tensorType.getRank())
    return false;
  if (auto shapeOf = shape.getDefiningOp<ShapeOfOp>())
    return shapeOf.getInput() == tensor;
  for (int64_t d = 0; d < tensorType.getRank(); ++d) {
    int64_t value = (*known)[d];
    if (keepValue && value == *keepValue)
      continue;
    if (!ShapedType::isDynamic(value)) {
      if (tensorType.isDynamicDim(d) || value != tensorType.getDimSize(d))
        return false;
      continue;
    }
    std::optional<DimRef> source = getShapeElementDim(shape, d);
    if (!source || !(*source == DimRef{tensor, d}))
      return false;
  }
  return true;
}

bool xf::broadcastsInto(Type operand, Type target) {
  auto operandType = dyn_cast<RankedTensorType>(operand);
  auto targetType = dyn_cast<RankedTensorType>(target);
  if (!operandType || !targetType ||
      operandType.getRank() > targetType.getRank())
    return false;
  int64_t offset = targetType.getRank() - operandType.getRank();
  for (int64_t d = 0; d < operandType.getRank(); ++d) {
    int64_t size = operandType.getDimSize(d);
    if (size == 1)
      continue;
    if (ShapedType::isDynamic(size) || size != targetType.getDimSize(d + offset))
      return false;
  }
  return true;
}

static RankedTensorType getTensorType(Value value) {
  return dyn_cast<RankedTensorType>(value.getType());
}

/// An all-dynamic tensor type of the given rank.
static RankedTensorType getDynamicType(int64_t rank, Type elementType) {
  return RankedTensorType::get(SmallVector<int64_t>(rank, kDynamic),
                               elementType);
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

static LogicalResult inferBroadcast(ValueRange operands, Type elementType,
                                    SmallVectorImpl<Type> &inferred) {
  SmallVector<int64_t> shape;
  bool compatible = true;
  for (Value operand : operands) {
    RankedTensorType type = getTensorType(operand);
    if (!type)
      return failure();
    auto broadcast = broadcastShapes(shape, type.getShape());
    if (failed(broadcast)) {
      compatible = false;
      shape.resize(std::max<size_t>(shape.size(), type.getRank()));
      continue;
    }
    shape = *broadcast;
  }
  if (!compatible)
    shape.assign(shape.size(), kDynamic);
  inferred.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

#define XF_DEFINE_BINARY_INFERENCE(OP, IS_COMPARISON)                          \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *context, std::optional<Location>, ValueRange operands,      \
      DictionaryAttr, OpaqueProperties, RegionRange,                           \
      SmallVectorImpl<Type> &inferred) {                                       \
    Type elementType = IS_COMPARISON ? IntegerType::get(context, 1)            \
                                     : getElementTypeOrSelf(operands[0]);      \
    return inferBroadcast(operands, elementType, inferred);                    \
  }                                                                            \
  bool OP::isCompatibleReturnTypes(TypeRange lhs, TypeRange rhs) {             \
    return areCompatibleTensorTypes(lhs, rhs);                                 \
  }

XF_DEFINE_BINARY_INFERENCE(AddOp, false)
XF_DEFINE_BINARY_INFERENCE(ModOp, false)
XF_DEFINE_BINARY_INFERENCE(BitShiftOp, false)
XF_DEFINE_BINARY_INFERENCE(SubOp, false)
XF_DEFINE_BINARY_INFERENCE(MulOp, false)
XF_DEFINE_BINARY_INFERENCE(DivOp, false)
XF_DEFINE_BINARY_INFERENCE(PowOp, false)
XF_DEFINE_BINARY_INFERENCE(MaxOp, false)
XF_DEFINE_BINARY_INFERENCE(MinOp, false)
XF_DEFINE_BINARY_INFERENCE(AndOp, false)
XF_DEFINE_BINARY_INFERENCE(OrOp, false)
XF_DEFINE_BINARY_INFERENCE(XorOp, false)
XF_DEFINE_BINARY_INFERENCE(EqualOp, true)
XF_DEFINE_BINARY_INFERENCE(LessOp, true)
XF_DEFINE_BINARY_INFERENCE(LessEqualOp, true)
XF_DEFINE_BINARY_INFERENCE(GreaterOp, true)
XF_DEFINE_BINARY_INFERENCE(GreaterEqualOp, true)
#undef XF_DEFINE_BINARY_INFERENCE

/// Defines isCompatibleReturnTypes for an op with inferred result types.
#define XF_DEFINE_COMPATIBLE_RETURN_TYPES(OP)                                  \
  bool OP::isCompatibleReturnTypes(TypeRange lhs, TypeRange rhs) {             \
    return areCompatibleTensorTypes(lhs, rhs);                                 \
  }

XF_DEFINE_COMPATIBLE_RETURN_TYPES(WhereOp)
LogicalResult WhereOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                        ValueRange operands, DictionaryAttr,
                                        OpaqueProperties, RegionRange,
                                        SmallVectorImpl<Type> &inferred) {
  return inferBroadcast(operands, getElementTypeOrSelf(operands[1]), inferred);
}

//===----------------------------------------------------------------------===//
// MatMul and reductions
//===----------------------------------------------------------------------===//

XF_DEFINE_COMPATIBLE_RETURN_TYPES(MatMulOp)
LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                         ValueRange operands, DictionaryAttr,
                                         OpaqueProperties, RegionRange,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType lhs = getTensorType(operands[0]);
  RankedTensorType rhs = getTensorType(operands[1]);
  if (!lhs || !rhs || lhs.getRank() == 0 || rhs.getRank() == 0)
    return failure();
  SmallVector<int64_t> lhsShape(lhs.getShape()), rhsShape(rhs.getShape());
  bool lhsVector = lhsShape.size() == 1, rhsVector = rhsShape.size() == 1;
  if (lhsVector)
    lhsShape.insert(lhsShape.begin(), 1);
  if (rhsVector)
    rhsShape.push_back(1);
  auto batch = broadcastShapes(ArrayRef(lhsShape).drop_back(2),
                               ArrayRef(rhsShape).drop_back(2));
  SmallVector<int64_t> shape =
      succeeded(batch)
          ? *batch
          : SmallVector<int64_t>(
                std::max(lhsShape.size(), rhsShape.size()) - 2, kDynamic);
  if (!lhsVector)
    shape.push_back(lhsShape[lhsShape.size() - 2]);
  if (!rhsVector)
    shape.push_back(rhsShape.back());
  inferred.push_back(RankedTensorType::get(shape, lhs.getElementType()));
  return success();
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(LinearOp)
LogicalResult LinearOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                         ValueRange operands, DictionaryAttr,
                                         OpaqueProperties, RegionRange,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType input = getTensorType(operands[0]);
  RankedTensorType weight = getTensorType(operands[1]);
  if (!input || !weight || input.getRank() == 0)
    return failure();
  SmallVector<int64_t> shape(input.getShape().drop_back());
  shape.push_back(weight.getRank() == 2 ? weight.getDimSize(1) : kDynamic);
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(AttentionOp)
LogicalResult AttentionOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType query = getTensorType(adaptor.getQuery());
  RankedTensorType value = getTensorType(adaptor.getValue());
  if (!query || !value || query.getRank() != 3 || value.getRank() != 3)
    return failure();
  // Every query head reads a value head: H value heads wide.
  int64_t heads = adaptor.getNumHeads();
  int64_t kvHeads = adaptor.getNumKvHeads().value_or(heads);
  int64_t width = value.getDimSize(2);
  if (!ShapedType::isDynamic(width) && kvHeads > 0 && heads % kvHeads == 0)
    width = width / kvHeads * heads;
  inferred.push_back(RankedTensorType::get(
      {query.getDimSize(0), query.getDimSize(1), width},
      query.getElementType()));
  return success();
}

#define XF_DEFINE_REDUCE_INFERENCE(OP)                                         \
  XF_DEFINE_COMPATIBLE_RETURN_TYPES(OP)                                        \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location>, ValueRange operands,             \
      DictionaryAttr attributes, OpaqueProperties properties,                  \
      RegionRange regions, SmallVectorImpl<Type> &inferred) {                  \
    OP::Adaptor adaptor(operands, attributes, properties, regions);            \
    return inferReduction(adaptor.getInput(), adaptor.getAxes(),               \
                          adaptor.getKeepdims(), inferred);                    \
  }

/// The type of `input` reduced over `axes`, with `elementType` when given.
static LogicalResult inferReduction(Value input, ArrayRef<int64_t> axes,
                                    bool keepdims,
                                    SmallVectorImpl<Type> &inferred,
                                    Type elementType = {}) {
  RankedTensorType type = getTensorType(input);
  if (!type)
    return failure();
  SmallVector<int64_t> shape;
  for (auto [i, dim] : llvm::enumerate(type.getShape())) {
    if (!llvm::is_contained(axes, static_cast<int64_t>(i)))
      shape.push_back(dim);
    else if (keepdims)
      shape.push_back(1);
  }
  inferred.push_back(RankedTensorType::get(
      shape, elementType ? elementType : type.getElementType()));
  return success();
}

XF_DEFINE_REDUCE_INFERENCE(ReduceSumOp)
XF_DEFINE_REDUCE_INFERENCE(ReduceMeanOp)
XF_DEFINE_REDUCE_INFERENCE(ReduceMaxOp)
XF_DEFINE_REDUCE_INFERENCE(ReduceMinOp)
XF_DEFINE_REDUCE_INFERENCE(ReduceProdOp)

#define XF_DEFINE_ARG_REDUCE_INFERENCE(OP)                                     \
  XF_DEFINE_COMPATIBLE_RETURN_TYPES(OP)                                        \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *context, std::optional<Location>, ValueRange operands,      \
      DictionaryAttr attributes, OpaqueProperties properties,                  \
      RegionRange regions, SmallVectorImpl<Type> &inferred) {                  \
    OP::Adaptor adaptor(operands, attributes, properties, regions);            \
    int64_t axis = static_cast<int64_t>(adaptor.getAxis());                    \
    return inferReduction(adaptor.getInput(), {axis}, adaptor.getKeepdims(),   \
                          inferred,                                            \
                          IntegerType::get(context, 64));                      \
  }
XF_DEFINE_ARG_REDUCE_INFERENCE(ArgMaxOp)
XF_DEFINE_ARG_REDUCE_INFERENCE(ArgMinOp)
#undef XF_DEFINE_REDUCE_INFERENCE

//===----------------------------------------------------------------------===//
// Layout ops
//===----------------------------------------------------------------------===//

XF_DEFINE_COMPATIBLE_RETURN_TYPES(TransposeOp)
LogicalResult TransposeOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType type = getTensorType(adaptor.getInput());
  if (!type)
    return failure();
  ArrayRef<int64_t> perm = adaptor.getPerm();
  SmallVector<int64_t> shape(perm.size(), kDynamic);
  for (auto [i, p] : llvm::enumerate(perm))
    if (p >= 0 && p < type.getRank())
      shape[i] = type.getDimSize(p);
  inferred.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(ReshapeOp)
LogicalResult ReshapeOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType type = getTensorType(adaptor.getInput());
  auto known = getKnownIntValues(adaptor.getShape());
  if (!type || !known)
    return failure();
  SmallVector<int64_t> shape;
  int64_t inferIndex = -1;
  bool valid = true;
  for (auto [i, v] : llvm::enumerate(*known)) {
    if (v == 0 && !adaptor.getAllowzero())
      shape.push_back(static_cast<int64_t>(i) < type.getRank()
                          ? type.getDimSize(i)
                          : kDynamic);
    else if (v == -1 && inferIndex < 0)
      inferIndex = i, shape.push_back(kDynamic);
    else if (v < 0 && !ShapedType::isDynamic(v))
      valid = false, shape.push_back(kDynamic);
    else
      shape.push_back(v);
  }
  if (inferIndex >= 0 && valid) {
    // -1 is the input's element count over the other entries'. Entries
    // read from the input's own dimensions (or ones of the same origin)
    // cancel those dimensions, so `reshape(x, [d0(x), d1(x), -1])` is known
    // whatever d0 and d1 are.
    TraceCacheScope traceCache;
    std::optional<InferredEntry> entry =
        inferMinusOneEntry(adaptor.getInput(), adaptor.getShape(),
                           adaptor.getAllowzero(), inferIndex);
    if (entry && !entry->dynamicDim && entry->staticEntries != 0 &&
        entry->staticLeft % entry->staticEntries == 0)
      shape[inferIndex] = entry->staticLeft / entry->staticEntries;
  }
  inferred.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(UnsqueezeOp)
LogicalResult UnsqueezeOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType type = getTensorType(adaptor.getInput());
  if (!type)
    return failure();
  int64_t rank = type.getRank() + adaptor.getAxes().size();
  SmallVector<int64_t> shape;
  ArrayRef<int64_t> inputShape = type.getShape();
  for (int64_t i = 0; i < rank; ++i) {
    if (llvm::is_contained(adaptor.getAxes(), i)) {
      shape.push_back(1);
    } else if (!inputShape.empty()) {
      shape.push_back(inputShape.front());
      inputShape = inputShape.drop_front();
    } else {
      shape.push_back(kDynamic);
    }
  }
  inferred.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(SqueezeOp)
LogicalResult SqueezeOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType type = getTensorType(adaptor.getInput());
  if (!type)
    return failure();
  SmallVector<int64_t> shape;
  for (auto [i, dim] : llvm::enumerate(type.getShape()))
    if (!llvm::is_contained(adaptor.getAxes(), static_cast<int64_t>(i)))
      shape.push_back(dim);
  inferred.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(ConcatOp)
LogicalResult ConcatOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  if (operands.empty())
    return failure();
  RankedTensorType first = getTensorType(operands[0]);
  if (!first)
    return failure();
  int64_t rank = first.getRank();
  int64_t axis = adaptor.getAxis();
  SmallVector<int64_t> shape(rank, kDynamic);
  int64_t axisSize = 0;
  for (Value operand : operands) {
    RankedTensorType type = getTensorType(operand);
    if (!type || type.getRank() != rank)
      return inferred.push_back(getDynamicType(rank, first.getElementType())),
             success();
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis)
        continue;
      if (ShapedType::isDynamic(shape[d]))
        shape[d] = type.getDimSize(d);
    }
    if (axis >= 0 && axis < rank)
      axisSize = ShapedType::isDynamic(type.getDimSize(axis)) ||
                         ShapedType::isDynamic(axisSize)
                     ? kDynamic
                     : axisSize + type.getDimSize(axis);
  }
  if (axis >= 0 && axis < rank)
    shape[axis] = axisSize;
  inferred.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(SliceOp)
LogicalResult SliceOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType type = getTensorType(adaptor.getInput());
  if (!type)
    return failure();
  SmallVector<int64_t> shape(type.getShape());
  auto axes = getKnownIntValues(adaptor.getAxes());
  auto starts = getKnownIntValues(adaptor.getStarts());
  auto ends = getKnownIntValues(adaptor.getEnds());
  auto steps = getKnownIntValues(adaptor.getSteps());
  if (!axes || llvm::any_of(*axes, ShapedType::isDynamic)) {
    inferred.push_back(getDynamicType(type.getRank(), type.getElementType()));
    return success();
  }
  for (auto [i, rawAxis] : llvm::enumerate(*axes)) {
    auto axis = normalizeAxis(rawAxis, type.getRank());
    if (failed(axis))
      continue;
    int64_t dim = type.getDimSize(*axis);
    auto get = [&](const std::optional<SmallVector<int64_t>> &v) {
      return v && i < v->size() ? (*v)[i] : kDynamic;
    };
    int64_t start = get(starts), end = get(ends), step = get(steps);
    if (ShapedType::isDynamic(dim) || ShapedType::isDynamic(start) ||
        ShapedType::isDynamic(end) || ShapedType::isDynamic(step) ||
        step == 0) {
      shape[*axis] = kDynamic;
      continue;
    }
    // ONNX clamping, after adding dim to negative values: starts and ends
    // in [0, dim] for positive steps; for negative ones, starts in
    // [0, dim - 1] and ends in [-1, dim - 1].
    auto clamp = [&](int64_t v, int64_t negativeStepLow) {
      if (v < 0)
        v += dim;
      return step > 0 ? std::clamp<int64_t>(v, 0, dim)
                      : std::min(std::max(v, negativeStepLow), dim - 1);
    };
    start = clamp(start, 0);
    end = clamp(end, -1);
    int64_t count = step > 0 ? (end - start + step - 1) / step
                             : (start - end - step - 1) / -step;
    shape[*axis] = std::max<int64_t>(count, 0);
  }
  inferred.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(GatherOp)
LogicalResult GatherOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType data = getTensorType(adaptor.getData());
  RankedTensorType indices = getTensorType(adaptor.getIndices());
  if (!data || !indices)
    return failure();
  int64_t axis = std::clamp<int64_t>(adaptor.getAxis(), 0, data.getRank());
  SmallVector<int64_t> shape(data.getShape().take_front(axis));
  llvm::append_range(shape, indices.getShape());
  if (axis < data.getRank())
    llvm::append_range(shape, data.getShape().drop_front(axis + 1));
  inferred.push_back(RankedTensorType::get(shape, data.getElementType()));
  return success();
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(ExpandOp)
LogicalResult ExpandOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType type = getTensorType(adaptor.getInput());
  auto known = getKnownIntValues(adaptor.getShape());
  if (!type || !known)
    return failure();
  // An unknown target value broadcasts like `?`, except that a static input
  // dimension d > 1 can only stay d.
  auto broadcast = broadcastShapes(type.getShape(), *known);
  if (failed(broadcast)) {
    inferred.push_back(getDynamicType(std::max<int64_t>(type.getRank(),
                                                        known->size()),
                                      type.getElementType()));
    return success();
  }
  inferred.push_back(RankedTensorType::get(*broadcast, type.getElementType()));
  return success();
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(TileOp)
LogicalResult TileOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType type = getTensorType(adaptor.getInput());
  auto repeats = getKnownIntValues(adaptor.getRepeats());
  if (!type)
    return failure();
  SmallVector<int64_t> shape(type.getRank(), kDynamic);
  if (repeats && static_cast<int64_t>(repeats->size()) == type.getRank()) {
    for (auto [i, r] : llvm::enumerate(*repeats)) {
      int64_t dim = type.getDimSize(i);
      if (!ShapedType::isDynamic(dim) && !ShapedType::isDynamic(r) && r >= 0)
        shape[i] = dim * r;
    }
  }
  inferred.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Shape computations
//===----------------------------------------------------------------------===//

XF_DEFINE_COMPATIBLE_RETURN_TYPES(ShapeOfOp)
LogicalResult ShapeOfOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location>,
                                          ValueRange operands, DictionaryAttr,
                                          OpaqueProperties, RegionRange,
                                          SmallVectorImpl<Type> &inferred) {
  RankedTensorType type = getTensorType(operands[0]);
  if (!type)
    return failure();
  inferred.push_back(
      RankedTensorType::get({type.getRank()}, IntegerType::get(context, 64)));
  return success();
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(ConstantOfShapeOp)
LogicalResult ConstantOfShapeOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto known = getKnownIntValues(adaptor.getShape());
  if (!known || !adaptor.getValue())
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t v : *known)
    shape.push_back(v < 0 ? kDynamic : v);
  inferred.push_back(
      RankedTensorType::get(shape, adaptor.getValue().getElementType()));
  return success();
}

std::optional<double> RangeOp::getConstantLength(Value start, Value limit,
                                                 Value delta) {
  DenseElementsAttr values[3];
  Value operands[3] = {start, limit, delta};
  for (int i = 0; i < 3; ++i)
    if (!matchPattern(operands[i], m_Constant(&values[i])) ||
        !values[i].isSplat())
      return std::nullopt;
  auto asDouble = [](DenseElementsAttr a) {
    if (isa<FloatType>(a.getElementType()))
      return a.getSplatValue<APFloat>().convertToDouble();
    return static_cast<double>(a.getSplatValue<APInt>().getSExtValue());
  };
  return std::ceil((asDouble(values[1]) - asDouble(values[0])) /
                   asDouble(values[2]));
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(RangeOp)
LogicalResult RangeOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                        ValueRange operands, DictionaryAttr,
                                        OpaqueProperties, RegionRange,
                                        SmallVectorImpl<Type> &inferred) {
  Type elementType = getElementTypeOrSelf(operands[0]);
  int64_t count = kDynamic;
  // A length that is no count (NaN, infinite, past int64) stays dynamic
  // here; the importer refuses it.
  std::optional<double> length =
      getConstantLength(operands[0], operands[1], operands[2]);
  if (length && std::isfinite(*length) && *length < 0x1p62)
    count = std::max<int64_t>(0, static_cast<int64_t>(*length));
  inferred.push_back(RankedTensorType::get({count}, elementType));
  return success();
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(GatherElementsOp)
LogicalResult GatherElementsOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType data = getTensorType(adaptor.getData());
  RankedTensorType indices = getTensorType(adaptor.getIndices());
  if (!data || !indices)
    return failure();
  inferred.push_back(indices.clone(data.getElementType()));
  return success();
}

XF_DEFINE_COMPATIBLE_RETURN_TYPES(ConvOp)
LogicalResult ConvOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  RankedTensorType input = getTensorType(adaptor.getInput());
  RankedTensorType weight = getTensorType(adaptor.getWeight());
  if (!input || !weight)
    return failure();
  int64_t rank = input.getRank();
  int64_t spatial = rank - 2;
  ArrayRef<int64_t> strides = adaptor.getStrides();
  ArrayRef<int64_t> pads = adaptor.getPads();
  ArrayRef<int64_t> dilations = adaptor.getDilations();
  if (spatial < 1 || weight.getRank() != rank ||
      static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(dilations.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial) {
    inferred.push_back(getDynamicType(rank, input.getElementType()));
    return success();
  }
  SmallVector<int64_t> shape = {input.getDimSize(0), weight.getDimSize(0)};
  for (int64_t d = 0; d < spatial; ++d) {
    int64_t in = input.getDimSize(d + 2), kernel = weight.getDimSize(d + 2);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(kernel) ||
        strides[d] < 1) {
      shape.push_back(kDynamic);
      continue;
    }
    int64_t extent = in + pads[d] + pads[d + spatial] -
                     dilations[d] * (kernel - 1) - 1;
    shape.push_back(extent < 0 ? kDynamic : extent / strides[d] + 1);
  }
  inferred.push_back(RankedTensorType::get(shape, input.getElementType()));
  return success();
}
