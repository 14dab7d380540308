//===- SharedObject.cpp - LLVM dialect to a shared object -----------------===//

#include "passes/Target/CPU/SharedObject.h"

#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Transforms/Instrumentation/AddressSanitizer.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include "lld/Common/Driver.h"

#include <mutex>

LLD_HAS_DRIVER(elf)

using namespace mlir;
using namespace mlir::xf;

/// CPU features the runtime can check (with __builtin_cpu_supports), by
/// their LLVM names.
static constexpr const char *kCheckedFeatures[] = {
    "sse4.2",   "avx",      "avx2",     "fma",      "f16c",
    "avx512f",  "avx512bw", "avx512dq", "avx512vl", "avx512vnni",
    "avxvnni",  "bmi2"};

static void initializeLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

static std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CPUTarget &target, std::string &error) {
  initializeLLVMTargets();
  llvm::Triple triple(target.triple);
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return nullptr;
  return std::unique_ptr<llvm::TargetMachine>(llvmTarget->createTargetMachine(
      triple, target.cpu, target.features, llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
}

FailureOr<CPUTarget> xf::resolveCPUTarget(StringRef cpu, StringRef features,
                                          std::string &error) {
  initializeLLVMTargets();
  CPUTarget target;
  target.triple = llvm::sys::getProcessTriple();
  llvm::StringMap<bool> enabled;
  if (cpu.empty() || cpu == "host") {
    target.cpu = llvm::sys::getHostCPUName().str();
    enabled = llvm::sys::getHostCPUFeatures();
  } else {
    target.cpu = cpu.str();
  }
  std::string featureString;
  for (const auto &entry : enabled)
    featureString += (entry.second ? "+" : "-") + entry.getKey().str() + ",";
  featureString += features.str();
  target.features = featureString;

  auto machine = createTargetMachine(target, error);
  if (!machine)
    return failure();
  const llvm::MCSubtargetInfo *info = machine->getMCSubtargetInfo();
  if (!info->isCPUStringValid(target.cpu)) {
    error = "unknown CPU '" + target.cpu + "' for " + target.triple;
    return failure();
  }
  for (const char *feature : kCheckedFeatures)
    if (info->checkFeatures(std::string("+") + feature))
      target.requiredFeatures.push_back(feature);
  target.vectorBits = info->checkFeatures("+avx512f") ? 512
                      : info->checkFeatures("+avx2")  ? 256
                                                      : 128;
  return target;
}

/// Adds `void xf_entry(void **args)`, which calls the C interface of the
/// entry function with `args[i]` as its i-th argument. The runtime can then
/// call any signature through one function type.
static LogicalResult addPackedEntry(llvm::Module &module, StringRef entry,
                                    std::string &error) {
  llvm::Function *callee =
      module.getFunction(("_mlir_ciface_" + entry).str());
  if (!callee) {
    error = "the module has no C interface for '" + entry.str() + "'";
    return failure();
  }
  llvm::LLVMContext &context = module.getContext();
  auto *ptrType = llvm::PointerType::get(context, 0);
  auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(context),
                                       {ptrType}, /*isVarArg=*/false);
  auto *packed = llvm::Function::Create(type, llvm::GlobalValue::ExternalLinkage,
                                        "xf_entry", module);
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(context, "entry", packed));
  SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i < callee->arg_size(); ++i) {
    llvm::Value *slot = builder.CreateConstGEP1_64(ptrType, packed->getArg(0), i);
    args.push_back(builder.CreateLoad(ptrType, slot));
  }
  builder.CreateCall(callee, args);
  builder.CreateRetVoid();
  return success();
}

/// The SIMD variants of glibc's libmvec (2.35 and later) that LLVM's own
/// table lacks, for the widest vectors `target` has. LLVM's table is used
/// only with AVX2 or wider: it holds AVX2 variants, which a vectorizer
/// splitting wide vectors could call on a CPU without AVX2.
static void addVectorMathFunctions(llvm::TargetLibraryInfoImpl &libraryInfo,
                                   const CPUTarget &target) {
  struct Variant {
    const char *scalar, *vector, *abi;
    unsigned lanes, minBits;
  };
  static constexpr Variant kVariants[] = {
      {"erff", "_ZGVbN4v_erff", "_ZGV_LLVM_N4v", 4, 256},
      {"erff", "_ZGVdN8v_erff", "_ZGV_LLVM_N8v", 8, 256},
      {"erff", "_ZGVeN16v_erff", "_ZGV_LLVM_N16v", 16, 512},
      {"tanhf", "_ZGVbN4v_tanhf", "_ZGV_LLVM_N4v", 4, 256},
      {"tanhf", "_ZGVdN8v_tanhf", "_ZGV_LLVM_N8v", 8, 256},
      {"tanhf", "_ZGVeN16v_tanhf", "_ZGV_LLVM_N16v", 16, 512},
      {"expf", "_ZGVeN16v_expf", "_ZGV_LLVM_N16v", 16, 512},
  };
  std::vector<llvm::VecDesc> functions;
  for (const Variant &v : kVariants)
    if (target.vectorBits >= v.minBits)
      functions.emplace_back(v.scalar, v.vector,
                             llvm::ElementCount::getFixed(v.lanes),
                             /*Masked=*/false, v.abi, std::nullopt);
  libraryInfo.addVectorizableFunctions(functions);
}

