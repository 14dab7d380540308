// RUN: xf-opt %s --split-input-file --xf-fuse-gelu | FileCheck %s

// The erf form as torch.onnx writes it (BERT): x / sqrt(2), then the
// products in the order ((x * (1 + erf)) * 0.5).
// CHECK-LABEL: func.func @erf_torch
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
func.func @erf_torch(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // CHECK-NEXT: %[[G:.*]] = xf.gelu %[[X]] : tensor<2x8xf32>
  // CHECK-NEXT: return %[[G]]
  %sqrt2 = xf.constant dense<1.41421354> : tensor<f32>
  %one = xf.constant dense<1.0> : tensor<f32>
  %half = xf.constant dense<0.5> : tensor<f32>
  %0 = xf.div %x, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = xf.erf %0 : tensor<2x8xf32>
  %2 = xf.add %1, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %3 = xf.mul %x, %2 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %4 = xf.mul %3, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

// -----

// Other operand orders and groupings: (0.5 * x) * (1 + erf(x * 0.7071)).
// CHECK-LABEL: func.func @erf_reordered
// CHECK-SAME: (%[[X:.*]]: tensor<8xf32>)
func.func @erf_reordered(%x: tensor<8xf32>) -> tensor<8xf32> {
  // CHECK-NEXT: %[[G:.*]] = xf.gelu %[[X]] : tensor<8xf32>
  // CHECK-NEXT: return %[[G]]
  %c = xf.constant dense<0.707106769> : tensor<f32>
  %one = xf.constant dense<1.0> : tensor<f32>
  %half = xf.constant dense<0.5> : tensor<f32>
  %0 = xf.mul %c, %x : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %1 = xf.erf %0 : tensor<8xf32>
  %2 = xf.add %one, %1 : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %3 = xf.mul %half, %x : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %4 = xf.mul %3, %2 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %4 : tensor<8xf32>
}

// -----

// The tanh approximation as GPT-2 exports write it.
// CHECK-LABEL: func.func @tanh_gpt2
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
func.func @tanh_gpt2(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // CHECK-NEXT: %[[G:.*]] = xf.gelu %[[X]] {approximate = "tanh"} : tensor<2x8xf32>
  // CHECK-NEXT: return %[[G]]
  %three = xf.constant dense<3.0> : tensor<f32>
  %k = xf.constant dense<0.044715> : tensor<f32>
  %s = xf.constant dense<0.797884583> : tensor<f32>
  %one = xf.constant dense<1.0> : tensor<f32>
  %half = xf.constant dense<0.5> : tensor<f32>
  %0 = xf.pow %x, %three : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = xf.mul %k, %0 : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %2 = xf.add %x, %1 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %3 = xf.mul %s, %2 : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %4 = xf.tanh %3 : tensor<2x8xf32>
  %5 = xf.add %one, %4 : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %6 = xf.mul %half, %x : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %7 = xf.mul %6, %5 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %7 : tensor<2x8xf32>
}

// -----

// x^3 written as products.
// CHECK-LABEL: func.func @tanh_cube_as_products
func.func @tanh_cube_as_products(%x: tensor<8xf32>) -> tensor<8xf32> {
  // CHECK: xf.gelu %{{.*}} {approximate = "tanh"}
  // CHECK-NOT: xf.tanh
  %k = xf.constant dense<0.044715> : tensor<f32>
  %s = xf.constant dense<0.797884583> : tensor<f32>
  %one = xf.constant dense<1.0> : tensor<f32>
  %half = xf.constant dense<0.5> : tensor<f32>
  %sq = xf.mul %x, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %0 = xf.mul %sq, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %1 = xf.mul %0, %k : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %2 = xf.add %1, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %3 = xf.mul %2, %s : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %4 = xf.tanh %3 : tensor<8xf32>
  %5 = xf.add %4, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %6 = xf.mul %x, %5 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %7 = xf.mul %6, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %7 : tensor<8xf32>
}

// -----

// The erf result is used elsewhere: fusing would compute it twice.
// CHECK-LABEL: func.func @negative_intermediate_has_other_user
func.func @negative_intermediate_has_other_user(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  // CHECK-NOT: xf.gelu
  // CHECK: xf.erf
  %sqrt2 = xf.constant dense<1.41421354> : tensor<f32>
  %one = xf.constant dense<1.0> : tensor<f32>
  %half = xf.constant dense<0.5> : tensor<f32>
  %0 = xf.div %x, %sqrt2 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %1 = xf.erf %0 : tensor<8xf32>
  %2 = xf.add %1, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %3 = xf.mul %x, %2 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %4 = xf.mul %3, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %4, %1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// Not a GELU: the scale inside erf is wrong.
// CHECK-LABEL: func.func @negative_wrong_constant
func.func @negative_wrong_constant(%x: tensor<8xf32>) -> tensor<8xf32> {
  // CHECK-NOT: xf.gelu
  %c = xf.constant dense<2.0> : tensor<f32>
  %one = xf.constant dense<1.0> : tensor<f32>
  %half = xf.constant dense<0.5> : tensor<f32>
  %0 = xf.div %x, %c : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %1 = xf.erf %0 : tensor<8xf32>
  %2 = xf.add %1, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %3 = xf.mul %x, %2 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %4 = xf.mul %3, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %4 : tensor<8xf32>
}

// -----

// Not a GELU: erf of another value than the one multiplied.
// CHECK-LABEL: func.func @negative_different_inputs
func.func @negative_different_inputs(%x: tensor<8xf32>, %y: tensor<8xf32>) -> tensor<8xf32> {
  // CHECK-NOT: xf.gelu
  %sqrt2 = xf.constant dense<1.41421354> : tensor<f32>
  %one = xf.constant dense<1.0> : tensor<f32>
  %half = xf.constant dense<0.5> : tensor<f32>
  %0 = xf.div %y, %sqrt2 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %1 = xf.erf %0 : tensor<8xf32>
  %2 = xf.add %1, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %3 = xf.mul %x, %2 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %4 = xf.mul %3, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %4 : tensor<8xf32>
}
