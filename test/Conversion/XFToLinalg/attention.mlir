// RUN: xf-opt %s --split-input-file --convert-xf-to-linalg --canonicalize | FileCheck %s

// Flash attention: a parallel loop over (batch, head, block of 64 queries),
// a sequential loop over blocks of 64 keys carrying the running max, sum and
// output, and the head's columns written straight into the packed result.
// CHECK-LABEL: func.func @padding
// CHECK-SAME: (%[[Q:.*]]: tensor<?x?x64xf32>, %[[K:.*]]: tensor<?x?x64xf32>, %[[V:.*]]: tensor<?x?x64xf32>, %[[MASK:.*]]: tensor<?x1x1x?xf32>)
// CHECK-DAG: %[[MIN_EXPONENT:.*]] = arith.constant -8.000000e+01 : f32
func.func @padding(%q: tensor<?x?x64xf32>, %k: tensor<?x?x64xf32>, %v: tensor<?x?x64xf32>, %mask: tensor<?x1x1x?xf32>) -> tensor<?x?x64xf32> {
  // CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
  // CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
  // CHECK-DAG: %[[SCALE:.*]] = arith.constant 1.250000e-01 : f32
  // CHECK: %[[BATCH:.*]] = tensor.dim %[[Q]], %c0
  // CHECK: %[[SQ:.*]] = tensor.dim %[[Q]], %c1
  // CHECK: %[[SK:.*]] = tensor.dim %[[K]], %c1
  // K^T of every head, once, before the loops: [B, H * D, Sk].
  // CHECK: %[[KT:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[K]] : tensor<?x?x64xf32>) outs(%{{.*}} : tensor<?x64x?xf32>)
  // CHECK: %[[BLOCKS:.*]] = arith.ceildivsi %[[SQ]], %[[C64]]
  // CHECK: scf.forall (%[[B:.*]], %[[H:.*]], %[[QB:.*]]) in (%[[BATCH]], 2, %[[BLOCKS]]) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<?x?x64xf32>)
  // CHECK:   %[[Q0:.*]] = arith.muli %[[QB]], %[[C64]]
  // CHECK:   %[[COL:.*]] = arith.muli %[[H]], %[[C32]]
  // CHECK:   tensor.extract_slice %[[Q]][%[[B]], %[[Q0]], %[[COL]]] [1, %{{.*}}, 32] [1, 1, 1] : tensor<?x?x64xf32> to tensor<?x32xf32>
  // The scale is applied to the Q tile once.
  // CHECK:   arith.mulf %{{.*}}, %[[SCALE]]
  // CHECK:   scf.for %[[K0:.*]] = %c0 to %[[SK]] step %[[C64]] iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<?xf32>, tensor<?xf32>, tensor<?x32xf32>)
  // CHECK:     tensor.extract_slice %[[V]][%[[B]], %[[K0]], %{{.*}}] [1, %{{.*}}, 32]
  // The head's block of K^T, Q K^T with the columns innermost, then the
  // mask's row for this batch and key block.
  // CHECK:     %[[KTILE:.*]] = tensor.extract_slice %[[KT]][%[[B]], %{{.*}}, %[[K0]]] [1, 32, %{{.*}}] [1, 1, 1] : tensor<?x64x?xf32> to tensor<32x?xf32>
  // CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%{{.*}}, %[[KTILE]] : tensor<?x32xf32>, tensor<32x?xf32>)
  // CHECK:     tensor.extract_slice %[[MASK]][%[[B]], 0, 0, %[[K0]]] [1, 1, 1, %{{.*}}] [1, 1, 1, 1] : tensor<?x1x1x?xf32> to tensor<1x?xf32>
  // CHECK:     arith.addf
  // Online softmax: the new max and the rescaling factor in one loop.
  // CHECK:     arith.maximumf
  // CHECK:     linalg.generic {{.*}} outs(%{{.*}}, %{{.*}} : tensor<?xf32>, tensor<?xf32>)
  // CHECK:       %[[MAX:.*]] = arith.maximumf
  // CHECK:       %[[D:.*]] = arith.subf %{{.*}}, %[[MAX]]
  // CHECK:       math.exp %[[D]]
  // p = exp(max(s - m', -80)): no exponent below -80 reaches the exp, whose
  // vector and scalar forms take slow paths for results below the smallest
  // normal float.
  // CHECK:     %[[SHIFTED:.*]] = arith.subf
  // CHECK:     %[[CLAMPED:.*]] = arith.maximumf %[[SHIFTED]], %[[MIN_EXPONENT]]
  // CHECK:     math.exp %[[CLAMPED]]
  // P V with the key loop between the row and column loops.
  // CHECK:     linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]
  // CHECK:     scf.yield
  // CHECK:   arith.divf
  // CHECK:   scf.forall.in_parallel
  // CHECK:     tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[B]], %[[Q0]], %{{.*}}] [1, %{{.*}}, 32] [1, 1, 1] : tensor<?x32xf32> into tensor<?x?x64xf32>
  %0 = xf.attention %q, %k, %v, %mask {num_heads = 2 : i64, scale = 0.125 : f32, mask_kind = "padding"} : (tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<?x1x1x?xf32>) -> tensor<?x?x64xf32>
  return %0 : tensor<?x?x64xf32>
}

