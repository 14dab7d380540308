// RUN: xf-opt %s --split-input-file --convert-xf-to-linalg --canonicalize | FileCheck %s

// A running sum is a masked reduction over the scanned axis: a loop j past
// the result's loops, adding input[j] where j <= i.
// CHECK-LABEL: func.func @cumsum
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:   %[[I:.*]] = linalg.index 1
// CHECK:   %[[J:.*]] = linalg.index 2
// CHECK:   %[[IN:.*]] = arith.cmpi ule, %[[J]], %[[I]]
// CHECK:   arith.select %[[IN]]
// CHECK:   arith.addi
func.func @cumsum(%m: tensor<?x?xi64>) -> tensor<?x?xi64> {
  %0 = xf.cumsum %m {axis = 1 : i64} : tensor<?x?xi64>
  return %0 : tensor<?x?xi64>
}

// -----

// CHECK-LABEL: func.func @cumsum_exclusive_reverse
// CHECK: arith.cmpi ugt
func.func @cumsum_exclusive_reverse(%m: tensor<4xf32>) -> tensor<4xf32> {
  %0 = xf.cumsum %m {axis = 0 : i64, exclusive = true, reverse = true} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Element (i, j) is kept when j - i >= k.
// CHECK-LABEL: func.func @trilu_upper
// CHECK-SAME: (%[[X:.*]]: tensor<?x?xf32>, %[[K:.*]]: tensor<i64>)
// CHECK: %[[KV:.*]] = tensor.extract %[[K]][]
// CHECK: linalg.generic
// CHECK:   %[[OFF:.*]] = arith.subi
// CHECK:   %[[KEEP:.*]] = arith.cmpi sge, %[[OFF]], %[[KV]]
// CHECK:   arith.select %[[KEEP]]
func.func @trilu_upper(%x: tensor<?x?xf32>, %k: tensor<i64>) -> tensor<?x?xf32> {
  %0 = xf.trilu %x, %k {upper = true} : tensor<?x?xf32>, tensor<i64>
  return %0 : tensor<?x?xf32>
}

// -----

// One slice insertion per index tuple, into a copy of the data carried by
// the loops.
// CHECK-LABEL: func.func @scatter_nd_rows
// CHECK-SAME: (%[[D:.*]]: tensor<4x4xf32>, %[[I:.*]]: tensor<2x1xi64>, %[[U:.*]]: tensor<2x4xf32>)
// CHECK: scf.for %[[N:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[D]])
// CHECK:   tensor.extract %[[I]][%[[N]], %{{.*}}]
// CHECK:   %[[ROW:.*]] = tensor.extract_slice %[[U]][%[[N]], 0] [1, 4] [1, 1] : tensor<2x4xf32> to tensor<4xf32>
// CHECK:   tensor.insert_slice %[[ROW]] into %[[ACC]][%{{.*}}, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<4x4xf32>
func.func @scatter_nd_rows(%d: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4xf32>) -> tensor<4x4xf32> {
  %0 = xf.scatter_nd %d, %i, %u : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

// CHECK-LABEL: func.func @gather_elements
// CHECK-SAME: (%[[D:.*]]: tensor<2x8xf32>, %[[I:.*]]: tensor<2x3xi64>)
// CHECK: linalg.generic {{.*}} ins(%[[I]] : tensor<2x3xi64>)
// CHECK:   %[[ROW:.*]] = linalg.index 0
// CHECK:   tensor.extract %[[D]][%[[ROW]], %{{.*}}] : tensor<2x8xf32>
func.func @gather_elements(%d: tensor<2x8xf32>, %i: tensor<2x3xi64>) -> tensor<2x3xf32> {
  %0 = xf.gather_elements %d, %i {axis = 1 : i64} : (tensor<2x8xf32>, tensor<2x3xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// The bias initializes the result; the product accumulates over input
// channels and the kernel window, read at o * stride + k * dilation of the
// padded input.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d2 * 2 + d4)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d3, d4)>
// CHECK-LABEL: func.func @conv1d
// CHECK: %[[PAD:.*]] = tensor.pad
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[W]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[PAD]], %{{.*}} : tensor<?x16x66xf32>, tensor<8x16x3xf32>)
func.func @conv1d(%x: tensor<?x16x64xf32>, %w: tensor<8x16x3xf32>, %b: tensor<8xf32>) -> tensor<?x8x32xf32> {
  %0 = xf.conv %x, %w, %b {strides = array<i64: 2>, pads = array<i64: 1, 1>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<?x16x64xf32>, tensor<8x16x3xf32>, tensor<8xf32>) -> tensor<?x8x32xf32>
  return %0 : tensor<?x8x32xf32>
}
