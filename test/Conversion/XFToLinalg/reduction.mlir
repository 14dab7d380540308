// RUN: xf-opt %s --split-input-file --convert-xf-to-linalg | FileCheck %s

// keepdims keeps the reduced axis as a constant index in the output map;
// the mean divides by the element count computed from the shape.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[KEPT:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @mean_keepdims
func.func @mean_keepdims(%x: tensor<?x8xf32>) -> tensor<?x1xf32> {
  // CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x1xf32>)
  // CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[KEPT]]], iterator_types = ["parallel", "reduction"]}
  // CHECK: arith.addf
  // CHECK: arith.sitofp
  // CHECK: linalg.generic
  // CHECK: arith.divf
  %0 = xf.reduce_mean %x {axes = array<i64: 1>} : (tensor<?x8xf32>) -> tensor<?x1xf32>
  return %0 : tensor<?x1xf32>
}

// -----

// Integer maximum starts from the smallest value of the type.
// CHECK-LABEL: func.func @max_dropping_axis
func.func @max_dropping_axis(%x: tensor<3x8xi64>) -> tensor<3xi64> {
  // CHECK: arith.constant -9223372036854775808 : i64
  // CHECK: linalg.generic
  // CHECK: arith.maxsi
  %0 = xf.reduce_max %x {axes = array<i64: 1>, keepdims = false} : (tensor<3x8xi64>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

// Softmax: a max, the exponentials of the shifted inputs, their sum, a
// division; no value is materialized twice.
// CHECK-LABEL: func.func @softmax
func.func @softmax(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  // CHECK: arith.constant 0xFF800000 : f32
  // CHECK: arith.maximumf
  // CHECK: arith.subf
  // CHECK: math.exp
  // CHECK: arith.addf
  // CHECK: arith.divf
  // CHECK-NOT: linalg.generic
  %0 = xf.softmax %x {axis = 2} : tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// Three passes over x: the sum, the sum of squared deviations from the mean,
// the normalization; the reciprocal square root once per row.
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x384xf32>
func.func @layer_norm(%x: tensor<?x384xf32>, %g: tensor<384xf32>, %b: tensor<384xf32>) -> tensor<?x384xf32> {
  // CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x384xf32>)
  // CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x1xf32>)
  // CHECK: %[[SQ:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[MEAN]] : tensor<?x384xf32>, tensor<?x1xf32>)
  // CHECK:   arith.subf
  // CHECK:   arith.mulf
  // CHECK:   arith.addf
  // CHECK: arith.constant 9.99999996E-13 : f32
  // CHECK: %[[RSTD:.*]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<?x1xf32>)
  // CHECK:   math.sqrt
  // CHECK: linalg.generic {{.*}} ins(%[[X]], %[[MEAN]], %[[RSTD]], %{{.*}}, %{{.*}} : tensor<?x384xf32>, tensor<?x1xf32>, tensor<?x1xf32>, tensor<384xf32>, tensor<384xf32>)
  // CHECK:   arith.subf
  // CHECK:   arith.mulf
  // CHECK:   arith.mulf
  // CHECK:   arith.addf
  // CHECK-NOT: math.sqrt
  %0 = xf.layer_norm %x, %g, %b {axis = 1, epsilon = 1.0e-12 : f32} : tensor<?x384xf32>, tensor<384xf32>, tensor<384xf32>
  return %0 : tensor<?x384xf32>
}

// -----

// The residual sum is one elementwise loop feeding the layer norm.
// CHECK-LABEL: func.func @skip_layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x384xf32>, %[[R:.*]]: tensor<?x384xf32>
func.func @skip_layer_norm(%x: tensor<?x384xf32>, %r: tensor<?x384xf32>, %g: tensor<384xf32>, %b: tensor<384xf32>) -> tensor<?x384xf32> {
  // CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[R]] : tensor<?x384xf32>, tensor<?x384xf32>)
  // CHECK:   arith.addf
  // CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[SUM]] : tensor<?x384xf32>)
  // CHECK: math.sqrt
  %0 = xf.skip_layer_norm %x, %r, %g, %b {axis = 1, epsilon = 1.0e-12 : f32} : tensor<?x384xf32>, tensor<384xf32>, tensor<384xf32>
  return %0 : tensor<?x384xf32>
}

// -----

// RMSNorm: the squares summed as they are read, one reciprocal square root
// per row, then x * rstd * gamma.
// CHECK-LABEL: func.func @rms_norm
func.func @rms_norm(%x: tensor<2x?x64xf32>, %g: tensor<64xf32>) -> tensor<2x?x64xf32> {
  // CHECK: %[[SUMSQ:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}} : tensor<2x?x64xf32>) outs(%{{.*}} : tensor<2x?x1xf32>)
  // CHECK:   arith.mulf %[[A:.*]], %[[A]]
  // CHECK:   arith.addf
  // CHECK: %[[EPS:.*]] = arith.constant 9.99999997E-7 : f32
  // CHECK: %[[RSTD:.*]] = linalg.generic {{.*}} ins(%[[SUMSQ]] : tensor<2x?x1xf32>)
  // CHECK:   arith.divf
  // CHECK:   arith.addf %{{.*}}, %[[EPS]]
  // CHECK:   math.sqrt
  // CHECK:   arith.divf
  // CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[RSTD]], %{{.*}} : tensor<2x?x64xf32>, tensor<2x?x1xf32>, tensor<64xf32>)
  // CHECK:   arith.mulf
  // CHECK:   arith.mulf
  // CHECK-NOT: arith.subf
  %0 = xf.rms_norm %x, %g {axis = 2, epsilon = 1.0e-6 : f32} : tensor<2x?x64xf32>, tensor<64xf32>
  return %0 : tensor<2x?x64xf32>
}

// -----

// arg_max carries the best value and its index in one generic; the index
// of a later element replaces the best one only when strictly greater
// (the first of equal maxima).
// CHECK-LABEL: func.func @arg_max_first
func.func @arg_max_first(%x: tensor<?x8xf32>) -> tensor<?xi64> {
  // CHECK: arith.constant 0xFF800000 : f32
  // CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
  // CHECK-SAME: outs(%{{.*}}, %{{.*}} : tensor<?xf32>, tensor<?xi64>)
  // CHECK: %[[BETTER:.*]] = arith.cmpf ogt
  // CHECK: %[[I:.*]] = linalg.index 1 : index
  // CHECK: %[[I64:.*]] = arith.index_cast %[[I]] : index to i64
  // CHECK: arith.select %[[BETTER]]
  // CHECK: arith.select %[[BETTER]], %[[I64]]
  %0 = xf.arg_max %x {axis = 1 : i64, keepdims = false} : (tensor<?x8xf32>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// arg_min of unsigned integers with select_last_index: starts from the
// largest value and takes equal elements too.
// CHECK-LABEL: func.func @arg_min_last_unsigned
func.func @arg_min_last_unsigned(%x: tensor<3x4xui8>) -> tensor<1x4xi64> {
  // CHECK: arith.constant -1 : i8
  // CHECK: arith.cmpi ule
  %0 = xf.arg_min %x {axis = 0 : i64, select_last_index = true} : (tensor<3x4xui8>) -> tensor<1x4xi64>
  return %0 : tensor<1x4xi64>
}
