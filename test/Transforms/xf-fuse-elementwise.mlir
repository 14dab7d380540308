// RUN: xf-opt %s --split-input-file --convert-xf-to-linalg --xf-fuse-elementwise | FileCheck %s

// A chain of elementwise ops (with broadcasts) becomes one loop nest.
// CHECK-LABEL: func.func @chain
func.func @chain(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  // CHECK: linalg.generic
  // CHECK: arith.mulf
  // CHECK: arith.addf
  // CHECK: math.tanh
  // CHECK-NOT: linalg.generic
  // CHECK: return
  %0 = xf.mul %x, %g : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %1 = xf.add %0, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %2 = xf.tanh %1 : tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// A producer with two users stays: fusing would compute it twice.
// CHECK-LABEL: func.func @negative_shared_producer
func.func @negative_shared_producer(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  // CHECK-COUNT-3: linalg.generic
  %0 = xf.exp %x : tensor<4x8xf32>
  %1 = xf.add %0, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = xf.mul %0, %x : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %1, %2 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A product's operand is not fused into it: the product would recompute it
// for every column.
// CHECK-LABEL: func.func @negative_into_matmul
func.func @negative_into_matmul(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> tensor<4x16xf32> {
  // CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
  // CHECK: math.exp
  // CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]
  %0 = xf.exp %x : tensor<4x8xf32>
  %1 = xf.matmul %0, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}