// -----

// Causal: key blocks end at the last key the query block sees,
// min(Sk, q0 + rows + Sk - Sq), and hidden scores become the lowest float.
// V may have a head size of its own.
// CHECK-LABEL: func.func @causal
// CHECK-SAME: (%[[Q:.*]]: tensor<2x?x64xf32>, %[[K:.*]]: tensor<2x?x64xf32>, %[[V:.*]]: tensor<2x?x32xf32>)
func.func @causal(%q: tensor<2x?x64xf32>, %k: tensor<2x?x64xf32>, %v: tensor<2x?x32xf32>) -> tensor<2x?x32xf32> {
  // CHECK-DAG: %[[LOWEST:.*]] = arith.constant -3.40282347E+38 : f32
  // CHECK: %[[SQ:.*]] = tensor.dim %[[Q]], %c1
  // CHECK: %[[SK:.*]] = tensor.dim %[[K]], %c1
  // CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (2, 2, %{{.*}})
  // CHECK:   %[[ROWS:.*]] = arith.minsi
  // CHECK:   %[[OFFSET:.*]] = arith.subi %[[SK]], %[[SQ]]
  // CHECK:   %[[Q1:.*]] = arith.addi %{{.*}}, %[[ROWS]]
  // CHECK:   %[[LAST:.*]] = arith.addi %[[Q1]], %[[OFFSET]]
  // CHECK:   %[[END:.*]] = arith.minsi %[[SK]], %[[LAST]]
  // CHECK:   scf.for %{{.*}} = %c0 to %[[END]] step %c64
  // CHECK:     tensor.extract_slice %[[V]]{{.*}} [1, %{{.*}}, 16] [1, 1, 1] : tensor<2x?x32xf32> to tensor<?x16xf32>
  // CHECK:     linalg.index 0
  // CHECK:     linalg.index 1
  // CHECK:     %[[VISIBLE:.*]] = arith.cmpi sle
  // CHECK:     arith.select %[[VISIBLE]], %{{.*}}, %[[LOWEST]] : f32
  // CHECK:   tensor.parallel_insert_slice {{.*}} : tensor<?x16xf32> into tensor<2x?x32xf32>
  %0 = xf.attention %q, %k, %v {num_heads = 2 : i64, scale = 0.25 : f32, mask_kind = "causal"} : (tensor<2x?x64xf32>, tensor<2x?x64xf32>, tensor<2x?x32xf32>) -> tensor<2x?x32xf32>
  return %0 : tensor<2x?x32xf32>
}

