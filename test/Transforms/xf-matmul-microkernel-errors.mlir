// RUN: not xf-opt %s --xf-matmul-microkernel="vector-bits=384" 2>&1 | FileCheck %s
// An unsupported vector width is refused before anything is rewritten.
// CHECK: error: vector-bits must be 128, 256 or 512, got 384
func.func @f() {
  return
}
