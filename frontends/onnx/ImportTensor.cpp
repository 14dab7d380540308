//===- ImportTensor.cpp - Layout, indexing, shape and constant ops --------===//

#include "frontends/onnx/NodeImporter.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::xf;

static RankedTensorType typeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// Axes of ops that take them as an attribute before `inputSince` and as
/// an input after; std::nullopt when absent.
static FailureOr<std::optional<SmallVector<int64_t>>>
getAxesOperand(NodeImporter &n, int64_t inputSince, unsigned inputIndex) {
  if (failed(n.checkAttrOrInput("axes", inputIndex, inputSince)))
    return failure();
  if (n.getOpset() >= inputSince) {
    Value axes = n.input(inputIndex);
    if (!axes)
      return std::optional<SmallVector<int64_t>>();
    auto values = n.getConstantInts(axes, "axes");
    if (failed(values))
      return failure();
    return std::optional<SmallVector<int64_t>>(*values);
  }
  return n.getInts("axes");
}

static FailureOr<SmallVector<int64_t>>
normalizeAxes(NodeImporter &n, ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    auto normalized = normalizeAxis(axis, rank);
    if (failed(normalized)) {
      n.emitError() << "axis " << axis << " is out of range for rank " << rank;
      return failure();
    }
    result.push_back(*normalized);
  }
  llvm::sort(result);
  return result;
}

static LogicalResult importTranspose(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = typeOf(*x).getRank();
  SmallVector<int64_t> perm = n.getInts("perm").value_or(llvm::to_vector(
      llvm::reverse(llvm::to_vector(llvm::seq<int64_t>(0, rank)))));
  return n.setResult(n.create<TransposeOp>(*x, perm));
}

/// Shape operands must have a static length for the result rank to be known.
static LogicalResult checkShapeOperand(NodeImporter &n, Value shape) {
  if (typeOf(shape).getRank() != 1 || typeOf(shape).isDynamicDim(0) ||
      !getElementTypeOrSelf(shape).isInteger(64)) {
    n.emitError() << "the shape operand must be a 1-D i64 tensor of known "
                     "length, got "
                  << shape.getType();
    return failure();
  }
  return success();
}

static LogicalResult importReshape(NodeImporter &n) {
  auto x = n.requiredInput(0), shape = n.requiredInput(1);
  if (failed(x) || failed(shape) || failed(checkShapeOperand(n, *shape)))
    return failure();
  return n.setResult(
      n.create<ReshapeOp>(*x, *shape, n.getInt("allowzero", 0) != 0));
}

static LogicalResult importUnsqueeze(NodeImporter &n) {
  auto x = n.requiredInput(0);
  auto axes = getAxesOperand(n, 13, 1);
  if (failed(x) || failed(axes))
    return failure();
  if (!*axes) {
    n.emitError() << "axes are required";
    return failure();
  }
  int64_t rank = typeOf(*x).getRank() + (*axes)->size();
  auto normalized = normalizeAxes(n, **axes, rank);
  if (failed(normalized))
    return failure();
  return n.setResult(n.create<UnsqueezeOp>(*x, *normalized));
}

static LogicalResult importSqueeze(NodeImporter &n) {
  auto x = n.requiredInput(0);
  auto axes = getAxesOperand(n, 13, 1);
  if (failed(x) || failed(axes))
    return failure();
  RankedTensorType type = typeOf(*x);
  SmallVector<int64_t> squeezed;
  if (*axes) {
    auto normalized = normalizeAxes(n, **axes, type.getRank());
    if (failed(normalized))
      return failure();
    squeezed = *normalized;
  } else {
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (type.isDynamicDim(d)) {
        n.emitError() << "Squeeze without axes on " << type
                      << " is not supported: dimension " << d
                      << " is dynamic, so whether it is 1 is not known";
        return failure();
      }
      if (type.getDimSize(d) == 1)
        squeezed.push_back(d);
    }
  }
  return n.setResult(n.create<SqueezeOp>(*x, squeezed));
}

