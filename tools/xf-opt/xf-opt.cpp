//===- xf-opt.cpp - The xfc optimizer driver ------------------------------===//
//
// MlirOptMain with the xf dialect, every xfc pass and the upstream dialects
// and passes xfc uses: the tool lit tests drive pass by pass.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::xf::XFDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
  mlir::registerTransformsPasses();
  mlir::xf::registerXFPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "xfc optimizer driver\n", registry));
}
