// RUN: xf-opt %s --split-input-file --xf-fuse-attention | FileCheck %s

// BERT as torch.onnx writes it, static: heads split by Reshape and
// Transpose, K transposed in one step, scores divided by sqrt(d), a padding
// mask added, and the heads merged back.
// CHECK-LABEL: func.func @padding_mask
// CHECK-SAME: (%[[Q:.*]]: tensor<1x8x64xf32>, %[[K:.*]]: tensor<1x8x64xf32>, %[[V:.*]]: tensor<1x8x64xf32>, %[[MASK:.*]]: tensor<1x1x1x8xf32>)
func.func @padding_mask(%q: tensor<1x8x64xf32>, %k: tensor<1x8x64xf32>, %v: tensor<1x8x64xf32>, %mask: tensor<1x1x1x8xf32>) -> tensor<1x8x64xf32> {
  // CHECK-NEXT: %[[O:.*]] = xf.attention %[[Q]], %[[K]], %[[V]], %[[MASK]] {mask_kind = "padding", num_heads = 2 : i64, scale = 0.176776{{[0-9]*}} : f32} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x1x1x8xf32>) -> tensor<1x8x64xf32>
  // CHECK-NEXT: return %[[O]]
  %split = xf.constant dense<[1, 8, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[1, 8, 64]> : tensor<3xi64>
  %sqrt_d = xf.constant dense<5.65685415> : tensor<f32>
  %q1 = xf.reshape %q, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x8x32xf32>
  %k1 = xf.reshape %k, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x32x8xf32>
  %v1 = xf.reshape %v, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x8x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<1x2x8x32xf32>, tensor<1x2x32x8xf32>) -> tensor<1x2x8x8xf32>
  %s1 = xf.div %s, %sqrt_d : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %s2 = xf.add %s1, %mask : (tensor<1x2x8x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x2x8x8xf32>
  %p = xf.softmax %s2 {axis = 3 : i64} : tensor<1x2x8x8xf32>
  %o = xf.matmul %p, %v2 : (tensor<1x2x8x8xf32>, tensor<1x2x8x32xf32>) -> tensor<1x2x8x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x8x32xf32>) -> tensor<1x8x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<1x8x2x32xf32>, tensor<3xi64>) -> tensor<1x8x64xf32>
  return %o2 : tensor<1x8x64xf32>
}

// -----

// Dynamic batch and sequence: Q, K and V projected from one input, the head
// split's target shape read back with shape_of, and the mask added before
// the scale, so that the scale applies to the mask too: c * (s + m) is
// c * s + c * m (a 2-D mask also gets the leading unit dimensions of the
// scores). The shape computations die with the fusion.
// CHECK-LABEL: func.func @dynamic_shapes
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>, %[[W:.*]]: tensor<64x64xf32>, %[[MASK:.*]]: tensor<1x?xf32>)
func.func @dynamic_shapes(%x: tensor<?x?x64xf32>, %w: tensor<64x64xf32>, %mask: tensor<1x?xf32>) -> tensor<?x?x64xf32> {
  // CHECK-NEXT: %[[EIGHTH:.*]] = xf.constant dense<1.250000e-01> : tensor<f32>
  // CHECK-NEXT: %[[Q:.*]] = xf.linear %[[X]], %[[W]]
  // CHECK-NEXT: %[[K:.*]] = xf.linear %[[X]], %[[W]]
  // CHECK-NEXT: %[[V:.*]] = xf.linear %[[X]], %[[W]]
  // CHECK-NEXT: %[[SCALED:.*]] = xf.mul %[[MASK]], %[[EIGHTH]] : (tensor<1x?xf32>, tensor<f32>) -> tensor<1x?xf32>
  // CHECK-NEXT: %[[MASK4:.*]] = xf.unsqueeze %[[SCALED]] {axes = array<i64: 0, 1>} : (tensor<1x?xf32>) -> tensor<1x1x1x?xf32>
  // CHECK-NEXT: %[[O:.*]] = xf.attention %[[Q]], %[[K]], %[[V]], %[[MASK4]] {mask_kind = "padding", num_heads = 2 : i64, scale = 1.250000e-01 : f32}
  // CHECK-NEXT: return %[[O]]
  %q = xf.linear %x, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %k = xf.linear %x, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %v = xf.linear %x, %w : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %c0 = xf.constant dense<0> : tensor<i64>
  %c1 = xf.constant dense<1> : tensor<i64>
  %heads = xf.constant dense<2> : tensor<1xi64>
  %head_dim = xf.constant dense<32> : tensor<1xi64>
  %copy_split = xf.constant dense<[0, -1, 2, 32]> : tensor<4xi64>
  %copy_merge = xf.constant dense<[0, -1, 64]> : tensor<3xi64>
  %eighth = xf.constant dense<0.125> : tensor<f32>
  %shape = xf.shape_of %q : (tensor<?x?x64xf32>) -> tensor<3xi64>
  %batch = xf.gather %shape, %c0 {axis = 0 : i64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %batch1 = xf.unsqueeze %batch {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %seq = xf.gather %shape, %c1 {axis = 0 : i64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %seq1 = xf.unsqueeze %seq {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %split = xf.concat %batch1, %seq1, %heads, %head_dim {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %q1 = xf.reshape %q, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %k1 = xf.reshape %k, %copy_split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x32x?xf32>
  %v1 = xf.reshape %v, %copy_split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<?x2x?x32xf32>, tensor<?x2x32x?xf32>) -> tensor<?x2x?x?xf32>
  %s1 = xf.add %mask, %s : (tensor<1x?xf32>, tensor<?x2x?x?xf32>) -> tensor<?x2x?x?xf32>
  %s2 = xf.mul %eighth, %s1 : (tensor<f32>, tensor<?x2x?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = xf.softmax %s2 {axis = 3 : i64} : tensor<?x2x?x?xf32>
  %o = xf.matmul %p, %v2 : (tensor<?x2x?x?xf32>, tensor<?x2x?x32xf32>) -> tensor<?x2x?x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x2x?x32xf32>) -> tensor<?x?x2x32xf32>
  %o2 = xf.reshape %o1, %copy_merge : (tensor<?x?x2x32xf32>, tensor<3xi64>) -> tensor<?x?x64xf32>
  return %o2 : tensor<?x?x64xf32>
}

// -----

// The scale applied to Q before the head split (TF and some HF exports), no
// mask; the mask add above would be misread if the scaled Q were taken for
// a mask.
// CHECK-LABEL: func.func @scaled_query_no_mask
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x64xf32>, %[[K:.*]]: tensor<2x4x64xf32>, %[[V:.*]]: tensor<2x4x64xf32>)
func.func @scaled_query_no_mask(%q: tensor<2x4x64xf32>, %k: tensor<2x4x64xf32>, %v: tensor<2x4x64xf32>) -> tensor<2x4x64xf32> {
  // The default mask_kind, none, is not printed.
  // CHECK-NEXT: %[[O:.*]] = xf.attention %[[Q]], %[[K]], %[[V]] {num_heads = 4 : i64, scale = 2.500000e-01 : f32} : (tensor<2x4x64xf32>, tensor<2x4x64xf32>, tensor<2x4x64xf32>) -> tensor<2x4x64xf32>
  // CHECK-NEXT: return %[[O]]
  %split = xf.constant dense<[2, 4, 4, 16]> : tensor<4xi64>
  %merge = xf.constant dense<[2, 4, 64]> : tensor<3xi64>
  %quarter = xf.constant dense<0.25> : tensor<f32>
  %qs = xf.mul %q, %quarter : (tensor<2x4x64xf32>, tensor<f32>) -> tensor<2x4x64xf32>
  %q1 = xf.reshape %qs, %split : (tensor<2x4x64xf32>, tensor<4xi64>) -> tensor<2x4x4x16xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x4x16xf32>) -> tensor<2x4x4x16xf32>
  %k1 = xf.reshape %k, %split : (tensor<2x4x64xf32>, tensor<4xi64>) -> tensor<2x4x4x16xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x4x4x16xf32>) -> tensor<2x4x16x4xf32>
  %v1 = xf.reshape %v, %split : (tensor<2x4x64xf32>, tensor<4xi64>) -> tensor<2x4x4x16xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x4x16xf32>) -> tensor<2x4x4x16xf32>
  %s = xf.matmul %q2, %k2 : (tensor<2x4x4x16xf32>, tensor<2x4x16x4xf32>) -> tensor<2x4x4x4xf32>
  %p = xf.softmax %s {axis = 3 : i64} : tensor<2x4x4x4xf32>
  %o = xf.matmul %p, %v2 : (tensor<2x4x4x4xf32>, tensor<2x4x4x16xf32>) -> tensor<2x4x4x16xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x4x16xf32>) -> tensor<2x4x4x16xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<2x4x4x16xf32>, tensor<3xi64>) -> tensor<2x4x64xf32>
  return %o2 : tensor<2x4x64xf32>
}

// -----

// A bias that differs per query (ALiBi, relative positions) is no padding
// mask: it is kept as an additive mask of kind none.
// CHECK-LABEL: func.func @per_query_bias
func.func @per_query_bias(%q: tensor<1x8x64xf32>, %k: tensor<1x8x64xf32>, %v: tensor<1x8x64xf32>, %bias: tensor<1x2x8x8xf32>) -> tensor<1x8x64xf32> {
  // CHECK: xf.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {num_heads = 2 : i64, scale = 1.000000e+00 : f32} : ({{.*}}, tensor<1x2x8x8xf32>)
  %split = xf.constant dense<[1, 8, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[1, 8, 64]> : tensor<3xi64>
  %q1 = xf.reshape %q, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x8x32xf32>
  %k1 = xf.reshape %k, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x32x8xf32>
  %v1 = xf.reshape %v, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x8x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<1x2x8x32xf32>, tensor<1x2x32x8xf32>) -> tensor<1x2x8x8xf32>
  %s1 = xf.add %bias, %s : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %p = xf.softmax %s1 {axis = 3 : i64} : tensor<1x2x8x8xf32>
  %o = xf.matmul %p, %v2 : (tensor<1x2x8x8xf32>, tensor<1x2x8x32xf32>) -> tensor<1x2x8x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x8x32xf32>) -> tensor<1x8x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<1x8x2x32xf32>, tensor<3xi64>) -> tensor<1x8x64xf32>
  return %o2 : tensor<1x8x64xf32>
}

