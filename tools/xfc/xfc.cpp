//===- xfc.cpp - The xfc compiler driver ----------------------------------===//
//
// xfc MODEL.onnx [--emit=STAGE] [--input-shape NAME:DIMS] [-o FILE]
//
// Every stage of the pipeline is a point where the IR can be printed, so a
// user can stop anywhere and read it.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFDialect.h"
#include "frontends/onnx/ONNXImporter.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum class Stage { Import, XF };
} // namespace

static cl::OptionCategory xfcCategory("xfc options");

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<model.onnx>"), cl::Required,
                                      cl::cat(xfcCategory));
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("file"), cl::init("-"),
                                       cl::cat(xfcCategory));
static cl::opt<Stage> emitStage(
    "emit", cl::desc("The pipeline stage to stop at and print"),
    cl::values(clEnumValN(Stage::Import, "import",
                          "xf IR as imported, before any optimization"),
               clEnumValN(Stage::XF, "xf",
                          "xf IR after the graph optimizations of -O")),
    cl::init(Stage::XF), cl::cat(xfcCategory));
static cl::opt<unsigned> optLevel(
    "O", cl::desc("Optimization level: 0 runs no graph optimization, 2 "
                  "(the default) runs them all"),
    cl::Prefix, cl::init(2), cl::cat(xfcCategory));
static cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Set the shape of a graph input, as NAME:1x128 (? keeps a "
             "dimension dynamic); repeatable"),
    cl::value_desc("NAME:DIMS"), cl::cat(xfcCategory));
static cl::opt<bool> printWeights(
    "print-weights",
    cl::desc("Print weight blobs in full instead of eliding them"),
    cl::init(false), cl::cat(xfcCategory));
static cl::opt<bool> printIRAfterAll(
    "print-ir-after-all", cl::desc("Print the IR after every pass"),
    cl::init(false), cl::cat(xfcCategory));
static cl::opt<bool> passStatistics(
    "pass-stats", cl::desc("Print what each pass did (pass statistics)"),
    cl::init(false), cl::cat(xfcCategory));
static cl::opt<bool> timePasses("time-phases",
                                cl::desc("Time each compilation phase"),
                                cl::init(false), cl::cat(xfcCategory));

/// The graph optimizations of an optimization level.
static void buildGraphPipeline(OpPassManager &pm, unsigned level) {
  if (level == 0)
    return;
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  funcPm.addPass(createCanonicalizerPass());
  funcPm.addPass(xf::createXFInferShapes());
  funcPm.addPass(createCanonicalizerPass());
  funcPm.addPass(createCSEPass());
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(xfcCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "xfc: compiles ONNX transformer models\n\n"
      "  xfc model.onnx --emit=xf --input-shape input_ids:1x128\n");

  DialectRegistry registry;
  xf::registerOnnxImportDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  xf::OnnxImportOptions options;
  for (const std::string &spec : inputShapes) {
    std::string error;
    if (failed(xf::parseInputShape(spec, options, error))) {
      llvm::errs() << "xfc: error: " << error << "\n";
      return 1;
    }
  }
  OwningOpRef<ModuleOp> module =
      xf::importOnnxFile(inputFile, &context, options);
  if (!module)
    return 1;

  if (emitStage != Stage::Import) {
    PassManager pm(&context);
    if (printIRAfterAll) {
      context.disableMultithreading();
      pm.enableIRPrinting(
          /*shouldPrintBeforePass=*/[](Pass *, Operation *) { return false; },
          /*shouldPrintAfterPass=*/[](Pass *, Operation *) { return true; },
          /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
          /*printAfterOnlyOnFailure=*/false, llvm::errs(),
          OpPrintingFlags().elideLargeElementsAttrs(16).elideLargeResourceString(64));
    }
    if (passStatistics)
      pm.enableStatistics();
    if (timePasses)
      pm.enableTiming();
    buildGraphPipeline(pm, optLevel);
    if (failed(pm.run(*module)))
      return 1;
  }

  std::string error;
  auto output = openOutputFile(outputFile, &error);
  if (!output) {
    llvm::errs() << "xfc: error: " << error << "\n";
    return 1;
  }
  OpPrintingFlags flags;
  if (!printWeights)
    flags.elideLargeElementsAttrs(16).elideLargeResourceString(64);
  module->print(output->os(), flags);
  output->os() << "\n";
  output->keep();
  return 0;
}
