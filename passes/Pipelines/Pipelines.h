//===- Pipelines.h - The pass pipelines of xfc ------------------*- C++ -*-===//

#ifndef XF_PASSES_PIPELINES_PIPELINES_H
#define XF_PASSES_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace mlir::xf {

/// The graph optimizations of an optimization level (0 runs none) on xf IR.
/// `explainAttention` makes xf-fuse-attention remark on every head merge it
/// leaves unfused.
void buildGraphOptimizationPipeline(OpPassManager &pm, unsigned optLevel,
                                    bool explainAttention = false);

/// The CPU code generation pipeline, from optimized xf IR to the LLVM
/// dialect: weight externalization, convert-xf-to-linalg, bufferization,
/// loops, and the conversions to LLVM. Returns its textual form, which
/// `xf-opt --pass-pipeline=...` accepts too. `vectorBits` is the width of
/// the target's vector registers (512 with AVX-512, 256 with AVX2).
std::string getCPUCodegenPipeline(int64_t vectorBits = 512,
                                  bool runTimeChecks = true);

/// Parses getCPUCodegenPipeline() into `pm`.
LogicalResult buildCPUCodegenPipeline(OpPassManager &pm,
                                      int64_t vectorBits = 512,
                                      bool runTimeChecks = true);

} // namespace mlir::xf

#endif // XF_PASSES_PIPELINES_PIPELINES_H
