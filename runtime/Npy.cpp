//===- Npy.cpp - Reading and writing .npy files ---------------------------===//

#include "runtime/Npy.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace xf::runtime;

namespace {
struct NpyType {
  const char *descr;
  DType dtype;
};
constexpr NpyType kNpyTypes[] = {
    {"<f4", DType::F32}, {"<f8", DType::F64}, {"<f2", DType::F16},
    {"|i1", DType::I8},  {"<i2", DType::I16}, {"<i4", DType::I32},
    {"<i8", DType::I64}, {"|u1", DType::U8},  {"<u2", DType::U16},
    {"<u4", DType::U32}, {"<u8", DType::U64}, {"|b1", DType::Bool}};
} // namespace

/// The value of `key` in the header dict: the text up to the next ',' at
/// depth 0 (or the closing parenthesis of a tuple).
static bool findHeaderValue(const std::string &header, const std::string &key,
                            std::string &value) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return false;
  at = header.find(':', at);
  if (at == std::string::npos)
    return false;
  ++at;
  while (at < header.size() && header[at] == ' ')
    ++at;
  size_t end = at;
  if (header[at] == '(') {
    end = header.find(')', at);
    if (end == std::string::npos)
      return false;
    ++end;
  } else {
    while (end < header.size() && header[end] != ',' && header[end] != '}')
      ++end;
  }
  value = header.substr(at, end - at);
  return true;
}

bool xf::runtime::readNpy(std::istream &in, const std::string &name,
                          Tensor &tensor, std::string &error) {
  auto fail = [&](const std::string &message) {
    error = "'" + name + "': " + message;
    return false;
  };
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    return fail("not a .npy file (bad magic)");
  uint8_t major = static_cast<uint8_t>(magic[6]);
  uint32_t headerLength = 0;
  if (major == 1) {
    uint8_t bytes[2];
    if (!in.read(reinterpret_cast<char *>(bytes), 2))
      return fail("truncated header");
    headerLength = bytes[0] | (bytes[1] << 8);
  } else if (major == 2 || major == 3) {
    uint8_t bytes[4];
    if (!in.read(reinterpret_cast<char *>(bytes), 4))
      return fail("truncated header");
    headerLength = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) |
                   (static_cast<uint32_t>(bytes[3]) << 24);
  } else {
    return fail("unsupported .npy version " + std::to_string(major));
  }
  if (headerLength > (1u << 20))
    return fail("header too large");
  std::string header(headerLength, '\0');
  if (!in.read(header.data(), headerLength))
    return fail("truncated header");

  std::string descr, order, shapeText;
  if (!findHeaderValue(header, "descr", descr) ||
      !findHeaderValue(header, "fortran_order", order) ||
      !findHeaderValue(header, "shape", shapeText))
    return fail("malformed header");
  if (order.find("True") != std::string::npos)
    return fail("Fortran-ordered arrays are not supported");
  descr.erase(std::remove(descr.begin(), descr.end(), '\''), descr.end());
  const NpyType *type = nullptr;
  for (const NpyType &candidate : kNpyTypes)
    if (descr == candidate.descr ||
        (descr.size() == 3 && descr[0] == '=' &&
         descr.substr(1) == std::string(candidate.descr).substr(1)))
      type = &candidate;
  if (!type)
    return fail("unsupported dtype '" + descr + "'");

  // The shape's dimensions, each and their product bounded by what the
  // file holds, so that nothing is allocated for data that is not there.
  std::streampos dataStart = in.tellg();
  in.seekg(0, std::ios::end);
  std::streamoff available = in.tellg() - dataStart;
  in.seekg(dataStart);
  if (!in || available < 0)
    return fail("cannot determine the size of the data");
  uint64_t elementSize = getDTypeSize(type->dtype);
  uint64_t maxElements = static_cast<uint64_t>(available) / elementSize;
  std::vector<int64_t> shape;
  // The product of the non-zero dimensions, saturated: even an empty
  // tensor's shape must have an element count that fits in 64 bits.
  constexpr uint64_t kMaxElements = uint64_t(1) << 62;
  uint64_t nonZeroProduct = 1;
  bool empty = false;
  bool inNumber = false;
  uint64_t value = 0;
  for (size_t i = 0; i <= shapeText.size(); ++i) {
    char c = i < shapeText.size() ? shapeText[i] : ',';
    if (c >= '0' && c <= '9') {
      if (value > (kMaxElements - (c - '0')) / 10)
        return fail("a dimension of the shape " + shapeText + " is too large");
      value = value * 10 + (c - '0');
      inNumber = true;
      continue;
    }
    if (c == '-')
      return fail("the shape " + shapeText + " has a negative dimension");
    if (!inNumber)
      continue;
    shape.push_back(static_cast<int64_t>(value));
    if (value == 0)
      empty = true;
    else if (nonZeroProduct > kMaxElements / value)
      return fail("the shape " + shapeText + " has too many elements");
    else
      nonZeroProduct *= value;
    inNumber = false;
    value = 0;
  }
  if (shape.size() > 64)
    return fail("the shape " + shapeText + " has more than 64 dimensions");
  uint64_t numElements = empty ? 0 : nonZeroProduct;
  if (numElements > maxElements)
    return fail("truncated data: the shape " + shapeText + " has " +
                std::to_string(numElements) + " elements of " +
                std::to_string(elementSize) + " bytes, " +
                std::to_string(available) + " bytes follow the header");
  if (numElements * elementSize != static_cast<uint64_t>(available))
    return fail("trailing bytes after the data");
  tensor = Tensor::allocate(type->dtype, shape);
  if (!in.read(static_cast<char *>(tensor.getData()),
               static_cast<std::streamsize>(tensor.getByteSize())))
    return fail("truncated data: expected " +
                std::to_string(tensor.getByteSize()) + " bytes");
  return true;
}

bool xf::runtime::readNpy(const std::string &path, Tensor &tensor,
                          std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "'" + path + "': cannot open";
    return false;
  }
  return readNpy(in, path, tensor, error);
}

bool xf::runtime::writeNpy(const std::string &path, const Tensor &tensor,
                           std::string &error) {
  const char *descr = nullptr;
  for (const NpyType &candidate : kNpyTypes)
    if (candidate.dtype == tensor.getDType())
      descr = candidate.descr;
  if (!descr) {
    error = std::string("cannot write ") + getDTypeName(tensor.getDType()) +
            " as .npy";
    return false;
  }
  std::ostringstream dict;
  dict << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < tensor.getShape().size(); ++i)
    dict << tensor.getShape()[i] << (tensor.getShape().size() == 1 ? "," : (i + 1 < tensor.getShape().size() ? ", " : ""));
  dict << "), }";
  std::string header = dict.str();
  // Pad so that the data starts 64-byte aligned; the header ends in '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    error = "cannot write '" + path + "'";
    return false;
  }
  uint16_t length = static_cast<uint16_t>(header.size());
  out.write("\x93NUMPY\x01\x00", 8);
  out.put(static_cast<char>(length & 0xff));
  out.put(static_cast<char>(length >> 8));
  out << header;
  out.write(static_cast<const char *>(tensor.getData()),
            static_cast<std::streamsize>(tensor.getByteSize()));
  if (!out) {
    error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}
