//===- ImportMath.cpp - MatMul, Gemm, reductions, normalizations ----------===//

#include "frontends/onnx/NodeImporter.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::xf;

static int64_t rankOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getRank();
}

static LogicalResult importMatMul(NodeImporter &n) {
  auto a = n.requiredInput(0), b = n.requiredInput(1);
  if (failed(a) || failed(b))
    return failure();
  if (rankOf(*a) == 0 || rankOf(*b) == 0) {
    n.emitError() << "operands must have rank 1 or more, got " << a->getType()
                  << " and " << b->getType();
    return failure();
  }
  auto result = n.create<MatMulOp>(*a, *b);
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

/// Gemm: alpha * A' B' + beta * C, with A' and B' optionally transposed.
static LogicalResult importGemm(NodeImporter &n) {
  auto a = n.requiredInput(0), b = n.requiredInput(1);
  if (failed(a) || failed(b))
    return failure();
  if (rankOf(*a) != 2 || rankOf(*b) != 2) {
    n.emitError() << "A and B must be matrices, got " << a->getType()
                  << " and " << b->getType();
    return failure();
  }
  SmallVector<int64_t> swap = {1, 0};
  if (n.getInt("transA", 0))
    a = n.create<TransposeOp>(*a, swap);
  if (succeeded(a) && n.getInt("transB", 0))
    b = n.create<TransposeOp>(*b, swap);
  if (failed(a) || failed(b))
    return failure();
  auto result = n.create<MatMulOp>(*a, *b);
  Type elementType = getElementTypeOrSelf(*a);
  float alpha = n.getFloat("alpha", 1.0f), beta = n.getFloat("beta", 1.0f);
  if (succeeded(result) && alpha != 1.0f)
    result = n.create<MulOp>(*result, n.scalar(elementType, alpha));
  if (Value c = n.input(2); c && succeeded(result) && beta != 0.0f) {
    FailureOr<Value> bias = c;
    if (beta != 1.0f)
      bias = n.create<MulOp>(c, n.scalar(elementType, beta));
    if (failed(bias))
      return failure();
    result = n.create<AddOp>(*result, *bias);
  }
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

/// Normalizes, sorts and deduplicates axes; reports an out-of-range one.
static FailureOr<SmallVector<int64_t>>
normalizeAxes(NodeImporter &n, ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    auto normalized = normalizeAxis(axis, rank);
    if (failed(normalized)) {
      n.emitError() << "axis " << axis << " is out of range for rank "
                    << rank;
      return failure();
    }
    result.push_back(*normalized);
  }
  llvm::sort(result);
  result.erase(llvm::unique(result), result.end());
  return result;
}

namespace {
/// What a reduction node asks for: its input, the normalized axes and
/// whether reduced dimensions are kept. `axes` is empty when the node asks
/// for no reduction at all (empty axes with `noop_with_empty_axes`).
struct ReduceRequest {
  Value input;
  SmallVector<int64_t> axes;
  bool keepdims;
};
} // namespace

/// Reads a reduction node; `axes` is an attribute before `axesInputSince`
/// and an optional input from then on.
static FailureOr<ReduceRequest> readReduce(NodeImporter &n,
                                           int64_t axesInputSince) {
  auto x = n.requiredInput(0);
  if (failed(x) || failed(n.checkAttrOrInput("axes", 1, axesInputSince)))
    return failure();
  SmallVector<int64_t> axes;
  if (n.getOpset() >= axesInputSince) {
    if (Value axesInput = n.input(1)) {
      auto values = n.getConstantInts(axesInput, "axes");
      if (failed(values))
        return failure();
      axes = *values;
    }
  } else if (auto attr = n.getInts("axes")) {
    axes = *attr;
  }
  int64_t rank = rankOf(*x);
  bool keepdims = n.getInt("keepdims", 1) != 0;
  if (axes.empty()) {
    if (n.getInt("noop_with_empty_axes", 0))
      return ReduceRequest{*x, {}, keepdims};
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  }
  auto normalized = normalizeAxes(n, axes, rank);
  if (failed(normalized))
    return failure();
  return ReduceRequest{*x, *normalized, keepdims};
}

template <typename OpTy, int64_t axesInputSince>
static LogicalResult importReduce(NodeImporter &n) {
  auto request = readReduce(n, axesInputSince);
  if (failed(request))
    return failure();
  if (request->axes.empty()) {
    n.setResult(0, request->input);
    return success();
  }
  return n.setResult(
      n.create<OpTy>(request->input, request->axes, request->keepdims));
}

/// The reductions ONNX defines by others: an elementwise step before the
/// sum, another after it. With no axes to reduce, only the two steps apply
/// (as in the ONNX reference).
enum class ComposedReduction { L1, L2, SumSquare, LogSum };

template <ComposedReduction kind>
static LogicalResult importComposedReduce(NodeImporter &n) {
  auto request = readReduce(n, 18);
  if (failed(request))
    return failure();
  Expansion e(n);
  Value x = request->input;
  if (kind == ComposedReduction::L1)
    x = e.create<AbsOp>(x);
  else if (kind != ComposedReduction::LogSum)
    x = e.create<MulOp>(x, x);
  if (!request->axes.empty())
    x = e.create<ReduceSumOp>(x, request->axes, request->keepdims);
  if (kind == ComposedReduction::L2) {
    // The root of an integer sum is truncated back to the input's type.
    Type elementType = getElementTypeOrSelf(x);
    if (isa<FloatType>(elementType)) {
      x = e.create<SqrtOp>(x);
    } else {
      auto type = cast<RankedTensorType>(x.getType());
      Value root = e.create<SqrtOp>(
          e.create<CastOp>(type.clone(n.getBuilder().getF64Type()), x));
      x = e.create<CastOp>(type, root);
    }
  } else if (kind == ComposedReduction::LogSum) {
    x = e.create<LogOp>(x);
  }
  e.setResult(0, x);
  return e.status();
}

/// ReduceLogSumExp as m + log(sum(exp(x - m))) with m the maximum (0 where
/// it is infinite), which does not overflow where exp(x) would.
static LogicalResult importReduceLogSumExp(NodeImporter &n) {
  auto request = readReduce(n, 18);
  if (failed(request))
    return failure();
  Value x = request->input;
  if (request->axes.empty()) {
    n.setResult(0, x);
    return success();
  }
  if (!isa<FloatType>(getElementTypeOrSelf(x))) {
    n.emitError() << "input of type " << x.getType()
                  << " is not supported (only floating-point)";
    return failure();
  }
  Expansion e(n);
  Value max = e.create<ReduceMaxOp>(x, request->axes, true);
  Value finite = e.create<LessOp>(e.create<AbsOp>(max),
                                  e.scalarLike(x, INFINITY));
  Value shift = e.create<WhereOp>(finite, max, e.scalarLike(x, 0));
  Value sum = e.create<ReduceSumOp>(e.create<ExpOp>(e.create<SubOp>(x, shift)),
                                    request->axes, true);
  Value result = e.create<AddOp>(e.create<LogOp>(sum), shift);
  if (!request->keepdims)
    result = e.create<SqueezeOp>(result, request->axes);
  e.setResult(0, result);
  return e.status();
}

/// Reshapes `x` to 2-D: [prod(dims before axis), prod(dims from axis)]. A
/// product of static dimensions is a constant; one with a dynamic dimension
/// is computed by xf ops from the shape.
static FailureOr<Value> flattenTo2D(NodeImporter &n, Value x, int64_t axis) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  Value shape;
  auto product = [&](int64_t begin, int64_t end) -> FailureOr<Value> {
    ArrayRef<int64_t> dims = type.getShape().slice(begin, end - begin);
    if (!ShapedType::isDynamicShape(dims))
      return n.constI64({ShapedType::getNumElements(dims)});
    if (!shape) {
      auto shapeOf = n.create<ShapeOfOp>(x);
      if (failed(shapeOf))
        return failure();
      shape = *shapeOf;
    }
    Value starts = n.constI64({begin}), ends = n.constI64({end});
    Value axes = n.constI64({0}), steps = n.constI64({1});
    auto part = n.create<SliceOp>(shape, starts, ends, axes, steps);
    if (failed(part))
      return failure();
    return n.create<ReduceProdOp>(*part, SmallVector<int64_t>{0}, true);
  };
  auto outer = product(0, axis);
  if (failed(outer))
    return failure();
  auto inner = product(axis, rank);
  if (failed(inner))
    return failure();
  auto target = n.create<ConcatOp>(ValueRange{*outer, *inner}, int64_t(0));
  if (failed(target))
    return failure();
  return n.create<ReshapeOp>(x, *target, false);
}

