//===- Passes.td - xfc passes -------------------------------*- tablegen -*-===//

#ifndef XF_PASSES_TD
#define XF_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

def XFInferShapes : Pass<"xf-infer-shapes", "func::FuncOp"> {
  let summary = "Refine result types of xf ops from their operands";
  let description = [{
    Recomputes the result type of every xf op in program order and keeps the
    more refined of the declared and inferred types, then updates the
    function's result types. Run it after specializing input shapes (or after
    folding turned a shape computation into a constant) so that static
    dimensions reach every op:

    ```mlir
    // Before: the reshape's target shape was folded to a constant.
    %r = xf.reshape %x, %c : (tensor<2x384xf32>, tensor<3xi64>) -> tensor<?x?x32xf32>
    // After:
    %r = xf.reshape %x, %c : (tensor<2x384xf32>, tensor<3xi64>) -> tensor<2x12x32xf32>
    ```

    Ops whose inferred type conflicts with the declared one are left as they
    are; the verifier reports them.
  }];
  let dependentDialects = ["::mlir::xf::XFDialect"];
  let statistics = [
    Statistic<"numRefinedValues", "refined-values",
              "Number of values whose type became more static">
  ];
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def XFExternalizeWeights : Pass<"xf-externalize-weights", "ModuleOp"> {
  let summary = "Move weights out of the IR into the artifact's weights blob";
  let description = [{
    Gives every weight (an `xf.constant` holding a `dense_resource` blob) an
    aligned byte offset in the weights blob and replaces it with an
    `xf.weight` reference. The module keeps the list of weights and their
    data in its `xf.weights` attribute (data shared, not copied), and the
    blob size in `xf.weights_size`, for the artifact writer. A weight used
    several times is stored once.

    ```mlir
    // Before:
    %w = xf.constant dense_resource<query_weight> : tensor<384x384xf32>
    // After:
    %w = xf.weight "query_weight" at 0 : tensor<384x384xf32>
    ```

    Small constants (`dense` attributes: shapes, scalars) stay in the IR,
    where code generation turns them into immediates.
  }];
  let dependentDialects = ["::mlir::xf::XFDialect"];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"64",
           "Byte alignment of every weight in the blob (a power of two)">
  ];
}

//===----------------------------------------------------------------------===//
// Conversions
//===----------------------------------------------------------------------===//

def ConvertXFToLinalg : Pass<"convert-xf-to-linalg", "ModuleOp"> {
  let summary = "Lower xf ops to linalg, tensor, arith and math";
  let description = [{
    The lowering every backend shares. Elementwise ops, with their
    broadcasting, become one `linalg.generic` each; `xf.matmul` a
    `linalg.generic` over (batch..., m, n, k); reductions, softmax and layer
    norm a few reductions and elementwise generics; layout ops `tensor` ops
    or gathers in `linalg.generic`; `xf.weight` a `memref.view` into the
    weights blob, which becomes the function's first argument
    (`memref<?xi8>`). Unsigned integer tensors become signless, with the
    signedness carried into the arithmetic chosen.

    Dimensions that are dynamic (`?`) are assumed not to broadcast at run
    time (a `?` of size 1 against a larger dimension); the runtime's input
    validation rejects inputs that would need it.

    ```mlir
    %0 = xf.add %x, %b : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
    // becomes
    %0 = linalg.generic {indexing_maps = [(d0, d1) -> (d0, d1), (d0, d1) -> (d1), (d0, d1) -> (d0, d1)], ...}
    ```
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // XF_PASSES_TD
