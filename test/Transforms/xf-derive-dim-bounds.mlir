// RUN: xf-opt %s --split-input-file --xf-derive-dim-bounds | FileCheck %s

// GPT-2's positions: rows range(0, S) of a table of 128 rows. S <= 128.
// CHECK-LABEL: func.func @gather_of_range
// CHECK-SAME: xf.dim_bounds = {sequence = {bound = 128 : i64, origin = "node 'wpe' reads row sequence - 1 of a table of 128 rows"}}
func.func @gather_of_range(%ids: tensor<?x?xi64>, %table: tensor<128x8xf32>) -> tensor<1x?x8xf32> attributes {xf.input_dim_names = [["batch", "sequence"], ["", ""]]} {
  %one = xf.constant dense<1> : tensor<i64>
  %zero = xf.constant dense<0> : tensor<i64>
  %shape = xf.shape_of %ids : (tensor<?x?xi64>) -> tensor<2xi64>
  %s = xf.gather %shape, %one {axis = 0 : i64} : (tensor<2xi64>, tensor<i64>) -> tensor<i64>
  %positions = xf.range %zero, %s, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %row = xf.unsqueeze %positions {axes = array<i64: 0>} : (tensor<?xi64>) -> tensor<1x?xi64>
  %e = xf.gather %table, %row {axis = 0 : i64} : (tensor<128x8xf32>, tensor<1x?xi64>) -> tensor<1x?x8xf32> loc("wpe")
  return %e : tensor<1x?x8xf32>
}

// -----