static void optimize(llvm::Module &module, llvm::TargetMachine &machine,
                     const CPUTarget &target) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(&machine);
  // glibc's vector math library: loops calling expf, erff, tanhf, ...
  // vectorize into calls of their SIMD variants (_ZGVeN16v_expf with
  // AVX-512) instead of staying scalar around one call per element.
  llvm::TargetLibraryInfoImpl libraryInfo(
      module.getTargetTriple(), target.vectorBits >= 256
                                    ? llvm::VectorLibrary::LIBMVEC
                                    : llvm::VectorLibrary::NoLibrary);
  if (target.vectorBits >= 256)
    addVectorMathFunctions(libraryInfo, target);
  fam.registerPass([&] { return llvm::TargetLibraryAnalysis(libraryInfo); });
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  if (target.sanitizeAddress) {
    for (llvm::Function &function : module)
      if (!function.isDeclaration())
        function.addFnAttr(llvm::Attribute::SanitizeAddress);
    builder.registerOptimizerLastEPCallback(
        [](llvm::ModulePassManager &mpm, llvm::OptimizationLevel,
           llvm::ThinOrFullLTOPhase) {
          mpm.addPass(llvm::AddressSanitizerPass(llvm::AddressSanitizerOptions()));
        });
  }
  // O2: on a whole encoder in one function, O3 doubles compile time (16 s to
  // 42 s on the MiniLM-shaped fixture) for no measured run-time gain.
  llvm::ModulePassManager mpm =
      builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  mpm.run(module, mam);
}

/// glibc's vector math library (libc6 on every glibc system; the runtime's
/// loader finds it by its soname).
static constexpr const char *kVectorMathLibrary =
    "/lib/x86_64-linux-gnu/libmvec.so.1";

/// Links one object into a shared object with lld, in process.
static FailureOr<std::string> linkSharedObject(StringRef object,
                                               std::string &error) {
  SmallString<128> objectPath, sharedPath;
  if (llvm::sys::fs::createTemporaryFile("xfc", "o", objectPath) ||
      llvm::sys::fs::createTemporaryFile("xfc", "so", sharedPath)) {
    error = "cannot create temporary files for linking";
    return failure();
  }
  llvm::scope_exit cleanup([&] {
    llvm::sys::fs::remove(objectPath);
    llvm::sys::fs::remove(sharedPath);
  });
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(objectPath, ec);
    if (ec) {
      error = "cannot write " + objectPath.str().str() + ": " + ec.message();
      return failure();
    }
    os << object;
  }
  std::string messages;
  llvm::raw_string_ostream out(messages), err(messages);
  // The vector variants of math functions come from glibc's libmvec,
  // needed only when the vectorizer used one.
  const char *args[] = {"ld.lld",          "-shared", "--hash-style=gnu",
                        "-z",              "noexecstack",
                        "-o",              sharedPath.c_str(),
                        objectPath.c_str(), "--as-needed", kVectorMathLibrary};
  // lld keeps global state: one link at a time.
  static std::mutex lldMutex;
  std::lock_guard<std::mutex> lock(lldMutex);
  lld::Result result =
      lld::lldMain(args, out, err, {{lld::Gnu, &lld::elf::link}});
  if (result.retCode != 0) {
    error = "linking failed: " + messages;
    return failure();
  }
  auto buffer = llvm::MemoryBuffer::getFile(sharedPath, /*IsText=*/false);
  if (!buffer) {
    error = "cannot read the linked shared object: " +
            buffer.getError().message();
    return failure();
  }
  return (*buffer)->getBuffer().str();
}

FailureOr<std::string> xf::compileToSharedObject(ModuleOp module,
                                                 StringRef entry,
                                                 const CPUTarget &target,
                                                 std::string &error) {
  auto machine = createTargetMachine(target, error);
  if (!machine)
    return failure();
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, "xf_model");
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return failure();
  }
  llvmModule->setTargetTriple(llvm::Triple(target.triple));
  llvmModule->setDataLayout(machine->createDataLayout());
  if (failed(addPackedEntry(*llvmModule, entry, error)))
    return failure();
  std::string verifierMessages;
  llvm::raw_string_ostream verifierStream(verifierMessages);
  if (llvm::verifyModule(*llvmModule, &verifierStream)) {
    error = "invalid LLVM IR: " + verifierMessages;
    return failure();
  }
  optimize(*llvmModule, *machine, target);

  SmallString<0> object;
  {
    llvm::raw_svector_ostream os(object);
    llvm::legacy::PassManager pm;
    if (machine->addPassesToEmitFile(pm, os, nullptr,
                                     llvm::CodeGenFileType::ObjectFile)) {
      error = "the target cannot emit object files";
      return failure();
    }
    pm.run(*llvmModule);
  }
  return linkSharedObject(object, error);
}
