//===- xfc.cpp - The xfc compiler driver ----------------------------------===//
//
// xfc MODEL.onnx [-o MODEL.xfm] [--emit=STAGE] [--input-shape NAME:DIMS]
//
// Compiles an ONNX model into an artifact the runtime loads. Every stage of
// the pipeline is a point where the IR can be printed instead, so a user can
// stop anywhere and read it.
//
//===----------------------------------------------------------------------===//

#include "dialects/xf/XFDialect.h"
#include "frontends/onnx/ONNXImporter.h"
#include "passes/Passes.h"
#include "passes/Pipelines/PassReport.h"
#include "passes/Pipelines/Pipelines.h"
#include "passes/Target/Artifact.h"
#include "passes/Target/CPU/SharedObject.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

#include <chrono>

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum class Stage { Import, XF, Linalg, LLVMDialect, Artifact };
} // namespace

static cl::OptionCategory xfcCategory("xfc options");

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<model.onnx>"), cl::Required,
                                      cl::cat(xfcCategory));
static cl::opt<std::string> outputFile(
    "o", cl::desc("Output file (default: MODEL.xfm for artifacts, standard "
                  "output for IR)"),
    cl::value_desc("file"), cl::cat(xfcCategory));
static cl::opt<Stage> emitStage(
    "emit", cl::desc("The pipeline stage to stop at"),
    cl::values(
        clEnumValN(Stage::Import, "import",
                   "xf IR as imported, before any optimization"),
        clEnumValN(Stage::XF, "xf",
                   "xf IR after the graph optimizations of -O"),
        clEnumValN(Stage::Linalg, "linalg",
                   "after weight externalization and convert-xf-to-linalg"),
        clEnumValN(Stage::LLVMDialect, "llvm",
                   "the LLVM dialect, before translation to LLVM IR"),
        clEnumValN(Stage::Artifact, "artifact",
                   "the compiled artifact (.xfm) for the runtime")),
    cl::init(Stage::Artifact), cl::cat(xfcCategory));
static cl::opt<unsigned> optLevel(
    "O", cl::desc("Optimization level: 0 runs no graph optimization, 2 "
                  "(the default) runs them all"),
    cl::Prefix, cl::init(2), cl::cat(xfcCategory));
static cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Set the shape of a graph input, as NAME:1x128 (? keeps a "
             "dimension dynamic); repeatable"),
    cl::value_desc("NAME:DIMS"), cl::cat(xfcCategory));
static cl::list<std::string> dimBounds(
    "max-dim",
    cl::desc("Upper bound of a named dynamic dimension, as NAME=N (for "
             "example sequence=512); the runtime rejects larger inputs"),
    cl::value_desc("NAME=N"), cl::cat(xfcCategory));
static cl::opt<std::string> targetCPU(
    "cpu", cl::desc("The CPU to generate code for (default: this machine's)"),
    cl::init("host"), cl::cat(xfcCategory));
static cl::opt<std::string> targetFeatures(
    "cpu-features",
    cl::desc("Extra CPU features, in LLVM's form (+avx2,-avx512f)"),
    cl::init(""), cl::cat(xfcCategory));
static cl::opt<std::string> sanitize(
    "sanitize",
    cl::desc("Instrument the generated code with a sanitizer: 'address' "
             "(AddressSanitizer; the artifact then runs only in a process "
             "built with it, as the sanitizer build's xf-run)"),
    cl::value_desc("address"), cl::init(""), cl::cat(xfcCategory));
static cl::opt<bool> noRunTimeChecks(
    "no-run-time-checks",
    cl::desc("Leave out the run-time checks of dynamic sizes and computed "
             "indices, to measure their cost (unsafe: such code may read out "
             "of bounds on inputs the checks would refuse)"),
    cl::init(false), cl::Hidden, cl::cat(xfcCategory));
static cl::opt<bool> printWeights(
    "print-weights",
    cl::desc("Print weight blobs in full instead of eliding them"),
    cl::init(false), cl::cat(xfcCategory));
static cl::opt<bool> printIRAfterAll(
    "print-ir-after-all", cl::desc("Print the IR after every pass"),
    cl::init(false), cl::cat(xfcCategory));
