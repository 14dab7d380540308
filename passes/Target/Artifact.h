//===- Artifact.h - Writing .xfm artifacts ----------------------*- C++ -*-===//

#ifndef XF_PASSES_TARGET_ARTIFACT_H
#define XF_PASSES_TARGET_ARTIFACT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::xf {

/// One input or output as the manifest describes it.
struct TensorSignature {
  std::string name;
  std::string dtype;
  /// -1 for dynamic dimensions.
  std::vector<int64_t> shape;
  /// The model's names of dynamic dimensions ("" when unnamed).
  std::vector<std::string> dimNames;
  /// Allowed values of an integer input used as gather indices: [lo, hi).
  std::optional<std::pair<int64_t, int64_t>> valueRange;
};

/// An upper bound of a named dynamic dimension, and what implies it.
struct DimBound {
  int64_t value;
  std::string origin;
};

struct ModelSignature {
  std::vector<TensorSignature> inputs, outputs;
  /// Bounds the model implies (`xf.dim_bounds`, see xf-derive-dim-bounds).
  std::map<std::string, DimBound> dimBounds;
};

/// Reads the signature of an xf entry function: names from the `xf.name`
/// argument and result attributes, dimension names from `xf.dim_names`,
/// index value ranges from the gathers that read an input, and the bounds of
/// dimensions from the function's `xf.dim_bounds`.
FailureOr<ModelSignature> getModelSignature(func::FuncOp func,
                                            std::string &error);

llvm::json::Array toJSON(const std::vector<TensorSignature> &tensors);

/// Writes an artifact: header, `manifest` (completed with the code checksum
/// and the weights size), the shared object `code`, and the weights listed in
/// the module's `xf.weights` attribute, each at its offset.
LogicalResult writeArtifact(StringRef path, llvm::json::Object manifest,
                            StringRef code, ModuleOp module,
                            std::string &error);

} // namespace mlir::xf

#endif // XF_PASSES_TARGET_ARTIFACT_H
