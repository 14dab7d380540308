//===- GraphImporter.cpp - ONNX graphs to xf functions --------------------===//

#include "frontends/onnx/NodeImporter.h"
#include "frontends/onnx/ONNXImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"

#include <climits>

using namespace mlir;
using namespace mlir::xf;

/// The opsets of the default ONNX domain that the importer handles.
///
/// Opsets 7 and 8 differ from 9 for the operators of the importer's table
/// only in types (Cast, Constant, Flatten, Gemm, Greater, Less, MatMul) and
/// in Max, Min, Mean and Sum, which broadcast from opset 8 and require equal
/// shapes before: importing them as broadcasting ops is right for opset 7
/// models too. Opset 6 and older have the legacy `broadcast` attribute of
/// the binary ops, which the importer does not read.
///
/// Opsets 22 to 24 were checked (onnx 1.19, onnx.defs schemas and docs) for
/// the operators of the importer's table; every change to them is about
/// types xfc does not have:
///   22: Dropout (bfloat16 and float8 types);
///   23: Identity, Cast, CastLike, Flatten, Transpose, Reshape, Unsqueeze,
///       Squeeze, Shape, Size, ConstantOfShape, Constant (float4e2m1);
///   24: the same operators (float8e8m0); Cast and CastLike also gain
///       `round_mode` and a new saturation table, which apply only to float8
///       types, which xfc rejects.
/// When raising kMaxOpset, check the operators of the table again.
static constexpr int64_t kMinOpset = 7;
static constexpr int64_t kMaxOpset = 24;

//===----------------------------------------------------------------------===//
// NodeImporter
//===----------------------------------------------------------------------===//

InFlightDiagnostic NodeImporter::emitError() {
  return mlir::emitError(loc) << "node '" << node.name() << "' ("
                              << node.op_type() << "): ";
}

InFlightDiagnostic NodeImporter::emitWarning() {
  return mlir::emitWarning(loc) << "node '" << node.name() << "' ("
                                << node.op_type() << "): ";
}

FailureOr<Value> NodeImporter::requiredInput(unsigned i) {
  if (Value value = input(i))
    return value;
  emitError() << "input " << i << " is required";
  return failure();
}

const onnx::AttributeProto *NodeImporter::findAttr(StringRef name) const {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

onnx::AttributeProto *NodeImporter::findMutableAttr(StringRef name) {
  for (onnx::AttributeProto &attr : *node.mutable_attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

int64_t NodeImporter::getInt(StringRef name, int64_t defaultValue) const {
  const onnx::AttributeProto *attr = findAttr(name);
  return attr ? attr->i() : defaultValue;
}

float NodeImporter::getFloat(StringRef name, float defaultValue) const {
  const onnx::AttributeProto *attr = findAttr(name);
  return attr ? attr->f() : defaultValue;
}

std::string NodeImporter::getString(StringRef name,
                                    StringRef defaultValue) const {
  const onnx::AttributeProto *attr = findAttr(name);
  return attr ? attr->s() : defaultValue.str();
}

std::optional<SmallVector<int64_t>>
NodeImporter::getInts(StringRef name) const {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr)
    return std::nullopt;
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

LogicalResult NodeImporter::checkAttrOrInput(StringRef name, unsigned index,
                                             int64_t since) {
  if (opset >= since && hasAttr(name)) {
    emitError() << "'" << name << "' is an input from opset " << since
                << ", not an attribute (the model has opset " << opset << ")";
    return failure();
  }
  if (opset < since && input(index)) {
    emitError() << "'" << name << "' is an attribute before opset " << since
                << ", not an input (the model has opset " << opset << ")";
    return failure();
  }
  return success();
}

FailureOr<int64_t> NodeImporter::normalizeAxisOf(int64_t axis, int64_t rank) {
  FailureOr<int64_t> normalized = normalizeAxis(axis, rank);
  if (failed(normalized))
    emitError() << "axis " << axis << " is out of range for rank " << rank;
  return normalized;
}

FailureOr<int64_t> NodeImporter::getAxis(StringRef name, int64_t defaultValue,
                                         int64_t rank) {
  return normalizeAxisOf(getInt(name, defaultValue), rank);
}

FailureOr<SmallVector<int64_t>> NodeImporter::getConstantInts(Value value,
                                                              StringRef what) {
  auto known = getKnownIntValues(value);
  if (!known || llvm::any_of(*known, ShapedType::isDynamic)) {
    emitError() << what
                << " must be a constant (values computed at run time are not "
                   "supported)";
    return failure();
  }
  return *known;
}

Value NodeImporter::constI64(ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    builder.getI64Type());
  return ConstantOp::create(builder, loc,
                            DenseIntElementsAttr::get(type, values));
}

Value NodeImporter::scalar(Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  Attribute attr;
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    APFloat v(value);
    bool losesInfo;
    v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &losesInfo);
    attr = DenseElementsAttr::get(type, v);
  } else {
    attr = DenseElementsAttr::get(
        type, APInt(elementType.getIntOrFloatBitWidth(),
                    static_cast<int64_t>(value), /*isSigned=*/true,
                    /*implicitTrunc=*/true));
  }
  return ConstantOp::create(builder, loc, cast<ElementsAttr>(attr));
}

FailureOr<Value> NodeImporter::finish(Operation *op) {
  std::string message;
  LogicalResult verified = success();
  {
    // Re-emit the verifier's message as an error of this node.
    ScopedDiagnosticHandler handler(getContext(), [&](Diagnostic &diag) {
      if (message.empty())
        message = diag.str();
      return success();
    });
    verified = mlir::verify(op);
  }
  if (failed(verified)) {
    op->erase();
    emitError() << message;
    return failure();
  }
  SmallVector<Value> folded;
  if (succeeded(builder.tryFold(op, folded)) && !folded.empty()) {
    op->erase();
    return folded.front();
  }
  return op->getResult(0);
}