static cl::list<std::string> printIRAfter(
    "print-ir-after",
    cl::desc("Print the IR after the named pass (its flag, e.g. "
             "xf-fuse-gelu); repeatable"),
    cl::value_desc("PASS"), cl::cat(xfcCategory));
static cl::opt<std::string> printIRDir(
    "print-ir-dir",
    cl::desc("With --print-ir-after(-all): write NN-<pass>.mlir files to "
             "this directory instead of standard error"),
    cl::value_desc("DIR"), cl::cat(xfcCategory));
static cl::opt<bool> passStatistics(
    "pass-stats",
    cl::desc("Print what each pass did: the ops it created and removed"),
    cl::init(false), cl::cat(xfcCategory));
static cl::opt<bool> explainAttention(
    "explain-attention",
    cl::desc("Say why each head merge that xf-fuse-attention left unfused "
             "was not fused (a remark per head merge)"),
    cl::init(false), cl::cat(xfcCategory));
static cl::opt<bool> timePhases("time-phases",
                                cl::desc("Time each compilation phase"),
                                cl::init(false), cl::cat(xfcCategory));

static int fail(const Twine &message) {
  llvm::errs() << "xfc: error: " << message << "\n";
  return 1;
}

static void configure(PassManager &pm) {
  if (printIRAfterAll || !printIRAfter.empty()) {
    // Passes on functions run in parallel otherwise; dumps must be ordered.
    pm.getContext()->disableMultithreading();
    std::vector<std::string> passes;
    if (!printIRAfterAll)
      passes.assign(printIRAfter.begin(), printIRAfter.end());
    pm.addInstrumentation(std::make_unique<xf::IRDump>(
        std::move(passes), printIRDir.getValue(), llvm::errs()));
  }
  if (passStatistics) {
    pm.getContext()->disableMultithreading();
    pm.addInstrumentation(std::make_unique<xf::OpCountReport>(llvm::errs()));
  }
  if (timePhases)
    pm.enableTiming();
}

