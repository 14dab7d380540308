//===- Json.cpp - A small JSON reader for manifests -----------------------===//

#include "runtime/Json.h"

#include <cmath>
#include <cstdlib>

using namespace xf::json;

const Value *Value::get(const std::string &key) const {
  if (kind != Kind::Object)
    return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &it->second;
}

std::optional<std::string> Value::getString(const std::string &key) const {
  const Value *v = get(key);
  if (!v || v->kind != Kind::String)
    return std::nullopt;
  return v->string;
}

std::optional<int64_t> Value::getInt(const std::string &key) const {
  const Value *v = get(key);
  if (!v || v->kind != Kind::Number || std::floor(v->number) != v->number)
    return std::nullopt;
  return static_cast<int64_t>(v->number);
}

const std::vector<Value> *Value::getArray(const std::string &key) const {
  const Value *v = get(key);
  return v && v->kind == Kind::Array ? &v->array : nullptr;
}

namespace {
class Parser {
public:
  explicit Parser(const std::string &text) : text(text) {}

  bool parseValue(Value &value, int depth = 0) {
    if (depth > 64)
      return fail("nesting too deep");
    skipSpace();
    if (pos >= text.size())
      return fail("unexpected end");
    char c = text[pos];
    if (c == '{')
      return parseObject(value, depth);
    if (c == '[')
      return parseArray(value, depth);
    if (c == '"') {
      value.kind = Value::Kind::String;
      return parseString(value.string);
    }
    if (consume("true")) {
      value.kind = Value::Kind::Bool;
      value.boolean = true;
      return true;
    }
    if (consume("false")) {
      value.kind = Value::Kind::Bool;
      return true;
    }
    if (consume("null"))
      return true;
    return parseNumber(value);
  }

  bool atEnd() {
    skipSpace();
    return pos == text.size();
  }
  std::string error;

private:
  bool fail(const std::string &message) {
    if (error.empty())
      error = message + " at offset " + std::to_string(pos);
    return false;
  }
  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n' ||
                                 text[pos] == '\t' || text[pos] == '\r'))
      ++pos;
  }
  bool consume(const char *word) {
    size_t n = std::char_traits<char>::length(word);
    if (text.compare(pos, n, word) != 0)
      return false;
    pos += n;
    return true;
  }
  bool parseNumber(Value &value) {
    const char *begin = text.c_str() + pos;
    char *end = nullptr;
    double number = std::strtod(begin, &end);
    if (end == begin)
      return fail("invalid value");
    pos += end - begin;
    value.kind = Value::Kind::Number;
    value.number = number;
    return true;
  }
  bool parseString(std::string &out) {
    ++pos; // '"'
    while (pos < text.size() && text[pos] != '"') {
      char c = text[pos++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos >= text.size())
        break;
      char e = text[pos++];
      switch (e) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'u': {
        if (pos + 4 > text.size())
          return fail("bad escape");
        unsigned code = std::strtoul(text.substr(pos, 4).c_str(), nullptr, 16);
        pos += 4;
        // Manifests hold ASCII names; keep other code points as UTF-8.
        if (code < 0x80) {
          out.push_back(static_cast<char>(code));
        } else if (code < 0x800) {
          out.push_back(static_cast<char>(0xC0 | (code >> 6)));
          out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        } else {
          out.push_back(static_cast<char>(0xE0 | (code >> 12)));
          out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
        }
        break;
      }
      default: out.push_back(e); break;
      }
    }
    if (pos >= text.size())
      return fail("unterminated string");
    ++pos;
    return true;
  }
  bool parseArray(Value &value, int depth) {
    value.kind = Value::Kind::Array;
    ++pos;
    skipSpace();
    if (pos < text.size() && text[pos] == ']') {
      ++pos;
      return true;
    }
    while (true) {
      value.array.emplace_back();
      if (!parseValue(value.array.back(), depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == ']') {
        ++pos;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }
  bool parseObject(Value &value, int depth) {
    value.kind = Value::Kind::Object;
    ++pos;
    skipSpace();
    if (pos < text.size() && text[pos] == '}') {
      ++pos;
      return true;
    }
    while (true) {
      skipSpace();
      if (pos >= text.size() || text[pos] != '"')
        return fail("expected a key");
      std::string key;
      if (!parseString(key))
        return false;
      skipSpace();
      if (pos >= text.size() || text[pos] != ':')
        return fail("expected ':'");
      ++pos;
      if (!parseValue(value.object[key], depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == '}') {
        ++pos;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  const std::string &text;
  size_t pos = 0;
};
} // namespace

std::optional<Value> xf::json::parse(const std::string &text,
                                     std::string &error) {
  Parser parser(text);
  Value value;
  if (!parser.parseValue(value) || !parser.atEnd()) {
    error = parser.error.empty() ? "trailing characters" : parser.error;
    return std::nullopt;
  }
  return value;
}