static LogicalResult importFlatten(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = rankOf(*x);
  int64_t axis = n.getInt("axis", 1);
  if (axis < -rank || axis > rank) {
    n.emitError() << "axis " << axis << " is out of range for rank " << rank;
    return failure();
  }
  auto result = flattenTo2D(n, *x, axis < 0 ? axis + rank : axis);
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

/// log(softmax(x)) over `axis` as (x - m) - log(sum(exp(x - m))) with m the
/// maximum: exact where log of a softmax that underflowed to 0 is not.
Value xf::buildLogSoftmax(Expansion &e, Value x, int64_t axis) {
  SmallVector<int64_t> axes = {axis};
  Value shifted = e.create<SubOp>(x, e.create<ReduceMaxOp>(x, axes, true));
  Value sum = e.create<ReduceSumOp>(e.create<ExpOp>(shifted), axes, true);
  return e.create<SubOp>(shifted, e.create<LogOp>(sum));
}

/// hardmax(x) over `axis`: 1 at the first largest element, 0 elsewhere, as
/// arg_max compared with the positions along the axis.
static Value buildHardmax(Expansion &e, Value x, int64_t axis) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  Value best = e.create<ArgMaxOp>(x, axis, true, false);
  Value positions = e.positions(x, axis);
  // [size, 1, ..., 1]: the positions broadcast along the axis.
  auto trailing = llvm::to_vector(llvm::seq<int64_t>(1, rank - axis));
  if (!trailing.empty())
    positions = e.create<UnsqueezeOp>(positions, trailing);
  Value isBest = e.create<EqualOp>(best, positions);
  return e.create<CastOp>(cast<RankedTensorType>(x.getType()), isBest);
}