// BERT's position ids: a buffer [1, 512] sliced to the first S columns
// (min(S, 512) of them) added to embeddings of S positions. Two bounds of
// one name: the smaller one stays.
// CHECK-LABEL: func.func @clamped_slice_meets_its_end
// CHECK-SAME: xf.dim_bounds = {sequence = {bound = 16 : i64, origin = "node 'slice' takes the first sequence rows of a table of 16 and node 'add' needs sequence of them"}}
func.func @clamped_slice_meets_its_end(%x: tensor<?x?x8xf32>, %buffer: tensor<1x512xi64>, %table: tensor<16x8xf32>) -> tensor<?x?x8xf32> attributes {xf.input_dim_names = [["batch", "sequence", ""], ["", ""], ["", ""]]} {
  %shape = xf.shape_of %x : (tensor<?x?x8xf32>) -> tensor<3xi64>
  %zero = xf.constant dense<0> : tensor<1xi64>
  %one = xf.constant dense<1> : tensor<1xi64>
  %two = xf.constant dense<2> : tensor<1xi64>
  %s = xf.slice %shape, %one, %two, %zero, %one : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %ids = xf.slice %buffer, %zero, %s, %one, %one : (tensor<1x512xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x?xi64>
  %positions = xf.gather %table, %ids {axis = 0 : i64} : (tensor<16x8xf32>, tensor<1x?xi64>) -> tensor<1x?x8xf32>
  %sum = xf.add %x, %positions : (tensor<?x?x8xf32>, tensor<1x?x8xf32>) -> tensor<?x?x8xf32>
  %rows = xf.slice %table, %zero, %s, %zero, %one : (tensor<16x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x8xf32> loc("slice")
  %both = xf.add %sum, %rows : (tensor<?x?x8xf32>, tensor<?x8xf32>) -> tensor<?x?x8xf32> loc("add")
  return %both : tensor<?x?x8xf32>
}

// -----

// Ids the caller gives are checked by value range at run time, not by a
// bound on their shape.
// CHECK-LABEL: func.func @negative_gather_of_input_ids
// CHECK-NOT: xf.dim_bounds
func.func @negative_gather_of_input_ids(%ids: tensor<?x?xi64>, %table: tensor<128x8xf32>) -> tensor<?x?x8xf32> attributes {xf.input_dim_names = [["batch", "sequence"], ["", ""]]} {
  %e = xf.gather %table, %ids {axis = 0 : i64} : (tensor<128x8xf32>, tensor<?x?xi64>) -> tensor<?x?x8xf32>
  return %e : tensor<?x?x8xf32>
}

// -----

// A range that starts past 0 reads more rows than its length says: not
// bounded by this rule (and not wrongly bounded at the table's size).
// CHECK-LABEL: func.func @negative_range_from_offset
// CHECK-NOT: xf.dim_bounds
func.func @negative_range_from_offset(%ids: tensor<?x?xi64>, %table: tensor<128x8xf32>) -> tensor<?x8xf32> attributes {xf.input_dim_names = [["batch", "sequence"], ["", ""]]} {
  %one = xf.constant dense<1> : tensor<i64>
  %two = xf.constant dense<2> : tensor<i64>
  %shape = xf.shape_of %ids : (tensor<?x?xi64>) -> tensor<2xi64>
  %s = xf.gather %shape, %one {axis = 0 : i64} : (tensor<2xi64>, tensor<i64>) -> tensor<i64>
  %positions = xf.range %two, %s, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %e = xf.gather %table, %positions {axis = 0 : i64} : (tensor<128x8xf32>, tensor<?xi64>) -> tensor<?x8xf32>
  return %e : tensor<?x8xf32>
}

// -----

// A slice to the first S rows that nothing of size S meets may be a
// truncation on purpose: no bound.
// CHECK-LABEL: func.func @negative_clamped_slice_alone
// CHECK-NOT: xf.dim_bounds
func.func @negative_clamped_slice_alone(%x: tensor<?x?x8xf32>, %table: tensor<16x8xf32>, %other: tensor<?x8xf32>) -> tensor<?x8xf32> attributes {xf.input_dim_names = [["batch", "sequence", ""], ["", ""], ["rows", ""]]} {
  %shape = xf.shape_of %x : (tensor<?x?x8xf32>) -> tensor<3xi64>
  %zero = xf.constant dense<0> : tensor<1xi64>
  %one = xf.constant dense<1> : tensor<1xi64>
  %two = xf.constant dense<2> : tensor<1xi64>
  %s = xf.slice %shape, %one, %two, %zero, %one : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %rows = xf.slice %table, %zero, %s, %zero, %one : (tensor<16x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x8xf32>
  %sum = xf.add %rows, %other : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  return %sum : tensor<?x8xf32>
}

// -----

// An unnamed dimension has no name for the manifest to bound.
// CHECK-LABEL: func.func @negative_unnamed_dimension
// CHECK-NOT: xf.dim_bounds
func.func @negative_unnamed_dimension(%ids: tensor<?x?xi64>, %table: tensor<128x8xf32>) -> tensor<?x8xf32> {
  %one = xf.constant dense<1> : tensor<i64>
  %zero = xf.constant dense<0> : tensor<i64>
  %shape = xf.shape_of %ids : (tensor<?x?xi64>) -> tensor<2xi64>
  %s = xf.gather %shape, %one {axis = 0 : i64} : (tensor<2xi64>, tensor<i64>) -> tensor<i64>
  %positions = xf.range %zero, %s, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %e = xf.gather %table, %positions {axis = 0 : i64} : (tensor<128x8xf32>, tensor<?xi64>) -> tensor<?x8xf32>
  return %e : tensor<?x8xf32>
}

// -----

// A table of one row, sliced to min(S, 1) rows, broadcasts against any S:
// no bound (a bound of 1 would refuse valid inputs).
// CHECK-LABEL: func.func @negative_one_row_table
// CHECK-NOT: xf.dim_bounds
func.func @negative_one_row_table(%x: tensor<?x?x8xf32>, %table: tensor<1x8xf32>) -> tensor<?x?x8xf32> attributes {xf.input_dim_names = [["batch", "sequence", ""], ["", ""]]} {
  %shape = xf.shape_of %x : (tensor<?x?x8xf32>) -> tensor<3xi64>
  %zero = xf.constant dense<0> : tensor<1xi64>
  %one = xf.constant dense<1> : tensor<1xi64>
  %two = xf.constant dense<2> : tensor<1xi64>
  %s = xf.slice %shape, %one, %two, %zero, %one : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %rows = xf.slice %table, %zero, %s, %zero, %one : (tensor<1x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x8xf32>
  %sum = xf.add %x, %rows : (tensor<?x?x8xf32>, tensor<?x8xf32>) -> tensor<?x?x8xf32>
  return %sum : tensor<?x?x8xf32>
}
