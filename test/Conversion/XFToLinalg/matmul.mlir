// RUN: xf-opt %s --split-input-file --convert-xf-to-linalg | FileCheck %s

// Batch dimensions of the left operand broadcast against a plain weight
// matrix; k is the only reduction, between the rows and the columns, so that
// the innermost loop runs along rows of the weight and of the result.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d3, d4)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-LABEL: func.func @batched_times_matrix
func.func @batched_times_matrix(%a: tensor<2x?x16x8xf32>, %b: tensor<8x4xf32>) -> tensor<2x?x16x4xf32> {
  // CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
  // CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<2x?x16x4xf32>)
  // CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
  // CHECK-SAME: outs(%[[INIT]] : tensor<2x?x16x4xf32>)
  // CHECK: arith.mulf
  // CHECK: arith.addf
  %0 = xf.matmul %a, %b : (tensor<2x?x16x8xf32>, tensor<8x4xf32>) -> tensor<2x?x16x4xf32>
  return %0 : tensor<2x?x16x4xf32>
}

// -----

// A 1-D left operand has no m dimension; with no rows to spread over
// threads, the columns are the outer loop.
// CHECK-DAG: #[[VEC:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[MAT:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[RES:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @vector_times_matrix
func.func @vector_times_matrix(%a: tensor<8xf32>, %b: tensor<8x4xf32>) -> tensor<4xf32> {
  // CHECK: linalg.generic {indexing_maps = [#[[VEC]], #[[MAT]], #[[RES]]], iterator_types = ["parallel", "reduction"]}
  %0 = xf.matmul %a, %b : (tensor<8xf32>, tensor<8x4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Attention's batched product: both operands have the batch dimensions.
// CHECK-LABEL: func.func @attention_scores
func.func @attention_scores(%q: tensor<?x12x?x32xf32>, %k: tensor<?x12x32x?xf32>) -> tensor<?x12x?x?xf32> {
  // CHECK: tensor.dim
  // CHECK: linalg.generic
  // CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<?x12x?x32xf32>, tensor<?x12x32x?xf32>)
  %0 = xf.matmul %q, %k : (tensor<?x12x?x32xf32>, tensor<?x12x32x?xf32>) -> tensor<?x12x?x?xf32>
  return %0 : tensor<?x12x?x?xf32>
}

// -----

// Integer products accumulate with integer arithmetic.
// CHECK-LABEL: func.func @integer_matmul
func.func @integer_matmul(%a: tensor<2x3xi32>, %b: tensor<3x2xi32>) -> tensor<2x2xi32> {
  // CHECK: arith.muli
  // CHECK: arith.addi
  %0 = xf.matmul %a, %b : (tensor<2x3xi32>, tensor<3x2xi32>) -> tensor<2x2xi32>
  return %0 : tensor<2x2xi32>
}

// -----

// A linear layer accumulates into the broadcast bias; the activation is one
// elementwise generic after the product.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @linear_gelu
func.func @linear_gelu(%x: tensor<1x?x16xf32>, %w: tensor<16x32xf32>, %b: tensor<32xf32>) -> tensor<1x?x32xf32> {
  // CHECK: %[[BIAS:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<32xf32>)
  // CHECK: %[[PRODUCT:.*]] = linalg.generic {indexing_maps = [#[[IN]], #[[W]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
  // CHECK-SAME: outs(%[[BIAS]] : tensor<1x?x32xf32>)
  // CHECK: linalg.generic {{.*}} ins(%[[PRODUCT]] : tensor<1x?x32xf32>)
  // CHECK: math.erf
  %0 = xf.linear %x, %w, %b {activation = "gelu"} : (tensor<1x?x16xf32>, tensor<16x32xf32>, tensor<32xf32>) -> tensor<1x?x32xf32>
  return %0 : tensor<1x?x32xf32>
}

// -----

// SiLU after a product without bias: the product starts from zero.
// CHECK-LABEL: func.func @linear_silu_no_bias
func.func @linear_silu_no_bias(%x: tensor<8x16xf32>, %w: tensor<16x32xf32>) -> tensor<8x32xf32> {
  // CHECK: %[[ZERO:.*]] = linalg.fill
  // CHECK: %[[PRODUCT:.*]] = linalg.generic {{.*}} outs(%[[ZERO]] : tensor<8x32xf32>)
  // CHECK: linalg.generic {{.*}} ins(%[[PRODUCT]] : tensor<8x32xf32>)
  // CHECK:   arith.negf
  // CHECK:   math.exp
  // CHECK:   arith.divf
  // CHECK:   arith.mulf
  %0 = xf.linear %x, %w {activation = "silu"} : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// A packed weight is read through (n floordiv 64, k, n mod 64); the result
// has the `columns` attribute's 100 columns, not the padded 128.
// CHECK-DAG: #[[PACKED:.*]] = affine_map<(d0, d1, d2) -> (d2 floordiv 64, d1, d2 mod 64)>
// CHECK-LABEL: func.func @packed_linear
func.func @packed_linear(%x: tensor<?x16xf32>, %w: tensor<2x16x64xf32>, %b: tensor<100xf32>) -> tensor<?x100xf32> {
  // CHECK: %[[BIAS:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<100xf32>) outs(%{{.*}} : tensor<?x100xf32>)
  // CHECK: %[[PRODUCT:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[PACKED]], #{{.*}}], iterator_types = ["parallel", "reduction", "parallel"]}
  // CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<2x16x64xf32>) outs(%[[BIAS]] : tensor<?x100xf32>)
  // CHECK: linalg.generic {{.*}} ins(%[[PRODUCT]] : tensor<?x100xf32>)
  // CHECK: arith.maximumf
  %0 = xf.packed_linear %x, %w, %b {columns = 100 : i64, activation = "relu"} : (tensor<?x16xf32>, tensor<2x16x64xf32>, tensor<100xf32>) -> tensor<?x100xf32>
  return %0 : tensor<?x100xf32>
}
