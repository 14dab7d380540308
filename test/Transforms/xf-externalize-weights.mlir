// RUN: xf-opt %s --split-input-file --xf-externalize-weights --verify-diagnostics | FileCheck %s
// RUN: xf-opt %s --split-input-file --xf-externalize-weights=alignment=128 --verify-diagnostics | FileCheck %s --check-prefix=ALIGN
// RUN: not xf-opt %s --split-input-file --xf-externalize-weights=alignment=48 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: xf-externalize-weights: alignment must be a power of two, got 48

// Each weight gets an aligned offset; one used twice is stored once; small
// dense constants stay in the IR.
// CHECK-LABEL: module attributes
// CHECK-SAME: xf.weights = [{name = "w_a", offset = 0 : i64, value = dense_resource<w_a> : tensor<3xf32>}, {name = "w_b", offset = 64 : i64, value = dense_resource<w_b> : tensor<2xf32>}]
// CHECK-SAME: xf.weights_size = 72 : i64
// ALIGN-LABEL: module attributes
// ALIGN-SAME: offset = 128 : i64
// ALIGN-SAME: xf.weights_size = 136 : i64
// CHECK-LABEL: func.func @weights
func.func @weights() -> (tensor<3xf32>, tensor<2xf32>, tensor<3xf32>, tensor<2xi64>) {
  // CHECK: xf.weight "w_a" at 0 : tensor<3xf32>
  // CHECK: xf.weight "w_b" at 64 : tensor<2xf32>
  // CHECK: xf.weight "w_a" at 0 : tensor<3xf32>
  // CHECK: xf.constant dense<[1, 2]> : tensor<2xi64>
  %a = xf.constant dense_resource<w_a> : tensor<3xf32>
  %b = xf.constant dense_resource<w_b> : tensor<2xf32>
  %c = xf.constant dense_resource<w_a> : tensor<3xf32>
  %d = xf.constant dense<[1, 2]> : tensor<2xi64>
  return %a, %b, %c, %d : tensor<3xf32>, tensor<2xf32>, tensor<3xf32>, tensor<2xi64>
}

{-#
  dialect_resources: {
    builtin: {
      w_a: "0x040000000000803F0000004000004040",
      w_b: "0x040000000000803F00000040"
    }
  }
#-}

// -----

// A resource without data (printed elided) cannot be externalized.
func.func @negative_elided(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{weight 'missing' has no data}}
  %w = xf.constant dense_resource<missing> : tensor<2xf32>
  return %w : tensor<2xf32>
}
