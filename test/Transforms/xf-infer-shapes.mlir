// RUN: xf-opt %s --split-input-file --xf-infer-shapes | FileCheck %s

// Specializing the argument propagates static shapes to every op and to the
// function's result.
// CHECK-LABEL: func.func @propagate
// CHECK-SAME: -> tensor<2x7x1536xf32>
func.func @propagate(%x: tensor<2x7x384xf32>, %w: tensor<384x1536xf32>) -> tensor<?x?x1536xf32> {
  // CHECK: xf.matmul {{.*}} -> tensor<2x7x1536xf32>
  %0 = xf.matmul %x, %w : (tensor<2x7x384xf32>, tensor<384x1536xf32>) -> tensor<?x?x1536xf32>
  // CHECK: xf.gelu {{.*}} : tensor<2x7x1536xf32>
  %1 = xf.gelu %0 : tensor<?x?x1536xf32>
  // CHECK: xf.cast {{.*}} to tensor<2x7x1536xf16>
  %2 = xf.cast %1 : tensor<?x?x1536xf32> to tensor<?x?x1536xf16>
  // CHECK: return {{.*}} : tensor<2x7x1536xf32>
  return %1 : tensor<?x?x1536xf32>
}

// -----

// A reshape whose target shape became a constant gets a static result.
// CHECK-LABEL: func.func @reshape_after_folding
func.func @reshape_after_folding(%x: tensor<2x384xf32>) -> tensor<?x?x32xf32> {
  %s = xf.constant dense<[2, 12, 32]> : tensor<3xi64>
  // CHECK: -> tensor<2x12x32xf32>
  %0 = xf.reshape %x, %s : (tensor<2x384xf32>, tensor<3xi64>) -> tensor<?x?x32xf32>
  return %0 : tensor<?x?x32xf32>
}

// -----

