// RUN: xf-opt %s --split-input-file | FileCheck %s
// Round trip: every op parses, verifies and prints back; a second round trip
// through the generic form checks the printer/parser pair.
// RUN: xf-opt %s --split-input-file --mlir-print-op-generic | xf-opt --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<2x8xf32>, %b: tensor<8xf32>, %c: tensor<2x1xi1>) -> tensor<2x8xf32> {
  // CHECK: xf.add %{{.*}}, %{{.*}} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %0 = xf.add %x, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  // CHECK: xf.pow
  %1 = xf.pow %0, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  // CHECK: xf.erf %{{.*}} : tensor<2x8xf32>
  %2 = xf.erf %1 : tensor<2x8xf32>
  // CHECK: xf.gelu %{{.*}} {approximate = "tanh"} : tensor<2x8xf32>
  %3 = xf.gelu %2 {approximate = "tanh"} : tensor<2x8xf32>
  // CHECK: xf.less %{{.*}} -> tensor<2x8xi1>
  %4 = xf.less %3, %b : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xi1>
  // CHECK: xf.where
  %5 = xf.where %c, %3, %x : (tensor<2x1xi1>, tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  // CHECK: xf.cast %{{.*}} : tensor<2x8xi1> to tensor<2x8xf32>
  %6 = xf.cast %4 : tensor<2x8xi1> to tensor<2x8xf32>
  %7 = xf.mul %5, %6 : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %7 : tensor<2x8xf32>
}

// -----

// Declared result types may be less static than the inferred ones.
// CHECK-LABEL: func.func @dynamic_result
func.func @dynamic_result(%x: tensor<2x8xf32>) -> tensor<?x8xf32> {
  // CHECK: -> tensor<?x8xf32>
  %0 = xf.add %x, %x : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_and_reductions
func.func @matmul_and_reductions(%x: tensor<?x128x384xf32>, %w: tensor<384x1536xf32>) -> tensor<?x128x1xf32> {
  // CHECK: xf.matmul %{{.*}} -> tensor<?x128x1536xf32>
  %0 = xf.matmul %x, %w : (tensor<?x128x384xf32>, tensor<384x1536xf32>) -> tensor<?x128x1536xf32>
  // CHECK: xf.reduce_mean %{{.*}} {axes = array<i64: 2>}
  %1 = xf.reduce_mean %0 {axes = array<i64: 2>} : (tensor<?x128x1536xf32>) -> tensor<?x128x1xf32>
  // CHECK: xf.reduce_sum %{{.*}} {axes = array<i64: 2>, keepdims = false}
  %2 = xf.reduce_sum %1 {axes = array<i64: 2>, keepdims = false} : (tensor<?x128x1xf32>) -> tensor<?x128xf32>
  return %1 : tensor<?x128x1xf32>
}

// -----

// CHECK-LABEL: func.func @normalization
func.func @normalization(%x: tensor<1x128x384xf32>, %g: tensor<384xf32>, %b: tensor<384xf32>, %s: tensor<1x12x128x128xf32>) -> tensor<1x128x384xf32> {
  // CHECK: xf.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = 2 : i64, epsilon = 9.99999996E-13 : f32}
  %0 = xf.layer_norm %x, %g, %b {axis = 2, epsilon = 1.0e-12 : f32} : tensor<1x128x384xf32>, tensor<384xf32>, tensor<384xf32>
  // CHECK: xf.layer_norm %{{.*}}, %{{.*}} {axis = 2 : i64, epsilon = 9.99999974E-6 : f32} : tensor<1x128x384xf32>, tensor<384xf32>
  %1 = xf.layer_norm %0, %g {axis = 2, epsilon = 1.0e-5 : f32} : tensor<1x128x384xf32>, tensor<384xf32>
  // CHECK: xf.softmax %{{.*}} {axis = 3 : i64}
  %2 = xf.softmax %s {axis = 3} : tensor<1x12x128x128xf32>
  // CHECK: xf.skip_layer_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {axis = 2 : i64, epsilon = 9.99999996E-13 : f32} : tensor<1x128x384xf32>, tensor<384xf32>, tensor<384xf32>
  %3 = xf.skip_layer_norm %x, %1, %g, %b {axis = 2, epsilon = 1.0e-12 : f32} : tensor<1x128x384xf32>, tensor<384xf32>, tensor<384xf32>
  // CHECK: xf.rms_norm %{{.*}}, %{{.*}} {axis = 2 : i64, epsilon = 9.99999997E-7 : f32} : tensor<1x128x384xf32>, tensor<384xf32>
  %4 = xf.rms_norm %3, %g {axis = 2, epsilon = 1.0e-6 : f32} : tensor<1x128x384xf32>, tensor<384xf32>
  return %4 : tensor<1x128x384xf32>
}

// -----

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<?x?x384xf32>, %kv: tensor<?x?x384xf32>, %v: tensor<?x?x768xf32>, %m: tensor<?x1x1x?xf32>) -> (tensor<?x?x384xf32>, tensor<?x?x768xf32>) {
  // CHECK: xf.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {mask_kind = "padding", num_heads = 12 : i64, scale = 0.176776{{[0-9]*}} : f32} : (tensor<?x?x384xf32>, tensor<?x?x384xf32>, tensor<?x?x384xf32>, tensor<?x1x1x?xf32>) -> tensor<?x?x384xf32>
  %0 = xf.attention %q, %kv, %kv, %m {num_heads = 12, scale = 0.1767767 : f32, mask_kind = "padding"} : (tensor<?x?x384xf32>, tensor<?x?x384xf32>, tensor<?x?x384xf32>, tensor<?x1x1x?xf32>) -> tensor<?x?x384xf32>
  // The value head size may differ from the query's; the result follows V.
  // CHECK: xf.attention %{{.*}}, %{{.*}}, %{{.*}} {mask_kind = "causal", num_heads = 12 : i64, scale = 1.250000e-01 : f32} : (tensor<?x?x384xf32>, tensor<?x?x384xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
  %1 = xf.attention %q, %kv, %v {num_heads = 12, scale = 0.125 : f32, mask_kind = "causal"} : (tensor<?x?x384xf32>, tensor<?x?x384xf32>, tensor<?x?x768xf32>) -> tensor<?x?x768xf32>
  return %0, %1 : tensor<?x?x384xf32>, tensor<?x?x768xf32>
}

