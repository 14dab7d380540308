// RUN: not xf-opt %s --xf-pack-weights="vector-bits=100" 2>&1 | FileCheck %s
// An unsupported vector width is refused before anything is rewritten.
// CHECK: error: vector-bits must be 128, 256 or 512, got 100
func.func @f() {
  return
}