static LogicalResult importConcat(NodeImporter &n) {
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < n.numInputs(); ++i)
    if (Value v = n.input(i))
      inputs.push_back(v);
  if (inputs.empty()) {
    n.emitError() << "needs at least one input";
    return failure();
  }
  // Older PyTorch exports concatenate 0-D and 1-D shape pieces, which
  // onnxruntime accepts: the 0-D ones are read as one-element vectors.
  bool hasScalar = false, hasVector = false;
  for (Value v : inputs) {
    hasScalar |= typeOf(v).getRank() == 0;
    hasVector |= typeOf(v).getRank() == 1;
  }
  if (hasScalar && hasVector) {
    n.emitWarning() << "concatenates 0-D and 1-D tensors; each 0-D one is "
                       "read as a one-element vector";
    for (Value &v : inputs) {
      if (typeOf(v).getRank() != 0)
        continue;
      auto vector = n.create<UnsqueezeOp>(v, ArrayRef<int64_t>{0});
      if (failed(vector))
        return failure();
      v = *vector;
    }
  }
  int64_t rank = typeOf(inputs.front()).getRank();
  auto axis = normalizeAxis(n.getInt("axis", 0), rank);
  if (failed(axis)) {
    n.emitError() << "axis " << n.getInt("axis", 0)
                  << " is out of range for rank " << rank;
    return failure();
  }
  return n.setResult(n.create<ConcatOp>(inputs, *axis));
}

/// A 1-D i64 operand: the input when given, else the attribute `name` (for
/// opsets before the input existed), else `defaults`.
static FailureOr<Value> getI64Operand(NodeImporter &n, Value input,
                                      ArrayRef<int64_t> defaults) {
  if (!input)
    return n.constI64(defaults);
  if (getElementTypeOrSelf(input).isInteger(64))
    return input;
  auto type = typeOf(input);
  return n.create<CastOp>(type.clone(n.getBuilder().getI64Type()), input);
}

static LogicalResult importSlice(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  static constexpr StringLiteral kAttrs[] = {"starts", "ends", "axes"};
  for (auto [i, name] : llvm::enumerate(kAttrs))
    if (failed(n.checkAttrOrInput(name, i + 1, 10)))
      return failure();
  Value starts, ends, axes, steps;
  if (n.getOpset() < 10) {
    auto s = n.getInts("starts"), e = n.getInts("ends");
    if (!s || !e) {
      n.emitError() << "starts and ends are required";
      return failure();
    }
    starts = n.constI64(*s);
    ends = n.constI64(*e);
    if (auto a = n.getInts("axes"))
      axes = n.constI64(*a);
  } else {
    auto s = n.requiredInput(1), e = n.requiredInput(2);
    if (failed(s) || failed(e))
      return failure();
    starts = *s;
    ends = *e;
    axes = n.input(3);
    steps = n.input(4);
  }
  if (typeOf(starts).getRank() != 1 || typeOf(starts).isDynamicDim(0)) {
    n.emitError() << "starts must be a 1-D tensor of known length";
    return failure();
  }
  int64_t count = typeOf(starts).getDimSize(0);
  // Starts, ends and steps may be computed at run time, the axes may not:
  // they decide which dimensions of the result are known.
  if (axes && failed(n.getConstantInts(axes, "axes")))
    return failure();
  auto startsI64 = getI64Operand(n, starts, {});
  auto endsI64 = getI64Operand(n, ends, {});
  auto axesI64 =
      getI64Operand(n, axes, llvm::to_vector(llvm::seq<int64_t>(0, count)));
  auto stepsI64 = getI64Operand(n, steps, SmallVector<int64_t>(count, 1));
  if (failed(startsI64) || failed(endsI64) || failed(axesI64) ||
      failed(stepsI64))
    return failure();
  return n.setResult(
      n.create<SliceOp>(*x, *startsI64, *endsI64, *axesI64, *stepsI64));
}

static LogicalResult importGather(NodeImporter &n) {
  auto data = n.requiredInput(0), indices = n.requiredInput(1);
  if (failed(data) || failed(indices))
    return failure();
  int64_t rank = typeOf(*data).getRank();
  auto axis = normalizeAxis(n.getInt("axis", 0), rank);
  if (failed(axis)) {
    n.emitError() << "axis " << n.getInt("axis", 0)
                  << " is out of range for rank " << rank;
    return failure();
  }
  return n.setResult(n.create<GatherOp>(*data, *indices, *axis));
}

