//===- ONNXImporter.h - ONNX to xf import -----------------------*- C++ -*-===//
//
// The entry points of the ONNX frontend: read a model (binary protobuf or
// ONNX text syntax) and import its main graph as one `func.func` of xf ops.
//
//===----------------------------------------------------------------------===//

#ifndef XF_FRONTENDS_ONNX_ONNXIMPORTER_H
#define XF_FRONTENDS_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::xf {

struct OnnxImportOptions {
  /// Shapes that replace the declared shape of named graph inputs;
  /// ShapedType::kDynamic keeps the declared dimension (static or not).
  llvm::StringMap<SmallVector<int64_t>> inputShapes;
  /// Name of the function the main graph becomes.
  std::string functionName = "main";
};

/// Parses one `--input-shape` value, `NAME:1x128` (`?` for a dimension left
/// as declared, an empty list for a scalar), into `options`; naming an input
/// twice is an error.
LogicalResult parseInputShape(StringRef spec, OnnxImportOptions &options,
                              std::string &error);

/// Imports the model held in `contents`, which was read from `path` (used to
/// find external data and in messages). The format is ONNX text syntax when
/// `path` ends in `.onnxtxt` or the contents start with `<`, binary protobuf
/// otherwise. Emits diagnostics and returns null on failure.
OwningOpRef<ModuleOp> importOnnxModel(StringRef contents, StringRef path,
                                      MLIRContext *context,
                                      const OnnxImportOptions &options);

/// Reads `path` and imports it; a missing or unreadable file is an error.
OwningOpRef<ModuleOp> importOnnxFile(StringRef path, MLIRContext *context,
                                     const OnnxImportOptions &options);

/// Registers the dialects the imported IR uses.
void registerOnnxImportDialects(DialectRegistry &registry);

} // namespace mlir::xf

#endif // XF_FRONTENDS_ONNX_ONNXIMPORTER_H
