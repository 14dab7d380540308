// RUN: xf-opt %s --split-input-file --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @transpose_of_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
func.func @transpose_of_transpose(%x: tensor<2x3x4xf32>) -> tensor<3x2x4xf32> {
  // CHECK: %[[T:.*]] = xf.transpose %[[X]] {perm = array<i64: 1, 0, 2>}
  // CHECK-NOT: xf.transpose
  // CHECK: return %[[T]]
  %0 = xf.transpose %x {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %1 = xf.transpose %0 {perm = array<i64: 0, 2, 1>} : (tensor<3x4x2xf32>) -> tensor<3x2x4xf32>
  return %1 : tensor<3x2x4xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
func.func @transpose_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK-NEXT: return %[[X]]
  %0 = xf.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = xf.transpose %0 {perm = array<i64: 1, 0>} : (tensor<3x2xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_of_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<2x12xf32>)
func.func @reshape_of_reshape(%x: tensor<2x12xf32>) -> tensor<4x6xf32> {
  // CHECK: %[[S:.*]] = xf.constant dense<[4, 6]>
  // CHECK: %[[R:.*]] = xf.reshape %[[X]], %[[S]]
  // CHECK-NOT: xf.reshape
  // CHECK: return %[[R]]
  %s1 = xf.constant dense<[24]> : tensor<1xi64>
  %s2 = xf.constant dense<[4, 6]> : tensor<2xi64>
  %0 = xf.reshape %x, %s1 : (tensor<2x12xf32>, tensor<1xi64>) -> tensor<24xf32>
  %1 = xf.reshape %0, %s2 : (tensor<24xf32>, tensor<2xi64>) -> tensor<4x6xf32>
  return %1 : tensor<4x6xf32>
}

// -----

// A target shape that copies a dimension (0) of the intermediate value must
// not be composed.
// CHECK-LABEL: func.func @negative_reshape_of_reshape_copying_dims
func.func @negative_reshape_of_reshape_copying_dims(%x: tensor<?x12xf32>) -> tensor<?x2x6xf32> {
  // CHECK-COUNT-2: xf.reshape
  %s1 = xf.constant dense<[0, 4, 3]> : tensor<3xi64>
  %s2 = xf.constant dense<[0, 2, 6]> : tensor<3xi64>
  %0 = xf.reshape %x, %s1 : (tensor<?x12xf32>, tensor<3xi64>) -> tensor<?x4x3xf32>
  %1 = xf.reshape %0, %s2 : (tensor<?x4x3xf32>, tensor<3xi64>) -> tensor<?x2x6xf32>
  return %1 : tensor<?x2x6xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_to_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
func.func @reshape_to_same_type(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK-NEXT: return %[[X]]
  %s = xf.constant dense<[2, -1]> : tensor<2xi64>
  %0 = xf.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A reshape by the input's own dimensions is no reshape, however dynamic.
// CHECK-LABEL: func.func @reshape_to_own_dynamic_shape
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>)
func.func @reshape_to_own_dynamic_shape(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  // CHECK-NEXT: return %[[X]]
  %shape = xf.shape_of %x : (tensor<?x?x64xf32>) -> tensor<3xi64>
  %i0 = xf.constant dense<[0]> : tensor<1xi64>
  %i1 = xf.constant dense<[1]> : tensor<1xi64>
  %d0 = xf.gather %shape, %i0 {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %d1 = xf.gather %shape, %i1 {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %c = xf.constant dense<[64]> : tensor<1xi64>
  %s = xf.concat %d0, %d1, %c {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %0 = xf.reshape %x, %s : (tensor<?x?x64xf32>, tensor<3xi64>) -> tensor<?x?x64xf32>
  return %0 : tensor<?x?x64xf32>
}

// -----

// Equal dynamic types are no proof of equal shapes: torch.nn's attention
// reshapes [L, B, 64] to [L, B * 4, 16], both `?x?x?`. The reshape stays.
// CHECK-LABEL: func.func @negative_reshape_between_equal_dynamic_types
func.func @negative_reshape_between_equal_dynamic_types(%x: tensor<?x?x?xf32>, %s: tensor<3xi64>) -> tensor<?x?x?xf32> {
  // CHECK: %[[R:.*]] = xf.reshape
  // CHECK: return %[[R]]
  %0 = xf.reshape %x, %s : (tensor<?x?x?xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}

// -----

// A dynamic dimension may be 1 at run time and grow: the expand stays.
// CHECK-LABEL: func.func @negative_expand_between_equal_dynamic_types
func.func @negative_expand_between_equal_dynamic_types(%x: tensor<?x8xf32>, %s: tensor<2xi64>) -> tensor<?x8xf32> {
  // CHECK: %[[E:.*]] = xf.expand
  // CHECK: return %[[E]]
  %0 = xf.expand %x, %s : (tensor<?x8xf32>, tensor<2xi64>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// A where whose chosen operand may be broadcast by the other must stay.
// CHECK-LABEL: func.func @negative_where_broadcasting_the_chosen_operand
func.func @negative_where_broadcasting_the_chosen_operand(%x: tensor<?xf32>, %y: tensor<?xf32>) -> tensor<?xf32> {
  // CHECK: %[[W:.*]] = xf.where
  // CHECK: return %[[W]]
  %c = xf.constant dense<true> : tensor<1xi1>
  %0 = xf.where %c, %x, %y : (tensor<1xi1>, tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// CHECK-LABEL: func.func @arithmetic_identities
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
func.func @arithmetic_identities(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-NEXT: return %[[X]]
  %one = xf.constant dense<1.0> : tensor<f32>
  %zero = xf.constant dense<0.0> : tensor<f32>
  %0 = xf.mul %x, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = xf.add %zero, %0 : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = xf.div %1, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %3 = xf.sub %2, %zero : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %3 : tensor<4xf32>
}

// -----

// An identity that broadcasts changes the type and must stay.
// CHECK-LABEL: func.func @negative_identity_that_broadcasts
func.func @negative_identity_that_broadcasts(%x: tensor<4xf32>) -> tensor<2x4xf32> {
  // CHECK: xf.mul
  %one = xf.constant dense<1.0> : tensor<2x4xf32>
  %0 = xf.mul %x, %one : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func.func @fold_constant_arithmetic
func.func @fold_constant_arithmetic() -> (tensor<2x2xf32>, tensor<2xi1>, tensor<f32>) {
  // CHECK-DAG: xf.constant dense<{{\[}}[1.100000e+01, 2.200000e+01], [1.300000e+01, 2.400000e+01]]> : tensor<2x2xf32>
  // CHECK-DAG: xf.constant dense<[false, true]> : tensor<2xi1>
  // CHECK-DAG: xf.constant dense<5.65685415> : tensor<f32>
  // CHECK-NOT: xf.add
  // CHECK-NOT: xf.sqrt
  %a = xf.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = xf.constant dense<[10.0, 20.0]> : tensor<2xf32>
  %0 = xf.add %a, %b : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %c = xf.constant dense<[3, 5]> : tensor<2xi64>
  %d = xf.constant dense<4> : tensor<i64>
  %1 = xf.greater %c, %d : (tensor<2xi64>, tensor<i64>) -> tensor<2xi1>
  %e = xf.constant dense<32.0> : tensor<f32>
  %2 = xf.sqrt %e : tensor<f32>
  return %0, %1, %2 : tensor<2x2xf32>, tensor<2xi1>, tensor<f32>
}

// -----

// Integer division by zero is left for run time.
// CHECK-LABEL: func.func @negative_integer_division_by_zero
func.func @negative_integer_division_by_zero() -> tensor<i64> {
  // CHECK: xf.div
  %a = xf.constant dense<7> : tensor<i64>
  %z = xf.constant dense<0> : tensor<i64>
  %0 = xf.div %a, %z : (tensor<i64>, tensor<i64>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// The shape sub-graph exporters emit for multi-head attention folds away
// when the input shape is static.
// CHECK-LABEL: func.func @fold_shape_subgraph
// CHECK-SAME: (%[[X:.*]]: tensor<2x7x384xf32>)
func.func @fold_shape_subgraph(%x: tensor<2x7x384xf32>) -> tensor<2x7x12x32xf32> {
  // CHECK: %[[S:.*]] = xf.constant dense<[2, 7, 12, 32]> : tensor<4xi64>
  // CHECK: xf.reshape %[[X]], %[[S]]
  // CHECK-NOT: xf.shape_of
  // CHECK-NOT: xf.gather
  // CHECK-NOT: xf.concat
  %shape = xf.shape_of %x : (tensor<2x7x384xf32>) -> tensor<3xi64>
  %i0 = xf.constant dense<0> : tensor<i64>
  %i1 = xf.constant dense<1> : tensor<i64>
  %b = xf.gather %shape, %i0 {axis = 0} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %s = xf.gather %shape, %i1 {axis = 0} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %b1 = xf.unsqueeze %b {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %s1 = xf.unsqueeze %s {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %heads = xf.constant dense<[12, 32]> : tensor<2xi64>
  %target = xf.concat %b1, %s1, %heads {axis = 0} : (tensor<1xi64>, tensor<1xi64>, tensor<2xi64>) -> tensor<4xi64>
  %r = xf.reshape %x, %target : (tensor<2x7x384xf32>, tensor<4xi64>) -> tensor<2x7x12x32xf32>
  return %r : tensor<2x7x12x32xf32>
}

// -----

// With a dynamic input the shape stays a computation.
// CHECK-LABEL: func.func @negative_dynamic_shape_subgraph
func.func @negative_dynamic_shape_subgraph(%x: tensor<?x7xf32>) -> tensor<1xi64> {
  // CHECK: xf.shape_of
  // CHECK: xf.slice
  %shape = xf.shape_of %x : (tensor<?x7xf32>) -> tensor<2xi64>
  %z = xf.constant dense<0> : tensor<1xi64>
  %o = xf.constant dense<1> : tensor<1xi64>
  %0 = xf.slice %shape, %z, %o, %z, %o : (tensor<2xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  return %0 : tensor<1xi64>
}

// -----

// CHECK-LABEL: func.func @fold_constant_layout
func.func @fold_constant_layout() -> (tensor<3x2xi64>, tensor<2xi64>, tensor<4xi64>, tensor<2x2xf32>) {
  // CHECK-DAG: dense<{{\[}}[1, 4], [2, 5], [3, 6]]> : tensor<3x2xi64>
  // CHECK-DAG: dense<[3, 1]> : tensor<2xi64>
  // CHECK-DAG: dense<[0, 2, 4, 6]> : tensor<4xi64>
  // CHECK-DAG: dense<7.000000e+00> : tensor<2x2xf32>
  %a = xf.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %0 = xf.transpose %a {perm = array<i64: 1, 0>} : (tensor<2x3xi64>) -> tensor<3x2xi64>
  %v = xf.constant dense<[1, 2, 3]> : tensor<3xi64>
  %st = xf.constant dense<2> : tensor<1xi64>
  %en = xf.constant dense<-4> : tensor<1xi64>
  %ax = xf.constant dense<0> : tensor<1xi64>
  %sp = xf.constant dense<-2> : tensor<1xi64>
  %1 = xf.slice %v, %st, %en, %ax, %sp : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %zero = xf.constant dense<0> : tensor<i64>
  %lim = xf.constant dense<8> : tensor<i64>
  %two = xf.constant dense<2> : tensor<i64>
  %2 = xf.range %zero, %lim, %two : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<4xi64>
  %shape = xf.constant dense<[2, 2]> : tensor<2xi64>
  %3 = xf.constant_of_shape %shape {value = dense<7.0> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<2x2xf32>
  return %0, %1, %2, %3 : tensor<3x2xi64>, tensor<2xi64>, tensor<4xi64>, tensor<2x2xf32>
}

// -----

// With a negative step, ONNX clamps starts to [0, dim - 1] and ends to
// [-1, dim - 1]: start -10 and end -7 on 3 elements take element 0.
// CHECK-LABEL: func.func @fold_slice_negative_step_clamp
func.func @fold_slice_negative_step_clamp() -> tensor<1xi64> {
  // CHECK: %[[C:.*]] = xf.constant dense<1> : tensor<1xi64>
  // CHECK: return %[[C]]
  %v = xf.constant dense<[1, 2, 3]> : tensor<3xi64>
  %st = xf.constant dense<-10> : tensor<1xi64>
  %en = xf.constant dense<-7> : tensor<1xi64>
  %ax = xf.constant dense<0> : tensor<1xi64>
  %sp = xf.constant dense<-1> : tensor<1xi64>
  %0 = xf.slice %v, %st, %en, %ax, %sp : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  return %0 : tensor<1xi64>
}

// -----

// Weights are never evaluated by folding.
// CHECK-LABEL: func.func @negative_no_weight_folding
func.func @negative_no_weight_folding() -> tensor<4x3xf32> {
  // CHECK: xf.transpose
  %w = xf.constant dense_resource<weight> : tensor<3x4xf32>
  %0 = xf.transpose %w {perm = array<i64: 1, 0>} : (tensor<3x4xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

{-#
  dialect_resources: {
    builtin: {
      weight: "0x040000000000803F0000004000004040000080400000A0400000C0400000E0400000004100001041000020410000304100004041"
    }
  }
#-}

// -----

// CHECK-LABEL: func.func @reduce_over_unit_dims
// CHECK-SAME: (%[[X:.*]]: tensor<2x1xf32>)
func.func @reduce_over_unit_dims(%x: tensor<2x1xf32>) -> tensor<2x1xf32> {
  // CHECK-NEXT: return %[[X]]
  %0 = xf.reduce_mean %x {axes = array<i64: 1>} : (tensor<2x1xf32>) -> tensor<2x1xf32>
  return %0 : tensor<2x1xf32>
}

// -----

// A shape element read from a static dimension is a constant, even when
// the tensor has dynamic ones: GPT-2 divides its scores by sqrt of the head
// size read this way.
// CHECK-LABEL: func.func @static_dimension_of_dynamic_tensor
func.func @static_dimension_of_dynamic_tensor(%x: tensor<?x4x?x16xf32>) -> tensor<i64> {
  // CHECK-NEXT: %[[C:.*]] = xf.constant dense<16> : tensor<i64>
  // CHECK-NEXT: return %[[C]]
  %s = xf.shape_of %x : (tensor<?x4x?x16xf32>) -> tensor<4xi64>
  %i = xf.constant dense<-1> : tensor<i64>
  %d = xf.gather %s, %i {axis = 0 : i64} : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  return %d : tensor<i64>
}

// -----

// x - x is 0 for integers (exporters' past length of 0); not for floats,
// where inf - inf is NaN.
// CHECK-LABEL: func.func @sub_self
func.func @sub_self(%n: tensor<i64>, %f: tensor<f32>) -> (tensor<i64>, tensor<f32>) {
  // CHECK-DAG: %[[ZERO:.*]] = xf.constant dense<0> : tensor<i64>
  // CHECK-DAG: %[[F:.*]] = xf.sub %{{.*}}, %{{.*}} : (tensor<f32>, tensor<f32>) -> tensor<f32>
  // CHECK: return %[[ZERO]], %[[F]]
  %0 = xf.sub %n, %n : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %1 = xf.sub %f, %f : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %0, %1 : tensor<i64>, tensor<f32>
}
