// RUN: xf-opt %s --split-input-file --xf-fuse-layer-norm | FileCheck %s

// The decomposed form torch.onnx writes before opset 17.
// CHECK-LABEL: func.func @torch_layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x16xf32>, %[[G:.*]]: tensor<16xf32>, %[[B:.*]]: tensor<16xf32>)
func.func @torch_layer_norm(%x: tensor<2x8x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<2x8x16xf32> {
  // CHECK-NEXT: %[[Y:.*]] = xf.layer_norm %[[X]], %[[G]], %[[B]] {axis = 2 : i64, epsilon = 9.99999996E-13 : f32}
  // CHECK-NEXT: return %[[Y]]
  %two = xf.constant dense<2.0> : tensor<f32>
  %eps = xf.constant dense<1.0e-12> : tensor<f32>
  %mean = xf.reduce_mean %x {axes = array<i64: 2>} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %d = xf.sub %x, %mean : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %sq = xf.pow %d, %two : (tensor<2x8x16xf32>, tensor<f32>) -> tensor<2x8x16xf32>
  %var = xf.reduce_mean %sq {axes = array<i64: 2>} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %ve = xf.add %var, %eps : (tensor<2x8x1xf32>, tensor<f32>) -> tensor<2x8x1xf32>
  %sd = xf.sqrt %ve : tensor<2x8x1xf32>
  %n = xf.div %d, %sd : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %s = xf.mul %n, %g : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  %y = xf.add %s, %b : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

// d * d instead of a power, a reciprocal instead of a division, operands
// swapped, over the last two axes.
// CHECK-LABEL: func.func @variant_forms
// CHECK-SAME: (%[[X:.*]]: tensor<4x8x16xf32>, %[[G:.*]]: tensor<8x16xf32>, %[[B:.*]]: tensor<8x16xf32>)
func.func @variant_forms(%x: tensor<4x8x16xf32>, %g: tensor<8x16xf32>, %b: tensor<8x16xf32>) -> tensor<4x8x16xf32> {
  // CHECK-NEXT: %[[Y:.*]] = xf.layer_norm %[[X]], %[[G]], %[[B]] {axis = 1 : i64, epsilon = 9.99999974E-6 : f32}
  // CHECK-NEXT: return %[[Y]]
  %eps = xf.constant dense<1.0e-5> : tensor<f32>
  %mean = xf.reduce_mean %x {axes = array<i64: 1, 2>} : (tensor<4x8x16xf32>) -> tensor<4x1x1xf32>
  %d = xf.sub %x, %mean : (tensor<4x8x16xf32>, tensor<4x1x1xf32>) -> tensor<4x8x16xf32>
  %sq = xf.mul %d, %d : (tensor<4x8x16xf32>, tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %var = xf.reduce_mean %sq {axes = array<i64: 1, 2>} : (tensor<4x8x16xf32>) -> tensor<4x1x1xf32>
  %ve = xf.add %eps, %var : (tensor<f32>, tensor<4x1x1xf32>) -> tensor<4x1x1xf32>
  %sd = xf.sqrt %ve : tensor<4x1x1xf32>
  %r = xf.reciprocal %sd : tensor<4x1x1xf32>
  %n = xf.mul %r, %d : (tensor<4x1x1xf32>, tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %s = xf.mul %g, %n : (tensor<8x16xf32>, tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  %y = xf.add %b, %s : (tensor<8x16xf32>, tensor<4x8x16xf32>) -> tensor<4x8x16xf32>
  return %y : tensor<4x8x16xf32>
}

// -----

// A bias add after an imported layer norm without bias is folded into it.
// CHECK-LABEL: func.func @fold_bias
func.func @fold_bias(%x: tensor<2x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<2x16xf32> {
  // CHECK-NEXT: %[[Y:.*]] = xf.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64
  // CHECK-NEXT: return %[[Y]]
  %0 = xf.layer_norm %x, %g {axis = 1, epsilon = 1.0e-5 : f32} : tensor<2x16xf32>, tensor<16xf32>
  %1 = xf.add %0, %b : (tensor<2x16xf32>, tensor<16xf32>) -> tensor<2x16xf32>
  return %1 : tensor<2x16xf32>
}

// -----

// The centered value is also returned: it must be computed anyway, so the
// decomposed form stays.
// CHECK-LABEL: func.func @negative_intermediate_has_other_user
func.func @negative_intermediate_has_other_user(%x: tensor<2x16xf32>, %g: tensor<16xf32>) -> (tensor<2x16xf32>, tensor<2x16xf32>) {
  // CHECK-NOT: xf.layer_norm
  %two = xf.constant dense<2.0> : tensor<f32>
  %eps = xf.constant dense<1.0e-5> : tensor<f32>
  %mean = xf.reduce_mean %x {axes = array<i64: 1>} : (tensor<2x16xf32>) -> tensor<2x1xf32>
  %d = xf.sub %x, %mean : (tensor<2x16xf32>, tensor<2x1xf32>) -> tensor<2x16xf32>
  %sq = xf.pow %d, %two : (tensor<2x16xf32>, tensor<f32>) -> tensor<2x16xf32>
  %var = xf.reduce_mean %sq {axes = array<i64: 1>} : (tensor<2x16xf32>) -> tensor<2x1xf32>
  %ve = xf.add %var, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %sd = xf.sqrt %ve : tensor<2x1xf32>
  %n = xf.div %d, %sd : (tensor<2x16xf32>, tensor<2x1xf32>) -> tensor<2x16xf32>
  %s = xf.mul %n, %g : (tensor<2x16xf32>, tensor<16xf32>) -> tensor<2x16xf32>
  return %s, %d : tensor<2x16xf32>, tensor<2x16xf32>
}

// -----

// Mean and variance over different axes: not a layer norm.
// CHECK-LABEL: func.func @negative_mismatched_axes
func.func @negative_mismatched_axes(%x: tensor<2x4x16xf32>, %g: tensor<16xf32>) -> tensor<2x4x16xf32> {
  // CHECK-NOT: xf.layer_norm
  %two = xf.constant dense<2.0> : tensor<f32>
  %eps = xf.constant dense<1.0e-5> : tensor<f32>
  %mean = xf.reduce_mean %x {axes = array<i64: 2>} : (tensor<2x4x16xf32>) -> tensor<2x4x1xf32>
  %d = xf.sub %x, %mean : (tensor<2x4x16xf32>, tensor<2x4x1xf32>) -> tensor<2x4x16xf32>
  %sq = xf.pow %d, %two : (tensor<2x4x16xf32>, tensor<f32>) -> tensor<2x4x16xf32>
  %var = xf.reduce_mean %sq {axes = array<i64: 1, 2>} : (tensor<2x4x16xf32>) -> tensor<2x1x1xf32>
  %ve = xf.add %var, %eps : (tensor<2x1x1xf32>, tensor<f32>) -> tensor<2x1x1xf32>
  %sd = xf.sqrt %ve : tensor<2x1x1xf32>
  %n = xf.div %d, %sd : (tensor<2x4x16xf32>, tensor<2x1x1xf32>) -> tensor<2x4x16xf32>
  %s = xf.mul %n, %g : (tensor<2x4x16xf32>, tensor<16xf32>) -> tensor<2x4x16xf32>
  return %s : tensor<2x4x16xf32>
}

// -----

// Normalizing over a leading axis: not a layer norm over trailing axes.
// CHECK-LABEL: func.func @negative_leading_axis
func.func @negative_leading_axis(%x: tensor<16x2xf32>, %g: tensor<16x1xf32>) -> tensor<16x2xf32> {
  // CHECK-NOT: xf.layer_norm
  %two = xf.constant dense<2.0> : tensor<f32>
  %eps = xf.constant dense<1.0e-5> : tensor<f32>
  %mean = xf.reduce_mean %x {axes = array<i64: 0>} : (tensor<16x2xf32>) -> tensor<1x2xf32>
  %d = xf.sub %x, %mean : (tensor<16x2xf32>, tensor<1x2xf32>) -> tensor<16x2xf32>
  %sq = xf.pow %d, %two : (tensor<16x2xf32>, tensor<f32>) -> tensor<16x2xf32>
  %var = xf.reduce_mean %sq {axes = array<i64: 0>} : (tensor<16x2xf32>) -> tensor<1x2xf32>
  %ve = xf.add %var, %eps : (tensor<1x2xf32>, tensor<f32>) -> tensor<1x2xf32>
  %sd = xf.sqrt %ve : tensor<1x2xf32>
  %n = xf.div %d, %sd : (tensor<16x2xf32>, tensor<1x2xf32>) -> tensor<16x2xf32>
  %s = xf.mul %n, %g : (tensor<16x2xf32>, tensor<16x1xf32>) -> tensor<16x2xf32>
  return %s : tensor<16x2xf32>
}

// -----

// RMSNorm as Llama's torch export writes it: rsqrt as Div(1, Sqrt), the
// weight multiplied first. The input is also the residual stream: that use
// stays.
// CHECK-LABEL: func.func @llama_rms_norm
// CHECK-SAME: (%[[X:.*]]: tensor<1x8x16xf32>, %[[G:.*]]: tensor<16xf32>)
func.func @llama_rms_norm(%x: tensor<1x8x16xf32>, %g: tensor<16xf32>) -> (tensor<1x8x16xf32>, tensor<1x8x16xf32>) {
  // CHECK-NEXT: %[[Y:.*]] = xf.rms_norm %[[X]], %[[G]] {axis = 2 : i64, epsilon = 9.99999997E-7 : f32} : tensor<1x8x16xf32>, tensor<16xf32>
  // CHECK-NEXT: return %[[Y]], %[[X]]
  %two = xf.constant dense<2.0> : tensor<f32>
  %one = xf.constant dense<1.0> : tensor<f32>
  %eps = xf.constant dense<1.0e-6> : tensor<f32>
  %sq = xf.pow %x, %two : (tensor<1x8x16xf32>, tensor<f32>) -> tensor<1x8x16xf32>
  %ms = xf.reduce_mean %sq {axes = array<i64: 2>} : (tensor<1x8x16xf32>) -> tensor<1x8x1xf32>
  %me = xf.add %ms, %eps : (tensor<1x8x1xf32>, tensor<f32>) -> tensor<1x8x1xf32>
  %rms = xf.sqrt %me : tensor<1x8x1xf32>
  %inv = xf.div %one, %rms : (tensor<f32>, tensor<1x8x1xf32>) -> tensor<1x8x1xf32>
  %n = xf.mul %x, %inv : (tensor<1x8x16xf32>, tensor<1x8x1xf32>) -> tensor<1x8x16xf32>
  %y = xf.mul %g, %n : (tensor<16xf32>, tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
  return %y, %x : tensor<1x8x16xf32>, tensor<1x8x16xf32>
}

// -----

// T5's form: x * x, Reciprocal, Div-free.
// CHECK-LABEL: func.func @t5_rms_norm
func.func @t5_rms_norm(%x: tensor<?x16xf32>, %g: tensor<16xf32>) -> tensor<?x16xf32> {
  // CHECK-NEXT: %[[Y:.*]] = xf.rms_norm %{{.*}}, %{{.*}} {axis = 1 : i64, epsilon = 9.99999997E-7 : f32}
  // CHECK-NEXT: return %[[Y]]
  %eps = xf.constant dense<1.0e-6> : tensor<f32>
  %sq = xf.mul %x, %x : (tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<?x16xf32>
  %ms = xf.reduce_mean %sq {axes = array<i64: 1>} : (tensor<?x16xf32>) -> tensor<?x1xf32>
  %me = xf.add %eps, %ms : (tensor<f32>, tensor<?x1xf32>) -> tensor<?x1xf32>
  %rms = xf.sqrt %me : tensor<?x1xf32>
  %inv = xf.reciprocal %rms : tensor<?x1xf32>
  %n = xf.mul %inv, %x : (tensor<?x1xf32>, tensor<?x16xf32>) -> tensor<?x16xf32>
  %y = xf.mul %n, %g : (tensor<?x16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// The mean square is also returned: it has to be computed on its own anyway.
// CHECK-LABEL: func.func @negative_rms_statistic_used
func.func @negative_rms_statistic_used(%x: tensor<8x16xf32>, %g: tensor<16xf32>) -> (tensor<8x16xf32>, tensor<8x1xf32>) {
  // CHECK-NOT: xf.rms_norm
  // CHECK: xf.reduce_mean
  %eps = xf.constant dense<1.0e-6> : tensor<f32>
  %sq = xf.mul %x, %x : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %ms = xf.reduce_mean %sq {axes = array<i64: 1>} : (tensor<8x16xf32>) -> tensor<8x1xf32>
  %me = xf.add %ms, %eps : (tensor<8x1xf32>, tensor<f32>) -> tensor<8x1xf32>
  %rms = xf.sqrt %me : tensor<8x1xf32>
  %n = xf.div %x, %rms : (tensor<8x16xf32>, tensor<8x1xf32>) -> tensor<8x16xf32>
  %y = xf.mul %n, %g : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  return %y, %ms : tensor<8x16xf32>, tensor<8x1xf32>
}

// -----

// The mean square runs over a leading axis: not a normalization of the
// trailing dimensions.
// CHECK-LABEL: func.func @negative_rms_leading_axis
func.func @negative_rms_leading_axis(%x: tensor<8x16xf32>, %g: tensor<16xf32>) -> tensor<8x16xf32> {
  // CHECK-NOT: xf.rms_norm
  %eps = xf.constant dense<1.0e-6> : tensor<f32>
  %sq = xf.mul %x, %x : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %ms = xf.reduce_mean %sq {axes = array<i64: 0>} : (tensor<8x16xf32>) -> tensor<1x16xf32>
  %me = xf.add %ms, %eps : (tensor<1x16xf32>, tensor<f32>) -> tensor<1x16xf32>
  %rms = xf.sqrt %me : tensor<1x16xf32>
  %n = xf.div %x, %rms : (tensor<8x16xf32>, tensor<1x16xf32>) -> tensor<8x16xf32>
  %y = xf.mul %n, %g : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// TF/keras through tf2onnx: gamma folded into the reciprocal standard
// deviation, the shift computed from the mean.
// CHECK-LABEL: func.func @tf_scale_shift_form
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x16xf32>, %[[G:.*]]: tensor<16xf32>, %[[B:.*]]: tensor<16xf32>)
func.func @tf_scale_shift_form(%x: tensor<2x8x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<2x8x16xf32> {
  // CHECK-NEXT: %[[Y:.*]] = xf.layer_norm %[[X]], %[[G]], %[[B]] {axis = 2 : i64, epsilon = 1.000000e-03 : f32}
  // CHECK-NEXT: return %[[Y]]
  %eps = xf.constant dense<1.0e-3> : tensor<f32>
  %mean = xf.reduce_mean %x {axes = array<i64: 2>} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %d = xf.sub %x, %mean : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %sq = xf.mul %d, %d : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %var = xf.reduce_mean %sq {axes = array<i64: 2>} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %ve = xf.add %var, %eps : (tensor<2x8x1xf32>, tensor<f32>) -> tensor<2x8x1xf32>
  %sd = xf.sqrt %ve : tensor<2x8x1xf32>
  %r = xf.reciprocal %sd : tensor<2x8x1xf32>
  %inv = xf.mul %r, %g : (tensor<2x8x1xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  %xs = xf.mul %x, %inv : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %ms = xf.mul %mean, %inv : (tensor<2x8x1xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %shift = xf.sub %b, %ms : (tensor<16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %y = xf.add %xs, %shift : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

// The shift is computed from something other than the mean of x.
// CHECK-LABEL: func.func @negative_tf_shift_of_other_mean
func.func @negative_tf_shift_of_other_mean(%x: tensor<8x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>, %m: tensor<8x1xf32>) -> tensor<8x16xf32> {
  // CHECK-NOT: xf.layer_norm
  %eps = xf.constant dense<1.0e-3> : tensor<f32>
  %mean = xf.reduce_mean %x {axes = array<i64: 1>} : (tensor<8x16xf32>) -> tensor<8x1xf32>
  %d = xf.sub %x, %mean : (tensor<8x16xf32>, tensor<8x1xf32>) -> tensor<8x16xf32>
  %sq = xf.mul %d, %d : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %var = xf.reduce_mean %sq {axes = array<i64: 1>} : (tensor<8x16xf32>) -> tensor<8x1xf32>
  %ve = xf.add %var, %eps : (tensor<8x1xf32>, tensor<f32>) -> tensor<8x1xf32>
  %sd = xf.sqrt %ve : tensor<8x1xf32>
  %r = xf.reciprocal %sd : tensor<8x1xf32>
  %inv = xf.mul %r, %g : (tensor<8x1xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  %xs = xf.mul %x, %inv : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %ms = xf.mul %m, %inv : (tensor<8x1xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %shift = xf.sub %b, %ms : (tensor<16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %y = xf.add %xs, %shift : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// Keras 3 through tf2onnx: the shift as -mean * inv + beta, and the scale
// and shift kept as [1, 1, C]; they lose their leading 1s.
// CHECK-LABEL: func.func @keras_negated_mean_shift
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x16xf32>, %[[G:.*]]: tensor<1x1x16xf32>, %[[B:.*]]: tensor<1x1x16xf32>)
func.func @keras_negated_mean_shift(%x: tensor<2x8x16xf32>, %g: tensor<1x1x16xf32>, %b: tensor<1x1x16xf32>) -> tensor<2x8x16xf32> {
  // CHECK-NEXT: %[[SCALE:.*]] = xf.squeeze %[[G]] {axes = array<i64: 0, 1>} : (tensor<1x1x16xf32>) -> tensor<16xf32>
  // CHECK-NEXT: %[[SHIFT:.*]] = xf.squeeze %[[B]] {axes = array<i64: 0, 1>} : (tensor<1x1x16xf32>) -> tensor<16xf32>
  // CHECK-NEXT: %[[Y:.*]] = xf.layer_norm %[[X]], %[[SCALE]], %[[SHIFT]] {axis = 2 : i64, epsilon = 1.000000e-03 : f32}
  // CHECK-NEXT: return %[[Y]]
  %eps = xf.constant dense<1.0e-3> : tensor<f32>
  %mean = xf.reduce_mean %x {axes = array<i64: 2>} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %neg = xf.neg %mean : tensor<2x8x1xf32>
  %d = xf.sub %x, %mean : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %sq = xf.mul %d, %d : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %var = xf.reduce_mean %sq {axes = array<i64: 2>} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %ve = xf.add %var, %eps : (tensor<2x8x1xf32>, tensor<f32>) -> tensor<2x8x1xf32>
  %sd = xf.sqrt %ve : tensor<2x8x1xf32>
  %r = xf.reciprocal %sd : tensor<2x8x1xf32>
  %inv = xf.mul %r, %g : (tensor<2x8x1xf32>, tensor<1x1x16xf32>) -> tensor<2x8x16xf32>
  %xs = xf.mul %x, %inv : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %ms = xf.mul %neg, %inv : (tensor<2x8x1xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %shift = xf.add %ms, %b : (tensor<2x8x16xf32>, tensor<1x1x16xf32>) -> tensor<2x8x16xf32>
  %y = xf.add %xs, %shift : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

// A scale and shift of [2, 1, 16] differ per batch: not a layer norm's
// parameters, nothing fused (and nothing left behind).
// CHECK-LABEL: func.func @negative_keras_scale_per_batch
func.func @negative_keras_scale_per_batch(%x: tensor<2x8x16xf32>, %g: tensor<2x1x16xf32>, %b: tensor<1x1x16xf32>) -> tensor<2x8x16xf32> {
  // CHECK-NOT: xf.layer_norm
  // CHECK-NOT: xf.squeeze
  %eps = xf.constant dense<1.0e-3> : tensor<f32>
  %mean = xf.reduce_mean %x {axes = array<i64: 2>} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %neg = xf.neg %mean : tensor<2x8x1xf32>
  %d = xf.sub %x, %mean : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %sq = xf.mul %d, %d : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %var = xf.reduce_mean %sq {axes = array<i64: 2>} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %ve = xf.add %var, %eps : (tensor<2x8x1xf32>, tensor<f32>) -> tensor<2x8x1xf32>
  %sd = xf.sqrt %ve : tensor<2x8x1xf32>
  %r = xf.reciprocal %sd : tensor<2x8x1xf32>
  %inv = xf.mul %r, %g : (tensor<2x8x1xf32>, tensor<2x1x16xf32>) -> tensor<2x8x16xf32>
  %xs = xf.mul %x, %inv : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %ms = xf.mul %neg, %inv : (tensor<2x8x1xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %shift = xf.add %ms, %b : (tensor<2x8x16xf32>, tensor<1x1x16xf32>) -> tensor<2x8x16xf32>
  %y = xf.add %xs, %shift : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

// An fp16 model normalizing in fp32: the casts around the pattern stay, the
// pattern between them is fused.
// CHECK-LABEL: func.func @between_casts
func.func @between_casts(%x16: tensor<2x16xf16>, %g: tensor<16xf32>, %b: tensor<16xf32>) -> tensor<2x16xf16> {
  // CHECK-NEXT: %[[X:.*]] = xf.cast %{{.*}} : tensor<2x16xf16> to tensor<2x16xf32>
  // CHECK-NEXT: %[[Y:.*]] = xf.layer_norm %[[X]], %{{.*}}, %{{.*}} {axis = 1 : i64, epsilon = 9.99999974E-6 : f32}
  // CHECK-NEXT: %[[Y16:.*]] = xf.cast %[[Y]] : tensor<2x16xf32> to tensor<2x16xf16>
  // CHECK-NEXT: return %[[Y16]]
  %eps = xf.constant dense<1.0e-5> : tensor<f32>
  %two = xf.constant dense<2.0> : tensor<f32>
  %x = xf.cast %x16 : tensor<2x16xf16> to tensor<2x16xf32>
  %mean = xf.reduce_mean %x {axes = array<i64: 1>} : (tensor<2x16xf32>) -> tensor<2x1xf32>
  %d = xf.sub %x, %mean : (tensor<2x16xf32>, tensor<2x1xf32>) -> tensor<2x16xf32>
  %sq = xf.pow %d, %two : (tensor<2x16xf32>, tensor<f32>) -> tensor<2x16xf32>
  %var = xf.reduce_mean %sq {axes = array<i64: 1>} : (tensor<2x16xf32>) -> tensor<2x1xf32>
  %ve = xf.add %var, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %sd = xf.sqrt %ve : tensor<2x1xf32>
  %n = xf.div %d, %sd : (tensor<2x16xf32>, tensor<2x1xf32>) -> tensor<2x16xf32>
  %s = xf.mul %n, %g : (tensor<2x16xf32>, tensor<16xf32>) -> tensor<2x16xf32>
  %y = xf.add %s, %b : (tensor<2x16xf32>, tensor<16xf32>) -> tensor<2x16xf32>
  %y16 = xf.cast %y : tensor<2x16xf32> to tensor<2x16xf16>
  return %y16 : tensor<2x16xf16>
}
