//===- Npy.h - Reading and writing .npy files -------------------*- C++ -*-===//

#ifndef XF_RUNTIME_NPY_H
#define XF_RUNTIME_NPY_H

#include "runtime/Runtime.h"

#include <istream>
#include <string>

namespace xf::runtime {

/// Reads a .npy file (format 1.x-3.x, little-endian, C order). Fails with a
/// message naming the file on anything else.
bool readNpy(const std::string &path, Tensor &tensor, std::string &error);
/// Reads a .npy image from `in`, named `name` in messages. Nothing is
/// allocated for data the stream does not hold.
bool readNpy(std::istream &in, const std::string &name, Tensor &tensor,
             std::string &error);

/// Writes `tensor` as a .npy file (format 1.0).
bool writeNpy(const std::string &path, const Tensor &tensor,
              std::string &error);

} // namespace xf::runtime

#endif // XF_RUNTIME_NPY_H
