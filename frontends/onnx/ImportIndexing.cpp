//===- ImportIndexing.cpp - Scans, triangles, scatters and element gathers ===//
//
// The ops exporters use to build position ids and masks (CumSum, Trilu,
// ScatterND into a mask buffer) and to pick or place single elements
// (GatherElements, ScatterElements).
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/NodeImporter.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::xf;

static RankedTensorType typeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

static LogicalResult importCumSum(NodeImporter &n) {
  auto x = n.requiredInput(0), axisInput = n.requiredInput(1);
  if (failed(x) || failed(axisInput))
    return failure();
  auto axisValues = n.getConstantInts(*axisInput, "axis");
  if (failed(axisValues))
    return failure();
  if (axisValues->size() != 1) {
    n.emitError() << "axis must hold one value, got " << axisValues->size();
    return failure();
  }
  auto axis = n.normalizeAxisOf(axisValues->front(), typeOf(*x).getRank());
  if (failed(axis))
    return failure();
  return n.setResult(n.create<CumSumOp>(
      *x, *axis, n.getInt("exclusive", 0) != 0, n.getInt("reverse", 0) != 0));
}

static LogicalResult importTrilu(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  if (typeOf(*x).getRank() < 2) {
    n.emitError() << "needs a tensor of rank 2 or more, got " << x->getType();
    return failure();
  }
  Value k = n.input(1);
  OpBuilder &b = n.getBuilder();
  auto scalarType = RankedTensorType::get({}, b.getI64Type());
  if (!k) {
    k = n.scalar(b.getI64Type(), 0);
  } else if (typeOf(k).getRank() != 0) {
    // k is "a 0-D tensor"; a one-element 1-D one is read as it.
    if (typeOf(k).getNumElements() != 1) {
      n.emitError() << "k must be a scalar, got " << k.getType();
      return failure();
    }
    auto reshaped = n.create<ReshapeOp>(scalarType, k, n.constI64({}),
                                        /*allowzero=*/false);
    if (failed(reshaped))
      return failure();
    k = *reshaped;
  }
  return n.setResult(n.create<TriluOp>(*x, k, n.getInt("upper", 1) != 0));
}

static LogicalResult importScatterND(NodeImporter &n) {
  auto data = n.requiredInput(0), indices = n.requiredInput(1),
       updates = n.requiredInput(2);
  if (failed(data) || failed(indices) || failed(updates))
    return failure();
  std::string reduction = n.getString("reduction", "none");
  return n.setResult(
      n.create<ScatterNDOp>(*data, *indices, *updates, reduction));
}

static LogicalResult importScatterElements(NodeImporter &n) {
  auto data = n.requiredInput(0), indices = n.requiredInput(1),
       updates = n.requiredInput(2);
  if (failed(data) || failed(indices) || failed(updates))
    return failure();
  auto axis = n.getAxis("axis", 0, typeOf(*data).getRank());
  if (failed(axis))
    return failure();
  std::string reduction = n.getString("reduction", "none");
  return n.setResult(
      n.create<ScatterElementsOp>(*data, *indices, *updates, *axis, reduction));
}

static LogicalResult importGatherElements(NodeImporter &n) {
  auto data = n.requiredInput(0), indices = n.requiredInput(1);
  if (failed(data) || failed(indices))
    return failure();
  auto axis = n.getAxis("axis", 0, typeOf(*data).getRank());
  if (failed(axis))
    return failure();
  return n.setResult(n.create<GatherElementsOp>(*data, *indices, *axis));
}

/// OneHot: `values[1]` where the (negative: counted from depth) index
/// equals the position along the new `axis`, `values[0]` elsewhere.
static LogicalResult importOneHot(NodeImporter &n) {
  auto indices = n.requiredInput(0), depthInput = n.requiredInput(1),
       values = n.requiredInput(2);
  if (failed(indices) || failed(depthInput) || failed(values))
    return failure();
  int64_t rank = typeOf(*indices).getRank() + 1;
  auto axis = n.getAxis("axis", -1, rank);
  if (failed(axis))
    return failure();
  if (!typeOf(*values).hasStaticShape() ||
      typeOf(*values).getNumElements() != 2) {
    n.emitError() << "values must hold [off, on], got " << values->getType();
    return failure();
  }
  Expansion e(n);
  OpBuilder &b = n.getBuilder();
  auto i64Like = [&](Value v) {
    return typeOf(v).getElementType().isInteger(64)
               ? v
               : e.create<CastOp>(typeOf(v).clone(b.getI64Type()), v);
  };
  Value depth = i64Like(e.reshape(*depthInput, {e.constI64({})}));
  Value index = i64Like(*indices);
  Value negative = e.create<LessOp>(index, e.scalarI64(0));
  index = e.create<WhereOp>(negative, e.create<AddOp>(index, depth), index);
  Value positions = e.create<RangeOp>(e.scalarI64(0), depth, e.scalarI64(1));
  // The positions run along `axis`: [depth, 1, ..., 1] with rank - axis - 1
  // trailing ones.
  auto trailing = llvm::to_vector(llvm::seq<int64_t>(1, rank - *axis));
  if (!trailing.empty())
    positions = e.create<UnsqueezeOp>(positions, trailing);
  Value hot = e.create<EqualOp>(
      e.create<UnsqueezeOp>(index, ArrayRef<int64_t>{*axis}), positions);
  auto pick = [&](int64_t i) {
    return e.reshape(e.create<SliceOp>(*values, e.constI64({i}),
                                       e.constI64({i + 1}), e.constI64({0}),
                                       e.constI64({1})),
                     {e.constI64({})});
  };
  e.setResult(0, e.create<WhereOp>(hot, pick(1), pick(0)));
  return e.status();
}