// -----

// CHECK-LABEL: func.func @layout
func.func @layout(%x: tensor<?x?x384xf32>, %ids: tensor<?x?xi64>, %table: tensor<1000x384xf32>) -> tensor<?x12x?x32xf32> {
  %shape = xf.constant dense<[0, 0, 12, 32]> : tensor<4xi64>
  // CHECK: xf.reshape %{{.*}}, %{{.*}} : (tensor<?x?x384xf32>, tensor<4xi64>) -> tensor<?x?x12x32xf32>
  %0 = xf.reshape %x, %shape : (tensor<?x?x384xf32>, tensor<4xi64>) -> tensor<?x?x12x32xf32>
  // CHECK: xf.transpose %{{.*}} {perm = array<i64: 0, 2, 1, 3>}
  %1 = xf.transpose %0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x12x32xf32>) -> tensor<?x12x?x32xf32>
  // CHECK: xf.gather %{{.*}} {axis = 0 : i64} : (tensor<1000x384xf32>, tensor<?x?xi64>) -> tensor<?x?x384xf32>
  %2 = xf.gather %table, %ids {axis = 0} : (tensor<1000x384xf32>, tensor<?x?xi64>) -> tensor<?x?x384xf32>
  // CHECK: xf.unsqueeze %{{.*}} {axes = array<i64: 1, 2>} : (tensor<?x?xi64>) -> tensor<?x1x1x?xi64>
  %3 = xf.unsqueeze %ids {axes = array<i64: 1, 2>} : (tensor<?x?xi64>) -> tensor<?x1x1x?xi64>
  // CHECK: xf.squeeze %{{.*}} {axes = array<i64: 1>}
  %4 = xf.squeeze %3 {axes = array<i64: 1>} : (tensor<?x1x1x?xi64>) -> tensor<?x1x?xi64>
  // CHECK: xf.split %{{.*}} {axis = 2 : i64, split_sizes = array<i64: 128, 256>}
  %5:2 = xf.split %x {axis = 2, split_sizes = array<i64: 128, 256>} : tensor<?x?x384xf32> -> tensor<?x?x128xf32>, tensor<?x?x256xf32>
  // CHECK: xf.concat %{{.*}}, %{{.*}} {axis = 2 : i64} : (tensor<?x?x128xf32>, tensor<?x?x256xf32>) -> tensor<?x?x384xf32>
  %6 = xf.concat %5#0, %5#1 {axis = 2} : (tensor<?x?x128xf32>, tensor<?x?x256xf32>) -> tensor<?x?x384xf32>
  return %1 : tensor<?x12x?x32xf32>
}

