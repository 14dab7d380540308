//===- FuzzArtifactLoader.cpp - libFuzzer target: loading artifacts -------===//
//
// Loads every input as an artifact through the runtime's Model::load. The
// first byte picks what the rest is:
//   even: the bytes of a whole artifact (header, offsets, sections);
//   odd:  a manifest, which the target wraps in a well-formed artifact with
//         empty code and weights after writing the checksums it names, so
//         that mutations reach the schema and the signature's parsing
//         instead of stopping at a checksum.
// Each load must succeed or fail with a message; a crash, a sanitizer
// report or an uncaught exception is a bug.
//
//===----------------------------------------------------------------------===//

#include "runtime/ArtifactFormat.h"
#include "runtime/Runtime.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

using namespace xf;

/// Writes the checksum of `section` over the 16 characters that follow
/// `"key": "` in `manifest`, when there are 16.
static void writeChecksum(std::string &manifest, const std::string &key,
                          const std::string &section) {
  std::string quoted = "\"" + key + "\": \"";
  size_t at = manifest.find(quoted);
  if (at == std::string::npos || at + quoted.size() + 16 > manifest.size())
    return;
  manifest.replace(at + quoted.size(), 16,
                   artifact::formatChecksum(artifact::hashSection(
                       section.data(), section.size())));
}

/// A well-formed artifact around `manifest`, its checksums written.
static std::string wrapManifest(std::string manifest) {
  const std::string code, weights;
  writeChecksum(manifest, "code_checksum", code);
  writeChecksum(manifest, "weights_checksum", weights);
  uint64_t checksum;
  if (artifact::hashManifest(manifest, checksum))
    manifest.replace(artifact::findManifestChecksum(manifest), 16,
                     artifact::formatChecksum(checksum));
  artifact::Header header = {};
  std::memcpy(header.magic, artifact::kMagic, sizeof(header.magic));
  header.version = artifact::kFormatVersion;
  header.manifestOffset = sizeof(header);
  header.manifestSize = manifest.size();
  header.codeOffset = header.weightsOffset =
      header.manifestOffset + header.manifestSize;
  std::string file(reinterpret_cast<const char *>(&header), sizeof(header));
  return file + manifest;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  std::string rest(reinterpret_cast<const char *>(data) + 1, size - 1);
  std::string file = (data[0] & 1) ? wrapManifest(rest) : rest;
  // Model::load reads a path; an anonymous file gives it one.
  int fd = memfd_create("fuzz.xfm", MFD_CLOEXEC);
  if (fd < 0)
    __builtin_trap();
  if (!file.empty() &&
      write(fd, file.data(), file.size()) != static_cast<ssize_t>(file.size()))
    __builtin_trap();
  std::string error;
  auto model = runtime::Model::load("/proc/self/fd/" + std::to_string(fd),
                                    error);
  if (!model && error.empty())
    __builtin_trap(); // A refusal must say why.
  close(fd);
  return 0;
}
