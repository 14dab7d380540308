// RUN: xf-opt %s --split-input-file --verify-diagnostics --xf-matmul-microkernel --canonicalize | FileCheck %s
// RUN: xf-opt %s --split-input-file --verify-diagnostics --xf-matmul-microkernel="vector-bits=256" --canonicalize | FileCheck %s --check-prefix=AVX2

#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#out = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>

// A linear layer's product, [1, ?, 384] x [384, 1536]: rows collapsed, a
// parallel loop over (column panel, row block), and in the full blocks 6
// rows x 4 vectors of 16 accumulators carried through the k loop.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: memref<1x?x384xf32>, %[[W:.*]]: memref<384x1536xf32>, %[[Y:.*]]: memref<1x?x1536xf32>)
func.func @linear(%x: memref<1x?x384xf32>, %w: memref<384x1536xf32>, %y: memref<1x?x1536xf32>) {
  // CHECK-DAG: %[[A:.*]] = memref.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : memref<1x?x384xf32> into memref<?x384xf32>
  // CHECK-DAG: %[[C:.*]] = memref.collapse_shape %[[Y]] {{\[}}[0, 1], [2]] : memref<1x?x1536xf32> into memref<?x1536xf32>
  // CHECK: %[[BLOCKS:.*]] = arith.ceildivsi %{{.*}}, %c6
  // CHECK: scf.parallel (%[[P:.*]], %[[B:.*]]) = (%c0, %c0) to (%c24, %[[BLOCKS]])
  // CHECK: scf.if
  // CHECK-COUNT-24: vector.load %[[C]]
  // CHECK: scf.for %[[K:.*]] = %c0 to %c384 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
  // CHECK-COUNT-4: vector.load %[[W]][%[[K]], %{{.*}}] : memref<384x1536xf32>, vector<16xf32>
  // CHECK: %[[S:.*]] = memref.load %[[A]][%{{.*}}, %[[K]]]
  // CHECK: %[[BS:.*]] = vector.broadcast %[[S]] : f32 to vector<16xf32>
  // CHECK-COUNT-4: vector.fma %[[BS]]
  // CHECK: scf.yield
  // CHECK-COUNT-24: vector.store %{{.*}}, %[[C]]
  // The edges: one row at a time, the columns masked.
  // CHECK: } else {
  // CHECK: scf.for
  // CHECK: vector.create_mask
  // CHECK: vector.maskedload %[[C]]
  // CHECK: vector.maskedload %[[W]]
  // CHECK: vector.maskedstore %[[C]]
  // CHECK-NOT: linalg.generic
  // AVX2-LABEL: func.func @linear
  // AVX2: arith.ceildivsi %{{.*}}, %c4
  // AVX2: scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<1x?x384xf32>, memref<384x1536xf32>) outs(%y : memref<1x?x1536xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#lhs = affine_map<(d0, d1, d2) -> (d0, d1)>
#rhs = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d2)>

// The weight may be a strided view (into the weights blob) as long as its
// rows are contiguous.
// CHECK-LABEL: func.func @strided_weight
func.func @strided_weight(%x: memref<?x64xf32>, %w: memref<64x100xf32, strided<[100, 1], offset: ?>>, %y: memref<?x100xf32>) {
  // CHECK: scf.parallel
  // CHECK: vector.fma
  // CHECK-NOT: linalg.generic
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<?x64xf32>, memref<64x100xf32, strided<[100, 1], offset: ?>>) outs(%y : memref<?x100xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#lhs = affine_map<(d0, d1, d2) -> (d0, d1)>
#rhs = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d2)>

// An attention head's product by V, 32 columns wide: two vectors per row,
// so 12 rows per block (still 24 accumulators), no masks. The rows left
// over run as blocks of 8, 4, 2 and 1 rows, one per binary digit of their
// count.
// CHECK-LABEL: func.func @narrow
func.func @narrow(%p: memref<?x64xf32>, %v: memref<64x32xf32, strided<[384, 1], offset: ?>>, %acc: memref<?x32xf32>) {
  // CHECK: %[[BLOCKS:.*]] = arith.ceildivsi %{{.*}}, %c12
  // CHECK: scf.parallel (%{{.*}}) = (%c0) to (%[[BLOCKS]])
  // CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
  // CHECK: arith.andi %{{.*}}, %c8
  // CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
  // CHECK: arith.andi %{{.*}}, %c4
  // CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
  // CHECK: arith.andi %{{.*}}, %c2
  // CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
  // CHECK: arith.andi %{{.*}}, %c1
  // CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>)
  // CHECK-NOT: scf.for
  // A 32-column product has no partial panel: nothing is masked.
  // CHECK-NOT: vector.maskedload
  // CHECK-NOT: linalg.generic
  // AVX2-LABEL: func.func @narrow
  // AVX2: arith.ceildivsi %{{.*}}, %c4
  // AVX2: scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%p, %v : memref<?x64xf32>, memref<64x32xf32, strided<[384, 1], offset: ?>>) outs(%acc : memref<?x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#lhs = affine_map<(d0, d1, d2) -> (d0, d1)>
#packed = affine_map<(d0, d1, d2) -> (d2 floordiv 64, d1, d2 mod 64)>
#out = affine_map<(d0, d1, d2) -> (d0, d2)>

// A weight packed by xf-pack-weights into panels of 64 columns: the panel
// index of the parallel loop selects the panel, and every weight load is a
// full, unmasked vector (the last panel is padded); only the result's last
// panel is masked.
// CHECK-LABEL: func.func @packed
// CHECK-SAME: (%[[X:.*]]: memref<?x32xf32>, %[[W:.*]]: memref<2x32x64xf32>, %[[Y:.*]]: memref<?x100xf32>)
func.func @packed(%x: memref<?x32xf32>, %w: memref<2x32x64xf32>, %y: memref<?x100xf32>) {
  // CHECK: scf.parallel (%[[P:.*]], %{{.*}}) = (%c0, %c0) to (%c2, %{{.*}})
  // CHECK: scf.for %[[K:.*]] = %c0 to %c32 step %c1
  // CHECK: vector.load %[[W]][%[[P]], %[[K]], %c0] : memref<2x32x64xf32>, vector<16xf32>
  // CHECK: vector.load %[[W]][%[[P]], %[[K]], %c16]
  // CHECK: vector.load %[[W]][%[[P]], %[[K]], %c32]
  // CHECK: vector.load %[[W]][%[[P]], %[[K]], %c48]
  // CHECK-NOT: vector.maskedload %[[W]]
  // CHECK: vector.maskedstore %[[Y]]
  // CHECK-NOT: vector.maskedload %[[W]]
  // CHECK-NOT: linalg.generic
  linalg.generic {indexing_maps = [#lhs, #packed, #out], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<?x32xf32>, memref<2x32x64xf32>) outs(%y : memref<?x100xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#lhs = affine_map<(d0, d1, d2) -> (d0, d1)>
#packed = affine_map<(d0, d1, d2) -> (d2 floordiv 32, d1, d2 mod 32)>
#out = affine_map<(d0, d1, d2) -> (d0, d2)>

// Packed for another register block (panels of 32 where 100 columns take
// 64-column blocks): left to the loops, which still read it correctly.
// CHECK-LABEL: func.func @negative_packed_other_width
// CHECK: linalg.generic
// CHECK-NOT: vector.fma
func.func @negative_packed_other_width(%x: memref<?x32xf32>, %w: memref<4x32x32xf32>, %y: memref<?x100xf32>) {
  linalg.generic {indexing_maps = [#lhs, #packed, #out], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<?x32xf32>, memref<4x32x32xf32>) outs(%y : memref<?x100xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#bias = affine_map<(d0, d1) -> (d1)>
#id = affine_map<(d0, d1) -> (d0, d1)>
#lhs = affine_map<(d0, d1, d2) -> (d0, d1)>
#rhs = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d2)>

// The bias broadcast just before the product: the accumulators start from
// the bias (one load per vector, shared by the block's rows), the broadcast
// is gone and the result is never read.
// CHECK-LABEL: func.func @bias_folded
// CHECK-SAME: (%[[X:.*]]: memref<?x64xf32>, %[[W:.*]]: memref<64x128xf32>, %[[B:.*]]: memref<128xf32>, %[[Y:.*]]: memref<?x128xf32>)
func.func @bias_folded(%x: memref<?x64xf32>, %w: memref<64x128xf32>, %b: memref<128xf32>, %y: memref<?x128xf32>) {
  // CHECK-NOT: linalg.generic
  // CHECK: scf.parallel
  // CHECK-COUNT-4: vector.load %[[B]][%{{.*}}] : memref<128xf32>, vector<16xf32>
  // CHECK-NOT: vector.load %[[Y]]
  // CHECK: scf.for
  // CHECK-NOT: vector.load %[[Y]]
  // CHECK-NOT: vector.maskedload %[[Y]]
  // CHECK: vector.store %{{.*}}, %[[Y]]
  linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel"]}
      ins(%b : memref<128xf32>) outs(%y : memref<?x128xf32>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<?x64xf32>, memref<64x128xf32>) outs(%y : memref<?x128xf32>) {
  ^bb0(%a: f32, %bb: f32, %c: f32):
    %m = arith.mulf %a, %bb : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#bias = affine_map<(d0, d1, d2) -> (d2)>
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#out = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>

// A linear layer's [1, S, N] result, collapsed to rows for the kernel: the
// bias broadcast before it is folded all the same.
// CHECK-LABEL: func.func @bias_folded_rank3
// CHECK-SAME: (%[[X:.*]]: memref<1x?x64xf32>, %[[W:.*]]: memref<64x128xf32>, %[[B:.*]]: memref<128xf32>, %[[Y:.*]]: memref<1x?x128xf32>)
func.func @bias_folded_rank3(%x: memref<1x?x64xf32>, %w: memref<64x128xf32>, %b: memref<128xf32>, %y: memref<1x?x128xf32>) {
  // CHECK-NOT: linalg.generic
  // CHECK: %[[C:.*]] = memref.collapse_shape %[[Y]]
  // CHECK: scf.parallel
  // CHECK-COUNT-4: vector.load %[[B]][%{{.*}}] : memref<128xf32>, vector<16xf32>
  // CHECK-NOT: vector.load %[[C]]
  // CHECK: vector.store %{{.*}}, %[[C]]
  linalg.generic {indexing_maps = [#bias, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%b : memref<128xf32>) outs(%y : memref<1x?x128xf32>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<1x?x64xf32>, memref<64x128xf32>) outs(%y : memref<1x?x128xf32>) {
  ^bb0(%a: f32, %bb: f32, %c: f32):
    %m = arith.mulf %a, %bb : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#lhs = affine_map<(d0, d1, d2) -> (d0, d1)>
#rhs = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d2)>

// A fill with zero before the product: the accumulators start at zero.
// CHECK-LABEL: func.func @fill_folded
// CHECK-SAME: (%[[X:.*]]: memref<?x64xf32>, %[[W:.*]]: memref<64x128xf32>, %[[Y:.*]]: memref<?x128xf32>)
func.func @fill_folded(%x: memref<?x64xf32>, %w: memref<64x128xf32>, %y: memref<?x128xf32>) {
  // CHECK-NOT: linalg.fill
  // CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
  // CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]],
  // CHECK-NOT: vector.load %[[Y]]
  // CHECK-NOT: vector.maskedload %[[Y]]
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<?x128xf32>)
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<?x64xf32>, memref<64x128xf32>) outs(%y : memref<?x128xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#lhs = affine_map<(d0, d1, d2) -> (d0, d1)>
#rhs = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d2)>

// The op before the product writes something else into the result (a
// copy of another matrix, not a row broadcast): the kernel reads the
// result, and the op stays.
// CHECK-LABEL: func.func @negative_other_init
// CHECK: linalg.generic
// CHECK: vector.load %{{.*}} : memref<?x128xf32>, vector<16xf32>
func.func @negative_other_init(%x: memref<?x64xf32>, %w: memref<64x128xf32>, %z: memref<?x128xf32>, %y: memref<?x128xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%z : memref<?x128xf32>) outs(%y : memref<?x128xf32>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<?x64xf32>, memref<64x128xf32>) outs(%y : memref<?x128xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#lhs = affine_map<(d0, d1, d2) -> (d0, d1)>
#rhs = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d2)>

// Not a multiply-accumulate (a max-plus product): left alone.
// CHECK-LABEL: func.func @negative_other_body
func.func @negative_other_body(%x: memref<8x64xf32>, %w: memref<64x32xf32>, %y: memref<8x32xf32>) {
  // CHECK-NOT: vector.fma
  // CHECK: linalg.generic
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<8x64xf32>, memref<64x32xf32>) outs(%y : memref<8x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.addf %a, %b : f32
    %s = arith.maximumf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#lhs = affine_map<(d0, d1, d2) -> (d0, d1)>
#rhs = affine_map<(d0, d1, d2) -> (d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d2)>

// Integer products (and other element types) keep the generic lowering.
// CHECK-LABEL: func.func @negative_integer
func.func @negative_integer(%x: memref<8x64xi32>, %w: memref<64x32xi32>, %y: memref<8x32xi32>) {
  // CHECK: linalg.generic
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<8x64xi32>, memref<64x32xi32>) outs(%y : memref<8x32xi32>) {
  ^bb0(%a: i32, %b: i32, %c: i32):
    %p = arith.muli %a, %b : i32
    %s = arith.addi %c, %p : i32
    linalg.yield %s : i32
  }
  return
}

// -----

#lhs = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#rhs = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#out = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>

// A batched right operand (attention's products at -O0) is not a product by
// a matrix.
// CHECK-LABEL: func.func @negative_batched_rhs
func.func @negative_batched_rhs(%x: memref<2x8x64xf32>, %w: memref<2x64x32xf32>, %y: memref<2x8x32xf32>) {
  // CHECK: linalg.generic
  linalg.generic {indexing_maps = [#lhs, #rhs, #out], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<2x8x64xf32>, memref<2x64x32xf32>) outs(%y : memref<2x8x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}
