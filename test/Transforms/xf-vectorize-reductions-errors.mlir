// RUN: not xf-opt %s --xf-vectorize-reductions="vector-bits=64" 2>&1 | FileCheck %s
// An unsupported vector width is refused before anything is rewritten.
// CHECK: error: vector-bits must be 128, 256 or 512, got 64
func.func @f() {
  return
}
