//===- ManifestSchema.h - What an artifact's manifest must hold -*- C++ -*-===//
//
// The schema of the manifest (docs/artifact.md), checked at load before
// anything in it is used: a missing, renamed or mistyped key is an error
// naming it, never a default that makes the code misread its arguments.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_MANIFESTSCHEMA_H
#define XF_RUNTIME_MANIFESTSCHEMA_H

#include "runtime/Json.h"

#include <string>

namespace xf::runtime {

/// Checks `manifest` against the schema of format version `formatVersion`
/// (the header's); on failure returns false and says what is wrong.
bool validateManifest(const json::Value &manifest, uint32_t formatVersion,
                      std::string &error);

} // namespace xf::runtime

#endif // XF_RUNTIME_MANIFESTSCHEMA_H
