//===- SharedObject.h - LLVM dialect to a shared object ---------*- C++ -*-===//

#ifndef XF_PASSES_TARGET_CPU_SHAREDOBJECT_H
#define XF_PASSES_TARGET_CPU_SHAREDOBJECT_H

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mlir::xf {

/// The CPU to generate code for.
struct CPUTarget {
  std::string triple;
  std::string cpu;
  /// LLVM feature string ("+avx2,+fma,...").
  std::string features;
  /// Features the code needs from the CPU it runs on, for the runtime to
  /// check (a subset named as the runtime knows them: "avx2", "avx512f", ...).
  std::vector<std::string> requiredFeatures;
  /// Width of the vector registers code generation targets: 512 with
  /// AVX-512, 256 with AVX2, 128 otherwise.
  int64_t vectorBits = 128;
  /// Instrument the code with AddressSanitizer: it then loads only into a
  /// process that has ASan's runtime (a sanitizer build of the runtime).
  bool sanitizeAddress = false;
};

/// The target for `cpu` ("host" for the compiling machine) with optional
/// extra `features` ("+avx2,-avx512f"). Fails with `error` for an unknown CPU.
FailureOr<CPUTarget> resolveCPUTarget(StringRef cpu, StringRef features,
                                      std::string &error);

/// Translates an LLVM-dialect module to LLVM IR, adds the packed entry point
/// `xf_entry` that calls `_mlir_ciface_<entry>` with its arguments read from
/// an array of pointers, optimizes at -O3, emits an object for `target` and
/// links it into a shared object, whose bytes are returned.
FailureOr<std::string> compileToSharedObject(ModuleOp module,
                                             StringRef entry,
                                             const CPUTarget &target,
                                             std::string &error);

} // namespace mlir::xf

#endif // XF_PASSES_TARGET_CPU_SHAREDOBJECT_H
