//===- Pipelines.cpp - The pass pipelines of xfc --------------------------===//

#include "passes/Pipelines/Pipelines.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::xf;

void xf::buildGraphOptimizationPipeline(OpPassManager &pm, unsigned optLevel,
                                        bool explainAttention) {
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  // Not an optimization: the bounds keep invalid inputs out at any level.
  funcPm.addPass(createXFDeriveDimBounds());
  if (optLevel == 0)
    return;
  funcPm.addPass(createCanonicalizerPass());
  funcPm.addPass(createXFInferShapes());
  funcPm.addPass(createCanonicalizerPass());
  // Fusions see the graph with its shape computations folded away.
  funcPm.addPass(createXFFuseLayerNorm());
  funcPm.addPass(createXFFuseGelu());
  funcPm.addPass(createXFFuseLinear());
  funcPm.addPass(createXFMergeProjections());
  funcPm.addPass(createXFFuseAttention(XFFuseAttentionOptions{explainAttention}));
  funcPm.addPass(createCanonicalizerPass());
  funcPm.addPass(createCSEPass());
}

std::string xf::getCPUCodegenPipeline(int64_t vectorBits, bool runTimeChecks) {
  return "builtin.module("
         // Weights in the layout of the matrix kernel, packed once here.
         "func.func(xf-pack-weights{vector-bits=" +
         std::to_string(vectorBits) + "}),"
         // Weights leave the IR before anything is lowered.
         "xf-externalize-weights,"
         "convert-xf-to-linalg" +
         std::string(runTimeChecks ? "" : "{run-time-checks=false}") + ","
         "canonicalize,"
         "func.func(xf-fuse-elementwise),"
         "one-shot-bufferize{bufferize-function-boundaries "
         "function-boundary-type-conversion=identity-layout-map},"
         // A tile written in place into its slice of the result leaves a
         // copy of the slice onto itself: CSE makes it one, and it folds.
         "cse,canonicalize,"
         "buffer-deallocation-pipeline,"
         "convert-bufferization-to-memref,"
         // Products by a matrix: register-blocked vector kernels.
         "func.func(xf-matmul-microkernel{vector-bits=" +
         std::to_string(vectorBits) + "}),"
         // Row maxima and sums: vector accumulators instead of a scalar
         // load and store per element.
         "func.func(xf-vectorize-reductions{vector-bits=" +
         std::to_string(vectorBits) + "}),"
         "scf-forall-to-parallel,"
         // Parallel dimensions become OpenMP work-sharing loops; the runtime
         // sets the thread count of each run.
         "convert-linalg-to-parallel-loops,"
         // Only the outermost parallel loop of a nest runs on the threads.
         "func.func(xf-serialize-nested-parallel),"
         "convert-scf-to-openmp,"
         // Strided metadata expands into affine.apply: lower affine after.
         "expand-strided-metadata,"
         "lower-affine,"
         // The OpenMP conversion wraps loop bodies in alloca scopes, which
         // must be lowered while they still hold a single block.
         "convert-vector-to-llvm,"
         "finalize-memref-to-llvm,"
         "convert-scf-to-cf,"
         // Integer powers become loops, the float functions libm calls.
         "convert-math-to-funcs{convert-ctlz=false},"
         "convert-math-to-libm,"
         // bfloat16 arithmetic in f32, and bfloat16 <-> f32 conversions as
         // integer code: LLVM would call __truncsfbf2, which neither the
         // artifact nor every libgcc has.
         "arith-emulate-unsupported-floats{source-types=bf16 target-type=f32},"
         "arith-expand{include-bf16=true},"
         "convert-to-llvm,"
         "reconcile-unrealized-casts)";
}

LogicalResult xf::buildCPUCodegenPipeline(OpPassManager &pm,
                                          int64_t vectorBits,
                                          bool runTimeChecks) {
  // `pm` is anchored on the module already: parse the elements only.
  std::string pipeline = getCPUCodegenPipeline(vectorBits, runTimeChecks);
  return parsePassPipeline(
      StringRef(pipeline).drop_front(StringRef("builtin.module(").size())
          .drop_back(),
      pm);
}