//===----------------------------------------------------------------------===//
// The op table
//===----------------------------------------------------------------------===//

const OpImporterTable &xf::getOpImporters() {
  static const OpImporterTable table = [] {
    OpImporterTable t;
    addElementwiseImporters(t);
    addMathImporters(t);
    addTensorImporters(t);
    addIndexingImporters(t);
    addActivationImporters(t);
    addLossImporters(t);
    addAttentionImporters(t);
    addEinsumImporter(t);
    return t;
  }();
  return table;
}

//===----------------------------------------------------------------------===//
// Expansion
//===----------------------------------------------------------------------===//

Value Expansion::scalarLike(Value like, double value) {
  if (hasFailed || !like)
    return {};
  return n.scalar(getElementTypeOrSelf(like), value);
}

Value Expansion::dims(Value x, int64_t begin, int64_t end) {
  if (hasFailed || !x)
    return {};
  auto type = cast<RankedTensorType>(x.getType());
  ArrayRef<int64_t> sizes = type.getShape().slice(begin, end - begin);
  if (!ShapedType::isDynamicShape(sizes))
    return n.constI64(sizes);
  Value shape = create<ShapeOfOp>(x);
  return create<SliceOp>(shape, n.constI64({begin}), n.constI64({end}),
                         n.constI64({0}), n.constI64({1}));
}

Value Expansion::positions(Value x, int64_t axis) {
  Value size = create<SqueezeOp>(dims(x, axis, axis + 1), ArrayRef<int64_t>{0});
  return create<RangeOp>(scalarI64(0), size, scalarI64(1));
}