namespace {
enum class Normalizer { Softmax, LogSoftmax, Hardmax };
} // namespace

/// Softmax, LogSoftmax and Hardmax are per-axis from opset 13; before, they
/// flatten the input to 2-D at `axis` (default 1) and normalize each row.
template <Normalizer kind>
static LogicalResult importSoftmax(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = rankOf(*x);
  bool legacy = n.getOpset() < 13;
  auto axis = n.getAxis("axis", legacy ? 1 : -1, rank);
  if (failed(axis))
    return failure();
  Expansion e(n);
  auto normalize = [&](Value input, int64_t axis) {
    switch (kind) {
    case Normalizer::Softmax:
      return e.create<SoftmaxOp>(input, axis);
    case Normalizer::LogSoftmax:
      return buildLogSoftmax(e, input, axis);
    case Normalizer::Hardmax:
      return buildHardmax(e, input, axis);
    }
    llvm_unreachable("unknown normalizer");
  };
  if (!legacy || *axis == rank - 1) {
    e.setResult(0, normalize(*x, *axis));
    return e.status();
  }
  auto flat = flattenTo2D(n, *x, *axis);
  if (failed(flat))
    return failure();
  Value rows = normalize(*flat, 1);
  e.setResult(0, e.create<ReshapeOp>(rows, e.create<ShapeOfOp>(*x), false));
  return e.status();
}

