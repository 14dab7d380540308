//===- ImportIndexing.cpp - Scans, triangles, scatters and element gathers ===//
//
// The ops exporters use to build position ids and masks (CumSum, Trilu,
// ScatterND into a mask buffer) and to pick or place single elements
// (GatherElements, ScatterElements).
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/NodeImporter.h"

using namespace mlir;
using namespace mlir::xf;

static RankedTensorType typeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// The `axis` attribute normalized against `rank`, or an error.
static FailureOr<int64_t> getAxis(NodeImporter &n, int64_t axis, int64_t rank) {
  FailureOr<int64_t> normalized = normalizeAxis(axis, rank);
  if (failed(normalized))
    n.emitError() << "axis " << axis << " is out of range for rank " << rank;
  return normalized;
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
  auto axis = getAxis(n, axisValues->front(), typeOf(*x).getRank());
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
  auto axis = getAxis(n, n.getInt("axis", 0), typeOf(*data).getRank());
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
  auto axis = getAxis(n, n.getInt("axis", 0), typeOf(*data).getRank());
  if (failed(axis))
    return failure();
  return n.setResult(n.create<GatherElementsOp>(*data, *indices, *axis));
}

void xf::addIndexingImporters(OpImporterTable &table) {
  table["CumSum"] = {importCumSum, 11};
  table["Trilu"] = {importTrilu, 14};
  table["ScatterND"] = {importScatterND, 11};
  table["ScatterElements"] = {importScatterElements, 11};
  table["GatherElements"] = {importGatherElements, 11};
}
