// RUN: xf-opt %s --split-input-file --convert-xf-to-linalg --verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:.*]]: tensor<?x12x32xf32>)
func.func @transpose(%x: tensor<?x12x32xf32>) -> tensor<12x?x32xf32> {
  // CHECK: %[[INIT:.*]] = tensor.empty(%{{.*}}) : tensor<12x?x32xf32>
  // CHECK: linalg.transpose ins(%[[X]] : tensor<?x12x32xf32>) outs(%[[INIT]] : tensor<12x?x32xf32>) permutation = [1, 0, 2]
  %0 = xf.transpose %x {perm = array<i64: 1, 0, 2>} : (tensor<?x12x32xf32>) -> tensor<12x?x32xf32>
  return %0 : tensor<12x?x32xf32>
}

// -----

// A static result needs no shape computation.
// CHECK-LABEL: func.func @reshape_static
func.func @reshape_static(%x: tensor<2x384xf32>, %s: tensor<3xi64>) -> tensor<2x12x32xf32> {
  // CHECK: %[[SHAPE:.*]] = arith.constant dense<[2, 12, 32]> : tensor<3xi64>
  // CHECK: tensor.reshape %{{.*}}(%[[SHAPE]])
  %0 = xf.reshape %x, %s : (tensor<2x384xf32>, tensor<3xi64>) -> tensor<2x12x32xf32>
  return %0 : tensor<2x12x32xf32>
}

// -----

// ONNX's 0 (copy) and -1 (infer) are resolved at run time, and checked:
// sizes that do not fit the input's element count are reported (the site's
// message names the node), the division never divides by zero, and the
// result's dynamic sizes become 0 after a failure.
// CHECK: module attributes {xf.check_sites = ["node 'heads': cannot reshape {0} elements to the requested shape (its sizes other than -1 multiply to {1})"]}
// CHECK-LABEL: func.func @reshape_dynamic
func.func @reshape_dynamic(%x: tensor<?x?x384xf32>, %s: tensor<4xi64>) -> tensor<?x?x12x32xf32> {
  // CHECK: arith.cmpi eq, %{{.*}}, %c0_i64
  // CHECK: arith.cmpi eq, %{{.*}}, %c-1_i64
  // CHECK: arith.divsi
  // The product of the sizes is checked for overflow step by step.
  // CHECK: arith.mulsi_extended
  // CHECK: scf.if %{{.*}} {
  // CHECK-NEXT: arith.constant 0 : i64
  // CHECK-NEXT: func.call @xf_rt_check_failed
  // CHECK: arith.select %{{.*}}, %{{.*}}, %c0_i64
  // CHECK: %[[SHAPE:.*]] = tensor.from_elements {{.*}} : tensor<4xi64>
  // CHECK: tensor.reshape %{{.*}}(%[[SHAPE]]) : (tensor<?x?x384xf32>, tensor<4xi64>) -> tensor<?x?x12x32xf32>
  %0 = xf.reshape %x, %s : (tensor<?x?x384xf32>, tensor<4xi64>) -> tensor<?x?x12x32xf32> loc("heads")
  return %0 : tensor<?x?x12x32xf32>
}

// -----

// Gather reads the table with the index (negative ones count from the end).
// CHECK-LABEL: func.func @gather
// CHECK-SAME: (%[[T:.*]]: tensor<10x3xf32>, %[[I:.*]]: tensor<?x?xi64>)
func.func @gather(%t: tensor<10x3xf32>, %i: tensor<?x?xi64>) -> tensor<?x?x3xf32> {
  // CHECK: linalg.generic {{.*}} ins(%[[I]] : tensor<?x?xi64>)
  // CHECK: arith.cmpi slt
  // CHECK: arith.addi %{{.*}}, %c10
  // CHECK: tensor.extract %[[T]][%{{.*}}, %{{.*}}] : tensor<10x3xf32>
  %0 = xf.gather %t, %i {axis = 0} : (tensor<10x3xf32>, tensor<?x?xi64>) -> tensor<?x?x3xf32>
  return %0 : tensor<?x?x3xf32>
}