Value Expansion::reshape(Value x, ArrayRef<Value> parts) {
  if (hasFailed)
    return {};
  Value shape = parts.size() == 1
                    ? parts.front()
                    : create<ConcatOp>(ValueRange(parts), int64_t(0));
  return create<ReshapeOp>(x, shape, false);
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

namespace {
class GraphImporter {
public:
  GraphImporter(onnx::ModelProto &model, StringRef path, MLIRContext *context,
                const OnnxImportOptions &options)
      : model(model), graph(*model.mutable_graph()), path(path.str()),
        context(context), options(options), tensors(context, path),
        fileLoc(FileLineColLoc::get(context, path, 0, 0)) {}

  OwningOpRef<ModuleOp> run();

private:
  InFlightDiagnostic emitError() {
    return mlir::emitError(fileLoc) << "'" << path << "': ";
  }
  LogicalResult readOpset();
  LogicalResult checkSupported();
  void checkSupported(const onnx::GraphProto &body,
                      SmallVectorImpl<std::string> &unsupported,
                      SmallVectorImpl<std::string> &malformed,
                      llvm::StringSet<> &warnedEarly);
  LogicalResult sortNodes(onnx::GraphProto &body,
                          SmallVectorImpl<onnx::NodeProto *> &order);
  FailureOr<RankedTensorType> getInputType(const onnx::ValueInfoProto &info);
  ArrayAttr getDimNames(const onnx::ValueInfoProto &info,
                        RankedTensorType type);
  FailureOr<Value> lookup(const std::string &name, onnx::NodeProto *user);
  void nameNodes(onnx::GraphProto &body, StringRef prefix);
  LogicalResult importNode(onnx::NodeProto &node);
  LogicalResult importIf(onnx::NodeProto &node);
  LogicalResult importLoop(onnx::NodeProto &node);
  LogicalResult importSequenceOp(onnx::NodeProto &node);
  FailureOr<int64_t> getKnownScalar(const std::string &name,
                                    onnx::NodeProto &user, StringRef what);
  LogicalResult importOutputs(func::FuncOp func);

  onnx::ModelProto &model;
  onnx::GraphProto &graph;
  std::string path;
  MLIRContext *context;
  const OnnxImportOptions &options;
  TensorImporter tensors;
  Location fileLoc;
  int64_t opset = 0;

  OpBuilder builder{context};
  llvm::StringMap<Value> values;
  /// Sequences, known at compile time as lists of tensors (torch.onnx's
  /// repeat_interleave builds one in a Loop).
  llvm::StringMap<SmallVector<Value>> sequences;
  llvm::StringMap<onnx::TensorProto *> initializers;
};
} // namespace

LogicalResult GraphImporter::readOpset() {
  bool found = false;
  for (const onnx::OperatorSetIdProto &entry : model.opset_import()) {
    if (entry.domain().empty() || entry.domain() == "ai.onnx") {
      opset = entry.version();
      found = true;
    }
  }
  if (!found) {
    emitError() << "the model imports no opset of the default ONNX domain "
                   "(models of other domains only are not supported)";
    return failure();
  }
  if (opset < kMinOpset || opset > kMaxOpset) {
    emitError() << "unsupported opset " << opset
                << " of the ONNX domain (xfc supports opsets " << kMinOpset
                << " to " << kMaxOpset << ")";
    return failure();
  }
  return success();
}

/// Gives unnamed nodes a name, OpType_N with N their position in the file
/// (inside an If's branch, prefixed by the If's name and the branch), so
/// that every message can point at a node.
void GraphImporter::nameNodes(onnx::GraphProto &body, StringRef prefix) {
  for (auto [i, node] : llvm::enumerate(*body.mutable_node())) {
    if (node.name().empty())
      node.set_name(prefix.str() + node.op_type() + "_" + std::to_string(i));
    for (onnx::AttributeProto &attr : *node.mutable_attribute())
      if (attr.has_g())
        nameNodes(*attr.mutable_g(), node.name() + "/" + attr.name() + "/");
  }
}

/// Ops the graph importer evaluates at compile time rather than through
/// the op table: control flow with known conditions and trip counts, and
/// the sequence ops of known-length sequences.
static bool isCompileTimeControl(StringRef opType) {
  return llvm::is_contained(
      {"If", "Loop", "SequenceEmpty", "SequenceConstruct", "SequenceAt",
       "SequenceInsert", "SequenceLength", "SplitToSequence",
       "ConcatFromSequence"},
      opType);
}

/// The names `node` reads: its inputs and those its subgraphs read.
static void collectUsedNames(const onnx::NodeProto &node,
                             SmallVectorImpl<std::string> &used) {
  used.append(node.input().begin(), node.input().end());
  for (const onnx::AttributeProto &attr : node.attribute()) {
    if (!attr.has_g())
      continue;
    for (const onnx::NodeProto &inner : attr.g().node())
      collectUsedNames(inner, used);
    // A subgraph output may name an outer value directly.
    for (const onnx::ValueInfoProto &output : attr.g().output())
      used.push_back(output.name());
  }
}

/// Every unsupported node of `body` and, for an If, of its branches.
void GraphImporter::checkSupported(const onnx::GraphProto &body,
                                   SmallVectorImpl<std::string> &unsupported,
                                   SmallVectorImpl<std::string> &malformed,
                                   llvm::StringSet<> &warnedEarly) {
  const OpImporterTable &table = getOpImporters();
  for (const onnx::NodeProto &node : body.node()) {
    std::string reason;
    bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
    auto it = table.find(node.op_type());
    // The numbers of outputs (and, for control ops, inputs) the operator's
    // schema allows, as onnxruntime checks them when it resolves the graph:
    // importers may then read the outputs the schema guarantees.
    // Every ONNX operator has an output, whatever its opset.
    if (node.output_size() == 0)
      malformed.push_back("node '" + node.name() + "' (" + node.op_type() +
                          ") has no outputs");
    else if (defaultDomain && !node.op_type().empty())
      if (std::optional<OperatorArity> arity =
              getOperatorArity(node.op_type(), opset)) {
        auto range = [](int lo, int hi) {
          return hi == lo ? std::to_string(lo)
                 : hi == std::numeric_limits<int>::max()
                     ? std::to_string(lo) + " or more"
                     : std::to_string(lo) + " to " + std::to_string(hi);
        };
        auto check = [&](int count, int lo, int hi, const char *what) {
          if (count < lo || count > hi)
            malformed.push_back("node '" + node.name() + "' (" +
                                node.op_type() + ") has " +
                                std::to_string(count) + " " + what +
                                "; it takes " + range(lo, hi));
        };
        // Importers read inputs through NodeImporter, which reports a missing
        // one in the operator's own terms; the control ops read theirs
        // directly.
        if (isCompileTimeControl(node.op_type()))
          check(node.input_size(), arity->minInputs, arity->maxInputs,
                "inputs");
        check(node.output_size(), arity->minOutputs, arity->maxOutputs,
              "outputs");
      }
    if (defaultDomain && isCompileTimeControl(node.op_type())) {
      // If: imported as the branch its (constant) condition selects; Loop:
      // unrolled; sequence ops: lists of tensors at compile time.
      for (const onnx::AttributeProto &attr : node.attribute())
        if (attr.has_g())
          checkSupported(attr.g(), unsupported, malformed, warnedEarly);
      continue;
    }
    if (node.op_type().empty())
      reason = "(a node without an operator type)";
    else if (!defaultDomain)
      reason = node.domain() + "." + node.op_type();
    else if (it == table.end())
      reason = node.op_type();
    else if (opset < it->second.acceptedSince)
      reason = node.op_type() + " (which needs opset " +
               std::to_string(it->second.sinceVersion) + ", the model has " +
               std::to_string(opset) + ")";
    else if (opset < it->second.sinceVersion &&
             warnedEarly.insert(node.op_type()).second)
      mlir::emitWarning(fileLoc)
          << "'" << path << "': " << node.op_type() << " is an operator of opset "
          << it->second.sinceVersion << " but the model declares opset "
          << opset << "; it is imported with the meaning of opset "
          << it->second.sinceVersion << ", as onnxruntime does";
    if (!reason.empty())
      unsupported.push_back("node '" + node.name() + "': " + reason);
  }
}

LogicalResult GraphImporter::checkSupported() {
  SmallVector<std::string> unsupported, malformed;
  llvm::StringSet<> warnedEarly;
  checkSupported(graph, unsupported, malformed, warnedEarly);
  // What is unsupported comes first: a malformed node of an unsupported
  // operator is listed once, as unsupported.
  if (unsupported.empty() && !malformed.empty()) {
    InFlightDiagnostic diag = emitError();
    diag << malformed.size() << " malformed node"
         << (malformed.size() == 1 ? "" : "s") << ":";
    for (const std::string &entry : malformed)
      diag << "\n  " << entry;
    return failure();
  }
  if (unsupported.empty())
    return success();
  InFlightDiagnostic diag = emitError();
  diag << unsupported.size() << " unsupported operator"
       << (unsupported.size() == 1 ? "" : "s") << ":";
  for (const std::string &entry : unsupported)
    diag << "\n  " << entry;
  return failure();
}

LogicalResult
GraphImporter::sortNodes(onnx::GraphProto &body,
                         SmallVectorImpl<onnx::NodeProto *> &order) {
  // Kahn's algorithm, keeping the file's order among ready nodes.
  int numNodes = body.node_size();
  llvm::StringMap<int> producer;
  for (int i = 0; i < numNodes; ++i)
    for (const std::string &output : body.node(i).output())
      if (!output.empty())
        producer[output] = i;
  SmallVector<SmallVector<int>> users(numNodes);
  SmallVector<int> pending(numNodes, 0);
  for (int i = 0; i < numNodes; ++i) {
    // An If's branches read outer values by name: those are inputs too.
    SmallVector<std::string> used;
    collectUsedNames(body.node(i), used);
    for (const std::string &input : used) {
      auto it = producer.find(input);
      if (input.empty() || it == producer.end())
        continue;
      users[it->second].push_back(i);
      ++pending[i];
    }
  }
  SmallVector<int> ready;
  for (int i = numNodes - 1; i >= 0; --i)
    if (pending[i] == 0)
      ready.push_back(i);
  while (!ready.empty()) {
    int i = ready.pop_back_val();
    order.push_back(body.mutable_node(i));
    for (int user : llvm::reverse(users[i]))
      if (--pending[user] == 0)
        ready.push_back(user);
  }
  if (static_cast<int>(order.size()) != numNodes) {
    for (int i = 0; i < numNodes; ++i) {
      if (pending[i] > 0) {
        emitError() << "the graph has a cycle through node '"
                    << body.node(i).name() << "' (" << body.node(i).op_type()
                    << ")";
        break;
      }
    }
    return failure();
  }
  return success();
}

FailureOr<RankedTensorType>
GraphImporter::getInputType(const onnx::ValueInfoProto &info) {
  const std::string &name = info.name();
  if (!info.type().has_tensor_type()) {
    emitError() << "graph input '" << name
                << "' is not a tensor (sequence, map and optional inputs are "
                   "not supported)";
    return failure();
  }
  const onnx::TypeProto_Tensor &tensorType = info.type().tensor_type();
  Type elementType = getElementType(context, tensorType.elem_type());
  if (!elementType) {
    emitError() << "graph input '" << name << "' has unsupported data type "
                << getOnnxDataTypeName(tensorType.elem_type());
    return failure();
  }
  auto override = options.inputShapes.find(name);
  bool hasShape = tensorType.has_shape();
  if (!hasShape && override == options.inputShapes.end()) {
    emitError() << "graph input '" << name
                << "' has no declared shape; give one with --input-shape "
                << name << ":DIMS";
    return failure();
  }
  SmallVector<int64_t> shape;
  if (hasShape)
    for (const auto &dim : tensorType.shape().dim())
      shape.push_back(dim.has_dim_value() ? dim.dim_value()
                                          : ShapedType::kDynamic);
  if (override != options.inputShapes.end()) {
    ArrayRef<int64_t> dims = override->second;
    if (hasShape && dims.size() != shape.size()) {
      emitError() << "--input-shape gives " << dims.size()
                  << " dimensions for input '" << name << "' of rank "
                  << shape.size();
      return failure();
    }
    for (auto [i, dim] : llvm::enumerate(dims)) {
      if (hasShape && !ShapedType::isDynamic(shape[i]) &&
          !ShapedType::isDynamic(dim) && shape[i] != dim) {
        emitError() << "--input-shape sets dimension " << i << " of input '"
                    << name << "' to " << dim << ", but the model declares "
                    << shape[i];
        return failure();
      }
    }
    // `?` keeps the declared dimension, which may be static.
    if (!hasShape)
      shape.assign(dims.size(), ShapedType::kDynamic);
    for (auto [i, dim] : llvm::enumerate(dims))
      if (!ShapedType::isDynamic(dim))
        shape[i] = dim;
  }
  return RankedTensorType::get(shape, elementType);
}

ArrayAttr GraphImporter::getDimNames(const onnx::ValueInfoProto &info,
                                     RankedTensorType type) {
  // The runtime checks that inputs agree on the sizes of dimensions that
  // share a name (batch, sequence), so dynamic dimensions keep theirs.
  if (!info.type().tensor_type().has_shape())
    return {};
  const auto &dims = info.type().tensor_type().shape().dim();
  SmallVector<Attribute> names;
  bool any = false;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    std::string name;
    if (type.isDynamicDim(d) && d < dims.size() && dims[d].has_dim_param())
      name = dims[d].dim_param();
    any |= !name.empty();
    names.push_back(StringAttr::get(context, name));
  }
  return any ? ArrayAttr::get(context, names) : ArrayAttr();
}

