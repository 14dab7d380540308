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

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace xf::artifact {

inline constexpr char kMagic[8] = {'X', 'F', 'M', 'O', 'D', 'E', 'L', '\0'};
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr uint64_t kCodeAlignment = 64;
inline constexpr uint64_t kWeightsAlignment = 4096;
/// The name of the packed entry point in the shared object.
inline constexpr const char *kEntrySymbol = "xf_entry";
/// The function generated code calls when a run-time check fails: (check
/// site, two values for the site's message in the manifest's `checks`).
/// The runtime defines it.
inline constexpr const char *kCheckFailedSymbol = "xf_rt_check_failed";

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

/// The checksum of every section (manifest, code, weights): the bytes as
/// little-endian 64-bit words, mixed into four lanes in turn (four
/// multiplies in flight: several GB/s, so that the weights of a large model
/// verify in a fraction of their load time), then combined with the length.
/// It detects corrupted and tampered bytes; it is no signature (whoever
/// rewrites a section can rewrite its checksum).
class SectionHash {
public:
  void update(const void *data, size_t size) {
    const auto *bytes = static_cast<const unsigned char *>(data);
    length += size;
    while (size > 0) {
      if (pendingSize == 0 && size >= kBlock) {
        mixBlock(bytes);
        bytes += kBlock;
        size -= kBlock;
        continue;
      }
      size_t take = std::min(size, kBlock - pendingSize);
      std::memcpy(pending + pendingSize, bytes, take);
      pendingSize += take;
      bytes += take;
      size -= take;
      if (pendingSize == kBlock) {
        mixBlock(pending);
        pendingSize = 0;
      }
    }
  }

  /// `size` zero bytes (the padding between parts of a section).
  void zeros(size_t size) {
    static const unsigned char none[4096] = {};
    for (; size > sizeof(none); size -= sizeof(none))
      update(none, sizeof(none));
    update(none, size);
  }

  uint64_t finish() const {
    uint64_t lane[4] = {lanes[0], lanes[1], lanes[2], lanes[3]};
    // The last words, zero-padded, continue the rotation of the lanes.
    for (size_t i = 0; i * 8 < pendingSize; ++i) {
      uint64_t word = 0;
      std::memcpy(&word, pending + i * 8, std::min<size_t>(8, pendingSize - i * 8));
      lane[i] = round(lane[i], word);
    }
    uint64_t hash = rotl(lane[0], 1) + rotl(lane[1], 7) + rotl(lane[2], 12) +
                    rotl(lane[3], 18);
    hash ^= length;
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdULL;
    hash ^= hash >> 33;
    hash *= 0xc4ceb9fe1a85ec53ULL;
    return hash ^ (hash >> 33);
  }

private:
  static constexpr size_t kBlock = 32;
  static uint64_t rotl(uint64_t v, int bits) {
    return (v << bits) | (v >> (64 - bits));
  }
  static uint64_t round(uint64_t lane, uint64_t word) {
    lane += word * 0xc2b2ae3d27d4eb4fULL;
    return rotl(lane, 31) * 0x9e3779b185ebca87ULL;
  }
  void mixBlock(const unsigned char *block) {
    uint64_t words[4];
    std::memcpy(words, block, sizeof(words));
    for (int i = 0; i < 4; ++i)
      lanes[i] = round(lanes[i], words[i]);
  }

  uint64_t lanes[4] = {0x60ea27eeadc0b5d6ULL, 0xc2b2ae3d27d4eb4fULL,
                       0x0ULL, 0x61c8864e7a143579ULL};
  unsigned char pending[kBlock] = {};
  size_t pendingSize = 0;
  uint64_t length = 0;
};

/// The checksum of one contiguous section.
inline uint64_t hashSection(const void *data, size_t size) {
  SectionHash hash;
  hash.update(data, size);
  return hash.finish();
}

/// A checksum as the manifest writes it: 16 lowercase hexadecimal digits.
inline std::string formatChecksum(uint64_t checksum) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx",
                static_cast<unsigned long long>(checksum));
  return text;
}

/// Where the 16 digits of the manifest's top-level `manifest_checksum` are
/// in its text (as xfc writes it, two-space indented: nested keys of the
/// same name are indented further), or npos.
inline size_t findManifestChecksum(const std::string &text) {
  static const std::string key = "\n  \"manifest_checksum\": \"";
  size_t at = text.find(key);
  if (at == std::string::npos || at + key.size() + 16 > text.size())
    return std::string::npos;
  return at + key.size();
}

/// The manifest's own checksum covers its text with those 16 digits written
/// as zeros; returns false when the manifest has no such value.
inline bool hashManifest(std::string text, uint64_t &checksum) {
  size_t digits = findManifestChecksum(text);
  if (digits == std::string::npos)
    return false;
  text.replace(digits, 16, std::string(16, '0'));
  checksum = hashSection(text.data(), text.size());
  return true;
}

/// The version of the calling convention between generated code and the
/// runtime (xf_entry's arguments, memref descriptors, the weights argument).
inline constexpr int64_t kAbiVersion = 1;

} // namespace xf::artifact

#endif // XF_RUNTIME_ARTIFACTFORMAT_H