// -----

// CHECK-LABEL: func.func @concat
func.func @concat(%a: tensor<2x?xf32>, %b: tensor<2x3xf32>) -> tensor<2x?xf32> {
  // CHECK: %[[INIT:.*]] = tensor.empty(%{{.*}}) : tensor<2x?xf32>
  // CHECK: %[[FIRST:.*]] = tensor.insert_slice %{{.*}} into %[[INIT]][0, 0]
  // CHECK: tensor.insert_slice %{{.*}} into %[[FIRST]][0, %{{.*}}] [2, 3] [1, 1]
  %0 = xf.concat %a, %b {axis = 1} : (tensor<2x?xf32>, tensor<2x3xf32>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// -----

// Slices clamp their bounds as ONNX does and allow any non-zero step.
// CHECK-LABEL: func.func @slice
func.func @slice(%x: tensor<1x512xi64>, %end: tensor<1xi64>) -> tensor<1x?xi64> {
  %z = xf.constant dense<0> : tensor<1xi64>
  %a = xf.constant dense<1> : tensor<1xi64>
  %s = xf.constant dense<1> : tensor<1xi64>
  // CHECK: arith.minsi
  // CHECK: arith.maxsi
  // CHECK: arith.ceildivsi
  // CHECK: linalg.generic
  // CHECK: linalg.index 1
  // CHECK: tensor.extract
  %0 = xf.slice %x, %z, %end, %a, %s : (tensor<1x512xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x?xi64>
  return %0 : tensor<1x?xi64>
}

// -----

// CHECK-LABEL: func.func @split
func.func @split(%x: tensor<2x?x384xf32>) -> (tensor<2x?x128xf32>, tensor<2x?x256xf32>) {
  // CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [2, %{{.*}}, 128] [1, 1, 1]
  // CHECK: tensor.extract_slice %{{.*}}[0, 0, 128] [2, %{{.*}}, 256] [1, 1, 1]
  %0:2 = xf.split %x {axis = 2, split_sizes = array<i64: 128, 256>} : tensor<2x?x384xf32> -> tensor<2x?x128xf32>, tensor<2x?x256xf32>
  return %0#0, %0#1 : tensor<2x?x128xf32>, tensor<2x?x256xf32>
}

// -----

// An empty piece starts where the input ends, an offset that the verifiers
// of tensor.extract_slice and tensor.insert_slice reject: it is a
// tensor.empty, and concat skips it.
// CHECK-LABEL: func.func @empty_pieces
func.func @empty_pieces(%x: tensor<2x8xf32>) -> (tensor<2x0xf32>, tensor<2x8xf32>) {
  // CHECK: %[[FULL:.*]] = tensor.extract_slice %{{.*}}[0, 0] [2, 8] [1, 1]
  // CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<2x0xf32>
  // CHECK: %[[INIT:.*]] = tensor.empty() : tensor<2x8xf32>
  // CHECK: tensor.insert_slice %[[FULL]] into %[[INIT]][0, 0] [2, 8] [1, 1]
  // CHECK-NOT: tensor.insert_slice
  // CHECK: return %[[EMPTY]]
  %0:2 = xf.split %x {axis = 1, split_sizes = array<i64: 8, 0>} : tensor<2x8xf32> -> tensor<2x8xf32>, tensor<2x0xf32>
  %1 = xf.concat %0#0, %0#1 {axis = 1 : i64} : (tensor<2x8xf32>, tensor<2x0xf32>) -> tensor<2x8xf32>
  return %0#1, %1 : tensor<2x0xf32>, tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @unsqueeze_squeeze
func.func @unsqueeze_squeeze(%x: tensor<?x?xi64>) -> tensor<?x?xi64> {
  // CHECK: tensor.reshape {{.*}} -> tensor<?x1x1x?xi64>
  // CHECK: tensor.reshape {{.*}} -> tensor<?x?xi64>
  %0 = xf.unsqueeze %x {axes = array<i64: 1, 2>} : (tensor<?x?xi64>) -> tensor<?x1x1x?xi64>
  %1 = xf.squeeze %0 {axes = array<i64: 1, 2>} : (tensor<?x1x1x?xi64>) -> tensor<?x?xi64>
  return %1 : tensor<?x?xi64>
}

// -----

// Slice axes must be known at compile time.
func.func @negative_dynamic_slice_axes(%x: tensor<4x4xf32>, %axes: tensor<1xi64>) -> tensor<?x?xf32> {
  %z = xf.constant dense<0> : tensor<1xi64>
  %s = xf.constant dense<1> : tensor<1xi64>
  // expected-error @+1 {{failed to legalize operation 'xf.slice' that was explicitly marked illegal}}
  %0 = xf.slice %x, %z, %s, %axes, %s : (tensor<4x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Indices the graph computes are checked once per run: their smallest and
// largest values are reduced and, outside [-10, 10), reported to the
// runtime with the check site; the gather clamps what it reads meanwhile.
// The module lists the site's node.
// CHECK: module attributes {xf.check_sites = ["node 'positions': index {0} is out of range for {1} rows"]}
// CHECK: func.func private @xf_rt_check_failed(i64, i64, i64)
// CHECK-LABEL: func.func @gather_of_computed_indices
// CHECK: %[[BOUNDS:.*]]:2 = linalg.generic
// CHECK-SAME: iterator_types = ["reduction", "reduction"]
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: %[[OUTSIDE:.*]] = arith.ori
// CHECK: scf.if %[[OUTSIDE]] {
// CHECK: %[[SITE:.*]] = arith.constant 0 : i64
// CHECK: func.call @xf_rt_check_failed(%[[SITE]], %{{.*}}, %{{.*}}) : (i64, i64, i64) -> ()
// CHECK: linalg.generic
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: tensor.extract
func.func @gather_of_computed_indices(%t: tensor<10x3xf32>, %i: tensor<?x?xi64>) -> tensor<?x?x3xf32> {
  %one = xf.constant dense<1> : tensor<i64>
  %p = xf.add %i, %one : (tensor<?x?xi64>, tensor<i64>) -> tensor<?x?xi64>
  %0 = xf.gather %t, %p {axis = 0} : (tensor<10x3xf32>, tensor<?x?xi64>) -> tensor<?x?x3xf32> loc("positions")
  return %0 : tensor<?x?x3xf32>
}

// -----

// Indices that are an input (the runtime checks their values before the
// run, value_range) or a constant are not checked again.
// CHECK-NOT: xf.check_sites
// CHECK-LABEL: func.func @negative_gather_of_input_indices
// CHECK-NOT: xf_rt_check_failed
func.func @negative_gather_of_input_indices(%t: tensor<10x3xf32>, %i: tensor<?x?xi32>) -> tensor<?x?x3xf32> {
  %c = xf.cast %i : tensor<?x?xi32> to tensor<?x?xi64>
  %0 = xf.gather %t, %c {axis = 0} : (tensor<10x3xf32>, tensor<?x?xi64>) -> tensor<?x?x3xf32>
  return %0 : tensor<?x?x3xf32>
}

// -----

// Input indices into a table whose size is only known at run time are
// checked too (value_range needs a static size), and the gather reads
// nothing when the table has no rows.
// CHECK: module attributes {xf.check_sites = ["node 'rows': index {0} is out of range for {1} rows"]}
// CHECK-LABEL: func.func @gather_from_dynamic_table
// CHECK: func.call @xf_rt_check_failed
// CHECK: %[[HAS_ROWS:.*]] = arith.cmpi sgt
// CHECK: scf.if %[[HAS_ROWS]] -> (tensor<?x3xf32>) {
// CHECK: linalg.generic
// CHECK: } else {
func.func @gather_from_dynamic_table(%t: tensor<?x3xf32>, %i: tensor<?xi64>) -> tensor<?x3xf32> {
  %0 = xf.gather %t, %i {axis = 0} : (tensor<?x3xf32>, tensor<?xi64>) -> tensor<?x3xf32> loc("rows")
  return %0 : tensor<?x3xf32>
}