FailureOr<Value> GraphImporter::lookup(const std::string &name,
                                       onnx::NodeProto *user) {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  auto init = initializers.find(name);
  if (init == initializers.end() && sequences.count(name)) {
    InFlightDiagnostic diag = emitError();
    if (user)
      diag << "node '" << user->name() << "' (" << user->op_type()
           << ") reads the sequence '" << name
           << "' as a tensor (only sequence ops take sequences)";
    else
      diag << "graph output '" << name
           << "' is a sequence (sequence outputs are not supported)";
    return failure();
  }
  if (init == initializers.end()) {
    InFlightDiagnostic diag = emitError();
    if (user)
      diag << "node '" << user->name() << "' (" << user->op_type()
           << ") uses '" << name
           << "', which no node, graph input or initializer defines";
    else
      diag << "graph output '" << name << "' is not defined";
    return failure();
  }
  std::string error;
  ElementsAttr attr = tensors.importTensor(*init->second, name, error);
  if (!attr) {
    emitError() << "initializer '" << name << "' " << error;
    return failure();
  }
  Value value = ConstantOp::create(builder,
                                   NameLoc::get(StringAttr::get(context, name),
                                                fileLoc),
                                   attr);
  values[name] = value;
  return value;
}

/// If whose condition folds to a constant (exporters' checks of static
/// facts): the selected branch's nodes are imported in its place, its
/// initializers and outer-scope names resolved like the graph's.
LogicalResult GraphImporter::importIf(onnx::NodeProto &node) {
  auto fail = [&]() -> InFlightDiagnostic {
    return emitError() << "node '" << node.name() << "' (If): ";
  };
  if (node.input_size() != 1 || node.input(0).empty()) {
    fail() << "needs one condition input";
    return failure();
  }
  auto condition = lookup(node.input(0), &node);
  if (failed(condition))
    return failure();
  std::optional<SmallVector<int64_t>> known = getKnownIntValues(*condition);
  if (!known || known->size() != 1 || ShapedType::isDynamic((*known)[0])) {
    fail() << "a condition computed at run time is not supported (only one "
              "that folds to a constant)";
    return failure();
  }
  StringRef branchName = (*known)[0] ? "then_branch" : "else_branch";
  onnx::GraphProto *branch = nullptr;
  for (onnx::AttributeProto &attr : *node.mutable_attribute())
    if (attr.name() == branchName && attr.has_g())
      branch = attr.mutable_g();
  if (!branch) {
    fail() << "has no " << branchName;
    return failure();
  }
  if (branch->output_size() != node.output_size()) {
    fail() << branchName << " has " << branch->output_size()
           << " outputs, the node " << node.output_size();
    return failure();
  }
  for (onnx::TensorProto &init : *branch->mutable_initializer())
    initializers[init.name()] = &init;
  SmallVector<onnx::NodeProto *> order;
  if (failed(sortNodes(*branch, order)))
    return failure();
  for (onnx::NodeProto *inner : order)
    if (failed(importNode(*inner)))
      return failure();
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty())
      continue;
    auto value = lookup(branch->output(i).name(), &node);
    if (failed(value))
      return failure();
    values[node.output(i)] = *value;
  }
  return success();
}

