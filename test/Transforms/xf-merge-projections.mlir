// RUN: xf-opt %s --split-input-file --verify-diagnostics --xf-merge-projections | FileCheck %s

// Q, K and V of one input, with biases: one product by the weights side by
// side, the biases end to end, split back into the three results.
// CHECK-LABEL: func.func @qkv
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x2xf32>)
// CHECK: %[[W:.*]] = xf.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 5.000000e+00, 9.000000e+00, 1.000000e+01], [3.000000e+00, 4.000000e+00, 6.000000e+00, 1.100000e+01, 1.200000e+01]]> : tensor<2x5xf32>
// CHECK: %[[B:.*]] = xf.constant dense<[1.000000e-01, 2.000000e-01, 3.000000e-01, 4.000000e-01, 5.000000e-01]> : tensor<5xf32>
// CHECK: %[[Y:.*]] = xf.linear %[[X]], %[[W]], %[[B]] : (tensor<?x3x2xf32>, tensor<2x5xf32>, tensor<5xf32>) -> tensor<?x3x5xf32>
// CHECK: %[[P:.*]]:3 = xf.split %[[Y]] {axis = 2 : i64, split_sizes = array<i64: 2, 1, 2>} : tensor<?x3x5xf32> -> tensor<?x3x2xf32>, tensor<?x3x1xf32>, tensor<?x3x2xf32>
// CHECK-NOT: xf.linear
// CHECK: return %[[P]]#0, %[[P]]#1, %[[P]]#2
func.func @qkv(%x: tensor<?x3x2xf32>) -> (tensor<?x3x2xf32>, tensor<?x3x1xf32>, tensor<?x3x2xf32>) {
  %wq = xf.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %bq = xf.constant dense<[0.1, 0.2]> : tensor<2xf32>
  %wk = xf.constant dense<[[5.0], [6.0]]> : tensor<2x1xf32>
  %bk = xf.constant dense<[0.3]> : tensor<1xf32>
  %wv = xf.constant dense<[[9.0, 10.0], [11.0, 12.0]]> : tensor<2x2xf32>
  %bv = xf.constant dense<[0.4, 0.5]> : tensor<2xf32>
  %q = xf.linear %x, %wq, %bq : (tensor<?x3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x3x2xf32>
  %k = xf.linear %x, %wk, %bk : (tensor<?x3x2xf32>, tensor<2x1xf32>, tensor<1xf32>) -> tensor<?x3x1xf32>
  %v = xf.linear %x, %wv, %bv : (tensor<?x3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x3x2xf32>
  return %q, %k, %v : tensor<?x3x2xf32>, tensor<?x3x1xf32>, tensor<?x3x2xf32>
}

// -----

// Llama's bias-free projections are MatMuls by constants; one with a bias
// among them gets zeros for the others' share of the bias.
// CHECK-LABEL: func.func @matmuls_and_bias
// CHECK: %[[B:.*]] = xf.constant dense<[0.000000e+00, 0.000000e+00, 7.000000e+00]> : tensor<3xf32>
// CHECK: %[[Y:.*]] = xf.linear %{{.*}}, %{{.*}}, %[[B]] : (tensor<4x1xf32>, tensor<1x3xf32>, tensor<3xf32>) -> tensor<4x3xf32>
// CHECK: xf.split %[[Y]] {axis = 1 : i64, split_sizes = array<i64: 2, 1>}
// CHECK-NOT: xf.matmul
func.func @matmuls_and_bias(%x: tensor<4x1xf32>) -> (tensor<4x2xf32>, tensor<4x1xf32>) {
  %w0 = xf.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %w1 = xf.constant dense<[[3.0]]> : tensor<1x1xf32>
  %b1 = xf.constant dense<[7.0]> : tensor<1xf32>
  %a = xf.matmul %x, %w0 : (tensor<4x1xf32>, tensor<1x2xf32>) -> tensor<4x2xf32>
  %b = xf.linear %x, %w1, %b1 : (tensor<4x1xf32>, tensor<1x1xf32>, tensor<1xf32>) -> tensor<4x1xf32>
  return %a, %b : tensor<4x2xf32>, tensor<4x1xf32>
}

// -----

// Different activations (SwiGLU's gate and up), different inputs, a weight
// that is not a constant, and a projection alone: nothing to merge.
// CHECK-LABEL: func.func @negative_cases
// CHECK-NOT: xf.split
// CHECK-COUNT-2: xf.linear %[[X:arg0]]
// CHECK: xf.linear %arg1
// CHECK: xf.linear %arg0, %arg2
func.func @negative_cases(%x: tensor<4x2xf32>, %z: tensor<4x2xf32>, %w: tensor<2x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %c = xf.constant dense<1.0> : tensor<2x2xf32>
  %gate = xf.linear %x, %c {activation = "silu"} : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %up = xf.linear %x, %c : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %other = xf.linear %z, %c {activation = "relu"} : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %dynamic = xf.linear %x, %w {activation = "gelu"} : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  return %gate, %up, %other, %dynamic : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// A bias that is not a constant (the first pair), and projections in
// different blocks (the second, one inside a region): nothing to merge.
// CHECK-LABEL: func.func @negative_bias_and_blocks
// CHECK-NOT: xf.split
// CHECK: xf.linear %arg0, %{{.*}}, %arg1 :
// CHECK: xf.linear %arg0, %{{.*}} :
// CHECK: xf.linear %arg0, %{{.*}} {activation = "relu"}
// CHECK: scf.execute_region
// CHECK: xf.linear %arg0, %{{.*}} {activation = "relu"}
func.func @negative_bias_and_blocks(%x: tensor<4x2xf32>, %b: tensor<2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %c = xf.constant dense<1.0> : tensor<2x2xf32>
  %d = xf.constant dense<2.0> : tensor<2x2xf32>
  %biased = xf.linear %x, %c, %b : (tensor<4x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %plain = xf.linear %x, %d : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %outer = xf.linear %x, %d {activation = "relu"} : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  %inner = scf.execute_region -> tensor<4x2xf32> {
    %r = xf.linear %x, %c {activation = "relu"} : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
    scf.yield %r : tensor<4x2xf32>
  }
  return %biased, %plain, %outer, %inner : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}
