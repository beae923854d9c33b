// SPDX-License-Identifier: Apache-2.0
#include "yaml_read.hpp"

#include <limits>
#include <map>
#include <optional>
#include <vector>

#include "config.hpp"
#include "duration.hpp"
#include "quote.hpp"
#include "suggest.hpp"

namespace pktlens::config::detail {
namespace {

std::string join(std::span<const Field> fields) {
  std::string out;
  for (const Field& f : fields) {
    if (!out.empty()) out += ", ";
    out += f.key;
  }
  return out;
}

std::string child_path(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
}

// yaml-cpp tags a plain scalar "?" and a quoted one "!"; an explicit tag
// (`!!int 5`) comes as its full name.
bool is_plain_or(const YAML::Node& node, std::string_view tag) {
  return node.IsScalar() && (node.Tag() == "?" || node.Tag() == tag);
}

// Parses -?(0|[1-9][0-9]*) without overflow; nullopt for anything else.
// Values beyond int64 saturate, so range checks still reject them.
std::optional<std::int64_t> parse_decimal(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty() || (text.size() > 1 && text.front() == '0')) return std::nullopt;
  std::int64_t value = 0;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const int d = c - '0';
    value = value > (kMax - d) / 10 ? kMax : value * 10 + d;
  }
  return negative ? -value : value;
}

}  // namespace

void Source::fail(const YAML::Mark& mark, const std::string& message) const {
  if (mark.is_null()) throw ConfigError(name_, 0, 0, message);
  throw ConfigError(name_, mark.line + 1, mark.column + 1, message);
}

void Source::fail(const YAML::Mark& mark, std::string_view path, std::string_view problem,
                  std::string_view expected) const {
  std::string message(path);
  message += ": ";
  message += problem;
  message += " (expected ";
  message += expected;
  message += ")";
  fail(mark, message);
}

std::string position(const YAML::Mark& mark) {
  return std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "null";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      break;
  }
  if (node.Tag() == "!") return "the quoted string " + quote(node.Scalar());
  if (node.Tag() != "?") return quote(node.Scalar()) + " tagged " + node.Tag();
  return quote(node.Scalar());
}

std::string mapping_expected(std::span<const Field> fields) {
  return "a mapping with the keys " + join(fields);
}

void read_mapping(const Source& src, const YAML::Node& map, const std::string& path,
                  std::span<const Field> fields,
                  const std::map<std::string, std::string, std::less<>>& homes) {
  const std::string where = path.empty() ? "" : " in " + path;
  const std::string allowed = "one of: " + join(fields);
  std::vector<std::string_view> names;
  for (const Field& f : fields) names.push_back(f.key);

  std::map<std::string, YAML::Mark> seen;
  // Range-for keeps each pair alive; `it->first` would be a member of a
  // temporary proxy that dies at the end of the statement.
  for (const auto& pair : map) {
    const YAML::Node& key = pair.first;
    const YAML::Node& value = pair.second;
    if (!key.IsScalar()) {
      src.fail(key.Mark(), "a key is " + describe(key) + where + " (expected " + allowed + ")");
    }
    const std::string& name = key.Scalar();
    const Field* field = nullptr;
    for (const Field& f : fields) {
      if (f.key == name) field = &f;
    }
    if (field == nullptr) {
      std::string message = "unknown key " + quote(name) + where;
      if (auto home = homes.find(name); home != homes.end()) {
        message += ", it belongs under " + home->second;
      } else if (auto near = closest(name, names)) {
        message += ", did you mean " + quote(*near) + "?";
      }
      src.fail(key.Mark(), message + " (expected " + allowed + ")");
    }
    if (auto [first, inserted] = seen.emplace(name, key.Mark()); !inserted) {
      src.fail(key.Mark(), "duplicate key " + quote(name) + where + ", first given at " +
                               position(first->second) + " (expected each key once)");
    }
    const std::string key_path = child_path(path, name);
    // An implicit null ("key:" and nothing) has the position of whatever
    // follows it, often the next line: the key is where the user looks.
    if (value.IsNull()) src.fail(key.Mark(), key_path, "got null", field->expected);
    field->read(value, key_path);
  }
}

std::string read_string(const Source& src, const YAML::Node& node, std::string_view path,
                        std::string_view expected) {
  if (!node.IsScalar()) src.fail(node.Mark(), path, "got " + describe(node), expected);
  return node.Scalar();
}

bool read_bool(const Source& src, const YAML::Node& node, std::string_view path,
               std::string_view expected) {
  if (!is_plain_or(node, "tag:yaml.org,2002:bool")) {
    src.fail(node.Mark(), path, "got " + describe(node), expected);
  }
  const std::string& s = node.Scalar();
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  src.fail(node.Mark(), path, quote(s) + " is not a boolean", expected);
}

std::int64_t read_integer(const Source& src, const YAML::Node& node, std::string_view path,
                          std::string_view expected, std::int64_t min, std::int64_t max) {
  if (!is_plain_or(node, "tag:yaml.org,2002:int")) {
    src.fail(node.Mark(), path, "got " + describe(node), expected);
  }
  const std::string& s = node.Scalar();
  const auto value = parse_decimal(s);
  if (!value) src.fail(node.Mark(), path, quote(s) + " is not an integer", expected);
  if (*value < min || *value > max) {
    src.fail(node.Mark(), path, quote(s) + " is out of range", expected);
  }
  return *value;
}

std::chrono::milliseconds read_duration(const Source& src, const YAML::Node& node,
                                        std::string_view path, std::string_view expected,
                                        std::chrono::milliseconds min,
                                        std::chrono::milliseconds max) {
  const std::string s = read_string(src, node, path, expected);
  const auto parsed = parse_duration(s);
  if (!parsed.value) src.fail(node.Mark(), path, parsed.error, expected);
  if (*parsed.value < min || *parsed.value > max) {
    src.fail(node.Mark(), path, quote(s) + " is out of range", expected);
  }
  return *parsed.value;
}

}  // namespace pktlens::config::detail
