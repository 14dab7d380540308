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
