//===- FuzzNpyReader.cpp - libFuzzer target: the .npy reader --------------===//
//
// Reads every input as a .npy file. It must be read or refused with a
// message; and nothing may be allocated for data the input does not hold.
//
//===----------------------------------------------------------------------===//

#include "runtime/Npy.h"

#include <cstddef>
#include <cstdint>
#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char *>(data), size));
  xf::runtime::Tensor tensor;
  std::string error;
  bool read = xf::runtime::readNpy(in, "fuzz.npy", tensor, error);
  if (read == !error.empty())
    __builtin_trap(); // Success and failure must not be mixed up.
  if (read && tensor.getByteSize() > size)
    __builtin_trap(); // More data than the input held.
  return 0;
}