// Nothing to refine: dynamic inputs keep dynamic results.
// CHECK-LABEL: func.func @negative_dynamic_stays_dynamic
// CHECK-SAME: -> tensor<?x8xf32>
func.func @negative_dynamic_stays_dynamic(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // CHECK: xf.exp {{.*}} : tensor<?x8xf32>
  %0 = xf.exp %x : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Exporters replace -1 by 1 in an expand's shape with where(equal(s, -1),
// 1, s): the elements that comparison decides are known, so the broadcast
// dimension stays a static 1 (Llama's causal mask).
// CHECK-LABEL: func.func @expand_shape_through_where
// CHECK: xf.expand {{.*}} -> tensor<?x1x4x4xf32>
func.func @expand_shape_through_where(%m: tensor<1x1x4x4xf32>, %b: tensor<1xi64>) -> tensor<?x?x?x?xf32> {
  %rest = xf.constant dense<[1, -1, -1]> : tensor<3xi64>
  %s = xf.concat %b, %rest {axis = 0 : i64} : (tensor<1xi64>, tensor<3xi64>) -> tensor<4xi64>
  %minus = xf.constant dense<-1> : tensor<4xi64>
  %ones = xf.constant dense<1> : tensor<4xi64>
  %c = xf.equal %s, %minus : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
  %w = xf.where %c, %ones, %s : (tensor<4xi1>, tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %e = xf.expand %m, %w : (tensor<1x1x4x4xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return %e : tensor<?x?x?x?xf32>
}

// -----

// reshape(x, [d0(x), d1(x), -1]) (ALBERT's head merge): the entries read
// from x's own dimensions cancel them, so -1 is 4 * 16 whatever d0 and d1
// are.
// CHECK-LABEL: func.func @reshape_minus_one_after_own_dims
// CHECK: xf.reshape {{.*}} -> tensor<?x?x64xf32>
func.func @reshape_minus_one_after_own_dims(%x: tensor<?x?x4x16xf32>) -> tensor<?x?x?xf32> {
  %shape = xf.shape_of %x : (tensor<?x?x4x16xf32>) -> tensor<4xi64>
  %zero = xf.constant dense<0> : tensor<1xi64>
  %two = xf.constant dense<2> : tensor<1xi64>
  %one = xf.constant dense<1> : tensor<1xi64>
  %lead = xf.slice %shape, %zero, %two, %zero, %one : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %minus = xf.constant dense<-1> : tensor<1xi64>
  %s = xf.concat %lead, %minus {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<3xi64>
  %r = xf.reshape %x, %s : (tensor<?x?x4x16xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %r : tensor<?x?x?xf32>
}

// -----

// A 0 entry copies the input dimension at its place, which cancels it:
// splitting heads with [0, 0, 4, -1] gives the head size.
// CHECK-LABEL: func.func @reshape_minus_one_after_zero_entries
// CHECK: xf.reshape {{.*}} -> tensor<?x?x4x8xf32>
func.func @reshape_minus_one_after_zero_entries(%x: tensor<?x?x32xf32>) -> tensor<?x?x?x?xf32> {
  %s = xf.constant dense<[0, 0, 4, -1]> : tensor<4xi64>
  %r = xf.reshape %x, %s : (tensor<?x?x32xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return %r : tensor<?x?x?x?xf32>
}

// -----

// Without the input's own dimensions, -1 stays unknown.
// CHECK-LABEL: func.func @negative_reshape_minus_one_after_other_dims
// CHECK: xf.reshape {{.*}} -> tensor<?x?x?xf32>
func.func @negative_reshape_minus_one_after_other_dims(%x: tensor<?x?x4x16xf32>, %y: tensor<?x?xf32>) -> tensor<?x?x?xf32> {
  %s0 = xf.shape_of %y : (tensor<?x?xf32>) -> tensor<2xi64>
  %minus = xf.constant dense<-1> : tensor<1xi64>
  %s = xf.concat %s0, %minus {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<3xi64>
  %r = xf.reshape %x, %s : (tensor<?x?x4x16xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %r : tensor<?x?x?xf32>
}

// -----

// Mistral's position ids: reshape(unsqueeze(range(0, S)), [-1, S]) with S
// read from the ids. The range's length and S have one origin, so -1 is 1
// and the ids broadcast over the batch as a static 1 (a `?` there was read
// as the batch size).
// CHECK-LABEL: func.func @reshape_minus_one_by_traced_origin
// CHECK: xf.reshape {{.*}} -> tensor<1x?xi64>
func.func @reshape_minus_one_by_traced_origin(%ids: tensor<?x?xi64>) -> tensor<?x?xi64> {
  %shape = xf.shape_of %ids : (tensor<?x?xi64>) -> tensor<2xi64>
  %one = xf.constant dense<1> : tensor<i64>
  %zero = xf.constant dense<0> : tensor<i64>
  %s = xf.gather %shape, %one {axis = 0 : i64} : (tensor<2xi64>, tensor<i64>) -> tensor<i64>
  %r = xf.range %zero, %s, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %u = xf.unsqueeze %r {axes = array<i64: 0>} : (tensor<?xi64>) -> tensor<1x?xi64>
  %minus = xf.constant dense<-1> : tensor<1xi64>
  %s1 = xf.unsqueeze %s {axes = array<i64: 0>} : (tensor<i64>) -> tensor<1xi64>
  %target = xf.concat %minus, %s1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %p = xf.reshape %u, %target : (tensor<1x?xi64>, tensor<2xi64>) -> tensor<?x?xi64>
  return %p : tensor<?x?xi64>
}

// -----

// Dimensions are traced through a tile that repeats them once, and through
// gather_elements, whose result has its indices' shape: the entries read
// from them cancel x's own dimensions, so -1 is known.
// CHECK-LABEL: func.func @reshape_minus_one_through_tile_and_gather_elements
// CHECK: xf.reshape {{.*}} -> tensor<?x?x8xf32>
func.func @reshape_minus_one_through_tile_and_gather_elements(%x: tensor<?x?x8xf32>, %data: tensor<4x16x8xf32>) -> tensor<?x?x?xf32> {
  %repeats = xf.constant dense<[1, 1, 2]> : tensor<3xi64>
  %tiled = xf.tile %x, %repeats : (tensor<?x?x8xf32>, tensor<3xi64>) -> tensor<?x?x16xf32>
  %indices = xf.cast %tiled : tensor<?x?x16xf32> to tensor<?x?x16xi64>
  %picked = xf.gather_elements %data, %indices {axis = 1 : i64} : (tensor<4x16x8xf32>, tensor<?x?x16xi64>) -> tensor<?x?x16xf32>
  %shape = xf.shape_of %picked : (tensor<?x?x16xf32>) -> tensor<3xi64>
  %zero = xf.constant dense<0> : tensor<1xi64>
  %two = xf.constant dense<2> : tensor<1xi64>
  %axis = xf.constant dense<0> : tensor<1xi64>
  %step = xf.constant dense<1> : tensor<1xi64>
  %lead = xf.slice %shape, %zero, %two, %axis, %step : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %minus = xf.constant dense<-1> : tensor<1xi64>
  %target = xf.concat %lead, %minus {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<3xi64>
  %r = xf.reshape %x, %target : (tensor<?x?x8xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %r : tensor<?x?x?xf32>
}

// -----

// Dimensions are traced through a reduction that keeps them (RMSNorm's
// mean of squares) and through a squeeze, so the -1 of a head merge whose
// B and S are read from the norm's input is H * D.
// CHECK-LABEL: func.func @reshape_minus_one_through_reduction_and_squeeze
// CHECK: xf.reshape {{.*}} -> tensor<?x?x64xf32>
func.func @reshape_minus_one_through_reduction_and_squeeze(%x: tensor<?x?x4x16xf32>) -> tensor<?x?x?xf32> {
  %mean = xf.reduce_mean %x {axes = array<i64: 3>} : (tensor<?x?x4x16xf32>) -> tensor<?x?x4x1xf32>
  %up = xf.unsqueeze %x {axes = array<i64: 0>} : (tensor<?x?x4x16xf32>) -> tensor<1x?x?x4x16xf32>
  %down = xf.squeeze %up {axes = array<i64: 0>} : (tensor<1x?x?x4x16xf32>) -> tensor<?x?x4x16xf32>
  %scaled = xf.mul %down, %mean : (tensor<?x?x4x16xf32>, tensor<?x?x4x1xf32>) -> tensor<?x?x4x16xf32>
  %shape = xf.shape_of %x : (tensor<?x?x4x16xf32>) -> tensor<4xi64>
  %zero = xf.constant dense<0> : tensor<1xi64>
  %two = xf.constant dense<2> : tensor<1xi64>
  %step = xf.constant dense<1> : tensor<1xi64>
  %lead = xf.slice %shape, %zero, %two, %zero, %step : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %minus = xf.constant dense<-1> : tensor<1xi64>
  %target = xf.concat %lead, %minus {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<3xi64>
  %r = xf.reshape %scaled, %target : (tensor<?x?x4x16xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %r : tensor<?x?x?xf32>
}

// -----

// A reduction without keepdims drops the dimension the target reads: the
// sum's dimensions are B and 8, S is not among them, -1 stays unknown.
// CHECK-LABEL: func.func @negative_reshape_minus_one_reduced_dimension
// CHECK: xf.reshape {{.*}} -> tensor<?x?xf32>
func.func @negative_reshape_minus_one_reduced_dimension(%x: tensor<?x?x8xf32>) -> tensor<?x?xf32> {
  %sum = xf.reduce_sum %x {axes = array<i64: 1>, keepdims = false} : (tensor<?x?x8xf32>) -> tensor<?x8xf32>
  %shape = xf.shape_of %x : (tensor<?x?x8xf32>) -> tensor<3xi64>
  %zero = xf.constant dense<0> : tensor<1xi64>
  %one = xf.constant dense<1> : tensor<1xi64>
  %two = xf.constant dense<2> : tensor<1xi64>
  %s = xf.slice %shape, %one, %two, %zero, %one : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %minus = xf.constant dense<-1> : tensor<1xi64>
  %target = xf.concat %s, %minus {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = xf.reshape %sum, %target : (tensor<?x8xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// A slice from 0 to its input's own size keeps the dimension (DeBERTa's
// relative positions [S, S] sliced to the S queries).
// CHECK-LABEL: func.func @reshape_minus_one_through_whole_slice
// CHECK: xf.reshape {{.*}} -> tensor<?x?x4xf32>
func.func @reshape_minus_one_through_whole_slice(%x: tensor<?x?x4xf32>) -> tensor<?x?x?xf32> {
  %shape = xf.shape_of %x : (tensor<?x?x4xf32>) -> tensor<3xi64>
  %zero = xf.constant dense<0> : tensor<1xi64>
  %one = xf.constant dense<1> : tensor<1xi64>
  %two = xf.constant dense<2> : tensor<1xi64>
  %rows = xf.slice %shape, %zero, %one, %zero, %one : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %sliced = xf.slice %x, %zero, %rows, %zero, %one : (tensor<?x?x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?x4xf32>
  %lead = xf.slice %shape, %zero, %two, %zero, %one : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %minus = xf.constant dense<-1> : tensor<1xi64>
  %target = xf.concat %lead, %minus {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<3xi64>
  %r = xf.reshape %sliced, %target : (tensor<?x?x4xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %r : tensor<?x?x?xf32>
}

// -----

// Position embeddings: a table sliced to the first S rows, added to
// tokens of S positions. In a valid run the slice has S rows, so the sum's
// positions are the tokens'.
// CHECK-LABEL: func.func @reshape_minus_one_through_clamped_slice
// CHECK: xf.reshape {{.*}} -> tensor<?x?x4x16xf32>
func.func @reshape_minus_one_through_clamped_slice(%x: tensor<?x?x64xf32>, %table: tensor<1x128x64xf32>) -> tensor<?x?x?x16xf32> {
  %shape = xf.shape_of %x : (tensor<?x?x64xf32>) -> tensor<3xi64>
  %zero = xf.constant dense<0> : tensor<1xi64>
  %one = xf.constant dense<1> : tensor<1xi64>
  %two = xf.constant dense<2> : tensor<1xi64>
  %s = xf.slice %shape, %one, %two, %zero, %one : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %positions = xf.slice %table, %zero, %s, %one, %one : (tensor<1x128x64xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x?x64xf32>
  %sum = xf.add %x, %positions : (tensor<?x?x64xf32>, tensor<1x?x64xf32>) -> tensor<?x?x64xf32>
  %lead = xf.slice %shape, %zero, %two, %zero, %one : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %tail = xf.constant dense<[-1, 16]> : tensor<2xi64>
  %target = xf.concat %lead, %tail {axis = 0 : i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  %r = xf.reshape %sum, %target : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x?x16xf32>
  return %r : tensor<?x?x?x16xf32>
}

// -----

// A slice whose end is some other size is not known to keep anything.
// CHECK-LABEL: func.func @negative_reshape_minus_one_slice_to_other_size
// CHECK: xf.reshape {{.*}} -> tensor<?x?x?x16xf32>
func.func @negative_reshape_minus_one_slice_to_other_size(%x: tensor<?x?x64xf32>, %table: tensor<1x128x64xf32>, %n: tensor<1xi64>) -> tensor<?x?x?x16xf32> {
  %shape = xf.shape_of %x : (tensor<?x?x64xf32>) -> tensor<3xi64>
  %zero = xf.constant dense<0> : tensor<1xi64>
  %one = xf.constant dense<1> : tensor<1xi64>
  %two = xf.constant dense<2> : tensor<1xi64>
  %positions = xf.slice %table, %zero, %n, %one, %one : (tensor<1x128x64xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x?x64xf32>
  %sum = xf.add %x, %positions : (tensor<?x?x64xf32>, tensor<1x?x64xf32>) -> tensor<?x?x64xf32>
  %lead = xf.slice %shape, %zero, %two, %zero, %one : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %tail = xf.constant dense<[-1, 16]> : tensor<2xi64>
  %target = xf.concat %lead, %tail {axis = 0 : i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  %r = xf.reshape %sum, %target : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x?x16xf32>
  return %r : tensor<?x?x?x16xf32>
}