// -----
// Causal with a mask on top (GPT-2's order): a hidden key scores the fill
// plus the mask, and no key block is skipped, since in a row whose every
// visible key the mask hides the hidden ones weigh as much.
// CHECK-LABEL: func.func @causal_then_mask
// CHECK-SAME: (%[[Q:.*]]: tensor<2x?x64xf32>, %[[K:.*]]: tensor<2x?x64xf32>, %[[V:.*]]: tensor<2x?x32xf32>, %[[M:.*]]: tensor<2x1x1x?xf32>)
func.func @causal_then_mask(%q: tensor<2x?x64xf32>, %k: tensor<2x?x64xf32>, %v: tensor<2x?x32xf32>, %m: tensor<2x1x1x?xf32>) -> tensor<2x?x32xf32> {
  // CHECK-DAG: %[[FILL:.*]] = arith.constant -1.000000e+04 : f32
  // CHECK: %[[SK:.*]] = tensor.dim %[[K]], %c1
  // CHECK: scf.forall
  // CHECK-NOT: arith.minsi %[[SK]]
  // CHECK:   scf.for %{{.*}} = %c0 to %[[SK]] step %c64
  // CHECK:     %[[VISIBLE:.*]] = arith.cmpi sle
  // CHECK:     %[[KEPT:.*]] = arith.select %[[VISIBLE]], %{{.*}}, %[[FILL]] : f32
  // CHECK:     arith.addf %[[KEPT]], %{{.*}} : f32
  // With a mask, a row's scores may all be -inf in a block (the lowest
  // float added twice): the online softmax then neither rescales nor
  // weighs anything, instead of computing -inf - -inf.
  // CHECK:     %[[NONE:.*]] = arith.cmpf oeq, %{{.*}}, %cst{{.*}} : f32
  // CHECK:     arith.select %[[NONE]]
  %0 = xf.attention %q, %k, %v, %m {num_heads = 2 : i64, scale = 0.25 : f32, mask_kind = "causal", causal_fill = -1.0e+04 : f32} : (tensor<2x?x64xf32>, tensor<2x?x64xf32>, tensor<2x?x32xf32>, tensor<2x1x1x?xf32>) -> tensor<2x?x32xf32>
  return %0 : tensor<2x?x32xf32>
}

// -----

// With mask_before_causal the fill replaces the masked score.
// CHECK-LABEL: func.func @mask_then_causal
func.func @mask_then_causal(%q: tensor<2x?x64xf32>, %k: tensor<2x?x64xf32>, %v: tensor<2x?x32xf32>, %m: tensor<2x1x1x?xf32>) -> tensor<2x?x32xf32> {
  // CHECK-DAG: %[[LOWEST:.*]] = arith.constant -3.40282347E+38 : f32
  // CHECK: scf.for
  // CHECK:     %[[MASKED:.*]] = arith.addf %out, %in
  // CHECK:     %[[VISIBLE:.*]] = arith.cmpi sle
  // CHECK:     arith.select %[[VISIBLE]], %[[MASKED]], %[[LOWEST]] : f32
  %0 = xf.attention %q, %k, %v, %m {num_heads = 2 : i64, scale = 0.25 : f32, mask_kind = "causal", mask_before_causal} : (tensor<2x?x64xf32>, tensor<2x?x64xf32>, tensor<2x?x32xf32>, tensor<2x1x1x?xf32>) -> tensor<2x?x32xf32>
  return %0 : tensor<2x?x32xf32>
}

// -----

// Without a mask the scores go straight to the online softmax. With static
// shapes that fit one tile, canonicalization leaves a loop over the heads
// only, with static tiles.
// CHECK-LABEL: func.func @no_mask
func.func @no_mask(%q: tensor<1x8x64xf32>, %k: tensor<1x8x64xf32>, %v: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  // CHECK: scf.forall (%[[H:.*]]) in (4)
  // CHECK: tensor.extract_slice %{{.*}}[0, 0, %{{.*}}] [1, 8, 16] [1, 1, 1] : tensor<1x8x64xf32> to tensor<8x16xf32>
  // CHECK-NOT: scf.for %
  // CHECK-NOT: arith.select
  // CHECK: tensor.parallel_insert_slice {{.*}} : tensor<8x16xf32> into tensor<1x8x64xf32>
  %0 = xf.attention %q, %k, %v {num_heads = 4 : i64, scale = 0.25 : f32} : (tensor<1x8x64xf32>, tensor<1x8x64xf32>, tensor<1x8x64xf32>) -> tensor<1x8x64xf32>
  return %0 : tensor<1x8x64xf32>
}

// -----

// Grouped-query attention: query head h reads key and value head h / 2, so
// K^T and V tiles start at column (h / 2) * 16.
// CHECK-LABEL: func.func @grouped_query
// CHECK: scf.forall (%[[B:.*]], %[[H:.*]], %{{.*}}) in
// CHECK:   %[[KVH:.*]] = arith.divui %[[H]], %c2
// CHECK:   arith.muli %[[KVH]], %c16
func.func @grouped_query(%q: tensor<?x?x64xf32>, %k: tensor<?x?x32xf32>, %v: tensor<?x?x32xf32>) -> tensor<?x?x64xf32> {
  %0 = xf.attention %q, %k, %v {num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.25 : f32} : (tensor<?x?x64xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x64xf32>
  return %0 : tensor<?x?x64xf32>
}
