// RUN: xf-opt %s --split-input-file --xf-fuse-linear | FileCheck %s

// torch's order, Add(bias, MatMul), followed by a GELU.
// CHECK-LABEL: func.func @bias_first_then_gelu
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x16xf32>, %[[W:.*]]: tensor<16x32xf32>, %[[B:.*]]: tensor<32xf32>)
func.func @bias_first_then_gelu(%x: tensor<1x8x16xf32>, %w: tensor<16x32xf32>, %b: tensor<32xf32>) -> tensor<1x8x32xf32> {
  // CHECK-NEXT: %[[Y:.*]] = xf.linear %[[X]], %[[W]], %[[B]] {activation = "gelu"}
  // CHECK-NEXT: return %[[Y]]
  %0 = xf.matmul %x, %w : (tensor<1x8x16xf32>, tensor<16x32xf32>) -> tensor<1x8x32xf32>
  %1 = xf.add %b, %0 : (tensor<32xf32>, tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
  %2 = xf.gelu %1 : tensor<1x8x32xf32>
  return %2 : tensor<1x8x32xf32>
}

// -----

// Conv1D-style order, Add(MatMul, bias), the tanh GELU and a ReLU.
// CHECK-LABEL: func.func @bias_second
func.func @bias_second(%x: tensor<?x16xf32>, %w: tensor<16x32xf32>, %b: tensor<32xf32>) -> (tensor<?x32xf32>, tensor<?x32xf32>) {
  // CHECK: xf.linear %{{.*}}, %{{.*}}, %{{.*}} {activation = "gelu_tanh"}
  // CHECK: xf.linear %{{.*}}, %{{.*}}, %{{.*}} {activation = "relu"}
  %0 = xf.matmul %x, %w : (tensor<?x16xf32>, tensor<16x32xf32>) -> tensor<?x32xf32>
  %1 = xf.add %0, %b : (tensor<?x32xf32>, tensor<32xf32>) -> tensor<?x32xf32>
  %2 = xf.gelu %1 {approximate = "tanh"} : tensor<?x32xf32>
  %3 = xf.matmul %x, %w : (tensor<?x16xf32>, tensor<16x32xf32>) -> tensor<?x32xf32>
  %4 = xf.add %3, %b : (tensor<?x32xf32>, tensor<32xf32>) -> tensor<?x32xf32>
  %5 = xf.relu %4 : tensor<?x32xf32>
  return %2, %5 : tensor<?x32xf32>, tensor<?x32xf32>
}

// -----

// A bias without activation.
// CHECK-LABEL: func.func @bias_only
func.func @bias_only(%x: tensor<4x16xf32>, %w: tensor<16x32xf32>, %b: tensor<32xf32>) -> tensor<4x32xf32> {
  // CHECK: xf.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x16xf32>, tensor<16x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  // CHECK-NOT: activation
  %0 = xf.matmul %x, %w : (tensor<4x16xf32>, tensor<16x32xf32>) -> tensor<4x32xf32>
  %1 = xf.add %0, %b : (tensor<4x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %1 : tensor<4x32xf32>
}

// -----

// The product is also returned: fusing would compute it twice.
// CHECK-LABEL: func.func @negative_product_has_other_user
func.func @negative_product_has_other_user(%x: tensor<4x16xf32>, %w: tensor<16x32xf32>, %b: tensor<32xf32>) -> (tensor<4x32xf32>, tensor<4x32xf32>) {
  // CHECK-NOT: xf.linear
  %0 = xf.matmul %x, %w : (tensor<4x16xf32>, tensor<16x32xf32>) -> tensor<4x32xf32>
  %1 = xf.add %0, %b : (tensor<4x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %1, %0 : tensor<4x32xf32>, tensor<4x32xf32>
}

// -----

// A batched right operand (attention's Q K^T) is not a linear layer.
// CHECK-LABEL: func.func @negative_batched_weight
func.func @negative_batched_weight(%q: tensor<2x8x16xf32>, %k: tensor<2x16x8xf32>, %m: tensor<8xf32>) -> tensor<2x8x8xf32> {
  // CHECK-NOT: xf.linear
  %0 = xf.matmul %q, %k : (tensor<2x8x16xf32>, tensor<2x16x8xf32>) -> tensor<2x8x8xf32>
  %1 = xf.add %0, %m : (tensor<2x8x8xf32>, tensor<8xf32>) -> tensor<2x8x8xf32>
  return %1 : tensor<2x8x8xf32>
}

// -----

// An additive term that is not a bias vector (a residual) stays an add.
// CHECK-LABEL: func.func @negative_residual_add
func.func @negative_residual_add(%x: tensor<4x16xf32>, %w: tensor<16x16xf32>) -> tensor<4x16xf32> {
  // CHECK-NOT: xf.linear
  %0 = xf.matmul %x, %w : (tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<4x16xf32>
  %1 = xf.add %0, %x : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}

// -----

// SiLU as torch exports it, x * Sigmoid(x), after a projection with a bias
// and after one without (Llama's gate projection), in both operand orders.
// CHECK-LABEL: func.func @silu
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x16xf32>, %[[W:.*]]: tensor<16x32xf32>, %[[B:.*]]: tensor<32xf32>)
func.func @silu(%x: tensor<1x8x16xf32>, %w: tensor<16x32xf32>, %b: tensor<32xf32>) -> (tensor<1x8x32xf32>, tensor<1x8x32xf32>) {
  // CHECK-DAG: xf.linear %[[X]], %[[W]], %[[B]] {activation = "silu"} : (tensor<1x8x16xf32>, tensor<16x32xf32>, tensor<32xf32>) -> tensor<1x8x32xf32>
  // CHECK-DAG: xf.linear %[[X]], %[[W]] {activation = "silu"} : (tensor<1x8x16xf32>, tensor<16x32xf32>) -> tensor<1x8x32xf32>
  // CHECK-NOT: xf.sigmoid
  %0 = xf.matmul %x, %w : (tensor<1x8x16xf32>, tensor<16x32xf32>) -> tensor<1x8x32xf32>
  %1 = xf.add %0, %b : (tensor<1x8x32xf32>, tensor<32xf32>) -> tensor<1x8x32xf32>
  %2 = xf.sigmoid %1 : tensor<1x8x32xf32>
  %3 = xf.mul %1, %2 : (tensor<1x8x32xf32>, tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
  %4 = xf.matmul %x, %w : (tensor<1x8x16xf32>, tensor<16x32xf32>) -> tensor<1x8x32xf32>
  %5 = xf.sigmoid %4 : tensor<1x8x32xf32>
  %6 = xf.mul %5, %4 : (tensor<1x8x32xf32>, tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
  return %3, %6 : tensor<1x8x32xf32>, tensor<1x8x32xf32>
}

// -----

// The gate is x * sigmoid(y) of two different values (a GLU): not a SiLU.
// CHECK-LABEL: func.func @negative_sigmoid_of_other_value
func.func @negative_sigmoid_of_other_value(%x: tensor<4x16xf32>, %w: tensor<16x32xf32>, %y: tensor<4x32xf32>) -> tensor<4x32xf32> {
  // CHECK-NOT: activation = "silu"
  // CHECK: xf.sigmoid
  %0 = xf.matmul %x, %w : (tensor<4x16xf32>, tensor<16x32xf32>) -> tensor<4x32xf32>
  %1 = xf.sigmoid %y : tensor<4x32xf32>
  %2 = xf.mul %0, %1 : (tensor<4x32xf32>, tensor<4x32xf32>) -> tensor<4x32xf32>
  return %2 : tensor<4x32xf32>
}

// -----

// The projection feeds the SiLU and something else: it must be kept.
// CHECK-LABEL: func.func @negative_silu_input_reused
func.func @negative_silu_input_reused(%x: tensor<4x16xf32>, %w: tensor<16x32xf32>) -> (tensor<4x32xf32>, tensor<4x32xf32>) {
  // CHECK-NOT: activation = "silu"
  // CHECK: xf.sigmoid
  %0 = xf.matmul %x, %w : (tensor<4x16xf32>, tensor<16x32xf32>) -> tensor<4x32xf32>
  %1 = xf.sigmoid %0 : tensor<4x32xf32>
  %2 = xf.mul %0, %1 : (tensor<4x32xf32>, tensor<4x32xf32>) -> tensor<4x32xf32>
  return %2, %0 : tensor<4x32xf32>, tensor<4x32xf32>
}

// -----

// BERT's post-norm residual: the sum feeds only the layer norm.
// CHECK-LABEL: func.func @skip_layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x16xf32>, %[[R:.*]]: tensor<1x8x16xf32>, %[[G:.*]]: tensor<16xf32>, %[[B:.*]]: tensor<16xf32>)
func.func @skip_layer_norm(%x: tensor<1x8x16xf32>, %r: tensor<1x8x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<1x8x16xf32> {
  // CHECK-NEXT: %[[Y:.*]] = xf.skip_layer_norm %[[X]], %[[R]], %[[G]], %[[B]] {axis = 2 : i64, epsilon = 9.99999996E-13 : f32} : tensor<1x8x16xf32>, tensor<16xf32>, tensor<16xf32>
  // CHECK-NEXT: return %[[Y]]
  %0 = xf.add %x, %r : (tensor<1x8x16xf32>, tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  %1 = xf.layer_norm %0, %g, %b {axis = 2, epsilon = 1.0e-12 : f32} : tensor<1x8x16xf32>, tensor<16xf32>, tensor<16xf32>
  return %1 : tensor<1x8x16xf32>
}

// -----

// Pre-norm (GPT-2): the sum is the next residual as well; it stays.
// CHECK-LABEL: func.func @negative_skip_sum_reused
func.func @negative_skip_sum_reused(%x: tensor<1x8x16xf32>, %r: tensor<1x8x16xf32>, %g: tensor<16xf32>) -> (tensor<1x8x16xf32>, tensor<1x8x16xf32>) {
  // CHECK-NOT: xf.skip_layer_norm
  // CHECK: xf.layer_norm
  %0 = xf.add %x, %r : (tensor<1x8x16xf32>, tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  %1 = xf.layer_norm %0, %g {axis = 2, epsilon = 1.0e-5 : f32} : tensor<1x8x16xf32>, tensor<16xf32>
  return %1, %0 : tensor<1x8x16xf32>, tensor<1x8x16xf32>
}

// -----

// A broadcast add (a bias, not a residual) is no skip connection.
// CHECK-LABEL: func.func @negative_skip_broadcast
func.func @negative_skip_broadcast(%x: tensor<1x8x16xf32>, %c: tensor<16xf32>, %g: tensor<16xf32>) -> tensor<1x8x16xf32> {
  // CHECK-NOT: xf.skip_layer_norm
  %0 = xf.add %x, %c : (tensor<1x8x16xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
  %1 = xf.layer_norm %0, %g {axis = 2, epsilon = 1.0e-5 : f32} : tensor<1x8x16xf32>, tensor<16xf32>
  return %1 : tensor<1x8x16xf32>
}