static LogicalResult importExpand(NodeImporter &n) {
  auto x = n.requiredInput(0), shape = n.requiredInput(1);
  if (failed(x) || failed(shape) || failed(checkShapeOperand(n, *shape)))
    return failure();
  return n.setResult(n.create<ExpandOp>(*x, *shape));
}

static LogicalResult importTile(NodeImporter &n) {
  auto x = n.requiredInput(0), repeats = n.requiredInput(1);
  if (failed(x) || failed(repeats) || failed(checkShapeOperand(n, *repeats)))
    return failure();
  return n.setResult(n.create<TileOp>(*x, *repeats));
}

/// Split sizes: attribute before opset 13, optional input after; from
/// opset 18 `num_outputs` may stand in for them.
static LogicalResult importSplit(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x) || failed(n.checkAttrOrInput("split", 1, 13)))
    return failure();
  RankedTensorType type = typeOf(*x);
  auto axis = normalizeAxis(n.getInt("axis", 0), type.getRank());
  if (failed(axis)) {
    n.emitError() << "axis " << n.getInt("axis", 0)
                  << " is out of range for rank " << type.getRank();
    return failure();
  }
  std::optional<SmallVector<int64_t>> sizes;
  if (n.getOpset() < 13) {
    sizes = n.getInts("split");
  } else if (Value split = n.input(1)) {
    auto values = n.getConstantInts(split, "split");
    if (failed(values))
      return failure();
    sizes = *values;
  }
  int64_t pieces = n.numOutputs();
  int64_t dim = type.getDimSize(*axis);
  if (n.hasAttr("num_outputs") && n.getInt("num_outputs", 0) != pieces) {
    n.emitError() << "num_outputs is " << n.getInt("num_outputs", 0)
                  << " but the node has " << pieces << " outputs";
    return failure();
  }
  if (!sizes && n.hasAttr("num_outputs") && !type.isDynamicDim(*axis)) {
    // Opset 18: the last piece is smaller when the split is uneven.
    int64_t count = n.getInt("num_outputs", pieces);
    int64_t chunk = (dim + count - 1) / count;
    sizes.emplace();
    for (int64_t i = 0; i < count; ++i)
      sizes->push_back(std::min(chunk, dim - i * chunk));
  }
  SmallVector<Type> resultTypes;
  for (int64_t i = 0; i < pieces; ++i) {
    SmallVector<int64_t> shape(type.getShape());
    shape[*axis] = sizes && i < static_cast<int64_t>(sizes->size())
                       ? (*sizes)[i]
                       : (ShapedType::isDynamic(dim) ? ShapedType::kDynamic
                                                     : dim / pieces);
    resultTypes.push_back(type.clone(shape));
  }
  auto op = SplitOp::create(n.getBuilder(), n.getLoc(), resultTypes, *x, *axis,
                            sizes ? n.getBuilder().getDenseI64ArrayAttr(*sizes)
                                  : DenseI64ArrayAttr());
  if (failed(n.finish(op)))
    return failure();
  for (int64_t i = 0; i < pieces; ++i)
    n.setResult(i, op.getResult(i));
  return success();
}

/// Shape, with the `start` and `end` of opset 15: the slice is a constant when
/// the dimensions it keeps are static.
static LogicalResult importShape(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  RankedTensorType type = typeOf(*x);
  int64_t rank = type.getRank();
  auto clamp = [&](int64_t i) {
    return std::clamp<int64_t>(i < 0 ? i + rank : i, 0, rank);
  };
  int64_t start = clamp(n.getInt("start", 0));
  int64_t end = std::max(start, clamp(n.getInt("end", rank)));
  ArrayRef<int64_t> dims = type.getShape().slice(start, end - start);
  if (!ShapedType::isDynamicShape(dims))
    return n.setResult(n.constI64(dims));
  auto shape = n.create<ShapeOfOp>(*x);
  if (succeeded(shape) && (start != 0 || end != rank)) {
    Value starts = n.constI64({start}), ends = n.constI64({end});
    Value axes = n.constI64({0}), steps = n.constI64({1});
    shape = n.create<SliceOp>(*shape, starts, ends, axes, steps);
  }
  return n.setResult(shape);
}

