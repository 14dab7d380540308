// RUN: xf-opt %s --split-input-file --verify-diagnostics --xf-serialize-nested-linalg | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// Inside a parallel loop, a row reduction becomes two sequential loops; the
// same op outside stays a linalg op (convert-linalg-to-parallel-loops makes
// it a parallel loop of its own).
// CHECK-LABEL: func.func @nested_in_parallel
func.func @nested_in_parallel(%n: index, %s: memref<?x8x16xf32>, %m: memref<?x8xf32>, %t: memref<8x16xf32>, %r: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // CHECK: scf.parallel (%[[B:.*]]) =
  // CHECK-NOT: linalg.generic
  // CHECK: scf.for %[[I:.*]] = %c0{{.*}} to %c8{{.*}} step %c1
  // CHECK:   scf.for %[[J:.*]] = %c0{{.*}} to %c16{{.*}} step %c1
  // CHECK:     memref.load
  // CHECK:     arith.maximumf
  // CHECK:     memref.store
  // CHECK: scf.reduce
  scf.parallel (%b) = (%c0) to (%n) step (%c1) {
    %sb = memref.subview %s[%b, 0, 0] [1, 8, 16] [1, 1, 1] : memref<?x8x16xf32> to memref<8x16xf32, strided<[16, 1], offset: ?>>
    %mb = memref.subview %m[%b, 0] [1, 8] [1, 1] : memref<?x8xf32> to memref<8xf32, strided<[1], offset: ?>>
    linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
        ins(%sb : memref<8x16xf32, strided<[16, 1], offset: ?>>) outs(%mb : memref<8xf32, strided<[1], offset: ?>>) {
    ^bb0(%in: f32, %out: f32):
      %0 = arith.maximumf %out, %in : f32
      linalg.yield %0 : f32
    }
    scf.reduce
  }
  // CHECK: linalg.generic
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%t : memref<8x16xf32>) outs(%r : memref<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %out, %in : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

// Before bufferization there is nothing to loop over.
func.func @negative_tensor_semantics(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = scf.forall (%i) in (4) shared_outs(%o = %x) -> (tensor<4x8xf32>) {
    %e = tensor.empty() : tensor<1x8xf32>
    %c = arith.constant 0.0 : f32
    // expected-error @+1 {{must be bufferized before it is serialized}}
    %f = linalg.fill ins(%c : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %f into %o[%i, 0] [1, 8] [1, 1] : tensor<1x8xf32> into tensor<4x8xf32>
    }
  }
  return %0 : tensor<4x8xf32>
}
