//===- Json.h - A small JSON reader for manifests ---------------*- C++ -*-===//
//
// The runtime has no LLVM dependency; this reads the JSON subset xfc writes
// (objects, arrays, strings, numbers, booleans, null).
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_JSON_H
#define XF_RUNTIME_JSON_H

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace xf::json {

class Value {
public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Value> array;
  std::map<std::string, Value> object;

  /// The member `key` of an object, or null.
  const Value *get(const std::string &key) const;
  std::optional<std::string> getString(const std::string &key) const;
  std::optional<int64_t> getInt(const std::string &key) const;
  const std::vector<Value> *getArray(const std::string &key) const;
};

/// Parses `text`; on failure returns std::nullopt and sets `error`.
std::optional<Value> parse(const std::string &text, std::string &error);

} // namespace xf::json

#endif // XF_RUNTIME_JSON_H