FailureOr<int64_t> GraphImporter::getKnownScalar(const std::string &name,
                                                 onnx::NodeProto &user,
                                                 StringRef what) {
  auto value = lookup(name, &user);
  if (failed(value))
    return failure();
  std::optional<SmallVector<int64_t>> known = getKnownIntValues(*value);
  if (!known || known->size() != 1 || ShapedType::isDynamic((*known)[0])) {
    emitError() << "node '" << user.name() << "' (" << user.op_type() << "): "
                << what
                << " computed at run time is not supported (only one that "
                   "folds to a constant)";
    return failure();
  }
  return (*known)[0];
}

/// Loop with a trip count and condition known at compile time, unrolled:
/// the body is imported once per iteration with the iteration number as a
/// constant, its carried values (tensors or sequences) passed on, and its
/// scan outputs stacked along a new first axis.
LogicalResult GraphImporter::importLoop(onnx::NodeProto &node) {
  constexpr int64_t kMaxUnroll = 4096;
  onnx::GraphProto *body = nullptr;
  for (onnx::AttributeProto &attr : *node.mutable_attribute())
    if (attr.name() == "body" && attr.has_g())
      body = attr.mutable_g();
  int numCarried = node.input_size() - 2;
  if (!body || numCarried < 0 || body->input_size() != numCarried + 2 ||
      body->output_size() < numCarried + 1 ||
      node.output_size() != body->output_size() - 1) {
    emitError() << "node '" << node.name()
                << "' (Loop): the body does not match the node's inputs";
    return failure();
  }
  int64_t tripCount = kMaxUnroll;
  if (!node.input(0).empty()) {
    auto known = getKnownScalar(node.input(0), node, "a trip count");
    if (failed(known))
      return failure();
    tripCount = *known;
  }
  bool running = true;
  // Without a condition input the body's condition is ignored (ONNX), and
  // without a trip count either the loop would never end.
  bool hasCondition = !node.input(1).empty();
  if (node.input(0).empty() && !hasCondition) {
    emitError() << "node '" << node.name()
                << "' (Loop): neither a trip count nor a condition: it never "
                   "ends";
    return failure();
  }
  if (hasCondition) {
    auto known = getKnownScalar(node.input(1), node, "a loop condition");
    if (failed(known))
      return failure();
    running = *known != 0;
  }
  if (tripCount > kMaxUnroll) {
    emitError() << "node '" << node.name() << "' (Loop): " << tripCount
                << " iterations are more than the " << kMaxUnroll
                << " that are unrolled";
    return failure();
  }
  // The carried state by name: tensors in `values`, sequences in
  // `sequences`, bound to the body's input names each iteration.
  auto bind = [&](const std::string &from, const std::string &to) {
    if (auto it = sequences.find(from); it != sequences.end()) {
      SmallVector<Value> copy = it->second;
      sequences[to] = copy;
      return success();
    }
    auto value = lookup(from, &node);
    if (failed(value))
      return failure();
    values[to] = *value;
    return success();
  };
  for (int i = 0; i < numCarried; ++i)
    if (failed(bind(node.input(i + 2), body->input(i + 2).name())))
      return failure();
  for (onnx::TensorProto &init : *body->mutable_initializer())
    initializers[init.name()] = &init;
  int numScans = body->output_size() - 1 - numCarried;
  SmallVector<SmallVector<Value>> scans(numScans);
  for (int64_t iteration = 0; running && iteration < tripCount; ++iteration) {
    Type i64 = builder.getI64Type();
    values[body->input(0).name()] = ConstantOp::create(
        builder, fileLoc,
        DenseIntElementsAttr::get(RankedTensorType::get({}, i64), iteration));
    values[body->input(1).name()] = ConstantOp::create(
        builder, fileLoc,
        DenseIntElementsAttr::get(
            RankedTensorType::get({}, builder.getI1Type()), true));
    // A copy per iteration: importing a Constant moves its data out. The
    // initializers that the copy's nested subgraphs register point into it
    // and are dropped with it.
    onnx::GraphProto iterationBody = *body;
    llvm::StringMap<onnx::TensorProto *> outerInitializers = initializers;
    auto restoreInitializers = llvm::make_scope_exit(
        [&] { initializers = std::move(outerInitializers); });
    SmallVector<onnx::NodeProto *> order;
    if (failed(sortNodes(iterationBody, order)))
      return failure();
    for (onnx::NodeProto *inner : order)
      if (failed(importNode(*inner)))
        return failure();
    if (hasCondition) {
      auto condition =
          getKnownScalar(body->output(0).name(), node, "a loop condition");
      if (failed(condition))
        return failure();
      running = *condition != 0;
    }
    // Outputs first, then inputs: an output may be an input of the body.
    SmallVector<std::string> carried;
    for (int i = 0; i < numCarried; ++i) {
      std::string staged = node.name() + "/carried/" + std::to_string(i);
      if (failed(bind(body->output(i + 1).name(), staged)))
        return failure();
      carried.push_back(staged);
    }
    for (int i = 0; i < numCarried; ++i)
      if (failed(bind(carried[i], body->input(i + 2).name())))
        return failure();
    for (int i = 0; i < numScans; ++i) {
      auto value = lookup(body->output(1 + numCarried + i).name(), &node);
      if (failed(value))
        return failure();
      scans[i].push_back(*value);
    }
  }
  if (running && node.input(0).empty()) {
    emitError() << "node '" << node.name()
                << "' (Loop): no trip count and the condition still holds "
                   "after "
                << kMaxUnroll << " iterations";
    return failure();
  }
  for (int i = 0; i < numCarried; ++i)
    if (failed(bind(body->input(i + 2).name(), node.output(i))))
      return failure();
  for (int i = 0; i < numScans; ++i) {
    if (scans[i].empty()) {
      emitError() << "node '" << node.name()
                  << "' (Loop): a scan output of no iteration is not "
                     "supported";
      return failure();
    }
    SmallVector<Value> stacked;
    for (Value v : scans[i])
      stacked.push_back(UnsqueezeOp::create(
          builder, fileLoc, v, builder.getDenseI64ArrayAttr({0})));
    values[node.output(numCarried + i)] =
        ConcatOp::create(builder, fileLoc, stacked,
                         builder.getI64IntegerAttr(0));
  }
  return success();
}