static int printModule(ModuleOp module) {
  std::string error;
  auto output = openOutputFile(outputFile.empty() ? std::string("-") : outputFile.getValue(), &error);
  if (!output)
    return fail(error);
  OpPrintingFlags flags;
  if (!printWeights)
    flags.elideLargeElementsAttrs(16).elideLargeResourceString(64);
  module->print(output->os(), flags);
  output->os() << "\n";
  output->keep();
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(xfcCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "xfc: compiles ONNX transformer models\n\n"
      "  xfc model.onnx -o model.xfm\n"
      "  xfc model.onnx --emit=xf --input-shape input_ids:1x128\n");
  // lld resets every command-line option when it finishes linking: keep
  // what the code below needs after that.
  const std::string input = inputFile, output = outputFile;
  const bool reportTime = timePhases;
  const unsigned level = optLevel;

  // The code generation pipeline is parsed from text: register its passes.
  registerAllPasses();
  xf::registerXFPasses();
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  xf::registerOnnxImportDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  xf::OnnxImportOptions options;
  for (const std::string &spec : inputShapes) {
    std::string error;
    if (failed(xf::parseInputShape(spec, options, error)))
      return fail(error);
  }
  llvm::json::Object bounds;
  for (const std::string &spec : dimBounds) {
    auto [name, value] = StringRef(spec).split('=');
    int64_t bound;
    // Bounds live in the manifest's JSON numbers: exact up to 2^53.
    if (name.empty() || value.getAsInteger(10, bound) || bound < 0 ||
        bound > (int64_t(1) << 53))
      return fail("--max-dim expects NAME=N (for example sequence=512), got '" +
                  spec + "'");
    bounds[name] = bound;
  }

  auto start = std::chrono::steady_clock::now();
  OwningOpRef<ModuleOp> module =
      xf::importOnnxFile(inputFile, &context, options);
  if (!module)
    return 1;
  if (emitStage == Stage::Import)
    return printModule(*module);

  PassManager graphPm(&context);
  configure(graphPm);
  xf::buildGraphOptimizationPipeline(graphPm, optLevel, explainAttention);
  if (failed(graphPm.run(*module)))
    return 1;
  if (emitStage == Stage::XF)
    return printModule(*module);

  auto func = module->lookupSymbol<func::FuncOp>("main");
  if (!func)
    return fail("the module has no main function");
  std::string error;
  auto signature = xf::getModelSignature(func, error);
  if (failed(signature))
    return fail(error);
  // The model's own bounds hold whatever --max-dim says: a larger one
  // would let inputs read past a table.
  llvm::json::Object boundOrigins;
  for (const auto &[name, derived] : signature->dimBounds) {
    std::optional<int64_t> given = bounds.getInteger(name);
    if (given && *given <= derived.value)
      continue;
    if (given)
      llvm::errs() << "xfc: warning: --max-dim " << name << "=" << *given
                   << " is above what the model allows (" << derived.origin
                   << "): using " << derived.value << "\n";
    bounds[name] = derived.value;
    boundOrigins[name] = derived.origin;
  }
  // The signature is in the manifest now; LLVM has no use for xf's names.
  func.removeArgAttrsAttr();
  func.removeResAttrsAttr();
  func->removeAttr("xf.input_dim_names");
  func->removeAttr("xf.dim_bounds");
  func->setAttr("llvm.emit_c_interface", UnitAttr::get(&context));

  // The target decides the shape of the generated kernels.
  auto target = xf::resolveCPUTarget(targetCPU, targetFeatures, error);
  if (failed(target))
    return fail(error);
  if (!sanitize.empty() && sanitize != "address")
    return fail("--sanitize=" + sanitize + " is not supported (address is)");
  target->sanitizeAddress = sanitize == "address";
  PassManager codegenPm(&context);
  configure(codegenPm);
  if (emitStage == Stage::Linalg) {
    codegenPm.addPass(xf::createXFExternalizeWeights());
    codegenPm.addPass(xf::createConvertXFToLinalg());
  } else if (failed(xf::buildCPUCodegenPipeline(
                 codegenPm, target->vectorBits, !noRunTimeChecks))) {
    return fail("cannot build the code generation pipeline");
  }
  if (failed(codegenPm.run(*module)))
    return 1;
  if (emitStage != Stage::Artifact)
    return printModule(*module);

  // The nodes whose computed indices the code checks, by site.
  llvm::json::Array checks;
  if (auto sites = (*module)->getAttrOfType<ArrayAttr>("xf.check_sites"))
    for (auto site : sites.getAsValueRange<StringAttr>())
      checks.push_back(site.str());
  auto code = xf::compileToSharedObject(*module, "main", *target, error);
  if (failed(code))
    return fail(error);

  llvm::json::Array requiredFeatures;
  for (const std::string &feature : target->requiredFeatures)
    requiredFeatures.push_back(feature);
  llvm::json::Object manifest{
      {"format", "xfm"},
      {"producer", "xfc 0.1 (LLVM " LLVM_VERSION_STRING ")"},
      {"source", input},
      {"entry", "main"},
      {"weights_argument", true},
      {"inputs", xf::toJSON(signature->inputs)},
      {"outputs", xf::toJSON(signature->outputs)},
      {"dim_bounds", std::move(bounds)},
      {"dim_bound_origins", std::move(boundOrigins)},
      {"target",
       llvm::json::Object{{"triple", target->triple}, {"cpu", target->cpu}}},
      {"required_cpu_features", std::move(requiredFeatures)},
      {"options", llvm::json::Object{{"opt_level", static_cast<int64_t>(level)}}},
  };
  if (target->sanitizeAddress)
    (*manifest.getObject("options"))["sanitize"] = "address";
  if (!checks.empty())
    manifest["checks"] = std::move(checks);
  std::string path = output;
  if (path.empty()) {
    SmallString<256> derived(llvm::sys::path::filename(input));
    llvm::sys::path::replace_extension(derived, "xfm");
    path = std::string(derived);
  }
  if (failed(xf::writeArtifact(path, std::move(manifest), *code, *module,
                               error)))
    return fail(error);
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  if (reportTime)
    llvm::errs() << llvm::formatv("xfc: compiled in {0:f2} s\n", seconds);
  return 0;
}