/// ArgMax and ArgMin: `axis` (default 0), `keepdims` (default 1) and, from
/// opset 12, `select_last_index`.
template <typename OpTy>
static LogicalResult importArgReduce(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = rankOf(*x);
  auto axis = n.getAxis("axis", 0, rank);
  if (failed(axis))
    return failure();
  return n.setResult(n.create<OpTy>(*x, *axis, n.getInt("keepdims", 1) != 0,
                                    n.getInt("select_last_index", 0) != 0));
}

/// The normalized axis and the float32 `stash_type` of LayerNormalization
/// and RMSNormalization (the only stash type the importer supports).
static FailureOr<int64_t> getNormalizationAxis(NodeImporter &n, Value x) {
  auto axis = n.getAxis("axis", -1, rankOf(x));
  if (failed(axis))
    return failure();
  int64_t stashType = n.getInt("stash_type", onnx::TensorProto_DataType_FLOAT);
  if (stashType != onnx::TensorProto_DataType_FLOAT) {
    n.emitError() << "stash_type " << getOnnxDataTypeName(stashType)
                  << " is not supported (only FLOAT)";
    return failure();
  }
  return axis;
}

/// `v` converted to float32, the type normalizations compute in.
static FailureOr<Value> castToF32(NodeImporter &n, Value v) {
  Type f32 = n.getBuilder().getF32Type();
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getElementType() == f32)
    return v;
  return n.create<CastOp>(type.clone(f32), v);
}

