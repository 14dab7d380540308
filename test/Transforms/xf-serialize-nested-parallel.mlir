// RUN: xf-opt %s --split-input-file --verify-diagnostics --xf-serialize-nested-parallel | FileCheck %s

// The columns of a matmul inside its reduction loop: the inner parallel
// loop becomes a sequential one, the outer one stays parallel.
// CHECK-LABEL: func.func @matmul_columns
// CHECK-SAME: (%[[M:.*]]: index, %[[N:.*]]: index, %[[K:.*]]: index
func.func @matmul_columns(%m: index, %n: index, %k: index, %a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // CHECK: scf.parallel (%[[I:.*]]) = (%c0) to (%[[M]]) step (%c1) {
  // CHECK:   scf.for %[[KK:.*]] = %c0 to %[[K]] step %c1 {
  // CHECK:     scf.for %[[J:.*]] = %c0 to %[[N]] step %c1 {
  // CHECK:       memref.load %{{.*}}[%[[I]], %[[KK]]]
  // CHECK:       memref.load %{{.*}}[%[[KK]], %[[J]]]
  // CHECK:       memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]]
  // CHECK-NOT: scf.parallel
  scf.parallel (%i) = (%c0) to (%m) step (%c1) {
    scf.for %kk = %c0 to %k step %c1 {
      scf.parallel (%j) = (%c0) to (%n) step (%c1) {
        %x = memref.load %a[%i, %kk] : memref<?x?xf32>
        %y = memref.load %b[%kk, %j] : memref<?x?xf32>
        %z = memref.load %c[%i, %j] : memref<?x?xf32>
        %p = arith.mulf %x, %y : f32
        %s = arith.addf %z, %p : f32
        memref.store %s, %c[%i, %j] : memref<?x?xf32>
        scf.reduce
      }
    }
    scf.reduce
  }
  return
}

// -----

// Two levels nested in a tile loop (attention), and a one-dimensional
// parallel loop of its own after it, which stays parallel.
// CHECK-LABEL: func.func @two_levels
func.func @two_levels(%n: index, %x: memref<?x4x8xf32>, %y: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  // CHECK: scf.parallel (%[[B:.*]]) =
  // CHECK:   scf.for %[[I:.*]] = %c0 to %c4 step %c1 {
  // CHECK:     scf.for %[[J:.*]] = %c0 to %c8 step %c1 {
  // CHECK:       memref.store %{{.*}}, %{{.*}}[%[[B]], %[[I]], %[[J]]]
  scf.parallel (%b) = (%c0) to (%n) step (%c1) {
    scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
      scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
        memref.store %zero, %x[%b, %i, %j] : memref<?x4x8xf32>
        scf.reduce
      }
      scf.reduce
    }
    scf.reduce
  }
  // CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c16) step (%c1) {
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    memref.store %zero, %y[%i] : memref<16xf32>
    scf.reduce
  }
  return
}

// -----

// An elementwise loop over [rows, columns]: the rows stay on the threads,
// the contiguous columns become a sequential loop (OpenMP would collapse
// both into one index and divide it back, which LLVM cannot vectorize).
// CHECK-LABEL: func.func @innermost_dimension
func.func @innermost_dimension(%m: index, %x: memref<?x384xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c384 = arith.constant 384 : index
  %one = arith.constant 1.0 : f32
  // CHECK: scf.parallel (%[[I:.*]]) = (%c0) to (%{{.*}}) step (%c1) {
  // CHECK-NEXT: scf.for %[[J:.*]] = %c0 to %c384 step %c1 {
  // CHECK: memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]]]
  scf.parallel (%i, %j) = (%c0, %c0) to (%m, %c384) step (%c1, %c1) {
    memref.store %one, %x[%i, %j] : memref<?x384xf32>
    scf.reduce
  }
  return
}

// -----

// A nested loop with a reduction has a result: it is refused loudly.
func.func @negative_nested_reduction(%n: index, %x: memref<?x8xf32>, %y: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%b) = (%c0) to (%n) step (%c1) {
    // expected-error @+1 {{with reductions cannot be serialized}}
    %sum = scf.parallel (%j) = (%c0) to (%c8) step (%c1) init (%zero) -> f32 {
      %v = memref.load %x[%b, %j] : memref<?x8xf32>
      scf.reduce(%v : f32) {
      ^bb0(%l: f32, %r: f32):
        %s = arith.addf %l, %r : f32
        scf.reduce.return %s : f32
      }
    }
    memref.store %sum, %y[%b] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

// Seven dimensions (the ONNX node tests' NLL loss over [N, C, d1..d5]): six
// stay parallel, the seventh becomes the sequential loop.
// CHECK-LABEL: func.func @seven_dimensions
// CHECK: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) =
// CHECK:   scf.for
// CHECK:     memref.load
func.func @seven_dimensions(%m: memref<2x2x2x2x2x2x2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  scf.parallel (%i0, %i1, %i2, %i3, %i4, %i5, %i6) = (%c0, %c0, %c0, %c0, %c0, %c0, %c0) to (%c2, %c2, %c2, %c2, %c2, %c2, %c2) step (%c1, %c1, %c1, %c1, %c1, %c1, %c1) {
    %v = memref.load %m[%i0, %i1, %i2, %i3, %i4, %i5, %i6] : memref<2x2x2x2x2x2x2xf32>
    memref.store %v, %m[%i0, %i1, %i2, %i3, %i4, %i5, %i6] : memref<2x2x2x2x2x2x2xf32>
    scf.reduce
  }
  return
}