/// The sequence ops, on sequences known at compile time as lists.
LogicalResult GraphImporter::importSequenceOp(onnx::NodeProto &node) {
  StringRef op = node.op_type();
  auto fail = [&]() -> InFlightDiagnostic {
    return emitError() << "node '" << node.name() << "' (" << op << "): ";
  };
  auto sequenceOf = [&](int i) -> SmallVector<Value> * {
    auto it = sequences.find(node.input(i));
    if (it == sequences.end()) {
      fail() << "'" << node.input(i)
             << "' is not a sequence known at compile time";
      return nullptr;
    }
    return &it->second;
  };
  auto tensor = [&](int i) { return lookup(node.input(i), &node); };
  auto position = [&](int i, int64_t size,
                      bool insert) -> FailureOr<int64_t> {
    auto known = getKnownScalar(node.input(i), node, "a position");
    if (failed(known))
      return failure();
    int64_t p = *known < 0 ? *known + size : *known;
    if (p < 0 || p > size || (!insert && p == size)) {
      fail() << "position " << *known << " is out of range for "
             << size << " elements";
      return failure();
    }
    return p;
  };
  // The inputs each op needs (at least, at most) and its one output.
  auto [minInputs, maxInputs] =
      llvm::StringSwitch<std::pair<int, int>>(op)
          .Case("SequenceEmpty", {0, 0})
          .Case("SequenceConstruct", {1, INT_MAX})
          .Cases("SequenceAt", "SplitToSequence", {1 + (op == "SequenceAt"), 2})
          .Case("SequenceInsert", {2, 3})
          .Cases("SequenceLength", "ConcatFromSequence", {1, 1})
          .Default({0, INT_MAX});
  if (node.input_size() < minInputs || node.input_size() > maxInputs ||
      node.output_size() != 1 ||
      llvm::any_of(llvm::seq(0, minInputs),
                   [&](int i) { return node.input(i).empty(); })) {
    fail() << "has " << node.input_size() << " inputs and "
           << node.output_size() << " outputs";
    return failure();
  }
  Location loc = NameLoc::get(StringAttr::get(context, node.name()), fileLoc);
  if (op == "SequenceEmpty") {
    sequences[node.output(0)] = {};
    return success();
  }
  if (op == "SequenceConstruct") {
    SmallVector<Value> elements;
    for (int i = 0; i < node.input_size(); ++i) {
      auto v = tensor(i);
      if (failed(v))
        return failure();
      elements.push_back(*v);
    }
    sequences[node.output(0)] = elements;
    return success();
  }
  if (op == "SequenceAt" || op == "SequenceInsert" || op == "SequenceLength") {
    SmallVector<Value> *sequence = sequenceOf(0);
    if (!sequence)
      return failure();
    int64_t size = sequence->size();
    if (op == "SequenceLength") {
      values[node.output(0)] = ConstantOp::create(
          builder, loc,
          DenseIntElementsAttr::get(
              RankedTensorType::get({}, builder.getI64Type()), size));
      return success();
    }
    if (op == "SequenceAt") {
      auto p = position(1, size, false);
      if (failed(p))
        return failure();
      values[node.output(0)] = (*sequence)[*p];
      return success();
    }
    auto v = tensor(1);
    if (failed(v))
      return failure();
    int64_t p = size;
    if (node.input_size() > 2 && !node.input(2).empty()) {
      auto known = position(2, size, true);
      if (failed(known))
        return failure();
      p = *known;
    }
    SmallVector<Value> result = *sequence;
    result.insert(result.begin() + p, *v);
    sequences[node.output(0)] = result;
    return success();
  }
  auto intAttr = [&](StringRef name, int64_t defaultValue) {
    for (const onnx::AttributeProto &attr : node.attribute())
      if (attr.name() == name)
        return static_cast<int64_t>(attr.i());
    return defaultValue;
  };
  int64_t axis = intAttr("axis", 0);
  if (op == "ConcatFromSequence") {
    SmallVector<Value> *sequence = sequenceOf(0);
    if (!sequence)
      return failure();
    if (sequence->empty()) {
      fail() << "concatenates an empty sequence";
      return failure();
    }
    bool newAxis = intAttr("new_axis", 0) != 0;
    int64_t rank =
        cast<RankedTensorType>(sequence->front().getType()).getRank() + newAxis;
    auto normalized = normalizeAxis(axis, rank);
    if (failed(normalized)) {
      fail() << "axis " << axis << " is out of range for rank " << rank;
      return failure();
    }
    SmallVector<Value> pieces;
    for (Value v : *sequence)
      pieces.push_back(newAxis ? Value(UnsqueezeOp::create(
                                     builder, loc, v,
                                     builder.getDenseI64ArrayAttr(*normalized)))
                               : v);
    values[node.output(0)] = ConcatOp::create(
        builder, loc, pieces, builder.getI64IntegerAttr(*normalized));
    return success();
  }
  // SplitToSequence: pieces of the split sizes (default 1, each squeezed
  // unless keepdims), along a static axis.
  auto input = tensor(0);
  if (failed(input))
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  auto normalized = normalizeAxis(axis, type.getRank());
  if (failed(normalized) || type.isDynamicDim(*normalized)) {
    fail() << "needs a static axis " << axis << " of " << type;
    return failure();
  }
  int64_t length = type.getDimSize(*normalized);
  SmallVector<int64_t> sizes;
  bool defaultSplit = node.input_size() < 2 || node.input(1).empty();
  if (defaultSplit) {
    sizes.assign(length, 1);
  } else {
    auto split = lookup(node.input(1), &node);
    if (failed(split))
      return failure();
    std::optional<SmallVector<int64_t>> known = getKnownIntValues(*split);
    if (!known || llvm::any_of(*known, ShapedType::isDynamic)) {
      fail() << "split computed at run time is not supported";
      return failure();
    }
    if (cast<RankedTensorType>(split->getType()).getRank() == 0) {
      if ((*known)[0] <= 0) {
        fail() << "split " << (*known)[0] << " must be positive";
        return failure();
      }
      for (int64_t at = 0; at < length; at += (*known)[0])
        sizes.push_back(std::min((*known)[0], length - at));
    } else {
      sizes = *known;
      int64_t total = 0;
      for (int64_t size : sizes)
        total += size;
      if (llvm::any_of(sizes, [](int64_t s) { return s < 0; }) ||
          total != length) {
        fail() << "split sizes must be non-negative and add up to " << length;
        return failure();
      }
    }
  }
  bool squeeze = defaultSplit && intAttr("keepdims", 1) == 0;
  SmallVector<Value> pieces;
  int64_t start = 0;
  auto i64Vector = [&](int64_t v) -> Value {
    return ConstantOp::create(
        builder, loc,
        DenseIntElementsAttr::get(
            RankedTensorType::get({1}, builder.getI64Type()), v));
  };
  for (int64_t size : sizes) {
    Value piece = SliceOp::create(builder, loc, *input, i64Vector(start),
                                  i64Vector(start + size),
                                  i64Vector(*normalized), i64Vector(1));
    if (squeeze)
      piece = SqueezeOp::create(builder, loc, piece,
                                builder.getDenseI64ArrayAttr(*normalized));
    pieces.push_back(piece);
    start += size;
  }
  sequences[node.output(0)] = pieces;
  return success();
}

