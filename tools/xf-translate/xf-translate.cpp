//===- xf-translate.cpp - Translations into and out of xf -----------------===//
//
// `xf-translate --import-onnx model.onnx` imports an ONNX model (binary or
// text syntax) as xf IR, without any optimization.
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/ONNXImporter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

static llvm::cl::list<std::string> inputShapes(
    "input-shape",
    llvm::cl::desc("Set the shape of a graph input, as NAME:1x128 (? keeps a "
                   "dimension dynamic); repeatable"),
    llvm::cl::value_desc("NAME:DIMS"));

static void registerOnnxImport() {
  TranslateToMLIRRegistration importOnnx(
      "import-onnx", "Import an ONNX model (binary or text) as xf IR",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        xf::OnnxImportOptions options;
        for (const std::string &spec : inputShapes) {
          std::string error;
          if (failed(xf::parseInputShape(spec, options, error))) {
            emitError(UnknownLoc::get(context)) << error;
            return nullptr;
          }
        }
        OwningOpRef<ModuleOp> module = xf::importOnnxModel(
            buffer->getBuffer(), buffer->getBufferIdentifier(), context,
            options);
        if (!module)
          return nullptr;
        return OwningOpRef<Operation *>(module.release());
      },
      xf::registerOnnxImportDialects);
}

int main(int argc, char **argv) {
  registerOnnxImport();
  return failed(mlirTranslateMain(argc, argv, "xfc translation driver"));
}
