// RUN: xf-opt %s --split-input-file --convert-xf-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @shape_of
// CHECK-SAME: (%[[X:.*]]: tensor<?x128xf32>)
func.func @shape_of(%x: tensor<?x128xf32>) -> tensor<2xi64> {
  // CHECK: %[[D0:.*]] = tensor.dim %[[X]], %c0
  // CHECK: %[[I0:.*]] = arith.index_cast %[[D0]] : index to i64
  // CHECK: %[[I1:.*]] = arith.index_cast %c128 : index to i64
  // CHECK: tensor.from_elements %[[I0]], %[[I1]] : tensor<2xi64>
  %0 = xf.shape_of %x : (tensor<?x128xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @constant_of_shape
func.func @constant_of_shape(%s: tensor<2xi64>) -> tensor<?x?xf32> {
  // CHECK-COUNT-2: tensor.extract
  // CHECK: %[[INIT:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xf32>
  // CHECK: %[[V:.*]] = arith.constant 7.000000e+00 : f32
  // CHECK: linalg.fill ins(%[[V]] : f32) outs(%[[INIT]] : tensor<?x?xf32>)
  %0 = xf.constant_of_shape %s {value = dense<7.0> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// CHECK-LABEL: func.func @range
func.func @range(%n: tensor<i64>) -> tensor<?xi64> {
  %zero = xf.constant dense<0> : tensor<i64>
  %one = xf.constant dense<1> : tensor<i64>
  // CHECK: arith.ceildivsi
  // CHECK: linalg.generic
  // CHECK: linalg.index 0
  // CHECK: arith.muli
  // CHECK: arith.addi
  %0 = xf.range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// Small constants stay immediates; unsigned ones become signless.
// CHECK-LABEL: func.func @constants
func.func @constants() -> (tensor<2xi64>, tensor<2xui8>) {
  // CHECK: arith.constant dense<[1, 2]> : tensor<2xi64>
  // CHECK: arith.constant dense<[3, -6]> : tensor<2xi8>
  // CHECK-NOT: unrealized_conversion_cast
  // CHECK: return {{.*}} : tensor<2xi64>, tensor<2xi8>
  %0 = xf.constant dense<[1, 2]> : tensor<2xi64>
  %1 = xf.constant dense<[3, 250]> : tensor<2xui8>
  return %0, %1 : tensor<2xi64>, tensor<2xui8>
}

// -----

// Weights are views of the weights blob, which becomes the first argument.
// CHECK-LABEL: func.func @weights
// CHECK-SAME: (%[[BLOB:.*]]: memref<?xi8>, %[[X:.*]]: tensor<2x4xf32>)
func.func @weights(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // CHECK: %[[OFFSET:.*]] = arith.constant 64 : index
  // CHECK: %[[VIEW:.*]] = memref.view %[[BLOB]][%[[OFFSET]]][] : memref<?xi8> to memref<4xf32>
  // CHECK: bufferization.to_tensor %[[VIEW]] restrict : memref<4xf32> to tensor<4xf32>
  %w = xf.weight "bias" at 64 : tensor<4xf32>
  %0 = xf.add %x, %w : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