LogicalResult GraphImporter::importNode(onnx::NodeProto &node) {
  if ((node.domain().empty() || node.domain() == "ai.onnx") &&
      isCompileTimeControl(node.op_type())) {
    if (node.op_type() == "If")
      return importIf(node);
    if (node.op_type() == "Loop")
      return importLoop(node);
    return importSequenceOp(node);
  }
  SmallVector<Value> inputs;
  for (const std::string &name : node.input()) {
    if (name.empty()) {
      inputs.push_back(Value());
      continue;
    }
    auto value = lookup(name, &node);
    if (failed(value))
      return failure();
    inputs.push_back(*value);
  }
  Location loc =
      NameLoc::get(StringAttr::get(context, node.name()), fileLoc);
  NodeImporter importer(node, opset, inputs, builder, loc, tensors);
  const OpImporter &entry = getOpImporters().find(node.op_type())->second;
  if (failed(entry.fn(importer)))
    return failure();
  ArrayRef<Value> results = importer.getResults();
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty())
      continue;
    if (i >= static_cast<int>(results.size()) || !results[i]) {
      importer.emitError() << "output " << i << " ('" << node.output(i)
                           << "') is not supported";
      return failure();
    }
    values[node.output(i)] = results[i];
  }
  return success();
}

LogicalResult GraphImporter::importOutputs(func::FuncOp func) {
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto value = lookup(output.name(), nullptr);
    if (failed(value))
      return failure();
    auto computed = cast<RankedTensorType>(value->getType());
    if (output.type().has_tensor_type()) {
      const auto &declared = output.type().tensor_type();
      Type elementType = getElementType(context, declared.elem_type());
      if (declared.elem_type() != 0 && elementType != computed.getElementType()) {
        emitError() << "graph output '" << output.name()
                    << "' is declared as "
                    << getOnnxDataTypeName(declared.elem_type())
                    << " but the model computes " << computed;
        return failure();
      }
      if (declared.has_shape()) {
        const auto &dims = declared.shape().dim();
        bool consistent = dims.size() == computed.getRank();
        for (int d = 0; consistent && d < dims.size(); ++d)
          consistent = !dims[d].has_dim_value() ||
                       computed.isDynamicDim(d) ||
                       dims[d].dim_value() == computed.getDimSize(d);
        if (!consistent) {
          // onnxruntime merges the two leniently and runs the computation;
          // so does xfc, saying so.
          InFlightDiagnostic diag = mlir::emitWarning(fileLoc)
                                    << "'" << path << "': graph output '"
                                    << output.name()
                                    << "' is declared with shape [";
          llvm::interleaveComma(dims, diag, [&](const auto &dim) {
            if (dim.has_dim_value())
              diag << dim.dim_value();
            else
              diag << "?";
          });
          diag << "] but the model computes " << computed
               << "; the computed shape is used";
        }
      }
    }
    results.push_back(*value);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  func.setType(FunctionType::get(context, func.getArgumentTypes(),
                                 ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "xf.name", StringAttr::get(context, output.name()));
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  if (!model.has_graph()) {
    emitError() << "the model has no graph";
    return {};
  }
  nameNodes(graph, "");
  if (failed(readOpset()) || failed(checkSupported()))
    return {};
  SmallVector<onnx::NodeProto *> order;
  if (failed(sortNodes(graph, order)))
    return {};

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  module->getOperation()->setAttr("xf.source", StringAttr::get(context, path));
  module->getOperation()->setAttr(
      "xf.onnx_opset", IntegerAttr::get(IntegerType::get(context, 64), opset));
  if (!model.producer_name().empty()) {
    std::string producer = model.producer_name();
    if (!model.producer_version().empty())
      producer += " " + model.producer_version();
    module->getOperation()->setAttr("xf.onnx_producer",
                                    StringAttr::get(context, producer));
  }

  for (onnx::TensorProto &init : *graph.mutable_initializer())
    initializers[init.name()] = &init;

  // Graph inputs that are also initializers (IR version < 4) are constants.
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  SmallVector<ArrayAttr> argDimNames;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initializers.count(input.name()))
      continue;
    auto type = getInputType(input);
    if (failed(type))
      return {};
    argTypes.push_back(*type);
    argNames.push_back(input.name());
    argDimNames.push_back(getDimNames(input, *type));
  }
  for (const auto &entry : options.inputShapes) {
    if (!llvm::is_contained(argNames, entry.getKey().str())) {
      InFlightDiagnostic diag = emitError();
      diag << "--input-shape names '" << entry.getKey()
           << "', which is not an input of the model (inputs:";
      for (const std::string &name : argNames)
        diag << " " << name;
      diag << ")";
      return {};
    }
  }

  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(builder, fileLoc, options.functionName,
                                   builder.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(argNames)) {
    values[name] = body->getArgument(i);
    func.setArgAttr(i, "xf.name", StringAttr::get(context, name));
  }
  // One list per argument, on the function so that signatures stay short.
  if (llvm::any_of(argDimNames, [](ArrayAttr a) { return bool(a); })) {
    SmallVector<Attribute> all;
    for (ArrayAttr names : argDimNames)
      all.push_back(names ? names : ArrayAttr::get(context, {}));
    func->setAttr("xf.input_dim_names", ArrayAttr::get(context, all));
  }
  // Initializers become constants where first used, so the function reads
  // top to bottom in the graph's (sorted) order.
  builder.setInsertionPointToEnd(body);
  for (onnx::NodeProto *node : order)
    if (failed(importNode(*node)))
      return {};
  if (failed(importOutputs(func)))
    return {};

  // Ops that folding made unused (constants, shape computations).
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
    if (isOpTriviallyDead(&op))
      op.erase();
  if (failed(mlir::verify(*module)))
    return {};
  return module;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

