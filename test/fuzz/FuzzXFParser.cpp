//===- FuzzXFParser.cpp - libFuzzer target: parsing the xf dialect --------===//
//
// Parses every input as MLIR with the xf dialect (and the builtin, func and
// arith dialects that xf-opt's tests use around it), verifies it and prints
// it again: xf's parsers, verifiers, shape inference and printers must
// refuse bad IR with diagnostics, never crash.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static DialectRegistry *registry = [] {
    auto *registry = new DialectRegistry();
    registry->insert<xf::XFDialect, func::FuncDialect, arith::ArithDialect>();
    return registry;
  }();
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  context.loadAllAvailableDialects();
  // Unregistered dialects would let anything parse, and test nothing of xf.
  context.allowUnregisteredDialects(false);
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) {
    return success();
  });
  // MLIR's lexer stops at the NUL that ends its buffer, as files read by
  // xf-opt have one; std::string provides it.
  std::string source(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  if (!module || failed(verify(*module)))
    return 0;
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  // What was printed must parse back.
  if (!parseSourceString<ModuleOp>(text, &context))
    __builtin_trap();
  return 0;
}