static LogicalResult importSize(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto shape = n.create<ShapeOfOp>(*x);
  if (failed(shape))
    return failure();
  return n.setResult(
      n.create<ReduceProdOp>(*shape, SmallVector<int64_t>{0}, false));
}

static LogicalResult importConstantOfShape(NodeImporter &n) {
  auto shape = n.requiredInput(0);
  if (failed(shape) || failed(checkShapeOperand(n, *shape)))
    return failure();
  ElementsAttr value;
  if (onnx::AttributeProto *attr = n.findMutableAttr("value")) {
    std::string error;
    value =
        n.getTensorImporter().importTensor(*attr->mutable_t(), "value", error);
    if (!value) {
      n.emitError() << "attribute 'value' " << error;
      return failure();
    }
  } else {
    auto type = RankedTensorType::get({1}, n.getBuilder().getF32Type());
    value = DenseElementsAttr::get(type, 0.0f);
  }
  return n.setResult(n.create<ConstantOfShapeOp>(*shape, value));
}

static LogicalResult importRange(NodeImporter &n) {
  auto start = n.requiredInput(0), limit = n.requiredInput(1),
       delta = n.requiredInput(2);
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  // onnxruntime takes one-element vectors for the scalars; so does xfc.
  SmallVector<Value> scalars;
  for (Value v : {*start, *limit, *delta}) {
    auto type = typeOf(v);
    if (type.getRank() == 1 && type.getDimSize(0) == 1) {
      n.emitWarning() << "operand " << type
                      << " is a one-element vector, not a scalar; it is read "
                         "as its element";
      auto scalar = n.create<SqueezeOp>(v, ArrayRef<int64_t>{0});
      if (failed(scalar))
        return failure();
      v = *scalar;
    }
    scalars.push_back(v);
  }
  // Like onnxruntime, a constant range must have a length it can allocate.
  if (std::optional<double> length =
          RangeOp::getConstantLength(scalars[0], scalars[1], scalars[2]))
    if (!std::isfinite(*length) || *length > 0x1p31)
      return n.emitError() << "a range of " << *length
                           << " elements (start, limit and delta are "
                              "constants that give no sensible length)";
  return n.setResult(n.create<RangeOp>(scalars[0], scalars[1], scalars[2]));
}

/// Constant carries its value in exactly one of several attribute kinds.
static LogicalResult importConstant(NodeImporter &n) {
  if (n.getNode().attribute_size() != 1) {
    n.emitError() << "must have exactly one value attribute";
    return failure();
  }
  onnx::AttributeProto &attr =
      *n.findMutableAttr(n.getNode().attribute(0).name());
  OpBuilder &b = n.getBuilder();
  std::string error;
  ElementsAttr value;
  StringRef kind = attr.name();
  if (kind == "value") {
    value = n.getTensorImporter().importTensor(*attr.mutable_t(),
                                               n.getNode().output(0), error);
  } else if (kind == "sparse_value") {
    value = n.getTensorImporter().importSparseTensor(
        *attr.mutable_sparse_tensor(), n.getNode().output(0), error);
  } else if (kind == "value_float") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                   attr.f());
  } else if (kind == "value_floats") {
    SmallVector<float> floats(attr.floats().begin(), attr.floats().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(floats.size())},
                              b.getF32Type()),
        ArrayRef(floats));
  } else if (kind == "value_int") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()),
                                   static_cast<int64_t>(attr.i()));
  } else if (kind == "value_ints") {
    SmallVector<int64_t> ints(attr.ints().begin(), attr.ints().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(ints.size())},
                              b.getI64Type()),
        ArrayRef(ints));
  } else if (kind == "value_string" || kind == "value_strings") {
    error = "holds strings, which xfc does not support";
  } else {
    error = "has unknown attribute '" + kind.str() + "'";
  }
  if (!value) {
    n.emitError() << "the constant " << error;
    return failure();
  }
  return n.setResult(n.create<ConstantOp>(value));
}