namespace mlir::xf {
LogicalResult parseOnnxModel(StringRef contents, StringRef path,
                             onnx::ModelProto &model, Location loc);
} // namespace mlir::xf

OwningOpRef<ModuleOp> xf::importOnnxModel(StringRef contents, StringRef path,
                                          MLIRContext *context,
                                          const OnnxImportOptions &options) {
  context->loadDialect<XFDialect, func::FuncDialect>();
  onnx::ModelProto model;
  if (failed(parseOnnxModel(contents, path, model,
                            FileLineColLoc::get(context, path, 0, 0))))
    return {};
  return GraphImporter(model, path, context, options).run();
}

void xf::registerOnnxImportDialects(DialectRegistry &registry) {
  registry.insert<XFDialect, func::FuncDialect>();
}

LogicalResult xf::parseInputShape(StringRef spec, OnnxImportOptions &options,
                                  std::string &error) {
  auto [name, dims] = spec.rsplit(':');
  if (name.empty() || dims.data() == nullptr || name == spec) {
    error = "--input-shape expects NAME:DIMS (for example input_ids:1x128), "
            "got '" + spec.str() + "'";
    return failure();
  }
  SmallVector<int64_t> shape;
  SmallVector<StringRef> parts;
  if (!dims.empty())
    dims.split(parts, 'x');
  for (StringRef part : parts) {
    int64_t dim;
    if (part == "?") {
      shape.push_back(ShapedType::kDynamic);
    } else if (part.getAsInteger(10, dim) || dim < 0) {
      error = "--input-shape: '" + part.str() + "' in '" + spec.str() +
              "' is not a dimension (a non-negative integer or ?)";
      return failure();
    } else {
      shape.push_back(dim);
    }
  }
  if (!options.inputShapes.try_emplace(name, shape).second) {
    error = "--input-shape gives the shape of '" + name.str() + "' twice";
    return failure();
  }
  return success();
}