// -----

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<?x128xf32>, %n: tensor<i64>) -> tensor<?xi64> {
  // CHECK: xf.shape_of %{{.*}} : (tensor<?x128xf32>) -> tensor<2xi64>
  %0 = xf.shape_of %x : (tensor<?x128xf32>) -> tensor<2xi64>
  // CHECK: xf.constant_of_shape %{{.*}} {value = dense<0.000000e+00> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<?x128xf32>
  %1 = xf.constant_of_shape %0 {value = dense<0.0> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<?x128xf32>
  // CHECK: xf.expand %{{.*}}, %{{.*}} : (tensor<?x128xf32>, tensor<2xi64>) -> tensor<?x128xf32>
  %2 = xf.expand %1, %0 : (tensor<?x128xf32>, tensor<2xi64>) -> tensor<?x128xf32>
  // CHECK: xf.tile
  %3 = xf.tile %2, %0 : (tensor<?x128xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %zero = xf.constant dense<0> : tensor<i64>
  %one = xf.constant dense<1> : tensor<i64>
  // CHECK: xf.range %{{.*}}, %{{.*}}, %{{.*}} : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %4 = xf.range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %s = xf.constant dense<1> : tensor<1xi64>
  %a = xf.constant dense<0> : tensor<1xi64>
  // CHECK: xf.slice
  %5 = xf.slice %4, %s, %s, %a, %s : (tensor<?xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?xi64>
  return %4 : tensor<?xi64>
}

// -----

// CHECK-LABEL: func.func @packed_linear
func.func @packed_linear(%x: tensor<1x?x384xf32>, %w: tensor<24x384x64xf32>, %b: tensor<1500xf32>) -> tensor<1x?x1500xf32> {
  // CHECK: xf.packed_linear %{{.*}}, %{{.*}}, %{{.*}} {activation = "gelu", columns = 1500 : i64} : (tensor<1x?x384xf32>, tensor<24x384x64xf32>, tensor<1500xf32>) -> tensor<1x?x1500xf32>
  %0 = xf.packed_linear %x, %w, %b {columns = 1500 : i64, activation = "gelu"} : (tensor<1x?x384xf32>, tensor<24x384x64xf32>, tensor<1500xf32>) -> tensor<1x?x1500xf32>
  return %0 : tensor<1x?x1500xf32>
}

// -----

// Index reductions, bitwise integer ops and the inverse and hyperbolic
// trigonometric functions.
// CHECK-LABEL: func.func @arg_bitwise_trig
func.func @arg_bitwise_trig(%x: tensor<2x5xf32>, %u: tensor<4xui8>, %n: tensor<4xui8>) -> (tensor<2xi64>, tensor<1x5xi64>, tensor<4xui8>, tensor<4xui8>, tensor<2x5xf32>) {
  // CHECK: xf.arg_max %{{.*}} {axis = 1 : i64, keepdims = false} : (tensor<2x5xf32>) -> tensor<2xi64>
  %0 = xf.arg_max %x {axis = 1 : i64, keepdims = false} : (tensor<2x5xf32>) -> tensor<2xi64>
  // CHECK: xf.arg_min %{{.*}} {axis = 0 : i64, select_last_index = true} : (tensor<2x5xf32>) -> tensor<1x5xi64>
  %1 = xf.arg_min %x {axis = 0 : i64, select_last_index = true} : (tensor<2x5xf32>) -> tensor<1x5xi64>
  // CHECK: xf.bit_shift %{{.*}}, %{{.*}} {direction = "left"} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %2 = xf.bit_shift %u, %n {direction = "left"} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  // CHECK: xf.and %{{.*}}, %{{.*}} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %3 = xf.and %2, %u : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  // CHECK: xf.not %{{.*}} : tensor<4xui8>
  %4 = xf.not %3 : tensor<4xui8>
  // CHECK: xf.atanh
  %5 = xf.atanh %x : tensor<2x5xf32>
  // CHECK: xf.cosh
  %6 = xf.cosh %5 : tensor<2x5xf32>
  return %0, %1, %4, %4, %6 : tensor<2xi64>, tensor<1x5xi64>, tensor<4xui8>, tensor<4xui8>, tensor<2x5xf32>
}