/// DepthToSpace and SpaceToDepth move `blocksize` x `blocksize` blocks
/// between the channels and the two spatial axes of [N, C, H, W]: a reshape
/// to 6-D, a transpose, and a reshape back to 4-D.
template <bool toSpace>
static LogicalResult importBlockRearrange(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  int64_t block = n.getInt("blocksize", 0);
  if (type.getRank() != 4 || block <= 0) {
    n.emitError() << "needs an input [N, C, H, W] and a positive blocksize, "
                     "got "
                  << type << " and " << block;
    return failure();
  }
  Expansion e(n);
  Value batch = e.dims(*x, 0, 1), channels = e.dims(*x, 1, 2);
  Value height = e.dims(*x, 2, 3), width = e.dims(*x, 3, 4);
  Value b = e.constI64({block}), bb = e.constI64({block * block});
  Value result;
  if (toSpace) {
    std::string mode = n.getString("mode", "DCR");
    if (mode != "DCR" && mode != "CRD") {
      n.emitError() << "unsupported mode '" << mode << "' (DCR or CRD)";
      return failure();
    }
    Value depth = e.create<DivOp>(channels, bb);
    bool crd = mode == "CRD";
    Value split = crd ? e.reshape(*x, {batch, depth, b, b, height, width})
                      : e.reshape(*x, {batch, b, b, depth, height, width});
    SmallVector<int64_t> perm = crd ? SmallVector<int64_t>{0, 1, 4, 2, 5, 3}
                                    : SmallVector<int64_t>{0, 3, 4, 1, 5, 2};
    result = e.reshape(e.create<TransposeOp>(split, perm),
                       {batch, depth, e.create<MulOp>(height, b),
                        e.create<MulOp>(width, b)});
  } else {
    Value rows = e.create<DivOp>(height, b), cols = e.create<DivOp>(width, b);
    Value split = e.reshape(*x, {batch, channels, rows, b, cols, b});
    result = e.reshape(
        e.create<TransposeOp>(split, ArrayRef<int64_t>{0, 3, 5, 1, 2, 4}),
        {batch, e.create<MulOp>(channels, bb), rows, cols});
  }
  e.setResult(0, result);
  return e.status();
}

/// EyeLike: ones where column - row == k, of the input's 2-D shape and of
/// `dtype` (default the input's type).
static LogicalResult importEyeLike(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(x->getType());
  if (type.getRank() != 2) {
    n.emitError() << "needs a 2-D input, got " << type;
    return failure();
  }
  Type elementType = type.getElementType();
  if (n.hasAttr("dtype")) {
    int64_t dtype = n.getInt("dtype", 0);
    elementType = getElementType(n.getContext(), dtype);
    if (!elementType) {
      n.emitError() << "dtype " << getOnnxDataTypeName(dtype)
                    << " is not supported";
      return failure();
    }
  }
  Expansion e(n);
  Value rows = e.create<AddOp>(
      e.create<UnsqueezeOp>(e.positions(*x, 0), ArrayRef<int64_t>{1}),
      e.scalarI64(n.getInt("k", 0)));
  Value cols =
      e.create<UnsqueezeOp>(e.positions(*x, 1), ArrayRef<int64_t>{0});
  Value diagonal = e.create<EqualOp>(rows, cols);
  e.setResult(0, e.create<CastOp>(type.clone(elementType), diagonal));
  return e.status();
}

void xf::addTensorImporters(OpImporterTable &table) {
  table["Transpose"] = {importTranspose, 1};
  table["Reshape"] = {importReshape, 5};
  table["Unsqueeze"] = {importUnsqueeze, 1};
  table["Squeeze"] = {importSqueeze, 1};
  table["Concat"] = {importConcat, 1};
  table["Slice"] = {importSlice, 1};
  table["Gather"] = {importGather, 1};
  table["Expand"] = {importExpand, 8};
  table["Tile"] = {importTile, 6};
  table["Split"] = {importSplit, 1};
  table["Shape"] = {importShape, 1};
  table["Size"] = {importSize, 1};
  table["ConstantOfShape"] = {importConstantOfShape, 9};
  table["Range"] = {importRange, 11};
  table["Constant"] = {importConstant, 1};
  table["DepthToSpace"] = {importBlockRearrange<true>, 1};
  table["SpaceToDepth"] = {importBlockRearrange<false>, 1};
  table["EyeLike"] = {importEyeLike, 9};
}
