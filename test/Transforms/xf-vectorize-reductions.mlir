// RUN: xf-opt %s --split-input-file --verify-diagnostics --xf-vectorize-reductions --canonicalize | FileCheck %s
// RUN: xf-opt %s --split-input-file --xf-vectorize-reductions="vector-bits=256" --canonicalize | FileCheck %s --check-prefix=AVX2

// The row maximum of attention scores: a parallel loop over rows, 16 lanes
// per step from -inf, and one reduction into the output per row. 64 is a
// multiple of 16: no masked step.
// CHECK-LABEL: func.func @row_max
// CHECK-SAME: (%[[S:.*]]: memref<?x64xf32>, %[[M:.*]]: memref<?xf32>)
// CHECK-DAG: %[[NEG_INF:.*]] = arith.constant dense<0xFF800000> : vector<16xf32>
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK: %[[ACC:.*]] = scf.for %[[J:.*]] = %c0 to %c64 step %c16 iter_args(%[[A:.*]] = %[[NEG_INF]]) -> (vector<16xf32>)
// CHECK: %[[X:.*]] = vector.load %[[S]][%[[I]], %[[J]]] : memref<?x64xf32>, vector<16xf32>
// CHECK: %[[MAX:.*]] = arith.maximumf %[[A]], %[[X]] : vector<16xf32>
// CHECK: scf.yield %[[MAX]]
// CHECK-NOT: vector.maskedload
// CHECK: %[[INIT:.*]] = memref.load %[[M]][%[[I]]]
// The lanes are folded in halves, 16 to 8 to 4 to 2 to 1, with vector maxima
// (LLVM's own reduction of a NaN-propagating maximum is lane by lane).
// CHECK-DAG: %[[HI8:.*]] = vector.extract_strided_slice %[[ACC]] {offsets = [8], sizes = [8], strides = [1]} : vector<16xf32> to vector<8xf32>
// CHECK-DAG: %[[LO8:.*]] = vector.extract_strided_slice %[[ACC]] {offsets = [0], sizes = [8], strides = [1]} : vector<16xf32> to vector<8xf32>
// CHECK: arith.maximumf %[[LO8]], %[[HI8]] : vector<8xf32>
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : vector<4xf32>
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : vector<2xf32>
// CHECK: %[[ONE:.*]] = arith.maximumf %{{.*}}, %{{.*}} : vector<1xf32>
// CHECK: %[[LANE:.*]] = vector.extract %[[ONE]][0] : f32 from vector<1xf32>
// CHECK: %[[R:.*]] = arith.maximumf %[[INIT]], %[[LANE]] : f32
// CHECK: memref.store %[[R]], %[[M]][%[[I]]]
// CHECK-NOT: vector.reduction
// CHECK-NOT: linalg.generic
// AVX2-LABEL: func.func @row_max
// AVX2: scf.for {{.*}} step %c8 {{.*}} -> (vector<8xf32>)
func.func @row_max(%s: memref<?x64xf32>, %m: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%s : memref<?x64xf32>) outs(%m : memref<?xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %0 = arith.maximumf %acc, %x : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// A layer norm's variance: the mean is read once per row and broadcast,
// the constant stays scalar, the body applies to vectors, and a row of
// unknown length ends in a masked step whose idle lanes add 0.
// CHECK-LABEL: func.func @variance
// CHECK-SAME: (%[[X:.*]]: memref<2x?x?xf32>, %[[MEAN:.*]]: memref<2x?xf32>, %[[V:.*]]: memref<2x?xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: scf.parallel (%[[B:.*]], %[[I:.*]]) =
// CHECK: %[[MU:.*]] = memref.load %[[MEAN]][%[[B]], %[[I]]]
// CHECK: %[[FULL:.*]] = arith.subi
// CHECK: %[[ACC:.*]] = scf.for %[[J:.*]] = %c0 to %[[FULL]] step %c16 iter_args(%[[A:.*]] = %[[ZERO]])
// CHECK: %[[ROW:.*]] = vector.load %[[X]][%[[B]], %[[I]], %[[J]]]
// CHECK: %[[MU_V:.*]] = vector.broadcast %[[MU]] : f32 to vector<16xf32>
// CHECK: %[[D:.*]] = arith.subf %[[ROW]], %[[MU_V]] : vector<16xf32>
// CHECK: %[[SQ:.*]] = arith.mulf %[[D]], %[[D]] : vector<16xf32>
// CHECK: arith.addf %[[A]], %[[SQ]] : vector<16xf32>
// CHECK: %[[LAST:.*]] = scf.if
// CHECK: %[[MASK:.*]] = vector.create_mask
// CHECK: vector.maskedload %[[X]][%[[B]], %[[I]], %[[FULL]]], %[[MASK]]
// CHECK: arith.select %[[MASK]], %{{.*}}, %[[ZERO]]
// CHECK: vector.reduction <add>, %[[LAST]]
// CHECK-NOT: linalg.generic
func.func @variance(%x: memref<2x?x?xf32>, %mean: memref<2x?xf32>, %v: memref<2x?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %mean : memref<2x?x?xf32>, memref<2x?xf32>) outs(%v : memref<2x?xf32>) {
  ^bb0(%a: f32, %mu: f32, %acc: f32):
    %d = arith.subf %a, %mu : f32
    %sq = arith.mulf %d, %d : f32
    %0 = arith.addf %acc, %sq : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// A layer norm's row sum with `keepdims`: the output keeps the reduced
// dimension with size 1, indexed by a constant 0.
// CHECK-LABEL: func.func @keepdims_sum
// CHECK-SAME: (%[[X:.*]]: memref<1x128x384xf32>, %[[S:.*]]: memref<1x128x1xf32>)
// CHECK: scf.parallel (%[[I:.*]]) = (%c0) to (%c128)
// CHECK: scf.for {{.*}} -> (vector<16xf32>)
// CHECK: %[[INIT:.*]] = memref.load %[[S]][%c0, %[[I]], %c0]
// CHECK: %[[R:.*]] = vector.reduction <add>, %{{.*}}, %[[INIT]]
// CHECK: memref.store %[[R]], %[[S]][%c0, %[[I]], %c0]
// CHECK-NOT: linalg.generic
func.func @keepdims_sum(%x: memref<1x128x384xf32>, %s: memref<1x128x1xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<1x128x384xf32>) outs(%s : memref<1x128x1xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %0 = arith.addf %acc, %a : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// A whole 1-D reduction into a 0-D buffer: no parallel loop; the combiner
// may take the accumulator second; its fast-math flags are kept.
// CHECK-LABEL: func.func @total
// CHECK-NOT: scf.parallel
// CHECK: scf.for {{.*}} -> (vector<16xf32>)
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<contract> : vector<16xf32>
// CHECK: vector.reduction <add>, %{{.*}}, %{{.*}} fastmath<reassoc,contract>
// CHECK-NOT: linalg.generic
func.func @total(%x: memref<100xf32>, %t: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%x : memref<100xf32>) outs(%t : memref<f32>) {
  ^bb0(%a: f32, %acc: f32):
    %0 = arith.addf %a, %acc fastmath<contract> : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// A broadcast mask tile (a constant index in its map) and a strided view
// whose rows are contiguous.
// CHECK-LABEL: func.func @masked_scores_max
// CHECK-SAME: (%[[S:.*]]: memref<?x?xf32, strided<[384, 1], offset: ?>>, %[[MASK:.*]]: memref<1x?xf32>, %[[M:.*]]: memref<?xf32>)
// CHECK: scf.for %[[J:[^ ]*]] =
// CHECK-DAG: vector.load %[[S]][%{{.*}}, %[[J]]]
// CHECK-DAG: vector.load %[[MASK]][%c0, %[[J]]]
// CHECK: arith.maxnumf
// CHECK: arith.maxnumf {{.*}} : vector<8xf32>
// CHECK: arith.maxnumf {{.*}} : f32
func.func @masked_scores_max(%s: memref<?x?xf32, strided<[384, 1], offset: ?>>, %mask: memref<1x?xf32>, %m: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%s, %mask : memref<?x?xf32, strided<[384, 1], offset: ?>>, memref<1x?xf32>) outs(%m : memref<?xf32>) {
  ^bb0(%x: f32, %b: f32, %acc: f32):
    %0 = arith.addf %x, %b : f32
    %1 = arith.maxnumf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// A reduction over a dimension that is not the innermost one of its
// operand (a column sum) would need strided gathers: left alone.
// CHECK-LABEL: func.func @negative_column_sum
// CHECK: linalg.generic
// CHECK-NOT: vector.reduction
func.func @negative_column_sum(%x: memref<64x32xf32>, %s: memref<32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<64x32xf32>) outs(%s : memref<32xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %0 = arith.addf %acc, %a : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// A body that reads the loop index is not elementwise on the row's values.
// CHECK-LABEL: func.func @negative_index_in_body
// CHECK: linalg.generic
// CHECK-NOT: vector.reduction
func.func @negative_index_in_body(%x: memref<8x64xf32>, %s: memref<8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x64xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %j = linalg.index 1 : index
    %i = arith.index_cast %j : index to i32
    %f = arith.sitofp %i : i32 to f32
    %p = arith.mulf %a, %f : f32
    %0 = arith.addf %acc, %p : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// The accumulator used beyond the combiner (here also in the product) is
// not a plain reduction.
// CHECK-LABEL: func.func @negative_accumulator_reused
// CHECK: linalg.generic
// CHECK-NOT: vector.reduction
func.func @negative_accumulator_reused(%x: memref<8x64xf32>, %s: memref<8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x64xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %p = arith.mulf %a, %acc : f32
    %0 = arith.addf %acc, %p : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// Integers, an unknown combiner (subtraction) and f64 are left alone.
// CHECK-LABEL: func.func @negative_integer_sum
// CHECK: linalg.generic
func.func @negative_integer_sum(%x: memref<8x64xi32>, %s: memref<8xi32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x64xi32>) outs(%s : memref<8xi32>) {
  ^bb0(%a: i32, %acc: i32):
    %0 = arith.addi %acc, %a : i32
    linalg.yield %0 : i32
  }
  return
}
// CHECK-LABEL: func.func @negative_subtraction
// CHECK: linalg.generic
func.func @negative_subtraction(%x: memref<8x64xf32>, %s: memref<8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x64xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %0 = arith.subf %acc, %a : f32
    linalg.yield %0 : f32
  }
  return
}
// CHECK-LABEL: func.func @negative_f64
// CHECK: linalg.generic
func.func @negative_f64(%x: memref<8x64xf64>, %s: memref<8xf64>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x64xf64>) outs(%s : memref<8xf64>) {
  ^bb0(%a: f64, %acc: f64):
    %0 = arith.addf %acc, %a : f64
    linalg.yield %0 : f64
  }
  return
}

// -----

// Two reduced dimensions, or a parallel loop inside the reduction: not a
// row reduction.
// CHECK-LABEL: func.func @negative_two_reductions
// CHECK: linalg.generic
func.func @negative_two_reductions(%x: memref<8x4x64xf32>, %s: memref<8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0)>], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : memref<8x4x64xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %0 = arith.addf %acc, %a : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// An output that does not keep every row apart (all rows into element 0)
// would have the parallel rows race on one element: left alone.
// CHECK-LABEL: func.func @negative_rows_share_output
// CHECK: linalg.generic
// CHECK-NOT: vector.reduction
func.func @negative_rows_share_output(%x: memref<8x64xf32>, %s: memref<1xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x64xf32>) outs(%s : memref<1xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %0 = arith.addf %acc, %a : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// A generic with no loops, a combiner whose result is used again, a
// maximum under `ninf` (its -inf start would be poison) and an integer
// division (which the masked step would do on zeros): all left alone.
// CHECK-LABEL: func.func @negative_misc
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT: vector.reduction
func.func @negative_misc(%a: memref<f32>, %b: memref<f32>, %x: memref<8x64xf32>, %s: memref<8xf32>, %xi: memref<8x64xi32>) {
  linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []}
      ins(%a : memref<f32>) outs(%b : memref<f32>) {
  ^bb0(%in: f32, %acc: f32):
    %0 = arith.addf %in, %acc : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x64xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %0 = arith.addf %acc, %in : f32
    %1 = arith.mulf %0, %0 : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x64xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %0 = arith.maximumf %acc, %in fastmath<ninf> : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x, %xi : memref<8x64xf32>, memref<8x64xi32>) outs(%s : memref<8xf32>) {
  ^bb0(%in: f32, %i: i32, %acc: f32):
    %c7 = arith.constant 7 : i32
    %q = arith.divsi %c7, %i : i32
    %f = arith.sitofp %q : i32 to f32
    %0 = arith.addf %acc, %f : f32
    linalg.yield %0 : f32
  }
  return
}
