// RUN: xf-opt %s --split-input-file --convert-xf-to-linalg | FileCheck %s

// Broadcasting is in the indexing maps: the bias reads only d1.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[B:.*]]: tensor<8xf32>)
func.func @add_broadcast(%x: tensor<?x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  // CHECK: %[[DIM:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x8xf32>
  // CHECK: %[[INIT:.*]] = tensor.empty(%[[DIM]]) : tensor<?x8xf32>
  // CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
  // CHECK-SAME: ins(%[[X]], %[[B]] : tensor<?x8xf32>, tensor<8xf32>) outs(%[[INIT]] : tensor<?x8xf32>)
  // CHECK: arith.addf
  %0 = xf.add %x, %b : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// A static unit dimension broadcasts through a constant index.
// CHECK-DAG: #[[UNIT:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @unit_dim_broadcast
func.func @unit_dim_broadcast(%x: tensor<4x8xf32>, %y: tensor<1x8xf32>) -> tensor<4x8xf32> {
  // CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[UNIT]], #{{.*}}]
  // CHECK: arith.mulf
  %0 = xf.mul %x, %y : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Unsigned tensors become signless; the comparison stays unsigned.
// CHECK-LABEL: func.func @unsigned_compare
// CHECK-SAME: (%{{.*}}: tensor<4xi8>, %{{.*}}: tensor<4xi8>) -> tensor<4xi1>
func.func @unsigned_compare(%x: tensor<4xui8>, %y: tensor<4xui8>) -> tensor<4xi1> {
  // CHECK: arith.cmpi ult
  %0 = xf.less %x, %y : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// CHECK-LABEL: func.func @signed_compare_and_divide
func.func @signed_compare_and_divide(%x: tensor<4xi64>, %y: tensor<4xi64>) -> (tensor<4xi1>, tensor<4xi64>) {
  // CHECK: arith.cmpi slt
  // CHECK: arith.divsi
  %0 = xf.less %x, %y : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
  %1 = xf.div %x, %y : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return %0, %1 : tensor<4xi1>, tensor<4xi64>
}

// -----

// Any non-zero value casts to true; booleans widen with zero extension.
// CHECK-LABEL: func.func @casts
func.func @casts(%x: tensor<4xf32>, %c: tensor<4xi1>, %i: tensor<4xi64>) -> (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>, tensor<4xi32>) {
  // CHECK: arith.cmpf une
  // CHECK: arith.uitofp %{{.*}} : i1 to f32
  // CHECK: arith.sitofp %{{.*}} : i64 to f32
  // CHECK: arith.fptosi %{{.*}} : f32 to i32
  %0 = xf.cast %x : tensor<4xf32> to tensor<4xi1>
  %1 = xf.cast %c : tensor<4xi1> to tensor<4xf32>
  %2 = xf.cast %i : tensor<4xi64> to tensor<4xf32>
  %3 = xf.cast %x : tensor<4xf32> to tensor<4xi32>
  return %0, %1, %2, %3 : tensor<4xi1>, tensor<4xf32>, tensor<4xf32>, tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @gelu_forms
func.func @gelu_forms(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  // CHECK: math.erf
  // CHECK: math.tanh
  %0 = xf.gelu %x : tensor<4xf32>
  %1 = xf.gelu %x {approximate = "tanh"} : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @where_select
func.func @where_select(%c: tensor<1x4xi1>, %x: tensor<3x4xf32>, %y: tensor<f32>) -> tensor<3x4xf32> {
  // CHECK: linalg.generic
  // CHECK: arith.select
  %0 = xf.where %c, %x, %y : (tensor<1x4xi1>, tensor<3x4xf32>, tensor<f32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func.func @unary_math
func.func @unary_math(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: math.sqrt
  // CHECK: math.exp
  // CHECK: math.log
  // CHECK: arith.maximumf
  %0 = xf.sqrt %x : tensor<4xf32>
  %1 = xf.exp %0 : tensor<4xf32>
  %2 = xf.log %1 : tensor<4xf32>
  %3 = xf.relu %2 : tensor<4xf32>
  return %3 : tensor<4xf32>
}

// -----

// Bitwise ops on integers; not flips every bit; shifts are logical.
// CHECK-LABEL: func.func @bitwise
func.func @bitwise(%x: tensor<4xui16>, %y: tensor<4xui16>) -> tensor<4xui16> {
  // CHECK: arith.andi
  // CHECK: arith.constant -1 : i16
  // CHECK: arith.xori
  // CHECK: arith.shrui
  %0 = xf.and %x, %y : (tensor<4xui16>, tensor<4xui16>) -> tensor<4xui16>
  %1 = xf.not %0 : tensor<4xui16>
  %2 = xf.bit_shift %1, %y {direction = "right"} : (tensor<4xui16>, tensor<4xui16>) -> tensor<4xui16>
  return %2 : tensor<4xui16>
}

// -----

// CHECK-LABEL: func.func @trigonometry
func.func @trigonometry(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: math.tan
  // CHECK: math.asin
  // CHECK: math.acosh
  %0 = xf.tan %x : tensor<4xf32>
  %1 = xf.asin %0 : tensor<4xf32>
  %2 = xf.acosh %1 : tensor<4xf32>
  return %2 : tensor<4xf32>
}

// -----

// Dynamic sizes of two operands that nothing proves equal are compared at
// run time: a difference is reported with the check site and the op
// computes nothing (an empty result of the first operand's size).
// CHECK: module attributes {xf.check_sites = ["node 'sum': operand sizes {0} and {1} differ (a dynamic size 1 that broadcasts is not supported)"]}
// CHECK-LABEL: func.func @add_of_unrelated_sizes
// CHECK: %[[EQUAL:.*]] = arith.cmpi eq
// CHECK: scf.if
// CHECK: func.call @xf_rt_check_failed
// CHECK: scf.if %{{.*}} -> (tensor<?xf32>) {
// CHECK: linalg.generic
// CHECK: } else {
// CHECK: tensor.empty
func.func @add_of_unrelated_sizes(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %0 = xf.add %a, %b : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32> loc("sum")
  return %0 : tensor<?xf32>
}

// -----

// Sizes of one origin (one named dimension) need no check.
// CHECK-NOT: xf.check_sites
// CHECK-LABEL: func.func @negative_add_of_one_named_size
// CHECK-NOT: scf.if
// CHECK: linalg.generic
func.func @negative_add_of_one_named_size(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> attributes {xf.input_dim_names = [["sequence"], ["sequence"]]} {
  %0 = xf.add %a, %b : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
