//===- ArtifactFormat.h - The layout of .xfm files --------------*- C++ -*-===//
//
// An xfc artifact is one file:
//
//   offset 0      Header (64 bytes, little-endian)
//   manifest      JSON: signature, target, options, versions, checksums
//   code          the shared object, 64-byte aligned
//   weights       the weights blob, page aligned so that it can be mapped
//                 in place; every weight inside is 64-byte aligned
//
// Shared by the writer (xfc) and the reader (the runtime); no dependencies.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_ARTIFACTFORMAT_H
#define XF_RUNTIME_ARTIFACTFORMAT_H

#include <cstddef>
#include <cstdint>

namespace xf::artifact {

inline constexpr char kMagic[8] = {'X', 'F', 'M', 'O', 'D', 'E', 'L', '\0'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr uint64_t kCodeAlignment = 64;
inline constexpr uint64_t kWeightsAlignment = 4096;
/// The name of the packed entry point in the shared object.
inline constexpr const char *kEntrySymbol = "xf_entry";

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t flags;
  uint64_t manifestOffset;
  uint64_t manifestSize;
  uint64_t codeOffset;
  uint64_t codeSize;
  uint64_t weightsOffset;
  uint64_t weightsSize;
};
static_assert(sizeof(Header) == 64, "the header is 64 bytes");

inline uint64_t alignTo(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

/// FNV-1a, 64-bit: a cheap checksum that detects truncated or tampered code.
inline uint64_t fnv1a(const void *data, size_t size,
                      uint64_t hash = 0xcbf29ce484222325ULL) {
  const auto *bytes = static_cast<const unsigned char *>(data);
  for (size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

} // namespace xf::artifact

#endif // XF_RUNTIME_ARTIFACTFORMAT_H
