// RUN: xf-opt %s --split-input-file --verify-diagnostics

func.func @negative_broadcast(%x: tensor<2x3xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{operands are not broadcast-compatible: 'tensor<2x3xf32>', 'tensor<4xf32>'}}
  %0 = xf.add %x, %y : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x?xf32>
  return
}

// -----

func.func @negative_result_type_conflict(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<2x4xf32>'}}
  %0 = xf.add %x, %x : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @negative_mixed_element_types(%x: tensor<2xf32>, %y: tensor<2xf16>) {
  // expected-error @+1 {{requires the same element type for all operands}}
  %0 = xf.mul %x, %y : (tensor<2xf32>, tensor<2xf16>) -> tensor<2xf32>
  return
}

// -----

func.func @negative_matmul_contracting(%a: tensor<4x8xf32>, %b: tensor<16x2xf32>) {
  // expected-error @+1 {{contracting dimensions differ: 'tensor<4x8xf32>' has 8 columns, 'tensor<16x2xf32>' has 16 rows}}
  %0 = xf.matmul %a, %b : (tensor<4x8xf32>, tensor<16x2xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @negative_matmul_batch(%a: tensor<3x4x8xf32>, %b: tensor<5x8x2xf32>) {
  // expected-error @+1 {{batch dimensions are not broadcast-compatible}}
  %0 = xf.matmul %a, %b : (tensor<3x4x8xf32>, tensor<5x8x2xf32>) -> tensor<?x4x2xf32>
  return
}

// -----

func.func @negative_reduce_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = xf.reduce_sum %x {axes = array<i64: 2>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @negative_reduce_unsorted(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axes must be sorted}}
  %0 = xf.reduce_max %x {axes = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<1x1xf32>
  return
}

// -----

func.func @negative_transpose_perm(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{perm entry 0 appears twice}}
  %0 = xf.transpose %x {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @negative_reshape_count(%x: tensor<2x3xf32>) {
  %s = xf.constant dense<[4, 2]> : tensor<2xi64>
  // expected-error @+1 {{cannot reshape 'tensor<2x3xf32>' (6 elements) to 'tensor<4x2xf32>' (8 elements)}}
  %0 = xf.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  return
}

// -----

func.func @negative_reshape_two_inferred(%x: tensor<2x3xf32>) {
  %s = xf.constant dense<[-1, -1]> : tensor<2xi64>
  // expected-error @+1 {{target shape has more than one -1}}
  %0 = xf.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @negative_squeeze_non_unit(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{cannot squeeze dimension 1 of size 3}}
  %0 = xf.squeeze %x {axes = array<i64: 1>} : (tensor<2x3xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @negative_concat_mismatch(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{inputs differ in dimension 1 outside the concatenation axis}}
  %0 = xf.concat %a, %b {axis = 0} : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<6x3xf32>
  return
}

// -----

func.func @negative_gather_index(%t: tensor<10x4xf32>) {
  %i = xf.constant dense<[3, 12]> : tensor<2xi64>
  // expected-error @+1 {{index 12 is out of range for dimension size 10}}
  %0 = xf.gather %t, %i {axis = 0} : (tensor<10x4xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  return
}

// -----

func.func @negative_split_sizes(%x: tensor<4x6xf32>) {
  // expected-error @+1 {{split sizes add up to 5 but dimension 1 has size 6}}
  %0:2 = xf.split %x {axis = 1, split_sizes = array<i64: 2, 3>} : tensor<4x6xf32> -> tensor<4x2xf32>, tensor<4x3xf32>
  return
}

// -----

func.func @negative_split_result(%x: tensor<4x6xf32>) {
  // expected-error @+1 {{result 1 has type 'tensor<4x2xf32>', expected shape [4, 3]}}
  %0:2 = xf.split %x {axis = 1} : tensor<4x6xf32> -> tensor<4x3xf32>, tensor<4x2xf32>
  return
}

// -----

func.func @negative_layer_norm_scale(%x: tensor<2x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{scale and bias must broadcast to the normalized dimensions 'tensor<8xf32>', got 'tensor<4xf32>'}}
  %0 = xf.layer_norm %x, %g {axis = 1, epsilon = 1.0e-5 : f32} : tensor<2x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @negative_softmax_axis(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = xf.softmax %x {axis = 2} : tensor<2x8xf32>
  return
}

// -----

func.func @negative_gelu_mode(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{approximate must be "none" or "tanh", got "fast"}}
  %0 = xf.gelu %x {approximate = "fast"} : tensor<2x8xf32>
  return
}

// -----

func.func @negative_cast_shape(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{input and result shapes differ}}
  %0 = xf.cast %x : tensor<2x8xf32> to tensor<8x2xi32>
  return
}

// -----

func.func @negative_expand(%x: tensor<3xf32>) {
  %s = xf.constant dense<[2, 4]> : tensor<2xi64>
  // expected-error @+1 {{cannot broadcast 'tensor<3xf32>' to shape [2, 4]}}
  %0 = xf.expand %x, %s : (tensor<3xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  return
}

// -----

func.func @negative_tile_repeats(%x: tensor<2x3xf32>) {
  %r = xf.constant dense<[2]> : tensor<1xi64>
  // expected-error @+1 {{repeats must have one entry per dimension (2)}}
  %0 = xf.tile %x, %r : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @negative_slice_step(%x: tensor<8xf32>) {
  %z = xf.constant dense<0> : tensor<1xi64>
  // expected-error @+1 {{steps must not be 0}}
  %0 = xf.slice %x, %z, %z, %z, %z : (tensor<8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?xf32>
  return
}

// -----

func.func @negative_constant_of_shape(%s: tensor<2xi64>) {
  // expected-error @+1 {{value must hold exactly one element}}
  %0 = xf.constant_of_shape %s {value = dense<[1.0, 2.0]> : tensor<2xf32>} : (tensor<2xi64>) -> tensor<?x?xf32>
  return
}

// -----

// Axes are normalized by the importer; a negative one in the IR is an error.
func.func @negative_softmax_negative_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{axis -1 is out of range for rank 2}}
  %0 = xf.softmax %x {axis = -1} : tensor<2x3xf32>
  return
}

// -----

func.func @negative_weight_offset() {
  // expected-error @+1 {{offset must not be negative, got -64}}
  %0 = xf.weight "w" at -64 : tensor<4xf32>
  return
}

// -----

func.func @negative_dynamic_weight() {
  // expected-error @+1 {{weights have static shapes, got 'tensor<?xf32>'}}
  %0 = xf.weight "w" at 0 : tensor<?xf32>
  return
}

// -----

func.func @negative_linear_weight_rank(%x: tensor<4x16xf32>, %w: tensor<2x16x8xf32>) {
  // expected-error @+1 {{needs an input of rank 1 or more and a 2-D weight}}
  %0 = xf.linear %x, %w : (tensor<4x16xf32>, tensor<2x16x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @negative_linear_bias(%x: tensor<4x16xf32>, %w: tensor<16x8xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{bias must be a vector of the weight's 8 columns, got 'tensor<4xf32>'}}
  %0 = xf.linear %x, %w, %b : (tensor<4x16xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @negative_linear_activation(%x: tensor<4x16xf32>, %w: tensor<16x8xf32>) {
  // expected-error @+1 {{activation must be none, relu, gelu, gelu_tanh or silu, got "swish"}}
  %0 = xf.linear %x, %w {activation = "swish"} : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @attention_not_packed(%q: tensor<1x2x8x32xf32>, %k: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{query, key and value must be 3-D [batch, sequence, heads * head_dim], got 'tensor<1x2x8x32xf32>'}}
  %0 = "xf.attention"(%q, %k, %k) {num_heads = 2 : i64, scale = 1.0 : f32} : (tensor<1x2x8x32xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_heads_do_not_divide(%q: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{the last dimension of 'tensor<1x8x64xf32>' must be static and a multiple of its 3 heads}}
  %0 = xf.attention %q, %q, %q {num_heads = 3 : i64, scale = 1.0 : f32} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_key_value_lengths(%q: tensor<1x8x64xf32>, %k: tensor<1x8x64xf32>, %v: tensor<1x9x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{batch and key sequence dimensions must agree}}
  %0 = xf.attention %q, %k, %v {num_heads = 2 : i64, scale = 1.0 : f32} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x9x64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_padding_without_mask(%q: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{a padding mask_kind needs a mask operand}}
  %0 = xf.attention %q, %q, %q {num_heads = 2 : i64, scale = 1.0 : f32, mask_kind = "padding"} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_padding_mask_per_query(%q: tensor<1x8x64xf32>, %m: tensor<1x1x8x8xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{a padding mask is the same for every query: its dimension 2 must be 1, got 'tensor<1x1x8x8xf32>'}}
  %0 = xf.attention %q, %q, %q, %m {num_heads = 2 : i64, scale = 1.0 : f32, mask_kind = "padding"} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x1x8x8xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_mask_shape(%q: tensor<1x8x64xf32>, %m: tensor<1x1x1x7xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{mask must be 4-D and broadcast to the scores 'tensor<1x2x8x8xf32>', got 'tensor<1x1x1x7xf32>'}}
  %0 = xf.attention %q, %q, %q, %m {num_heads = 2 : i64, scale = 1.0 : f32} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x1x1x7xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @attention_mask_kind(%q: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  // expected-error @+1 {{mask_kind must be none, padding or causal, got "sliding"}}
  %0 = xf.attention %q, %q, %q {num_heads = 2 : i64, scale = 1.0 : f32, mask_kind = "sliding"} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

func.func @skip_layer_norm_shapes(%x: tensor<1x8x16xf32>, %r: tensor<1x8x8xf32>, %g: tensor<16xf32>) -> tensor<1x8x16xf32> {
  // expected-error @+1 {{all of {input, skip, output} have same type}}
  %0 = "xf.skip_layer_norm"(%x, %r, %g) {axis = 2 : i64, epsilon = 1.0e-5 : f32} : (tensor<1x8x16xf32>, tensor<1x8x8xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
  return %0 : tensor<1x8x16xf32>
}

// -----

func.func @rms_norm_scale(%x: tensor<1x8x16xf32>, %g: tensor<8xf32>) -> tensor<1x8x16xf32> {
  // expected-error @+1 {{scale and bias must broadcast to the normalized dimensions 'tensor<16xf32>', got 'tensor<8xf32>'}}
  %0 = xf.rms_norm %x, %g {axis = 2, epsilon = 1.0e-6 : f32} : tensor<1x8x16xf32>, tensor<8xf32>
  return %0 : tensor<1x8x16xf32>
}

// -----

func.func @negative_packed_linear_panels(%x: tensor<4x16xf32>, %w: tensor<2x16x64xf32>) {
  // expected-error @+1 {{packed weight 'tensor<2x16x64xf32>' does not hold 200 columns in panels of 64}}
  %0 = xf.packed_linear %x, %w {columns = 200 : i64} : (tensor<4x16xf32>, tensor<2x16x64xf32>) -> tensor<4x200xf32>
  return
}

// -----

func.func @negative_packed_linear_rank(%x: tensor<4x16xf32>, %w: tensor<16x64xf32>) {
  // expected-error @+1 {{needs an input of rank 1 or more and a static 3-D packed weight}}
  %0 = xf.packed_linear %x, %w {columns = 64 : i64} : (tensor<4x16xf32>, tensor<16x64xf32>) -> tensor<4x64xf32>
  return
}

// -----

func.func @negative_packed_linear_contraction(%x: tensor<4x8xf32>, %w: tensor<1x16x64xf32>) {
  // expected-error @+1 {{contracting dimensions differ: 'tensor<4x8xf32>' has 8 columns, 'tensor<1x16x64xf32>' has 16 rows per panel}}
  %0 = xf.packed_linear %x, %w {columns = 50 : i64} : (tensor<4x8xf32>, tensor<1x16x64xf32>) -> tensor<4x50xf32>
  return
}

// -----

func.func @negative_packed_linear_result(%x: tensor<4x16xf32>, %w: tensor<1x16x64xf32>) {
  // expected-error @+1 {{result 'tensor<4x64xf32>' is not the input's rows by 50 columns of its element type}}
  %0 = xf.packed_linear %x, %w {columns = 50 : i64} : (tensor<4x16xf32>, tensor<1x16x64xf32>) -> tensor<4x64xf32>
  return
}

// -----

func.func @negative_packed_linear_bias(%x: tensor<4x16xf32>, %w: tensor<1x16x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{bias must be a vector of the weight's 50 columns, got 'tensor<64xf32>'}}
  %0 = xf.packed_linear %x, %w, %b {columns = 50 : i64} : (tensor<4x16xf32>, tensor<1x16x64xf32>, tensor<64xf32>) -> tensor<4x50xf32>
  return
}

// -----

func.func @negative_packed_linear_result_type(%x: tensor<4x16xf32>, %w: tensor<1x16x64xf32>) {
  // expected-error @+1 {{result 'tensor<4x50xf16>' is not the input's rows by 50 columns of its element type}}
  %0 = xf.packed_linear %x, %w {columns = 50 : i64} : (tensor<4x16xf32>, tensor<1x16x64xf32>) -> tensor<4x50xf16>
  return
}

// -----

func.func @mod_float_without_fmod(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{a floating-point remainder needs fmod = true}}
  %0 = xf.mod %x, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @cumsum_axis_out_of_range(%x: tensor<2x3xi64>) -> tensor<2x3xi64> {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = xf.cumsum %x {axis = 2 : i64} : tensor<2x3xi64>
  return %0 : tensor<2x3xi64>
}

// -----

func.func @trilu_of_a_vector(%x: tensor<4xf32>, %k: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{needs a tensor of rank 2 or more}}
  %0 = xf.trilu %x, %k {upper = true} : tensor<4xf32>, tensor<i64>
  return %0 : tensor<4xf32>
}

// -----

func.func @scatter_nd_updates_of_wrong_shape(%d: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{updates 'tensor<2x3xf32>' must have the shape [2, 4]}}
  %0 = xf.scatter_nd %d, %i, %u : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @scatter_nd_unknown_reduction(%d: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{reduction must be none, add, mul, max or min, got "sub"}}
  %0 = xf.scatter_nd %d, %i, %u {reduction = "sub"} : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @gather_elements_rank_mismatch(%d: tensor<2x8xf32>, %i: tensor<3xi64>) -> tensor<3xf32> {
  // expected-error @+1 {{indices 'tensor<3xi64>' must have the rank of data 'tensor<2x8xf32>'}}
  %0 = xf.gather_elements %d, %i {axis = 1 : i64} : (tensor<2x8xf32>, tensor<3xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @conv_channels_mismatch(%x: tensor<1x4x8xf32>, %w: tensor<2x3x3xf32>) -> tensor<1x2x6xf32> {
  // expected-error @+1 {{input channels 4 != weight's 3 x group 1}}
  %0 = xf.conv %x, %w {strides = array<i64: 1>, pads = array<i64: 0, 0>, dilations = array<i64: 1>, group = 1 : i64} : (tensor<1x4x8xf32>, tensor<2x3x3xf32>) -> tensor<1x2x6xf32>
  return %0 : tensor<1x2x6xf32>
}

// -----

func.func @attention_kv_heads_not_dividing(%q: tensor<1x3x64xf32>, %k: tensor<1x3x48xf32>, %v: tensor<1x3x48xf32>) -> tensor<1x3x64xf32> {
  // expected-error @+1 {{num_kv_heads must divide the 4 heads, got 3}}
  %0 = xf.attention %q, %k, %v {num_heads = 4 : i64, num_kv_heads = 3 : i64, scale = 0.25 : f32} : (tensor<1x3x64xf32>, tensor<1x3x48xf32>, tensor<1x3x48xf32>) -> tensor<1x3x64xf32>
  return %0 : tensor<1x3x64xf32>
}

// -----

func.func @negative_arg_max_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2x1xi64> {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = xf.arg_max %x {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x1xi64>
  return %0 : tensor<2x1xi64>
}

// -----

func.func @negative_bit_shift_direction(%x: tensor<4xui8>) -> tensor<4xui8> {
  // expected-error @+1 {{direction must be "left" or "right", got "up"}}
  %0 = xf.bit_shift %x, %x {direction = "up"} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

func.func @negative_and_of_floats(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{must be ranked tensor of integer values}}
  %0 = xf.and %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
