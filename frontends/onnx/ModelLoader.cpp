//===- ModelLoader.cpp - Reading ONNX model files -------------------------===//

#include "frontends/onnx/ONNXImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/MemoryBuffer.h"

#include <google/protobuf/io/coded_stream.h>
#include <onnx/defs/parser.h>
#include <onnx/onnx_pb.h>

using namespace mlir;
using namespace mlir::xf;

namespace mlir::xf {
LogicalResult parseOnnxModel(StringRef contents, StringRef path,
                             onnx::ModelProto &model, Location loc);
} // namespace mlir::xf

/// ONNX text syntax starts with the `<...>` model header, possibly after
/// `#` comment lines. A binary ModelProto cannot start with either: `<` and
/// `#` would be the tags of a group field (wire types 4 and 3).
static bool isOnnxText(StringRef contents, StringRef path) {
  if (path.ends_with(".onnxtxt"))
    return true;
  StringRef rest = contents.ltrim();
  while (rest.starts_with("#"))
    rest = rest.drop_until([](char c) { return c == '\n'; }).ltrim();
  return rest.starts_with("<");
}

LogicalResult xf::parseOnnxModel(StringRef contents, StringRef path,
                                 onnx::ModelProto &model, Location loc) {
  if (contents.empty())
    return emitError(loc) << "'" << path << "' is empty, not an ONNX model";
  if (isOnnxText(contents, path)) {
    std::string text = contents.str();
    std::string message;
    // ONNX's parser reports most errors in its status but throws for some
    // (a number that does not parse): both are the same refusal.
    try {
      onnx::OnnxParser parser(text.c_str());
      auto status = parser.Parse(model);
      if (!status.IsOK())
        message = status.ErrorMessage();
    } catch (const std::exception &error) {
      message = error.what();
    }
    if (!message.empty())
      return emitError(loc) << "'" << path << "' is not valid ONNX text: "
                            << message;
    return success();
  }
  if (contents.size() > static_cast<size_t>(INT_MAX))
    return emitError(loc) << "'" << path
                          << "' is larger than 2 GiB; store its weights as "
                             "ONNX external data";
  google::protobuf::io::CodedInputStream stream(
      reinterpret_cast<const uint8_t *>(contents.data()),
      static_cast<int>(contents.size()));
  stream.SetTotalBytesLimit(INT_MAX);
  if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
    return emitError(loc) << "'" << path
                          << "' is not a valid ONNX model (the protobuf is "
                             "truncated or corrupted)";
  if (model.ir_version() <= 0 || !model.has_graph())
    return emitError(loc) << "'" << path
                          << "' is not an ONNX model (it has no IR version or "
                             "no graph)";
  return success();
}

OwningOpRef<ModuleOp> xf::importOnnxFile(StringRef path, MLIRContext *context,
                                         const OnnxImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(FileLineColLoc::get(context, path, 0, 0))
        << "cannot read '" << path << "': " << buffer.getError().message();
    return {};
  }
  return importOnnxModel((*buffer)->getBuffer(), path, context, options);
}