/// GatherND as one Gather: the `batch_dims` leading axes and the k indexed
/// axes of `data` are flattened into one, and each index tuple (with its
/// batch position) becomes a linear index into it.
static LogicalResult importGatherND(NodeImporter &n) {
  auto data = n.requiredInput(0), indicesInput = n.requiredInput(1);
  if (failed(data) || failed(indicesInput))
    return failure();
  auto dataType = typeOf(*data), indicesType = typeOf(*indicesInput);
  int64_t batchDims = n.getInt("batch_dims", 0);
  int64_t indexRank = indicesType.getRank();
  int64_t k = indexRank ? indicesType.getShape().back() : 0;
  if (indexRank < 1 || ShapedType::isDynamic(k) || batchDims < 0 ||
      batchDims >= indexRank || batchDims + k > dataType.getRank()) {
    n.emitError() << "indices " << indicesType
                  << " need a static last dimension k with batch_dims + k <= "
                     "the rank of data "
                  << dataType;
    return failure();
  }
  Expansion e(n);
  Value indices = *indicesInput;
  int64_t flatAxes = batchDims + k;
  // Linear index: sum over the flattened axes of position * stride, where
  // batch axes take their position in `indices` and the others its values.
  Value linear = e.scalarI64(0);
  Value stride = e.scalarI64(1);
  for (int64_t d = flatAxes - 1; d >= 0; --d) {
    Value size = e.create<SqueezeOp>(e.dims(*data, d, d + 1),
                                     ArrayRef<int64_t>{0});
    Value position;
    if (d >= batchDims) {
      int64_t component = d - batchDims;
      position = e.create<SqueezeOp>(
          e.create<SliceOp>(indices, e.constI64({component}),
                            e.constI64({component + 1}),
                            e.constI64({indexRank - 1}), e.constI64({1})),
          ArrayRef<int64_t>{indexRank - 1});
      Value negative = e.create<LessOp>(position, e.scalarI64(0));
      position = e.create<WhereOp>(negative, e.create<AddOp>(position, size),
                                   position);
    } else {
      // [size, 1, ...]: the batch position along axis d of indices[..., 0].
      position = e.positions(*data, d);
      auto trailing = llvm::to_vector(llvm::seq<int64_t>(1, indexRank - 1 - d));
      if (!trailing.empty())
        position = e.create<UnsqueezeOp>(position, trailing);
    }
    linear = e.create<AddOp>(linear, e.create<MulOp>(position, stride));
    stride = e.create<MulOp>(stride, size);
  }
  Value flat = e.reshape(*data, {e.constI64({-1}),
                                 e.dims(*data, flatAxes, dataType.getRank())});
  e.setResult(0, e.create<GatherOp>(flat, linear, int64_t(0)));
  return e.status();
}

/// NonZero of values known at compile time (exporters apply it to masks
/// and shapes built from constants): the [rank, count] indices, a constant.
/// Its result's shape depends on the values, so NonZero of values computed
/// at run time is refused.
static LogicalResult importNonZero(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto type = typeOf(*x);
  SmallVector<bool> nonZero;
  DenseElementsAttr attr;
  if (matchPattern(*x, m_Constant(&attr))) {
    if (isa<FloatType>(attr.getElementType()))
      for (const APFloat &v : attr.getValues<APFloat>())
        nonZero.push_back(!v.isZero());
    else
      for (const APInt &v : attr.getValues<APInt>())
        nonZero.push_back(!v.isZero());
  } else if (auto known = getKnownIntValues(*x);
             known && type.hasStaticShape() &&
             !llvm::any_of(*known, ShapedType::isDynamic)) {
    for (int64_t v : *known)
      nonZero.push_back(v != 0);
  } else {
    n.emitError() << "NonZero of values computed at run time is not "
                     "supported (the shape of its result depends on them)";
    return failure();
  }
  int64_t rank = type.getRank();
  SmallVector<int64_t> positions;
  for (auto [i, set] : llvm::enumerate(nonZero))
    if (set)
      positions.push_back(static_cast<int64_t>(i));
  int64_t count = positions.size();
  // Row d holds coordinate d of each nonzero element, in row-major order.
  SmallVector<int64_t> indices(std::max<int64_t>(rank, 1) * count);
  for (auto [j, flat] : llvm::enumerate(positions)) {
    int64_t rest = flat;
    for (int64_t d = rank - 1; d >= 0; --d) {
      indices[d * count + j] = rest % type.getDimSize(d);
      rest /= type.getDimSize(d);
    }
  }
  if (rank == 0)
    indices.assign(count, 0);
  auto resultType = RankedTensorType::get({std::max<int64_t>(rank, 1), count},
                                          n.getBuilder().getI64Type());
  n.setResult(0, ConstantOp::create(n.getBuilder(), n.getLoc(),
                                    DenseIntElementsAttr::get(resultType,
                                                              indices)));
  return success();
}

void xf::addIndexingImporters(OpImporterTable &table) {
  table["CumSum"] = {importCumSum, 11};
  table["Trilu"] = {importTrilu, 14};
  table["ScatterND"] = {importScatterND, 11};
  table["ScatterElements"] = {importScatterElements, 11};
  table["GatherElements"] = {importGatherElements, 11};
  table["GatherND"] = {importGatherND, 11};
  table["OneHot"] = {importOneHot, 9};
  table["NonZero"] = {importNonZero, 9};
}
