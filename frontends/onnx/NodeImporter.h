//===- NodeImporter.h - Importing one ONNX node -----------------*- C++ -*-===//
//
// The interface between the graph importer and the per-op-family import
// functions: attribute access, operand lookup, op creation with verification
// and folding, and errors that name the node.
//
//===----------------------------------------------------------------------===//

#ifndef XF_FRONTENDS_ONNX_NODEIMPORTER_H
#define XF_FRONTENDS_ONNX_NODEIMPORTER_H

#include "dialects/xf/XFOps.h"
#include "frontends/onnx/TensorImport.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

namespace mlir::xf {

class NodeImporter {
public:
  NodeImporter(onnx::NodeProto &node, int64_t opset, ArrayRef<Value> inputs,
               OpBuilder &builder, Location loc, TensorImporter &tensors)
      : node(node), opset(opset), inputs(inputs), builder(builder), loc(loc),
        tensors(tensors) {}

  const onnx::NodeProto &getNode() const { return node; }
  StringRef getOpType() const { return node.op_type(); }
  int64_t getOpset() const { return opset; }
  Location getLoc() const { return loc; }
  OpBuilder &getBuilder() { return builder; }
  MLIRContext *getContext() { return builder.getContext(); }

  /// Operand `i`, or null when absent (past the end or an empty name).
  Value input(unsigned i) const { return i < inputs.size() ? inputs[i] : Value(); }
  unsigned numInputs() const { return inputs.size(); }
  unsigned numOutputs() const { return node.output_size(); }
  /// Whether output `i` is consumed (has a non-empty name).
  bool hasOutput(unsigned i) const {
    return static_cast<int>(i) < node.output_size() && !node.output(i).empty();
  }

  /// Operand `i`, with an error when it is missing.
  FailureOr<Value> requiredInput(unsigned i);

  // Attributes.
  bool hasAttr(StringRef name) const { return findAttr(name) != nullptr; }
  int64_t getInt(StringRef name, int64_t defaultValue) const;
  float getFloat(StringRef name, float defaultValue) const;
  std::string getString(StringRef name, StringRef defaultValue) const;
  std::optional<SmallVector<int64_t>> getInts(StringRef name) const;
  const onnx::AttributeProto *findAttr(StringRef name) const;
  onnx::AttributeProto *findMutableAttr(StringRef name);
  TensorImporter &getTensorImporter() { return tensors; }

  /// For an operand that was attribute `name` before opset `since` and is
  /// input `index` from then on: an error when the node uses the form the
  /// model's opset does not have, which would otherwise be ignored.
  LogicalResult checkAttrOrInput(StringRef name, unsigned index, int64_t since);

  /// The integer attribute `name` (default `defaultValue`) as an axis of a
  /// tensor of rank `rank`, normalized into [0, rank), or an error.
  FailureOr<int64_t> getAxis(StringRef name, int64_t defaultValue,
                             int64_t rank);
  /// `axis` normalized into [0, rank), or an error.
  FailureOr<int64_t> normalizeAxisOf(int64_t axis, int64_t rank);

  /// The values of a constant integer operand, or an error naming `what`.
  FailureOr<SmallVector<int64_t>> getConstantInts(Value value, StringRef what);

  /// Creates an op, verifies it, and folds it when it can be. A verification
  /// failure is reported as an error of this node.
  template <typename OpTy, typename... Args>
  FailureOr<Value> create(Args &&...args) {
    auto op = OpTy::create(builder, loc, std::forward<Args>(args)...);
    return finish(op.getOperation());
  }

  /// A 1-D i64 constant.
  Value constI64(ArrayRef<int64_t> values);
  /// A 0-D constant of `elementType`.
  Value scalar(Type elementType, double value);

  /// Records output `i` of the node.
  void setResult(unsigned i, Value value) {
    if (results.size() <= i)
      results.resize(i + 1);
    results[i] = value;
  }
  /// Records an op's result as output 0, or passes its failure on.
  LogicalResult setResult(FailureOr<Value> result) {
    if (failed(result))
      return failure();
    setResult(0, *result);
    return success();
  }
  ArrayRef<Value> getResults() const { return results; }

  /// An error that names the node; import stops after it.
  InFlightDiagnostic emitError();
  /// A warning that names the node: for models that onnxruntime accepts
  /// although they bend the specification.
  InFlightDiagnostic emitWarning();

