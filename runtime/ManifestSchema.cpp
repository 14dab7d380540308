//===- ManifestSchema.cpp - What an artifact's manifest must hold ---------===//

#include "runtime/ManifestSchema.h"
#include "runtime/Runtime.h"

#include <cmath>
#include <functional>
#include <limits>
#include <set>

using namespace xf;
using namespace xf::runtime;
using json::Value;

namespace {
/// Walks a manifest, keeping the path to the value checked for messages.
class Checker {
public:
  explicit Checker(std::string &error) : error(error) {}

  bool fail(const std::string &path, const std::string &what) {
    error = "invalid manifest: " + path + " " + what;
    return false;
  }

  bool isInt(const Value &v) {
    return v.kind == Value::Kind::Number && std::floor(v.number) == v.number &&
           std::fabs(v.number) < 9.007199254740992e15;
  }

  bool integer(const Value &v, const std::string &path, int64_t lo) {
    if (!isInt(v) || static_cast<int64_t>(v.number) < lo)
      return fail(path, "must be an integer of at least " + std::to_string(lo));
    return true;
  }

  bool string(const Value &v, const std::string &path) {
    return v.kind == Value::Kind::String || fail(path, "must be a string");
  }

  /// An object with exactly the `required` keys and some of the `optional`
  /// ones; `check` is called on each member present.
  bool object(const Value &v, const std::string &path,
              const std::set<std::string> &required,
              const std::set<std::string> &optional,
              const std::function<bool(const std::string &, const Value &,
                                       const std::string &)> &check) {
    if (v.kind != Value::Kind::Object)
      return fail(path, "must be an object");
    for (const std::string &key : required)
      if (!v.object.count(key))
        return fail(path, "lacks the key '" + key + "'");
    for (const auto &[key, member] : v.object) {
      if (!required.count(key) && !optional.count(key))
        return fail(path, "has an unknown key '" + key + "'");
      if (!check(key, member, path + "." + key))
        return false;
    }
    return true;
  }

  bool tensor(const Value &v, const std::string &path) {
    size_t rank = 0;
    bool ok = object(
        v, path, {"name", "dtype", "shape", "dim_names"}, {"value_range"},
        [&](const std::string &key, const Value &member,
            const std::string &at) {
          if (key == "name")
            return string(member, at) &&
                   (!member.string.empty() || fail(at, "must not be empty"));
          if (key == "dtype")
            return string(member, at) &&
                   (parseDType(member.string) ||
                    fail(at, "is an unknown dtype '" + member.string + "'"));
          if (key == "shape" || key == "dim_names") {
            if (member.kind != Value::Kind::Array || member.array.size() > 32)
              return fail(at, "must be an array of at most 32 entries");
            if (key == "shape")
              rank = member.array.size();
            for (size_t i = 0; i < member.array.size(); ++i) {
              std::string entry = at + "[" + std::to_string(i) + "]";
              if (key == "shape" ? !integer(member.array[i], entry, -1)
                                 : !string(member.array[i], entry))
                return false;
            }
            return true;
          }
          // value_range: [lo, hi) of an index input (empty for a table
          // without rows).
          if (member.kind != Value::Kind::Array || member.array.size() != 2 ||
              !isInt(member.array[0]) || !isInt(member.array[1]) ||
              member.array[0].number > member.array[1].number)
            return fail(at, "must be [lo, hi] with integers lo <= hi");
          return true;
        });
    if (ok && v.get("dim_names")->array.size() != rank)
      return fail(path + ".dim_names", "must have one entry per dimension");
    return ok;
  }

  bool tensors(const Value &v, const std::string &path) {
    if (v.kind != Value::Kind::Array)
      return fail(path, "must be an array");
    for (size_t i = 0; i < v.array.size(); ++i)
      if (!tensor(v.array[i], path + "[" + std::to_string(i) + "]"))
        return false;
    return true;
  }

private:
  std::string &error;
};
} // namespace

bool xf::runtime::validateManifest(const Value &manifest,
                                   uint32_t formatVersion, std::string &error) {
  Checker check(error);
  return check.object(
      manifest, "manifest",
      {"format", "format_version", "abi_version", "producer", "source",
       "entry", "weights_argument", "inputs", "outputs", "dim_bounds",
       "target", "required_cpu_features", "options", "manifest_checksum",
       "code_checksum", "weights_checksum", "weights_size", "weights_count"},
      {"dim_bound_origins", "checks"},
      [&](const std::string &key, const Value &v, const std::string &path) {
        if (key == "format")
          return (v.kind == Value::Kind::String && v.string == "xfm") ||
                 check.fail(path, "must be \"xfm\"");
        if (key == "format_version")
          return (check.isInt(v) && v.number == formatVersion) ||
                 check.fail(path, "must be " + std::to_string(formatVersion) +
                                      ", the header's version");
        if (key == "producer" || key == "source" || key == "entry")
          return check.string(v, path);
        if (key == "abi_version")
          return check.integer(v, path, 1);
        if (key == "manifest_checksum" || key == "code_checksum" ||
            key == "weights_checksum")
          return (v.kind == Value::Kind::String && v.string.size() == 16 &&
                  v.string.find_first_not_of("0123456789abcdef") ==
                      std::string::npos) ||
                 check.fail(path, "must be 16 lowercase hexadecimal digits");
        if (key == "weights_argument")
          return v.kind == Value::Kind::Bool ||
                 check.fail(path, "must be true or false");
        if (key == "inputs" || key == "outputs")
          return check.tensors(v, path);
        if (key == "weights_size" || key == "weights_count")
          return check.integer(v, path, 0);
        if (key == "dim_bounds" || key == "dim_bound_origins") {
          // Dimension name -> bound, or the node that implies it.
          if (v.kind != Value::Kind::Object)
            return check.fail(path, "must be an object");
          for (const auto &[name, member] : v.object)
            if (key == "dim_bounds" ? !check.integer(member, path + "." + name, 0)
                                    : !check.string(member, path + "." + name))
              return false;
          return true;
        }
        if (key == "target")
          return check.object(
              v, path, {"triple", "cpu"}, {},
              [&](const std::string &, const Value &member,
                  const std::string &at) { return check.string(member, at); });
        if (key == "required_cpu_features" || key == "checks") {
          if (v.kind != Value::Kind::Array)
            return check.fail(path, "must be an array");
          for (size_t i = 0; i < v.array.size(); ++i)
            if (!check.string(v.array[i], path + "[" + std::to_string(i) + "]"))
              return false;
          return true;
        }
        // options: what xfc was run with, for people; not read.
        return v.kind == Value::Kind::Object ||
               check.fail(path, "must be an object");
      });
}
