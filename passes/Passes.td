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

#endif // XF_PASSES_TD