// -----

// GPT-2: Q, K and V split from one packed projection, the causal mask
// sliced out of a lower-triangular buffer (rows [Sk - Sq, Sk), columns
// [0, Sk)), and Where filling hidden scores with the lowest float.
// CHECK-LABEL: func.func @causal_sliced_buffer
// CHECK-SAME: (%[[QKV:.*]]: tensor<?x?x192xf32>)
func.func @causal_sliced_buffer(%qkv: tensor<?x?x192xf32>) -> tensor<?x?x64xf32> {
  // CHECK-NEXT: %[[P:.*]]:3 = xf.split %[[QKV]]
  // CHECK-NEXT: %[[O:.*]] = xf.attention %[[P]]#0, %[[P]]#1, %[[P]]#2 {mask_kind = "causal", num_heads = 2 : i64, scale = 0.176776{{[0-9]*}} : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  // CHECK-NEXT: return %[[O]]
  %c1 = xf.constant dense<1> : tensor<i64>
  %c2 = xf.constant dense<2> : tensor<i64>
  %zero = xf.constant dense<0> : tensor<1xi64>
  %one = xf.constant dense<1> : tensor<1xi64>
  %axis2 = xf.constant dense<2> : tensor<1xi64>
  %axis3 = xf.constant dense<3> : tensor<1xi64>
  %split = xf.constant dense<[0, -1, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[0, -1, 64]> : tensor<3xi64>
  %sqrt_d = xf.constant dense<5.65685415> : tensor<f32>
  %lowest = xf.constant dense<-3.40282347E+38> : tensor<f32>
  %buffer = xf.constant dense<[[[[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]]]> : tensor<1x1x4x4xui8>
  %parts:3 = xf.split %qkv {axis = 2 : i64, split_sizes = array<i64: 64, 64, 64>} : tensor<?x?x192xf32> -> tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>
  %q1 = xf.reshape %parts#0, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %k1 = xf.reshape %parts#1, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x32x?xf32>
  %v1 = xf.reshape %parts#2, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<?x2x?x32xf32>, tensor<?x2x32x?xf32>) -> tensor<?x2x?x?xf32>
  %s1 = xf.div %s, %sqrt_d : (tensor<?x2x?x?xf32>, tensor<f32>) -> tensor<?x2x?x?xf32>
  %q_shape = xf.shape_of %q2 : (tensor<?x2x?x32xf32>) -> tensor<4xi64>
  %q_len = xf.gather %q_shape, %c2 {axis = 0 : i64} : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %k_shape = xf.shape_of %k1 : (tensor<?x?x2x32xf32>) -> tensor<4xi64>
  %k_len = xf.gather %k_shape, %c1 {axis = 0 : i64} : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %start = xf.sub %k_len, %q_len : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %start1 = xf.unsqueeze %start {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %end1 = xf.unsqueeze %k_len {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %rows = xf.slice %buffer, %start1, %end1, %axis2, %one : (tensor<1x1x4x4xui8>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x1x?x4xui8>
  %cols = xf.slice %rows, %zero, %end1, %axis3, %one : (tensor<1x1x?x4xui8>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x1x?x?xui8>
  %cond = xf.cast %cols : tensor<1x1x?x?xui8> to tensor<1x1x?x?xi1>
  %s2 = xf.where %cond, %s1, %lowest : (tensor<1x1x?x?xi1>, tensor<?x2x?x?xf32>, tensor<f32>) -> tensor<?x2x?x?xf32>
  %p = xf.softmax %s2 {axis = 3 : i64} : tensor<?x2x?x?xf32>
  %o = xf.matmul %p, %v2 : (tensor<?x2x?x?xf32>, tensor<?x2x?x32xf32>) -> tensor<?x2x?x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x2x?x32xf32>) -> tensor<?x?x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<?x?x2x32xf32>, tensor<3xi64>) -> tensor<?x?x64xf32>
  return %o2 : tensor<?x?x64xf32>
}

// -----

// Llama-style: an additive mask of zeros and the lowest float above the
// diagonal, sliced [0, S) x [0, S) from a buffer in one slice over both
// axes (constant starts), S read from K's shape. Q and K have the same
// length, so the mask is the causal kind: it is dropped, and the key blocks
// past the diagonal will be skipped.
// CHECK-LABEL: func.func @causal_additive_buffer
// CHECK-SAME: (%[[QKV:.*]]: tensor<?x?x192xf32>)
func.func @causal_additive_buffer(%qkv: tensor<?x?x192xf32>) -> tensor<?x?x64xf32> {
  // CHECK-NEXT: %[[P:.*]]:3 = xf.split %[[QKV]]
  // CHECK-NEXT: %[[O:.*]] = xf.attention %[[P]]#0, %[[P]]#1, %[[P]]#2 {mask_kind = "causal", num_heads = 2 : i64, scale = 0.176776{{[0-9]*}} : f32} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  // CHECK-NEXT: return %[[O]]
  %c1 = xf.constant dense<1> : tensor<i64>
  %starts = xf.constant dense<[0, 0]> : tensor<2xi64>
  %axes = xf.constant dense<[2, 3]> : tensor<2xi64>
  %steps = xf.constant dense<[1, 1]> : tensor<2xi64>
  %split = xf.constant dense<[0, -1, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[0, -1, 64]> : tensor<3xi64>
  %sqrt_d = xf.constant dense<5.65685415> : tensor<f32>
  %buffer = xf.constant dense<[[[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %parts:3 = xf.split %qkv {axis = 2 : i64, split_sizes = array<i64: 64, 64, 64>} : tensor<?x?x192xf32> -> tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>
  %q1 = xf.reshape %parts#0, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %k1 = xf.reshape %parts#1, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x32x?xf32>
  %v1 = xf.reshape %parts#2, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<?x2x?x32xf32>, tensor<?x2x32x?xf32>) -> tensor<?x2x?x?xf32>
  %s1 = xf.div %s, %sqrt_d : (tensor<?x2x?x?xf32>, tensor<f32>) -> tensor<?x2x?x?xf32>
  %k_shape = xf.shape_of %k1 : (tensor<?x?x2x32xf32>) -> tensor<4xi64>
  %k_len = xf.gather %k_shape, %c1 {axis = 0 : i64} : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %k_len1 = xf.unsqueeze %k_len {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %ends = xf.concat %k_len1, %k_len1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %mask = xf.slice %buffer, %starts, %ends, %axes, %steps : (tensor<1x1x4x4xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x?x?xf32>
  %s2 = xf.add %s1, %mask : (tensor<?x2x?x?xf32>, tensor<1x1x?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = xf.softmax %s2 {axis = 3 : i64} : tensor<?x2x?x?xf32>
  %o = xf.matmul %p, %v2 : (tensor<?x2x?x?xf32>, tensor<?x2x?x32xf32>) -> tensor<?x2x?x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x2x?x32xf32>) -> tensor<?x?x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<?x?x2x32xf32>, tensor<3xi64>) -> tensor<?x?x64xf32>
  return %o2 : tensor<?x?x64xf32>
}

// -----

// The same additive mask with -1 above the diagonal: a bias, not a mask
// that hides scores, so it is kept as an additive mask.
// CHECK-LABEL: func.func @negative_additive_small_bias
// CHECK: %[[MASK:.*]] = xf.slice
// CHECK: xf.attention %{{.*}}, %{{.*}}, %{{.*}}, %[[MASK]] {num_heads = 2 : i64
func.func @negative_additive_small_bias(%qkv: tensor<?x?x192xf32>) -> tensor<?x?x64xf32> {
  %c1 = xf.constant dense<1> : tensor<i64>
  %starts = xf.constant dense<[0, 0]> : tensor<2xi64>
  %axes = xf.constant dense<[2, 3]> : tensor<2xi64>
  %steps = xf.constant dense<[1, 1]> : tensor<2xi64>
  %split = xf.constant dense<[0, -1, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[0, -1, 64]> : tensor<3xi64>
  %buffer = xf.constant dense<[[[[0.0, -1.0, -1.0, -1.0], [0.0, 0.0, -1.0, -1.0], [0.0, 0.0, 0.0, -1.0], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %parts:3 = xf.split %qkv {axis = 2 : i64, split_sizes = array<i64: 64, 64, 64>} : tensor<?x?x192xf32> -> tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>
  %q1 = xf.reshape %parts#0, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %k1 = xf.reshape %parts#1, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x32x?xf32>
  %v1 = xf.reshape %parts#2, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<?x2x?x32xf32>, tensor<?x2x32x?xf32>) -> tensor<?x2x?x?xf32>
  %k_shape = xf.shape_of %k1 : (tensor<?x?x2x32xf32>) -> tensor<4xi64>
  %k_len = xf.gather %k_shape, %c1 {axis = 0 : i64} : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %k_len1 = xf.unsqueeze %k_len {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %ends = xf.concat %k_len1, %k_len1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %mask = xf.slice %buffer, %starts, %ends, %axes, %steps : (tensor<1x1x4x4xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x?x?xf32>
  %s2 = xf.add %s, %mask : (tensor<?x2x?x?xf32>, tensor<1x1x?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = xf.softmax %s2 {axis = 3 : i64} : tensor<?x2x?x?xf32>
  %o = xf.matmul %p, %v2 : (tensor<?x2x?x?xf32>, tensor<?x2x?x32xf32>) -> tensor<?x2x?x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x2x?x32xf32>) -> tensor<?x?x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<?x?x2x32xf32>, tensor<3xi64>) -> tensor<?x?x64xf32>
  return %o2 : tensor<?x?x64xf32>
}

// -----

// Q, K and V split from the end of 48 chained adds (a residual stream):
// their lengths are traced through every add once, not along all 2^48
// paths; the fusion happens as with one add.
// CHECK-LABEL: func.func @deep_residual_stream
// CHECK: xf.attention {{.*}} {mask_kind = "causal"
func.func @deep_residual_stream(%qkv: tensor<?x?x192xf32>) -> tensor<?x?x64xf32> {
  %r0 = xf.add %qkv, %qkv : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r1 = xf.add %r0, %r0 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r2 = xf.add %r1, %r1 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r3 = xf.add %r2, %r2 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r4 = xf.add %r3, %r3 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r5 = xf.add %r4, %r4 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r6 = xf.add %r5, %r5 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r7 = xf.add %r6, %r6 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r8 = xf.add %r7, %r7 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r9 = xf.add %r8, %r8 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r10 = xf.add %r9, %r9 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r11 = xf.add %r10, %r10 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r12 = xf.add %r11, %r11 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r13 = xf.add %r12, %r12 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r14 = xf.add %r13, %r13 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r15 = xf.add %r14, %r14 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r16 = xf.add %r15, %r15 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r17 = xf.add %r16, %r16 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r18 = xf.add %r17, %r17 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r19 = xf.add %r18, %r18 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r20 = xf.add %r19, %r19 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r21 = xf.add %r20, %r20 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r22 = xf.add %r21, %r21 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r23 = xf.add %r22, %r22 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r24 = xf.add %r23, %r23 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r25 = xf.add %r24, %r24 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r26 = xf.add %r25, %r25 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r27 = xf.add %r26, %r26 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r28 = xf.add %r27, %r27 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r29 = xf.add %r28, %r28 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r30 = xf.add %r29, %r29 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r31 = xf.add %r30, %r30 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r32 = xf.add %r31, %r31 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r33 = xf.add %r32, %r32 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r34 = xf.add %r33, %r33 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r35 = xf.add %r34, %r34 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r36 = xf.add %r35, %r35 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r37 = xf.add %r36, %r36 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r38 = xf.add %r37, %r37 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r39 = xf.add %r38, %r38 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r40 = xf.add %r39, %r39 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r41 = xf.add %r40, %r40 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r42 = xf.add %r41, %r41 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r43 = xf.add %r42, %r42 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r44 = xf.add %r43, %r43 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r45 = xf.add %r44, %r44 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r46 = xf.add %r45, %r45 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r47 = xf.add %r46, %r46 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %r48 = xf.add %r47, %r47 : (tensor<?x?x192xf32>, tensor<?x?x192xf32>) -> tensor<?x?x192xf32>
  %c1 = xf.constant dense<1> : tensor<i64>
  %starts = xf.constant dense<[0, 0]> : tensor<2xi64>
  %axes = xf.constant dense<[2, 3]> : tensor<2xi64>
  %steps = xf.constant dense<[1, 1]> : tensor<2xi64>
  %split = xf.constant dense<[0, -1, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[0, -1, 64]> : tensor<3xi64>
  %sqrt_d = xf.constant dense<5.65685415> : tensor<f32>
  %buffer = xf.constant dense<[[[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %parts:3 = xf.split %r48 {axis = 2 : i64, split_sizes = array<i64: 64, 64, 64>} : tensor<?x?x192xf32> -> tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>
  %q1 = xf.reshape %parts#0, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %k1 = xf.reshape %parts#1, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x32x?xf32>
  %v1 = xf.reshape %parts#2, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<?x2x?x32xf32>, tensor<?x2x32x?xf32>) -> tensor<?x2x?x?xf32>
  %s1 = xf.div %s, %sqrt_d : (tensor<?x2x?x?xf32>, tensor<f32>) -> tensor<?x2x?x?xf32>
  %k_shape = xf.shape_of %k1 : (tensor<?x?x2x32xf32>) -> tensor<4xi64>
  %k_len = xf.gather %k_shape, %c1 {axis = 0 : i64} : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %k_len1 = xf.unsqueeze %k_len {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %ends = xf.concat %k_len1, %k_len1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %mask = xf.slice %buffer, %starts, %ends, %axes, %steps : (tensor<1x1x4x4xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x?x?xf32>
  %s2 = xf.add %s1, %mask : (tensor<?x2x?x?xf32>, tensor<1x1x?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = xf.softmax %s2 {axis = 3 : i64} : tensor<?x2x?x?xf32>
  %o = xf.matmul %p, %v2 : (tensor<?x2x?x?xf32>, tensor<?x2x?x32xf32>) -> tensor<?x2x?x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x2x?x32xf32>) -> tensor<?x?x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<?x?x2x32xf32>, tensor<3xi64>) -> tensor<?x?x64xf32>
  return %o2 : tensor<?x?x64xf32>
}

// -----

// An additive causal mask scaled after it was added, by 1e-5: -1e4 becomes
// -0.1, a bias that scores survive. Not the causal kind: kept as the mask
// (times the scale).
// CHECK-LABEL: func.func @negative_additive_scaled_down
// CHECK: xf.mul
// CHECK: xf.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {num_heads = 2 : i64
func.func @negative_additive_scaled_down(%qkv: tensor<?x?x192xf32>) -> tensor<?x?x64xf32> {
  %tiny = xf.constant dense<1.0e-05> : tensor<f32>
  %c1 = xf.constant dense<1> : tensor<i64>
  %starts = xf.constant dense<[0, 0]> : tensor<2xi64>
  %axes = xf.constant dense<[2, 3]> : tensor<2xi64>
  %steps = xf.constant dense<[1, 1]> : tensor<2xi64>
  %split = xf.constant dense<[0, -1, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[0, -1, 64]> : tensor<3xi64>
  %sqrt_d = xf.constant dense<5.65685415> : tensor<f32>
  %buffer = xf.constant dense<[[[[0.0, -1.0e+04, -1.0e+04, -1.0e+04], [0.0, 0.0, -1.0e+04, -1.0e+04], [0.0, 0.0, 0.0, -1.0e+04], [0.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %parts:3 = xf.split %qkv {axis = 2 : i64, split_sizes = array<i64: 64, 64, 64>} : tensor<?x?x192xf32> -> tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>
  %q1 = xf.reshape %parts#0, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %k1 = xf.reshape %parts#1, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x32x?xf32>
  %v1 = xf.reshape %parts#2, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<?x2x?x32xf32>, tensor<?x2x32x?xf32>) -> tensor<?x2x?x?xf32>
  %s1 = xf.div %s, %sqrt_d : (tensor<?x2x?x?xf32>, tensor<f32>) -> tensor<?x2x?x?xf32>
  %k_shape = xf.shape_of %k1 : (tensor<?x?x2x32xf32>) -> tensor<4xi64>
  %k_len = xf.gather %k_shape, %c1 {axis = 0 : i64} : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %k_len1 = xf.unsqueeze %k_len {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %ends = xf.concat %k_len1, %k_len1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %mask = xf.slice %buffer, %starts, %ends, %axes, %steps : (tensor<1x1x4x4xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x?x?xf32>
  %s2 = xf.add %s1, %mask : (tensor<?x2x?x?xf32>, tensor<1x1x?x?xf32>) -> tensor<?x2x?x?xf32>
  %s3 = xf.mul %s2, %tiny : (tensor<?x2x?x?xf32>, tensor<f32>) -> tensor<?x2x?x?xf32>
  %p = xf.softmax %s3 {axis = 3 : i64} : tensor<?x2x?x?xf32>
  %o = xf.matmul %p, %v2 : (tensor<?x2x?x?xf32>, tensor<?x2x?x32xf32>) -> tensor<?x2x?x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x2x?x32xf32>) -> tensor<?x?x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<?x?x2x32xf32>, tensor<3xi64>) -> tensor<?x?x64xf32>
  return %o2 : tensor<?x?x64xf32>
}

// -----

// With static shapes the causal condition is folded to a constant; it is
// checked element by element. Its fill, -1e4 (older GPT-2 exports), is the
// attention's causal fill.
// CHECK-LABEL: func.func @causal_constant
func.func @causal_constant(%q: tensor<1x3x64xf32>, %k: tensor<1x3x64xf32>, %v: tensor<1x3x64xf32>) -> tensor<1x3x64xf32> {
  // CHECK: xf.attention {{.*}} {causal_fill = -1.000000e+04 : f32, mask_kind = "causal", num_heads = 2 : i64, scale = 1.000000e+00 : f32}
  // CHECK-NOT: xf.where
  %split = xf.constant dense<[1, 3, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[1, 3, 64]> : tensor<3xi64>
  %lowest = xf.constant dense<-1.0e+04> : tensor<f32>
  %cond = xf.constant dense<[[[[true, false, false], [true, true, false], [true, true, true]]]]> : tensor<1x1x3x3xi1>
  %q1 = xf.reshape %q, %split : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x3x32xf32>
  %k1 = xf.reshape %k, %split : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x32x3xf32>
  %v1 = xf.reshape %v, %split : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x3x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<1x2x3x32xf32>, tensor<1x2x32x3xf32>) -> tensor<1x2x3x3xf32>
  %s1 = xf.where %cond, %s, %lowest : (tensor<1x1x3x3xi1>, tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %p = xf.softmax %s1 {axis = 3 : i64} : tensor<1x2x3x3xf32>
  %o = xf.matmul %p, %v2 : (tensor<1x2x3x3xf32>, tensor<1x2x3x32xf32>) -> tensor<1x2x3x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x32xf32>) -> tensor<1x3x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<1x3x2x32xf32>, tensor<3xi64>) -> tensor<1x3x64xf32>
  return %o2 : tensor<1x3x64xf32>
}

// -----
// GPT-2's order: the causal Where, then the padding mask added on top (a
// hidden key scores the fill plus the mask), the attention's default.
// CHECK-LABEL: func.func @causal_then_mask
func.func @causal_then_mask(%q: tensor<1x3x64xf32>, %k: tensor<1x3x64xf32>, %v: tensor<1x3x64xf32>, %m: tensor<1x1x1x3xf32>) -> tensor<1x3x64xf32> {
  // CHECK: xf.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {mask_kind = "causal", num_heads = 2 : i64, scale = 1.000000e+00 : f32}
  %split = xf.constant dense<[1, 3, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[1, 3, 64]> : tensor<3xi64>
  %lowest = xf.constant dense<-3.40282347E+38> : tensor<f32>
  %cond = xf.constant dense<[[[[true, false, false], [true, true, false], [true, true, true]]]]> : tensor<1x1x3x3xi1>
  %q1 = xf.reshape %q, %split : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x3x32xf32>
  %k1 = xf.reshape %k, %split : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x32x3xf32>
  %v1 = xf.reshape %v, %split : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x3x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<1x2x3x32xf32>, tensor<1x2x32x3xf32>) -> tensor<1x2x3x3xf32>
  %s1 = xf.where %cond, %s, %lowest : (tensor<1x1x3x3xi1>, tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %s2 = xf.add %s1, %m : (tensor<1x2x3x3xf32>, tensor<1x1x1x3xf32>) -> tensor<1x2x3x3xf32>
  %p = xf.softmax %s2 {axis = 3 : i64} : tensor<1x2x3x3xf32>
  %o = xf.matmul %p, %v2 : (tensor<1x2x3x3xf32>, tensor<1x2x3x32xf32>) -> tensor<1x2x3x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x32xf32>) -> tensor<1x3x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<1x3x2x32xf32>, tensor<3xi64>) -> tensor<1x3x64xf32>
  return %o2 : tensor<1x3x64xf32>
}

// -----

// The mask added first, then the causal Where replacing hidden scores with
// the fill: mask_before_causal.
// CHECK-LABEL: func.func @mask_then_causal
func.func @mask_then_causal(%q: tensor<1x3x64xf32>, %k: tensor<1x3x64xf32>, %v: tensor<1x3x64xf32>, %m: tensor<1x1x1x3xf32>) -> tensor<1x3x64xf32> {
  // CHECK: xf.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {mask_before_causal, mask_kind = "causal", num_heads = 2 : i64, scale = 1.000000e+00 : f32}
  %split = xf.constant dense<[1, 3, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[1, 3, 64]> : tensor<3xi64>
  %lowest = xf.constant dense<-3.40282347E+38> : tensor<f32>
  %cond = xf.constant dense<[[[[true, false, false], [true, true, false], [true, true, true]]]]> : tensor<1x1x3x3xi1>
  %q1 = xf.reshape %q, %split : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x3x32xf32>
  %k1 = xf.reshape %k, %split : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x32x3xf32>
  %v1 = xf.reshape %v, %split : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x3x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<1x2x3x32xf32>, tensor<1x2x32x3xf32>) -> tensor<1x2x3x3xf32>
  %s0 = xf.add %s, %m : (tensor<1x2x3x3xf32>, tensor<1x1x1x3xf32>) -> tensor<1x2x3x3xf32>
  %s1 = xf.where %cond, %s0, %lowest : (tensor<1x1x3x3xi1>, tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %p = xf.softmax %s1 {axis = 3 : i64} : tensor<1x2x3x3xf32>
  %o = xf.matmul %p, %v2 : (tensor<1x2x3x3xf32>, tensor<1x2x3x32xf32>) -> tensor<1x2x3x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x32xf32>) -> tensor<1x3x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<1x3x2x32xf32>, tensor<3xi64>) -> tensor<1x3x64xf32>
  return %o2 : tensor<1x3x64xf32>
}

// -----


// The condition keeps the upper triangle: not causal, so it becomes an
// additive mask, 0 where it keeps scores and the fill where it hides them.
// CHECK-LABEL: func.func @anticausal_condition_as_mask
func.func @anticausal_condition_as_mask(%q: tensor<1x3x64xf32>, %k: tensor<1x3x64xf32>, %v: tensor<1x3x64xf32>) -> tensor<1x3x64xf32> {
  // CHECK: %[[MASK:.*]] = xf.constant dense<{{\[\[\[\[}}0.000000e+00, 0.000000e+00, 0.000000e+00], [-1.000000e+04, 0.000000e+00, 0.000000e+00], [-1.000000e+04, -1.000000e+04, 0.000000e+00]]]]> : tensor<1x1x3x3xf32>
  // CHECK: xf.attention %{{.*}}, %{{.*}}, %{{.*}}, %[[MASK]] {num_heads = 2 : i64, scale = 1.000000e+00 : f32}
  // CHECK-NOT: xf.softmax
  %split = xf.constant dense<[1, 3, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[1, 3, 64]> : tensor<3xi64>
  %lowest = xf.constant dense<-1.0e+04> : tensor<f32>
  %cond = xf.constant dense<[[[[true, true, true], [false, true, true], [false, false, true]]]]> : tensor<1x1x3x3xi1>
  %q1 = xf.reshape %q, %split : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x3x32xf32>
  %k1 = xf.reshape %k, %split : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x32x3xf32>
  %v1 = xf.reshape %v, %split : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x3x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<1x2x3x32xf32>, tensor<1x2x32x3xf32>) -> tensor<1x2x3x3xf32>
  %s1 = xf.where %cond, %s, %lowest : (tensor<1x1x3x3xi1>, tensor<1x2x3x3xf32>, tensor<f32>) -> tensor<1x2x3x3xf32>
  %p = xf.softmax %s1 {axis = 3 : i64} : tensor<1x2x3x3xf32>
  %o = xf.matmul %p, %v2 : (tensor<1x2x3x3xf32>, tensor<1x2x3x32xf32>) -> tensor<1x2x3x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x32xf32>) -> tensor<1x3x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<1x3x2x32xf32>, tensor<3xi64>) -> tensor<1x3x64xf32>
  return %o2 : tensor<1x3x64xf32>
}

// -----

// The attention probabilities are also returned (output_attentions): the
// score matrix must be materialized anyway.
// CHECK-LABEL: func.func @negative_probabilities_returned
func.func @negative_probabilities_returned(%q: tensor<1x8x64xf32>, %k: tensor<1x8x64xf32>, %v: tensor<1x8x64xf32>) -> (tensor<1x8x64xf32>, tensor<1x2x8x8xf32>) {
  // CHECK-NOT: xf.attention
  // CHECK: xf.softmax
  %split = xf.constant dense<[1, 8, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[1, 8, 64]> : tensor<3xi64>
  %q1 = xf.reshape %q, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x8x32xf32>
  %k1 = xf.reshape %k, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x32x8xf32>
  %v1 = xf.reshape %v, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x8x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<1x2x8x32xf32>, tensor<1x2x32x8xf32>) -> tensor<1x2x8x8xf32>
  %p = xf.softmax %s {axis = 3 : i64} : tensor<1x2x8x8xf32>
  %o = xf.matmul %p, %v2 : (tensor<1x2x8x8xf32>, tensor<1x2x8x32xf32>) -> tensor<1x2x8x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x8x32xf32>) -> tensor<1x8x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<1x8x2x32xf32>, tensor<3xi64>) -> tensor<1x8x64xf32>
  return %o2, %p : tensor<1x8x64xf32>, tensor<1x2x8x8xf32>
}

// -----

// The softmax runs over the queries, not the keys.
// CHECK-LABEL: func.func @negative_softmax_over_queries
func.func @negative_softmax_over_queries(%q: tensor<1x8x64xf32>, %k: tensor<1x8x64xf32>, %v: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  // CHECK-NOT: xf.attention
  // CHECK: xf.softmax {{.*}} {axis = 2 : i64}
  %split = xf.constant dense<[1, 8, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[1, 8, 64]> : tensor<3xi64>
  %q1 = xf.reshape %q, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x8x32xf32>
  %k1 = xf.reshape %k, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x32x8xf32>
  %v1 = xf.reshape %v, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x8x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<1x2x8x32xf32>, tensor<1x2x32x8xf32>) -> tensor<1x2x8x8xf32>
  %p = xf.softmax %s {axis = 2 : i64} : tensor<1x2x8x8xf32>
  %o = xf.matmul %p, %v2 : (tensor<1x2x8x8xf32>, tensor<1x2x8x32xf32>) -> tensor<1x2x8x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x8x32xf32>) -> tensor<1x8x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<1x8x2x32xf32>, tensor<3xi64>) -> tensor<1x8x64xf32>
  return %o2 : tensor<1x8x64xf32>
}

// -----

// The "head split" of K moves the sequence out of the batch: no split of
// packed K, but still K's heads, [1, 8, 2, 32], which the attention reads
// reshaped to [1, 8, 64].
// CHECK-LABEL: func.func @split_moving_batch_repacked
func.func @split_moving_batch_repacked(%q: tensor<1x8x64xf32>, %k: tensor<8x1x64xf32>, %v: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  // CHECK: %[[KS:.*]] = xf.reshape %{{.*}} : (tensor<8x1x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  // CHECK: %[[KP:.*]] = xf.reshape %[[KS]], %{{.*}} : (tensor<1x8x2x32xf32>, tensor<3xi64>) -> tensor<1x8x64xf32>
  // CHECK: xf.attention %{{.*}}, %[[KP]], %{{.*}}
  // CHECK-NOT: xf.softmax
  %split = xf.constant dense<[1, 8, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[1, 8, 64]> : tensor<3xi64>
  %q1 = xf.reshape %q, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x8x32xf32>
  %k1 = xf.reshape %k, %split : (tensor<8x1x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x32x8xf32>
  %v1 = xf.reshape %v, %split : (tensor<1x8x64xf32>, tensor<4xi64>) -> tensor<1x8x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x32xf32>) -> tensor<1x2x8x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<1x2x8x32xf32>, tensor<1x2x32x8xf32>) -> tensor<1x2x8x8xf32>
  %p = xf.softmax %s {axis = 3 : i64} : tensor<1x2x8x8xf32>
  %o = xf.matmul %p, %v2 : (tensor<1x2x8x8xf32>, tensor<1x2x8x32xf32>) -> tensor<1x2x8x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x8x32xf32>) -> tensor<1x8x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<1x8x2x32xf32>, tensor<3xi64>) -> tensor<1x8x64xf32>
  return %o2 : tensor<1x8x64xf32>
}

// -----

// Cross attention (keys and values from another sequence) with a mask
// sliced as if the two lengths were equal (rows from 0): nothing proves it
// causal.
// CHECK-LABEL: func.func @negative_causal_rows_unproven
func.func @negative_causal_rows_unproven(%q: tensor<1x?x64xf32>, %k: tensor<1x?x64xf32>) -> tensor<1x?x64xf32> {
  // CHECK-NOT: xf.attention
  // CHECK: xf.where
  %c1 = xf.constant dense<1> : tensor<i64>
  %zero = xf.constant dense<0> : tensor<1xi64>
  %one = xf.constant dense<1> : tensor<1xi64>
  %axes = xf.constant dense<[2, 3]> : tensor<2xi64>
  %ones = xf.constant dense<1> : tensor<2xi64>
  %split = xf.constant dense<[0, -1, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[0, -1, 64]> : tensor<3xi64>
  %lowest = xf.constant dense<-3.40282347E+38> : tensor<f32>
  %buffer = xf.constant dense<[[[[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]]]> : tensor<1x1x4x4xui8>
  %q1 = xf.reshape %q, %split : (tensor<1x?x64xf32>, tensor<4xi64>) -> tensor<1x?x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x?x2x32xf32>) -> tensor<1x2x?x32xf32>
  %k1 = xf.reshape %k, %split : (tensor<1x?x64xf32>, tensor<4xi64>) -> tensor<1x?x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x?x2x32xf32>) -> tensor<1x2x32x?xf32>
  %v1 = xf.reshape %k, %split : (tensor<1x?x64xf32>, tensor<4xi64>) -> tensor<1x?x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x?x2x32xf32>) -> tensor<1x2x?x32xf32>
  %s = xf.matmul %q2, %k2 : (tensor<1x2x?x32xf32>, tensor<1x2x32x?xf32>) -> tensor<1x2x?x?xf32>
  %k_shape = xf.shape_of %k : (tensor<1x?x64xf32>) -> tensor<3xi64>
  %k_len = xf.gather %k_shape, %c1 {axis = 0 : i64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %k_len1 = xf.unsqueeze %k_len {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %starts = xf.concat %zero, %zero {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %ends = xf.concat %k_len1, %k_len1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %block = xf.slice %buffer, %starts, %ends, %axes, %ones : (tensor<1x1x4x4xui8>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x?x?xui8>
  %cond = xf.cast %block : tensor<1x1x?x?xui8> to tensor<1x1x?x?xi1>
  %s1 = xf.where %cond, %s, %lowest : (tensor<1x1x?x?xi1>, tensor<1x2x?x?xf32>, tensor<f32>) -> tensor<1x2x?x?xf32>
  %p = xf.softmax %s1 {axis = 3 : i64} : tensor<1x2x?x?xf32>
  %o = xf.matmul %p, %v2 : (tensor<1x2x?x?xf32>, tensor<1x2x?x32xf32>) -> tensor<1x2x?x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x?x32xf32>) -> tensor<1x?x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<1x?x2x32xf32>, tensor<3xi64>) -> tensor<1x?x64xf32>
  return %o2 : tensor<1x?x64xf32>
}

// -----

// DistilBERT's mask hides scores where its condition holds:
// where(cond, fill, scores), with the condition expanded to the scores'
// shape. It becomes a padding mask of the condition's own shape, and the
// batch of the mask (from attention_mask) and of the queries (from
// input_ids) are one by their dimension name.
// CHECK-LABEL: func.func @hiding_condition_as_padding_mask
func.func @hiding_condition_as_padding_mask(%x: tensor<?x?x64xf32>, %m: tensor<?x?xi1>) -> tensor<?x?x64xf32> attributes {xf.input_dim_names = [["batch", "sequence", ""], ["batch", "sequence"]]} {
  // CHECK: %[[MASK:.*]] = xf.where
  // CHECK-SAME: (tensor<?x1x1x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x1x1x?xf32>
  // CHECK: xf.attention %{{.*}}, %{{.*}}, %{{.*}}, %[[MASK]] {{.*}}mask_kind = "padding"
  %c0 = xf.constant dense<0> : tensor<1xi64>
  %c1 = xf.constant dense<1> : tensor<1xi64>
  %heads = xf.constant dense<[2, 32]> : tensor<2xi64>
  %one = xf.constant dense<1> : tensor<1xi64>
  %shape = xf.shape_of %x : (tensor<?x?x64xf32>) -> tensor<3xi64>
  %b = xf.gather %shape, %c0 {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %s = xf.gather %shape, %c1 {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %split = xf.concat %b, %s, %heads {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<2xi64>) -> tensor<4xi64>
  %c64 = xf.constant dense<64> : tensor<1xi64>
  %merge = xf.concat %b, %s, %c64 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %mshape = xf.shape_of %m : (tensor<?x?xi1>) -> tensor<2xi64>
  %mb = xf.gather %mshape, %c0 {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<1xi64>
  %ms = xf.gather %mshape, %c1 {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<1xi64>
  %m4shape = xf.concat %mb, %one, %one, %ms {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %m4 = xf.reshape %m, %m4shape : (tensor<?x?xi1>, tensor<4xi64>) -> tensor<?x1x1x?xi1>
  %lowest = xf.constant dense<-3.40282347E+38> : tensor<f32>
  %q1 = xf.reshape %x, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %k1 = xf.reshape %x, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x32x?xf32>
  %v1 = xf.reshape %x, %split : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x2x32xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x32xf32>) -> tensor<?x2x?x32xf32>
  %sc = xf.matmul %q2, %k2 : (tensor<?x2x?x32xf32>, tensor<?x2x32x?xf32>) -> tensor<?x2x?x?xf32>
  %sshape = xf.shape_of %sc : (tensor<?x2x?x?xf32>) -> tensor<4xi64>
  %cond = xf.expand %m4, %sshape : (tensor<?x1x1x?xi1>, tensor<4xi64>) -> tensor<?x2x?x?xi1>
  %s1 = xf.where %cond, %lowest, %sc : (tensor<?x2x?x?xi1>, tensor<f32>, tensor<?x2x?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = xf.softmax %s1 {axis = 3 : i64} : tensor<?x2x?x?xf32>
  %o = xf.matmul %p, %v2 : (tensor<?x2x?x?xf32>, tensor<?x2x?x32xf32>) -> tensor<?x2x?x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x2x?x32xf32>) -> tensor<?x?x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<?x?x2x32xf32>, tensor<3xi64>) -> tensor<?x?x64xf32>
  return %o2 : tensor<?x?x64xf32>
}

// -----

// GPT-2 also flattens the merged heads to [B * S, H * D] for its output
// projection: that reshape reads the attention's result instead.
// CHECK-LABEL: func.func @second_reshape_of_merged_heads
func.func @second_reshape_of_merged_heads(%q: tensor<1x3x64xf32>) -> (tensor<1x3x64xf32>, tensor<3x64xf32>) {
  // CHECK: %[[A:.*]] = xf.attention
  // CHECK: %[[FLAT:.*]] = xf.reshape %[[A]], %{{.*}} : (tensor<1x3x64xf32>, tensor<2xi64>) -> tensor<3x64xf32>
  // CHECK: return %[[A]], %[[FLAT]]
  %split = xf.constant dense<[1, 3, 2, 32]> : tensor<4xi64>
  %merge = xf.constant dense<[1, 3, 64]> : tensor<3xi64>
  %flat = xf.constant dense<[-1, 64]> : tensor<2xi64>
  %q1 = xf.reshape %q, %split : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x2x32xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x3x32xf32>
  %k2 = xf.transpose %q1 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x3x2x32xf32>) -> tensor<1x2x32x3xf32>
  %s = xf.matmul %q2, %k2 : (tensor<1x2x3x32xf32>, tensor<1x2x32x3xf32>) -> tensor<1x2x3x3xf32>
  %p = xf.softmax %s {axis = 3 : i64} : tensor<1x2x3x3xf32>
  %o = xf.matmul %p, %q2 : (tensor<1x2x3x3xf32>, tensor<1x2x3x32xf32>) -> tensor<1x2x3x32xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x32xf32>) -> tensor<1x3x2x32xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<1x3x2x32xf32>, tensor<3xi64>) -> tensor<1x3x64xf32>
  %o3 = xf.reshape %o1, %flat : (tensor<1x3x2x32xf32>, tensor<2xi64>) -> tensor<3x64xf32>
  return %o2, %o3 : tensor<1x3x64xf32>, tensor<3x64xf32>
}

// -----

// Llama: rotary embeddings applied to heads-first Q and K (q * cos +
// rotate_half(q) * sin), and K and V repeated from 2 to 4 heads by
// repeat_kv (unsqueeze, expand, reshape). The head transposes are hoisted
// above the rotary arithmetic, the rotated Q and K are reshaped back to
// packed form, and the attention reads 2 key/value heads.
// CHECK-LABEL: func.func @rotary_grouped_query
// CHECK-DAG: %[[QR:.*]] = xf.reshape %{{.*}}, %{{.*}} : (tensor<1x3x4x16xf32>, tensor<3xi64>) -> tensor<1x3x64xf32>
// CHECK-DAG: %[[KR:.*]] = xf.reshape %{{.*}}, %{{.*}} : (tensor<1x3x2x16xf32>, tensor<3xi64>) -> tensor<1x3x32xf32>
// CHECK: xf.attention %[[QR]], %[[KR]], %{{.*}} {num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32} : (tensor<1x3x64xf32>, tensor<1x3x32xf32>, tensor<1x3x32xf32>) -> tensor<1x3x64xf32>
// CHECK-NOT: xf.softmax
func.func @rotary_grouped_query(%q: tensor<1x3x64xf32>, %k: tensor<1x3x32xf32>, %v: tensor<1x3x32xf32>, %cos: tensor<1x1x3x16xf32>, %sin: tensor<1x1x3x16xf32>) -> tensor<1x3x64xf32> {
  %qsplit = xf.constant dense<[1, 3, 4, 16]> : tensor<4xi64>
  %kvsplit = xf.constant dense<[1, 3, 2, 16]> : tensor<4xi64>
  %rep = xf.constant dense<[1, 2, 2, 3, 16]> : tensor<5xi64>
  %heads = xf.constant dense<[1, 4, 3, 16]> : tensor<4xi64>
  %merge = xf.constant dense<[1, 3, 64]> : tensor<3xi64>
  %c0 = xf.constant dense<0> : tensor<1xi64>
  %c8 = xf.constant dense<8> : tensor<1xi64>
  %c16 = xf.constant dense<16> : tensor<1xi64>
  %c3 = xf.constant dense<3> : tensor<1xi64>
  %c1 = xf.constant dense<1> : tensor<1xi64>
  %scale = xf.constant dense<4.0> : tensor<f32>
  %q1 = xf.reshape %q, %qsplit : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x4x16xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x4x16xf32>) -> tensor<1x4x3x16xf32>
  %qc = xf.mul %q2, %cos : (tensor<1x4x3x16xf32>, tensor<1x1x3x16xf32>) -> tensor<1x4x3x16xf32>
  %qa = xf.slice %q2, %c0, %c8, %c3, %c1 : (tensor<1x4x3x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x4x3x8xf32>
  %qb = xf.slice %q2, %c8, %c16, %c3, %c1 : (tensor<1x4x3x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x4x3x8xf32>
  %qn = xf.neg %qb : tensor<1x4x3x8xf32>
  %qh = xf.concat %qn, %qa {axis = 3 : i64} : (tensor<1x4x3x8xf32>, tensor<1x4x3x8xf32>) -> tensor<1x4x3x16xf32>
  %qs = xf.mul %qh, %sin : (tensor<1x4x3x16xf32>, tensor<1x1x3x16xf32>) -> tensor<1x4x3x16xf32>
  %qr = xf.add %qc, %qs : (tensor<1x4x3x16xf32>, tensor<1x4x3x16xf32>) -> tensor<1x4x3x16xf32>
  %k1 = xf.reshape %k, %kvsplit : (tensor<1x3x32xf32>, tensor<4xi64>) -> tensor<1x3x2x16xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x16xf32>) -> tensor<1x2x3x16xf32>
  %kc = xf.mul %k2, %cos : (tensor<1x2x3x16xf32>, tensor<1x1x3x16xf32>) -> tensor<1x2x3x16xf32>
  %ka = xf.slice %k2, %c0, %c8, %c3, %c1 : (tensor<1x2x3x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x3x8xf32>
  %kb = xf.slice %k2, %c8, %c16, %c3, %c1 : (tensor<1x2x3x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x3x8xf32>
  %kn = xf.neg %kb : tensor<1x2x3x8xf32>
  %kh = xf.concat %kn, %ka {axis = 3 : i64} : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x16xf32>
  %ks = xf.mul %kh, %sin : (tensor<1x2x3x16xf32>, tensor<1x1x3x16xf32>) -> tensor<1x2x3x16xf32>
  %kr = xf.add %kc, %ks : (tensor<1x2x3x16xf32>, tensor<1x2x3x16xf32>) -> tensor<1x2x3x16xf32>
  %ku = xf.unsqueeze %kr {axes = array<i64: 2>} : (tensor<1x2x3x16xf32>) -> tensor<1x2x1x3x16xf32>
  %ke = xf.expand %ku, %rep : (tensor<1x2x1x3x16xf32>, tensor<5xi64>) -> tensor<1x2x2x3x16xf32>
  %kk = xf.reshape %ke, %heads : (tensor<1x2x2x3x16xf32>, tensor<4xi64>) -> tensor<1x4x3x16xf32>
  %kt = xf.transpose %kk {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x3x16xf32>) -> tensor<1x4x16x3xf32>
  %v1 = xf.reshape %v, %kvsplit : (tensor<1x3x32xf32>, tensor<4xi64>) -> tensor<1x3x2x16xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x16xf32>) -> tensor<1x2x3x16xf32>
  %vu = xf.unsqueeze %v2 {axes = array<i64: 2>} : (tensor<1x2x3x16xf32>) -> tensor<1x2x1x3x16xf32>
  %ve = xf.expand %vu, %rep : (tensor<1x2x1x3x16xf32>, tensor<5xi64>) -> tensor<1x2x2x3x16xf32>
  %vv = xf.reshape %ve, %heads : (tensor<1x2x2x3x16xf32>, tensor<4xi64>) -> tensor<1x4x3x16xf32>
  %s = xf.matmul %qr, %kt : (tensor<1x4x3x16xf32>, tensor<1x4x16x3xf32>) -> tensor<1x4x3x3xf32>
  %s1 = xf.div %s, %scale : (tensor<1x4x3x3xf32>, tensor<f32>) -> tensor<1x4x3x3xf32>
  %p = xf.softmax %s1 {axis = 3 : i64} : tensor<1x4x3x3xf32>
  %o = xf.matmul %p, %vv : (tensor<1x4x3x3xf32>, tensor<1x4x3x16xf32>) -> tensor<1x4x3x16xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x3x16xf32>) -> tensor<1x3x4x16xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<1x3x4x16xf32>, tensor<3xi64>) -> tensor<1x3x64xf32>
  return %o2 : tensor<1x3x64xf32>
}

// -----

// K is repeated from 2 heads but V has 4 of its own: one num_kv_heads
// cannot describe both, so nothing is fused.
// CHECK-LABEL: func.func @negative_key_and_value_groups_differ
func.func @negative_key_and_value_groups_differ(%q: tensor<1x3x64xf32>, %k: tensor<1x3x32xf32>, %v: tensor<1x3x64xf32>) -> tensor<1x3x64xf32> {
  // CHECK-NOT: xf.attention
  %qsplit = xf.constant dense<[1, 3, 4, 16]> : tensor<4xi64>
  %kvsplit = xf.constant dense<[1, 3, 2, 16]> : tensor<4xi64>
  %rep = xf.constant dense<[1, 2, 2, 3, 16]> : tensor<5xi64>
  %heads = xf.constant dense<[1, 4, 3, 16]> : tensor<4xi64>
  %merge = xf.constant dense<[1, 3, 64]> : tensor<3xi64>
  %q1 = xf.reshape %q, %qsplit : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x4x16xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x4x16xf32>) -> tensor<1x4x3x16xf32>
  %k1 = xf.reshape %k, %kvsplit : (tensor<1x3x32xf32>, tensor<4xi64>) -> tensor<1x3x2x16xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x16xf32>) -> tensor<1x2x3x16xf32>
  %ku = xf.unsqueeze %k2 {axes = array<i64: 2>} : (tensor<1x2x3x16xf32>) -> tensor<1x2x1x3x16xf32>
  %ke = xf.expand %ku, %rep : (tensor<1x2x1x3x16xf32>, tensor<5xi64>) -> tensor<1x2x2x3x16xf32>
  %kk = xf.reshape %ke, %heads : (tensor<1x2x2x3x16xf32>, tensor<4xi64>) -> tensor<1x4x3x16xf32>
  %kt = xf.transpose %kk {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x3x16xf32>) -> tensor<1x4x16x3xf32>
  %v1 = xf.reshape %v, %qsplit : (tensor<1x3x64xf32>, tensor<4xi64>) -> tensor<1x3x4x16xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x4x16xf32>) -> tensor<1x4x3x16xf32>
  %s = xf.matmul %q2, %kt : (tensor<1x4x3x16xf32>, tensor<1x4x16x3xf32>) -> tensor<1x4x3x3xf32>
  %p = xf.softmax %s {axis = 3 : i64} : tensor<1x4x3x3xf32>
  %o = xf.matmul %p, %v2 : (tensor<1x4x3x3xf32>, tensor<1x4x3x16xf32>) -> tensor<1x4x3x16xf32>
  %o1 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x3x16xf32>) -> tensor<1x3x4x16xf32>
  %o2 = xf.reshape %o1, %merge : (tensor<1x3x4x16xf32>, tensor<3xi64>) -> tensor<1x3x64xf32>
  return %o2 : tensor<1x3x64xf32>
}

// -----

// OPT's batched layout: heads-first Q, K and V merged to [B * H, S, D] for
// 3-D products, the scores split back to [B, H, S, S] for the mask and a
// clamp at the lowest float, merged again for the softmax and the product
// with V, and split before the head merge. The merges move below each op
// until they meet their splits and cancel; what remains is the heads-first
// form, fused, with the clamp moved onto the mask.
// CHECK-LABEL: func.func @batched_heads
// CHECK-SAME: (%[[Q:.*]]: tensor<2x8x64xf32>, %[[K:.*]]: tensor<2x8x64xf32>, %[[V:.*]]: tensor<2x8x64xf32>, %[[MASK:.*]]: tensor<2x1x8x8xf32>)
func.func @batched_heads(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %mask: tensor<2x1x8x8xf32>) -> tensor<2x8x64xf32> {
  // CHECK: %[[LOWEST:.*]] = xf.constant dense<-3.40282347E+38> : tensor<f32>
  // CHECK-NEXT: %[[FLOORED:.*]] = xf.max %[[MASK]], %[[LOWEST]]
  // CHECK-NEXT: %[[O:.*]] = xf.attention %[[Q]], %[[K]], %[[V]], %[[FLOORED]] {num_heads = 4 : i64, scale = 2.500000e-01 : f32}
  // CHECK-NEXT: return %[[O]]
  %split = xf.constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %batched = xf.constant dense<[8, 8, 16]> : tensor<3xi64>
  %scores4 = xf.constant dense<[2, 4, 8, 8]> : tensor<4xi64>
  %scores3 = xf.constant dense<[8, 8, 8]> : tensor<3xi64>
  %heads4 = xf.constant dense<[2, 4, 8, 16]> : tensor<4xi64>
  %merge = xf.constant dense<[2, 8, 64]> : tensor<3xi64>
  %scale = xf.constant dense<2.500000e-01> : tensor<f32>
  %lowest = xf.constant dense<-3.40282347E+38> : tensor<f32>
  %q0 = xf.mul %q, %scale : (tensor<2x8x64xf32>, tensor<f32>) -> tensor<2x8x64xf32>
  %q1 = xf.reshape %q0, %split : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %q3 = xf.reshape %q2, %batched : (tensor<2x4x8x16xf32>, tensor<3xi64>) -> tensor<8x8x16xf32>
  %k1 = xf.reshape %k, %split : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k3 = xf.reshape %k2, %batched : (tensor<2x4x8x16xf32>, tensor<3xi64>) -> tensor<8x8x16xf32>
  %kt = xf.transpose %k3 {perm = array<i64: 0, 2, 1>} : (tensor<8x8x16xf32>) -> tensor<8x16x8xf32>
  %v1 = xf.reshape %v, %split : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %v3 = xf.reshape %v2, %batched : (tensor<2x4x8x16xf32>, tensor<3xi64>) -> tensor<8x8x16xf32>
  %s = xf.matmul %q3, %kt : (tensor<8x8x16xf32>, tensor<8x16x8xf32>) -> tensor<8x8x8xf32>
  %s4 = xf.reshape %s, %scores4 : (tensor<8x8x8xf32>, tensor<4xi64>) -> tensor<2x4x8x8xf32>
  %m = xf.add %s4, %mask : (tensor<2x4x8x8xf32>, tensor<2x1x8x8xf32>) -> tensor<2x4x8x8xf32>
  %c = xf.max %m, %lowest : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %c3 = xf.reshape %c, %scores3 : (tensor<2x4x8x8xf32>, tensor<3xi64>) -> tensor<8x8x8xf32>
  %p = xf.softmax %c3 {axis = 2 : i64} : tensor<8x8x8xf32>
  %o = xf.matmul %p, %v3 : (tensor<8x8x8xf32>, tensor<8x8x16xf32>) -> tensor<8x8x16xf32>
  %o4 = xf.reshape %o, %heads4 : (tensor<8x8x16xf32>, tensor<4xi64>) -> tensor<2x4x8x16xf32>
  %o5 = xf.transpose %o4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o6 = xf.reshape %o5, %merge : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o6 : tensor<2x8x64xf32>
}

// -----

// A clamp that is not at the lowest float changes the scores: no fusion.
// CHECK-LABEL: func.func @negative_batched_heads_clamp
// CHECK-NOT: xf.attention
// CHECK: xf.softmax
func.func @negative_batched_heads_clamp(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>) -> tensor<2x8x64xf32> {
  %batched = xf.constant dense<[8, 8, 16]> : tensor<3xi64>
  %heads4 = xf.constant dense<[2, 4, 8, 16]> : tensor<4xi64>
  %merge = xf.constant dense<[2, 8, 64]> : tensor<3xi64>
  %floor = xf.constant dense<-1.000000e+01> : tensor<f32>
  %q3 = xf.reshape %q, %batched : (tensor<2x4x8x16xf32>, tensor<3xi64>) -> tensor<8x8x16xf32>
  %k3 = xf.reshape %k, %batched : (tensor<2x4x8x16xf32>, tensor<3xi64>) -> tensor<8x8x16xf32>
  %kt = xf.transpose %k3 {perm = array<i64: 0, 2, 1>} : (tensor<8x8x16xf32>) -> tensor<8x16x8xf32>
  %v3 = xf.reshape %v, %batched : (tensor<2x4x8x16xf32>, tensor<3xi64>) -> tensor<8x8x16xf32>
  %s = xf.matmul %q3, %kt : (tensor<8x8x16xf32>, tensor<8x16x8xf32>) -> tensor<8x8x8xf32>
  %c = xf.max %s, %floor : (tensor<8x8x8xf32>, tensor<f32>) -> tensor<8x8x8xf32>
  %p = xf.softmax %c {axis = 2 : i64} : tensor<8x8x8xf32>
  %o = xf.matmul %p, %v3 : (tensor<8x8x8xf32>, tensor<8x8x16xf32>) -> tensor<8x8x16xf32>
  %o4 = xf.reshape %o, %heads4 : (tensor<8x8x16xf32>, tensor<4xi64>) -> tensor<2x4x8x16xf32>
  %o5 = xf.transpose %o4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o6 = xf.reshape %o5, %merge : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o6 : tensor<2x8x64xf32>
}

// -----

// Products whose operands merge different head counts are no attention of
// one head count: the 3-D product stays.
// CHECK-LABEL: func.func @negative_batched_heads_differ
// CHECK: xf.matmul {{.*}} : (tensor<8x8x16xf32>, tensor<8x16x8xf32>) -> tensor<8x8x8xf32>
func.func @negative_batched_heads_differ(%q: tensor<2x4x8x16xf32>, %k: tensor<4x2x16x8xf32>) -> tensor<8x8x8xf32> {
  %q3s = xf.constant dense<[8, 8, 16]> : tensor<3xi64>
  %k3s = xf.constant dense<[8, 16, 8]> : tensor<3xi64>
  %q3 = xf.reshape %q, %q3s : (tensor<2x4x8x16xf32>, tensor<3xi64>) -> tensor<8x8x16xf32>
  %k3 = xf.reshape %k, %k3s : (tensor<4x2x16x8xf32>, tensor<3xi64>) -> tensor<8x16x8xf32>
  %s = xf.matmul %q3, %k3 : (tensor<8x8x16xf32>, tensor<8x16x8xf32>) -> tensor<8x8x8xf32>
  return %s : tensor<8x8x8xf32>
}

// -----

// Falcon's multi-query attention: one K and V head that the products
// broadcast to every query head is grouped-query attention with one group.
// The reshape of the product to its own shape (read back from its
// dimensions) is removed first. (The batch of Q, K and V is one by name.)
// CHECK-LABEL: func.func @multi_query_broadcast
// CHECK-SAME: (%[[Q:.*]]: tensor<?x8x4x16xf32>, %[[K:.*]]: tensor<?x8x1x16xf32>, %[[V:.*]]: tensor<?x8x1x16xf32>)
func.func @multi_query_broadcast(%q: tensor<?x8x4x16xf32>, %k: tensor<?x8x1x16xf32>, %v: tensor<?x8x1x16xf32>) -> tensor<?x8x64xf32>
    attributes {xf.input_dim_names = [["B", "", "", ""], ["B", "", "", ""], ["B", "", "", ""]]} {
  // CHECK: xf.attention {{.*}} {num_heads = 4 : i64, num_kv_heads = 1 : i64, scale = 2.500000e-01 : f32} : (tensor<?x8x64xf32>, tensor<?x8x16xf32>, tensor<?x8x16xf32>) -> tensor<?x8x64xf32>
  // CHECK-NOT: xf.softmax
  %scale = xf.constant dense<4.000000e+00> : tensor<f32>
  %q2 = xf.transpose %q {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x8x4x16xf32>) -> tensor<?x4x8x16xf32>
  %k2 = xf.transpose %k {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x8x1x16xf32>) -> tensor<?x1x16x8xf32>
  %v2 = xf.transpose %v {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x8x1x16xf32>) -> tensor<?x1x8x16xf32>
  %s = xf.matmul %q2, %k2 : (tensor<?x4x8x16xf32>, tensor<?x1x16x8xf32>) -> tensor<?x4x8x8xf32>
  %s1 = xf.div %s, %scale : (tensor<?x4x8x8xf32>, tensor<f32>) -> tensor<?x4x8x8xf32>
  %p = xf.softmax %s1 {axis = 3 : i64} : tensor<?x4x8x8xf32>
  %o = xf.matmul %p, %v2 : (tensor<?x4x8x8xf32>, tensor<?x1x8x16xf32>) -> tensor<?x4x8x16xf32>
  %shape = xf.shape_of %o : (tensor<?x4x8x16xf32>) -> tensor<4xi64>
  %same = xf.reshape %o, %shape : (tensor<?x4x8x16xf32>, tensor<4xi64>) -> tensor<?x4x8x16xf32>
  %o1 = xf.transpose %same {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x4x8x16xf32>) -> tensor<?x8x4x16xf32>
  %merge = xf.constant dense<[0, 8, 64]> : tensor<3xi64>
  %o2 = xf.reshape %o1, %merge : (tensor<?x8x4x16xf32>, tensor<3xi64>) -> tensor<?x8x64xf32>
  return %o2 : tensor<?x8x64xf32>
}

// -----

// torch.nn.MultiheadAttention, sequence first: [S, B, E] projections
// reshaped to [S, B * H, D] and transposed to [B * H, S, D] (K to
// [B * H, D, S]), batched products, the output transposed back and
// flattened to [S * B, E]. Normalized to batch-first heads, it fuses; the
// attention's [B, S, E] result is transposed back to sequence first.
// CHECK-LABEL: func.func @sequence_first
// CHECK: %[[QT:.*]] = xf.transpose %{{.*}} {perm = array<i64: 1, 0, 2>} : (tensor<8x?x64xf32>) -> tensor<?x8x64xf32>
// CHECK: %[[O:.*]] = xf.attention %[[QT]], %{{.*}}, %{{.*}} {num_heads = 4 : i64, scale = 2.500000e-01 : f32}
// CHECK: xf.transpose %[[O]] {perm = array<i64: 1, 0, 2>}
// CHECK-NOT: xf.softmax
func.func @sequence_first(%q: tensor<8x?x64xf32>, %k: tensor<8x?x64xf32>, %v: tensor<8x?x64xf32>) -> tensor<?x64xf32>
    attributes {xf.input_dim_names = [["", "B", ""], ["", "B", ""], ["", "B", ""]]} {
  %one = xf.constant dense<1> : tensor<i64>
  %heads = xf.constant dense<4> : tensor<i64>
  %s = xf.constant dense<8> : tensor<1xi64>
  %d = xf.constant dense<16> : tensor<1xi64>
  %e = xf.constant dense<64> : tensor<1xi64>
  %scale = xf.constant dense<4.000000e+00> : tensor<f32>
  %shape = xf.shape_of %q : (tensor<8x?x64xf32>) -> tensor<3xi64>
  %b = xf.gather %shape, %one {axis = 0 : i64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %bh = xf.mul %b, %heads : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %bh1 = xf.unsqueeze %bh {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %split = xf.concat %s, %bh1, %d {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %q1 = xf.reshape %q, %split : (tensor<8x?x64xf32>, tensor<3xi64>) -> tensor<8x?x16xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 1, 0, 2>} : (tensor<8x?x16xf32>) -> tensor<?x8x16xf32>
  %q3 = xf.div %q2, %scale : (tensor<?x8x16xf32>, tensor<f32>) -> tensor<?x8x16xf32>
  %k1 = xf.reshape %k, %split : (tensor<8x?x64xf32>, tensor<3xi64>) -> tensor<8x?x16xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 1, 2, 0>} : (tensor<8x?x16xf32>) -> tensor<?x16x8xf32>
  %v1 = xf.reshape %v, %split : (tensor<8x?x64xf32>, tensor<3xi64>) -> tensor<8x?x16xf32>
  %v2 = xf.transpose %v1 {perm = array<i64: 1, 0, 2>} : (tensor<8x?x16xf32>) -> tensor<?x8x16xf32>
  %scores = xf.matmul %q3, %k2 : (tensor<?x8x16xf32>, tensor<?x16x8xf32>) -> tensor<?x8x8xf32>
  %p = xf.softmax %scores {axis = 2 : i64} : tensor<?x8x8xf32>
  %o = xf.matmul %p, %v2 : (tensor<?x8x8xf32>, tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
  %o1 = xf.transpose %o {perm = array<i64: 1, 0, 2>} : (tensor<?x8x16xf32>) -> tensor<8x?x16xf32>
  %seq = xf.constant dense<8> : tensor<i64>
  %sb = xf.mul %b, %seq : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %sb1 = xf.unsqueeze %sb {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %flat = xf.concat %sb1, %e {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %o2 = xf.reshape %o1, %flat : (tensor<8x?x16xf32>, tensor<2xi64>) -> tensor<?x64xf32>
  return %o2 : tensor<?x64xf32>
}

// -----

// One head: [S, B, E] -> [S, B * 1, E] splits nothing, and the rewrite
// would give back its own input; it is left alone.
// CHECK-LABEL: func.func @negative_sequence_first_one_head
// CHECK-NOT: xf.attention
// CHECK: xf.softmax
func.func @negative_sequence_first_one_head(%q: tensor<8x?x16xf32>, %k: tensor<8x?x16xf32>) -> tensor<?x8x8xf32>
    attributes {xf.input_dim_names = [["", "B", ""], ["", "B", ""]]} {
  %one = xf.constant dense<1> : tensor<i64>
  %s = xf.constant dense<8> : tensor<1xi64>
  %d = xf.constant dense<16> : tensor<1xi64>
  %shape = xf.shape_of %q : (tensor<8x?x16xf32>) -> tensor<3xi64>
  %b = xf.gather %shape, %one {axis = 0 : i64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %bh = xf.mul %b, %one : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %bh1 = xf.unsqueeze %bh {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %split = xf.concat %s, %bh1, %d {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %q1 = xf.reshape %q, %split : (tensor<8x?x16xf32>, tensor<3xi64>) -> tensor<8x?x16xf32>
  %q2 = xf.transpose %q1 {perm = array<i64: 1, 0, 2>} : (tensor<8x?x16xf32>) -> tensor<?x8x16xf32>
  %k1 = xf.reshape %k, %split : (tensor<8x?x16xf32>, tensor<3xi64>) -> tensor<8x?x16xf32>
  %k2 = xf.transpose %k1 {perm = array<i64: 1, 2, 0>} : (tensor<8x?x16xf32>) -> tensor<?x16x8xf32>
  %scores = xf.matmul %q2, %k2 : (tensor<?x8x16xf32>, tensor<?x16x8xf32>) -> tensor<?x8x8xf32>
  %p = xf.softmax %scores {axis = 2 : i64} : tensor<?x8x8xf32>
  return %p : tensor<?x8x8xf32>
}

// -----

// DeBERTa: heads merged to [-1, S, D] for 3-D products, the scale on K, a
// relative-position bias of the merged scores' shape computed from the
// merged queries, a hiding condition before the softmax and the same
// condition zeroing the probabilities after it (XSoftmax). The bias is
// split like the scores and becomes the mask with the condition; the
// zeroing keeps only rows that see a key, a select on the output.
// CHECK-LABEL: func.func @disentangled_bias_zeroed_probabilities
// CHECK-SAME: %[[COND:[^:]*]]: tensor<?x1x8x8xi1>
// CHECK: %[[BIAS:.*]] = xf.reshape {{.*}} -> tensor<?x4x8x8xf32>
// CHECK: %[[HIDDEN:.*]] = xf.where %[[COND]]
// CHECK: %[[MASK:.*]] = xf.add %[[BIAS]], %[[HIDDEN]]
// CHECK: %[[A:.*]] = xf.attention %{{.*}}, %{{.*}}, %{{.*}}, %[[MASK]] {num_heads = 4 : i64, scale = 2.500000e-01 : f32}
// CHECK: %[[SEEN:.*]] = xf.not %[[COND]]
// CHECK: %[[ROWS:.*]] = xf.squeeze %[[SEEN]] {axes = array<i64: 1>}
// CHECK: %[[NUMERIC:.*]] = xf.cast %[[ROWS]] : tensor<?x8x8xi1> to tensor<?x8x8xf32>
// CHECK: %[[ANY:.*]] = xf.reduce_max %[[NUMERIC]] {axes = array<i64: 2>} : (tensor<?x8x8xf32>) -> tensor<?x8x1xf32>
// CHECK: %[[SEES:.*]] = xf.greater %[[ANY]], %[[ZERO:.*]] : (tensor<?x8x1xf32>, tensor<f32>) -> tensor<?x8x1xi1>
// CHECK: %[[O:.*]] = xf.where %[[SEES]], %[[A]], %[[ZERO]] : (tensor<?x8x1xi1>, tensor<?x8x64xf32>, tensor<f32>) -> tensor<?x8x64xf32>
// CHECK: return %[[O]]
func.func @disentangled_bias_zeroed_probabilities(%qp: tensor<?x8x64xf32>, %kp: tensor<?x8x64xf32>, %vp: tensor<?x8x64xf32>, %w: tensor<16x8xf32>, %cond: tensor<?x1x8x8xi1>) -> tensor<?x8x64xf32> attributes {xf.input_dim_names = [["batch", "", ""], ["batch", "", ""], ["batch", "", ""], ["", ""], ["batch", "", "", ""]]} {
  %split = xf.constant dense<[0, 8, 4, 16]> : tensor<4xi64>
  %qs = xf.reshape %qp, %split : (tensor<?x8x64xf32>, tensor<4xi64>) -> tensor<?x8x4x16xf32>
  %q = xf.transpose %qs {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x8x4x16xf32>) -> tensor<?x4x8x16xf32>
  %ks = xf.reshape %kp, %split : (tensor<?x8x64xf32>, tensor<4xi64>) -> tensor<?x8x4x16xf32>
  %k = xf.transpose %ks {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x8x4x16xf32>) -> tensor<?x4x8x16xf32>
  %vs = xf.reshape %vp, %split : (tensor<?x8x64xf32>, tensor<4xi64>) -> tensor<?x8x4x16xf32>
  %v = xf.transpose %vs {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x8x4x16xf32>) -> tensor<?x4x8x16xf32>
  %batched = xf.constant dense<[-1, 8, 16]> : tensor<3xi64>
  %scores4 = xf.constant dense<[-1, 4, 8, 8]> : tensor<4xi64>
  %scores3 = xf.constant dense<[-1, 8, 8]> : tensor<3xi64>
  %heads4 = xf.constant dense<[-1, 4, 8, 16]> : tensor<4xi64>
  %merge = xf.constant dense<[0, 8, 64]> : tensor<3xi64>
  %scale = xf.constant dense<4.000000e+00> : tensor<f32>
  %lowest = xf.constant dense<-3.40282347E+38> : tensor<f32>
  %zero = xf.constant dense<0.000000e+00> : tensor<f32>
  %q3 = xf.reshape %q, %batched : (tensor<?x4x8x16xf32>, tensor<3xi64>) -> tensor<?x8x16xf32>
  %k3 = xf.reshape %k, %batched : (tensor<?x4x8x16xf32>, tensor<3xi64>) -> tensor<?x8x16xf32>
  %kt = xf.transpose %k3 {perm = array<i64: 0, 2, 1>} : (tensor<?x8x16xf32>) -> tensor<?x16x8xf32>
  %kts = xf.div %kt, %scale : (tensor<?x16x8xf32>, tensor<f32>) -> tensor<?x16x8xf32>
  %v3 = xf.reshape %v, %batched : (tensor<?x4x8x16xf32>, tensor<3xi64>) -> tensor<?x8x16xf32>
  %s = xf.matmul %q3, %kts : (tensor<?x8x16xf32>, tensor<?x16x8xf32>) -> tensor<?x8x8xf32>
  %bias = xf.matmul %q3, %w : (tensor<?x8x16xf32>, tensor<16x8xf32>) -> tensor<?x8x8xf32>
  %sb = xf.add %s, %bias : (tensor<?x8x8xf32>, tensor<?x8x8xf32>) -> tensor<?x8x8xf32>
  %s4 = xf.reshape %sb, %scores4 : (tensor<?x8x8xf32>, tensor<4xi64>) -> tensor<?x4x8x8xf32>
  %h = xf.where %cond, %lowest, %s4 : (tensor<?x1x8x8xi1>, tensor<f32>, tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32>
  %p = xf.softmax %h {axis = 3 : i64} : tensor<?x4x8x8xf32>
  %pz = xf.where %cond, %zero, %p : (tensor<?x1x8x8xi1>, tensor<f32>, tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32>
  %p3 = xf.reshape %pz, %scores3 : (tensor<?x4x8x8xf32>, tensor<3xi64>) -> tensor<?x8x8xf32>
  %o = xf.matmul %p3, %v3 : (tensor<?x8x8xf32>, tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
  %o4 = xf.reshape %o, %heads4 : (tensor<?x8x16xf32>, tensor<4xi64>) -> tensor<?x4x8x16xf32>
  %o5 = xf.transpose %o4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x4x8x16xf32>) -> tensor<?x8x4x16xf32>
  %o6 = xf.reshape %o5, %merge : (tensor<?x8x4x16xf32>, tensor<3xi64>) -> tensor<?x8x64xf32>
  return %o6 : tensor<?x8x64xf32>
}

// -----

// Probabilities zeroed by another condition than the one that hid their
// scores: rows with visible keys change too, no fusion.
// CHECK-LABEL: func.func @negative_probabilities_zeroed_by_other_condition
// CHECK-NOT: xf.attention
// CHECK: xf.softmax
func.func @negative_probabilities_zeroed_by_other_condition(%qp: tensor<2x8x64xf32>, %kp: tensor<2x8x64xf32>, %vp: tensor<2x8x64xf32>, %cond: tensor<2x1x8x8xi1>, %other: tensor<2x1x8x8xi1>) -> tensor<2x8x64xf32> {
  %split = xf.constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %qs = xf.reshape %qp, %split : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %q = xf.transpose %qs {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %ks = xf.reshape %kp, %split : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %k = xf.transpose %ks {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vs = xf.reshape %vp, %split : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %v = xf.transpose %vs {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %merge = xf.constant dense<[2, 8, 64]> : tensor<3xi64>
  %lowest = xf.constant dense<-3.40282347E+38> : tensor<f32>
  %zero = xf.constant dense<0.000000e+00> : tensor<f32>
  %kt = xf.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<2x4x8x16xf32>) -> tensor<2x4x16x8xf32>
  %s = xf.matmul %q, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %h = xf.where %cond, %lowest, %s : (tensor<2x1x8x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %p = xf.softmax %h {axis = 3 : i64} : tensor<2x4x8x8xf32>
  %pz = xf.where %other, %zero, %p : (tensor<2x1x8x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %o = xf.matmul %pz, %v : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %o5 = xf.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o6 = xf.reshape %o5, %merge : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o6 : tensor<2x8x64xf32>
}