  /// Verifies and folds a freshly created single-result op; returns its
  /// (possibly folded) result.
  FailureOr<Value> finish(Operation *op);

private:
  onnx::NodeProto &node;
  int64_t opset;
  ArrayRef<Value> inputs;
  OpBuilder &builder;
  Location loc;
  TensorImporter &tensors;
  SmallVector<Value> results;
};

/// Builds a node that the importer expresses by several xf ops, without a
/// failure check after each: once an op fails (its error already reported
/// by NodeImporter::create), every later call returns null and `failed()`
/// is true, so operands are never null while it succeeds.
class Expansion {
public:
  explicit Expansion(NodeImporter &n) : n(n) {}

  template <typename OpTy, typename... Args>
  Value create(Args &&...args) {
    if (hasFailed)
      return {};
    FailureOr<Value> result = n.create<OpTy>(std::forward<Args>(args)...);
    if (::mlir::failed(result)) {
      hasFailed = true;
      return {};
    }
    return *result;
  }

  /// A 0-D constant of `like`'s element type.
  Value scalarLike(Value like, double value);
  /// A 1-D i64 constant.
  Value constI64(ArrayRef<int64_t> values) { return n.constI64(values); }
  /// A 0-D i64 constant.
  Value scalarI64(int64_t value) {
    return n.scalar(n.getBuilder().getI64Type(), value);
  }
  /// range(0, size of `x` along `axis`, 1): the positions along an axis.
  Value positions(Value x, int64_t axis);
  /// Dimensions [begin, end) of `x`'s shape as a 1-D i64 tensor (a
  /// constant when they are static).
  Value dims(Value x, int64_t begin, int64_t end);
  /// `x` reshaped to the concatenation of `parts` (1-D i64 tensors).
  Value reshape(Value x, ArrayRef<Value> parts);

  bool failed() const { return hasFailed; }
  /// Records `value` as output `i` of the node.
  void setResult(unsigned i, Value value) {
    if (!hasFailed)
      n.setResult(i, value);
  }
  LogicalResult status() const { return failure(hasFailed); }

private:
  NodeImporter &n;
  bool hasFailed = false;
};

/// log(softmax(x)) over `axis` (LogSoftmax, and the losses built on it).
Value buildLogSoftmax(Expansion &e, Value x, int64_t axis);

/// Imports one node; returns failure after reporting an error.
using OpImportFn = LogicalResult (*)(NodeImporter &);

struct OpImporter {
  OpImporter() = default;
  OpImporter(OpImportFn fn, int64_t sinceVersion)
      : OpImporter(fn, sinceVersion, sinceVersion) {}
  OpImporter(OpImportFn fn, int64_t sinceVersion, int64_t acceptedSince)
      : fn(fn), sinceVersion(sinceVersion), acceptedSince(acceptedSince) {}

  OpImportFn fn = nullptr;
  /// The first opset of the default domain in which the op exists.
  int64_t sinceVersion = 1;
  /// The first opset the importer accepts it in: below sinceVersion where
  /// onnxruntime runs the op in older models too (with a warning).
  int64_t acceptedSince = 1;
};

using OpImporterTable = llvm::StringMap<OpImporter>;

void addElementwiseImporters(OpImporterTable &table);
void addMathImporters(OpImporterTable &table);
void addTensorImporters(OpImporterTable &table);
void addIndexingImporters(OpImporterTable &table);
void addActivationImporters(OpImporterTable &table);
void addLossImporters(OpImporterTable &table);
void addAttentionImporters(OpImporterTable &table);
void addEinsumImporter(OpImporterTable &table);

/// The table of every supported op of the default ONNX domain.
const OpImporterTable &getOpImporters();

/// How many inputs and outputs a node of the default domain may have, from
/// ONNX's operator schema at `opset` (max is INT_MAX for a variadic end);
/// nullopt for an operator ONNX does not define, or for an opset newer than
/// the libonnx xfc was built with knows.
struct OperatorArity {
  int minInputs, maxInputs, minOutputs, maxOutputs;
};
std::optional<OperatorArity> getOperatorArity(StringRef opType, int64_t opset);

} // namespace mlir::xf

#endif // XF_FRONTENDS_ONNX_NODEIMPORTER_H
