// RUN: xf-opt %s --split-input-file --verify-diagnostics --xf-pack-weights | FileCheck %s
// RUN: xf-opt %s --split-input-file --xf-pack-weights="vector-bits=256" | FileCheck %s --check-prefix=AVX2

// A 2 x 3 weight: fewer columns than a vector, so one panel of 16 columns
// (8 with AVX2), each row padded with zeros. Bias and activation carry
// over; the unpacked constant is erased.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: tensor<?x2xf32>, %[[B:.*]]: tensor<3xf32>)
// CHECK: %[[WP:.*]] = xf.constant dense<{{\[\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [4.000000e+00, 5.000000e+00, 6.000000e+00, 0.000000e+00, {{.*}}]]]> : tensor<1x2x16xf32>
// CHECK-NOT: tensor<2x3xf32>
// CHECK: %[[Y:.*]] = xf.packed_linear %[[X]], %[[WP]], %[[B]] {activation = "relu", columns = 3 : i64} : (tensor<?x2xf32>, tensor<1x2x16xf32>, tensor<3xf32>) -> tensor<?x3xf32>
// CHECK: return %[[Y]]
// AVX2-LABEL: func.func @linear
// AVX2: xf.constant {{.*}} : tensor<1x2x8xf32>
func.func @linear(%x: tensor<?x2xf32>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  %w = xf.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %y = xf.linear %x, %w, %b {activation = "relu"} : (tensor<?x2xf32>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// A language-model head tied to the embedding: MatMul(x, Transpose(E)) is
// packed straight from E (row j of E is column j of the weight); the
// transpose is gone, E stays for its gather.
// CHECK-LABEL: func.func @tied_head
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x2xf32>, %[[IDS:.*]]: tensor<1x4xi64>)
// CHECK: %[[E:.*]] = xf.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>
// CHECK: xf.gather %[[E]], %[[IDS]]
// CHECK-NOT: xf.transpose
// CHECK: %[[WP:.*]] = xf.constant dense<{{\[\[\[}}1.000000e+00, 3.000000e+00, 5.000000e+00, 0.000000e+00, {{.*}}], [2.000000e+00, 4.000000e+00, 6.000000e+00, 0.000000e+00, {{.*}}]]]> : tensor<1x2x16xf32>
// CHECK-NOT: xf.transpose
// CHECK: xf.packed_linear %[[X]], %[[WP]] {columns = 3 : i64} : (tensor<1x4x2xf32>, tensor<1x2x16xf32>) -> tensor<1x4x3xf32>
func.func @tied_head(%x: tensor<1x4x2xf32>, %ids: tensor<1x4xi64>) -> (tensor<1x4x2xf32>, tensor<1x4x3xf32>) {
  %e = xf.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %emb = xf.gather %e, %ids {axis = 0 : i64} : (tensor<3x2xf32>, tensor<1x4xi64>) -> tensor<1x4x2xf32>
  %et = xf.transpose %e {perm = array<i64: 1, 0>} : (tensor<3x2xf32>) -> tensor<2x3xf32>
  %y = xf.matmul %x, %et : (tensor<1x4x2xf32>, tensor<2x3xf32>) -> tensor<1x4x3xf32>
  return %emb, %y : tensor<1x4x2xf32>, tensor<1x4x3xf32>
}

// -----

// 70 columns: four vectors per panel with AVX-512, so panels of 64 and a
// second, mostly padded one. A weight shared by two products is packed
// once.
// CHECK-LABEL: func.func @shared_wide
// CHECK: %[[WP:.*]] = xf.constant dense<{{.*}}> : tensor<2x1x64xf32>
// CHECK-NOT: xf.constant
// CHECK: xf.packed_linear %{{.*}}, %[[WP]] {columns = 70 : i64}
// CHECK: xf.packed_linear %{{.*}}, %[[WP]] {columns = 70 : i64}
// AVX2-LABEL: func.func @shared_wide
// AVX2: xf.constant {{.*}} : tensor<3x1x24xf32>
func.func @shared_wide(%x: tensor<5x1xf32>, %z: tensor<5x1xf32>) -> (tensor<5x70xf32>, tensor<5x70xf32>) {
  %w = xf.constant dense<1.5> : tensor<1x70xf32>
  %y0 = xf.linear %x, %w : (tensor<5x1xf32>, tensor<1x70xf32>) -> tensor<5x70xf32>
  %y1 = xf.matmul %z, %w : (tensor<5x1xf32>, tensor<1x70xf32>) -> tensor<5x70xf32>
  return %y0, %y1 : tensor<5x70xf32>, tensor<5x70xf32>
}

// -----

// Left alone: a weight that is not a constant, a batched right operand,
// a vector times a matrix, a transpose that is not 2-D, and f16.
// CHECK-LABEL: func.func @negative_cases
// CHECK-NOT: xf.packed_linear
// CHECK: xf.linear
// CHECK: xf.matmul
// CHECK: xf.matmul
// CHECK: xf.linear
func.func @negative_cases(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %xb: tensor<2x4x8xf32>, %v: tensor<8xf32>, %h: tensor<4x8xf16>) -> (tensor<4x16xf32>, tensor<2x4x16xf32>, tensor<16xf32>, tensor<4x16xf16>) {
  %a = xf.linear %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %c3 = xf.constant dense<1.0> : tensor<2x8x16xf32>
  %b = xf.matmul %xb, %c3 : (tensor<2x4x8xf32>, tensor<2x8x16xf32>) -> tensor<2x4x16xf32>
  %c2 = xf.constant dense<1.0> : tensor<8x16xf32>
  %c = xf.matmul %v, %c2 : (tensor<8xf32>, tensor<8x16xf32>) -> tensor<16xf32>
  %ch = xf.constant dense<1.0> : tensor<8x16xf16>
  %d = xf.linear %h, %ch : (tensor<4x8xf16>, tensor<8x16xf16>) -> tensor<4x16xf16>
  return %a, %b, %c, %d : tensor<4x16xf32>, tensor<2x4x16xf32>, tensor<16xf32>, tensor<4x16xf16>
}

// -----

// A weight with no columns has nothing to pack.
// CHECK-LABEL: func.func @negative_empty_weight
// CHECK: xf.linear
// CHECK-NOT: xf.packed_linear
func.func @negative_empty_weight(%x: tensor<4x8xf32>) -> tensor<4x0xf32> {
  %w = xf.constant dense<> : tensor<8x0xf32>
  %y = xf.linear %x, %w : (tensor<4x8xf32>, tensor<8x0xf32>) -> tensor<4x0xf32>
  return %y : tensor<4x0xf32>
}
