// RUN: xf-opt %s --split-input-file --xf-infer-shapes | FileCheck %s

// Specializing the argument propagates static shapes to every op and to the
// function's result.
// CHECK-LABEL: func.func @propagate
// CHECK-SAME: -> tensor<2x7x1536xf32>
func.func @propagate(%x: tensor<2x7x384xf32>, %w: tensor<384x1536xf32>) -> tensor<?x?x1536xf32> {
  // CHECK: xf.matmul {{.*}} -> tensor<2x7x1536xf32>
  %0 = xf.matmul %x, %w : (tensor<2x7x384xf32>, tensor<384x1536xf32>) -> tensor<?x?x1536xf32>
  // CHECK: xf.gelu {{.*}} : tensor<2x7x1536xf32>
  %1 = xf.gelu %0 : tensor<?x?x1536xf32>
  // CHECK: xf.cast {{.*}} to tensor<2x7x1536xf16>
  %2 = xf.cast %1 : tensor<?x?x1536xf32> to tensor<?x?x1536xf16>
  // CHECK: return {{.*}} : tensor<2x7x1536xf32>
  return %1 : tensor<?x?x1536xf32>
}

// -----

// A reshape whose target shape became a constant gets a static result.
// CHECK-LABEL: func.func @reshape_after_folding
func.func @reshape_after_folding(%x: tensor<2x384xf32>) -> tensor<?x?x32xf32> {
  %s = xf.constant dense<[2, 12, 32]> : tensor<3xi64>
  // CHECK: -> tensor<2x12x32xf32>
  %0 = xf.reshape %x, %s : (tensor<2x384xf32>, tensor<3xi64>) -> tensor<?x?x32xf32>
  return %0 : tensor<?x?x32xf32>
}

// -----

// Nothing to refine: dynamic inputs keep dynamic results.
// CHECK-LABEL: func.func @negative_dynamic_stays_dynamic
// CHECK-SAME: -> tensor<?x8xf32>
func.func @negative_dynamic_stays_dynamic(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // CHECK: xf.exp {{.*}} : tensor<?x8xf32>
  %0 = xf.exp %x : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}
