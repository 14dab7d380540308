//===- xf-opt.cpp - The xfc optimizer driver ------------------------------===//
//
// MlirOptMain with the xf dialect, every xfc pass, and the upstream dialects,
// extensions and passes of MLIR, so that lit tests can drive any stage of
// the pipeline pass by pass.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFDialect.h"
#include "passes/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::xf::XFDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllPasses();
  mlir::xf::registerXFPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "xfc optimizer driver\n", registry));
}
