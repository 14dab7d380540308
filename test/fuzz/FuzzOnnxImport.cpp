//===- FuzzOnnxImport.cpp - libFuzzer target: the ONNX importer -----------===//
//
// Imports every input as an ONNX model, binary protobuf or ONNX text syntax
// as XF_FUZZ_MODEL_PATH's extension says, and verifies what comes out. Every
// input must end in a module that verifies or in diagnostics; a crash, a
// sanitizer report, an uncaught exception or a hang is a bug.
//
//===----------------------------------------------------------------------===//

#include "frontends/onnx/ONNXImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstddef>
#include <cstdint>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static DialectRegistry *registry = [] {
    auto *registry = new DialectRegistry();
    xf::registerOnnxImportDialects(*registry);
    return registry;
  }();
  // A context per input: attributes interned by one input must not make
  // the next one slower or look like a leak.
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  context.loadAllAvailableDialects();
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) {
    return success();
  });
  xf::OnnxImportOptions options;
  // External data resolves against the directory of this (nonexistent)
  // path: the current directory of the fuzzer.
  OwningOpRef<ModuleOp> module = xf::importOnnxModel(
      StringRef(reinterpret_cast<const char *>(data), size),
      XF_FUZZ_MODEL_PATH, &context, options);
  if (module && failed(verify(*module)))
    __builtin_trap(); // The importer returned IR that does not verify.
  return 0;
}
