//===- TensorImport.h - ONNX tensors to attributes --------------*- C++ -*-===//

#ifndef XF_FRONTENDS_ONNX_TENSORIMPORT_H
#define XF_FRONTENDS_ONNX_TENSORIMPORT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <onnx/onnx_pb.h>

namespace mlir::xf {

/// The MLIR element type of an ONNX TensorProto data type, or null for types
/// xfc does not support (strings, complex numbers, 4-bit and 8-bit floats).
Type getElementType(MLIRContext *context, int32_t onnxDataType);

/// The name of an ONNX data type, for messages.
std::string getOnnxDataTypeName(int32_t onnxDataType);

/// Turns ONNX tensors into attributes: small ones into `dense` attributes,
/// weights into `dense_resource` blobs that share memory with the model
/// (external data files are memory-mapped once, not copied).
class TensorImporter {
public:
  TensorImporter(MLIRContext *context, StringRef modelPath)
      : context(context), modelPath(modelPath) {}

  /// Imports `tensor`, whose raw data may be moved out. Reports errors
  /// (naming `what`) through `error` and returns null.
  ElementsAttr importTensor(onnx::TensorProto &tensor, StringRef what,
                            std::string &error);

  /// Imports a sparse tensor as a dense one.
  ElementsAttr importSparseTensor(onnx::SparseTensorProto &tensor,
                                  StringRef what, std::string &error);

private:
  /// The bytes of `tensor`, whose type is `type`, in ONNX's raw layout;
  /// `owner` keeps them alive. Raw data may be moved out of `tensor`.
  FailureOr<ArrayRef<char>> getBytes(onnx::TensorProto &tensor,
                                     RankedTensorType type,
                                     std::shared_ptr<void> &owner,
                                     std::string &error);
  FailureOr<ArrayRef<char>> getExternalData(const onnx::TensorProto &tensor,
                                            int64_t expectedBytes,
                                            std::shared_ptr<llvm::MemoryBuffer> &owner,
                                            std::string &error);

  MLIRContext *context;
  std::string modelPath;
  llvm::StringMap<std::shared_ptr<llvm::MemoryBuffer>> externalFiles;
};

} // namespace mlir::xf

#endif // XF_FRONTENDS_ONNX_TENSORIMPORT_H