/// LayerNormalization computes in its `stash_type`, float32 by default (the
/// only one the importer supports): other inputs are cast to it and the
/// result back. Mean and InvStdDev, its optional outputs, are float32 too;
/// when they are used, reductions compute them beside the xf.layer_norm.
static LogicalResult importLayerNormalization(NodeImporter &n) {
  auto x = n.requiredInput(0), scale = n.requiredInput(1);
  if (failed(x) || failed(scale))
    return failure();
  int64_t rank = rankOf(*x);
  auto axis = getNormalizationAxis(n, *x);
  if (failed(axis))
    return failure();
  Type f32 = n.getBuilder().getF32Type();
  auto toF32 = [&](Value v) { return castToF32(n, v); };
  auto input = toF32(*x), gamma = toF32(*scale);
  FailureOr<Value> beta = Value();
  if (Value bias = n.input(2))
    beta = toF32(bias);
  if (failed(input) || failed(gamma) || failed(beta))
    return failure();
  float epsilon = n.getFloat("epsilon", 1e-5f);
  FailureOr<Value> result = n.create<LayerNormOp>(
      *input, *gamma, *beta, n.getBuilder().getI64IntegerAttr(*axis),
      n.getBuilder().getF32FloatAttr(epsilon));
  if (failed(result))
    return failure();
  if (n.hasOutput(1) || n.hasOutput(2)) {
    auto axes = llvm::to_vector(llvm::seq<int64_t>(*axis, rank));
    auto mean = n.create<ReduceMeanOp>(*input, axes, true);
    if (failed(mean))
      return failure();
    auto centered = n.create<SubOp>(*input, *mean);
    if (failed(centered))
      return failure();
    auto square = n.create<MulOp>(*centered, *centered);
    if (failed(square))
      return failure();
    auto variance = n.create<ReduceMeanOp>(*square, axes, true);
    if (failed(variance))
      return failure();
    auto shifted = n.create<AddOp>(*variance, n.scalar(f32, epsilon));
    if (failed(shifted))
      return failure();
    auto stdDev = n.create<SqrtOp>(*shifted);
    if (failed(stdDev))
      return failure();
    auto invStdDev = n.create<ReciprocalOp>(*stdDev);
    if (failed(invStdDev))
      return failure();
    n.setResult(1, *mean);
    n.setResult(2, *invStdDev);
  }
  if (getElementTypeOrSelf(*x) != f32)
    result = n.create<CastOp>(x->getType(), *result);
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

/// RMSNormalization (opset 23), like LayerNormalization without centering
/// or bias, into xf.rms_norm, computed in float32.
static LogicalResult importRmsNormalization(NodeImporter &n) {
  auto x = n.requiredInput(0), scale = n.requiredInput(1);
  if (failed(x) || failed(scale))
    return failure();
  auto axis = getNormalizationAxis(n, *x);
  if (failed(axis))
    return failure();
  auto input = castToF32(n, *x), gamma = castToF32(n, *scale);
  if (failed(input) || failed(gamma))
    return failure();
  FailureOr<Value> result = n.create<RmsNormOp>(
      *input, *gamma, n.getBuilder().getI64IntegerAttr(*axis),
      n.getBuilder().getF32FloatAttr(n.getFloat("epsilon", 1e-5f)));
  if (succeeded(result) && getElementTypeOrSelf(*x) != getElementTypeOrSelf(*result))
    result = n.create<CastOp>(x->getType(), *result);
  if (failed(result))
    return failure();
  n.setResult(0, *result);
  return success();
}

/// Conv in 1-D and 2-D; `auto_pad` SAME_* pads are computed here from
/// static spatial sizes, so the op always holds explicit pads.
static LogicalResult importConv(NodeImporter &n) {
  auto x = n.requiredInput(0), w = n.requiredInput(1);
  if (failed(x) || failed(w))
    return failure();
  auto inputType = cast<RankedTensorType>(x->getType());
  auto weightType = cast<RankedTensorType>(w->getType());
  int64_t spatial = inputType.getRank() - 2;
  if (spatial < 1 || spatial > 2) {
    n.emitError() << "only 1-D and 2-D convolutions are supported (input of "
                     "rank 3 or 4), got "
                  << inputType;
    return failure();
  }
  if (weightType.getRank() != inputType.getRank() ||
      !weightType.hasStaticShape()) {
    n.emitError() << "weight " << weightType
                  << " must have a static shape of the input's rank";
    return failure();
  }
  auto attrOr = [&](StringRef name, int64_t size, int64_t value) {
    SmallVector<int64_t> values = n.getInts(name).value_or(
        SmallVector<int64_t>(size, value));
    return values;
  };
  SmallVector<int64_t> strides = attrOr("strides", spatial, 1);
  SmallVector<int64_t> dilations = attrOr("dilations", spatial, 1);
  SmallVector<int64_t> pads = attrOr("pads", 2 * spatial, 0);
  if (static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(dilations.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial) {
    n.emitError() << "strides, dilations and pads must have " << spatial
                  << ", " << spatial << " and " << 2 * spatial << " values";
    return failure();
  }
  auto positive = [](int64_t v) { return v >= 1; };
  if (!llvm::all_of(strides, positive) || !llvm::all_of(dilations, positive) ||
      llvm::any_of(pads, [](int64_t v) { return v < 0; })) {
    n.emitError() << "strides and dilations must be positive and pads not "
                     "negative";
    return failure();
  }
  if (auto kernel = n.getInts("kernel_shape")) {
    if (!llvm::equal(*kernel, weightType.getShape().drop_front(2))) {
      n.emitError() << "kernel_shape does not match the weight " << weightType;
      return failure();
    }
  }
  std::string autoPad = n.getString("auto_pad", "NOTSET");
  if (autoPad == "VALID") {
    pads.assign(2 * spatial, 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int64_t d = 0; d < spatial; ++d) {
      int64_t in = inputType.getDimSize(d + 2);
      if (ShapedType::isDynamic(in)) {
        n.emitError() << "auto_pad " << autoPad
                      << " needs static spatial sizes, got " << inputType;
        return failure();
      }
      int64_t out = (in + strides[d] - 1) / strides[d];
      int64_t kernel = dilations[d] * (weightType.getDimSize(d + 2) - 1) + 1;
      int64_t total =
          std::max<int64_t>(0, (out - 1) * strides[d] + kernel - in);
      int64_t small = total / 2, large = total - small;
      pads[d] = autoPad == "SAME_UPPER" ? small : large;
      pads[d + spatial] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (autoPad != "NOTSET") {
    n.emitError() << "unsupported auto_pad '" << autoPad << "'";
    return failure();
  }
  return n.setResult(n.create<ConvOp>(*x, *w, n.input(2), strides, pads,
                                      dilations, n.getInt("group", 1)));
}

/// GlobalAveragePool and GlobalMaxPool: the mean or maximum over every
/// spatial axis (from 2 on), which are kept with size 1.
template <typename OpTy>
static LogicalResult importGlobalPool(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  int64_t rank = rankOf(*x);
  if (rank < 3) {
    n.emitError() << "needs an input [N, C, spatial...], got " << x->getType();
    return failure();
  }
  auto axes = llvm::to_vector(llvm::seq<int64_t>(2, rank));
  return n.setResult(n.create<OpTy>(*x, axes, true));
}

/// LpNormalization: x divided by its L1 or L2 norm along `axis`.
static LogicalResult importLpNormalization(NodeImporter &n) {
  auto x = n.requiredInput(0);
  if (failed(x))
    return failure();
  auto axis = n.getAxis("axis", -1, rankOf(*x));
  if (failed(axis))
    return failure();
  int64_t p = n.getInt("p", 2);
  if (p != 1 && p != 2) {
    n.emitError() << "p must be 1 or 2, got " << p;
    return failure();
  }
  Expansion e(n);
  SmallVector<int64_t> axes = {*axis};
  Value norm;
  if (p == 1) {
    norm = e.create<ReduceSumOp>(e.create<AbsOp>(*x), axes, true);
  } else {
    norm = e.create<SqrtOp>(
        e.create<ReduceSumOp>(e.create<MulOp>(*x, *x), axes, true));
  }
  e.setResult(0, e.create<DivOp>(*x, norm));
  return e.status();
}

void xf::addMathImporters(OpImporterTable &table) {
  table["MatMul"] = {importMatMul, 1};
  table["Gemm"] = {importGemm, 1};
  table["Conv"] = {importConv, 1};
  table["ReduceSum"] = {importReduce<ReduceSumOp, 13>, 1};
  table["ReduceMean"] = {importReduce<ReduceMeanOp, 18>, 1};
  table["ReduceMax"] = {importReduce<ReduceMaxOp, 18>, 1};
  table["ReduceMin"] = {importReduce<ReduceMinOp, 18>, 1};
  table["ReduceProd"] = {importReduce<ReduceProdOp, 18>, 1};
  table["ReduceL1"] = {importComposedReduce<ComposedReduction::L1>, 1};
  table["ReduceL2"] = {importComposedReduce<ComposedReduction::L2>, 1};
  table["ReduceSumSquare"] = {
      importComposedReduce<ComposedReduction::SumSquare>, 1};
  table["ReduceLogSum"] = {importComposedReduce<ComposedReduction::LogSum>,
                           1};
  table["ReduceLogSumExp"] = {importReduceLogSumExp, 1};
  table["Softmax"] = {importSoftmax<Normalizer::Softmax>, 1};
  table["LogSoftmax"] = {importSoftmax<Normalizer::LogSoftmax>, 1};
  table["Hardmax"] = {importSoftmax<Normalizer::Hardmax>, 1};
  table["ArgMax"] = {importArgReduce<ArgMaxOp>, 1};
  table["ArgMin"] = {importArgReduce<ArgMinOp>, 1};
  table["Flatten"] = {importFlatten, 1};
  table["GlobalAveragePool"] = {importGlobalPool<ReduceMeanOp>, 1};
  table["GlobalMaxPool"] = {importGlobalPool<ReduceMaxOp>, 1};
  table["LpNormalization"] = {importLpNormalization, 1};
  // Exporters wrote LayerNormalization into opset 11 to 16 models before
  // it was standard; onnxruntime runs them.
  table["LayerNormalization"] = {importLayerNormalization, 17, 1};
  table["RMSNormalization"] = {importRmsNormalization, 23};
}
