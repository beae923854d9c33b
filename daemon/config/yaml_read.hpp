// SPDX-License-Identifier: Apache-2.0
// Typed reads from yaml-cpp nodes. Every failure throws a ConfigError at the
// offending node's position, worded "PATH: what is wrong (expected ...)".
// The schema itself (which keys, which ranges) lives in keys.cpp.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace pktlens::config::detail {

// The file being read, for the FILE part of messages.
class Source {
 public:
  explicit Source(std::string name) : name_(std::move(name)) {}

  // At `mark` (yaml-cpp's 0-based line/column; a null mark gives no position).
  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) const;
  // "PATH: problem (expected ...)" at `mark`.
  [[noreturn]] void fail(const YAML::Mark& mark, std::string_view path, std::string_view problem,
                         std::string_view expected) const;

 private:
  std::string name_;
};

// "2:1": 1-based line:column of a mark, as messages cite an earlier position.
std::string position(const YAML::Mark& mark);

// What a node is, for "got ..." messages: "null", "a list", "a mapping",
// "the quoted string '5'", or the plain scalar "'abc'".
std::string describe(const YAML::Node& node);

// One key a mapping may hold, with what a valid value looks like (used in
// every message about it) and what to do with the value.
struct Field {
  std::string_view key;
  std::string expected;
  std::function<void(const YAML::Node& value, const std::string& path)> read;
};

// "a mapping with the keys a, b, c".
std::string mapping_expected(std::span<const Field> fields);

// Walks `map` in document order: each key must be a scalar, one of `fields`
// (else "unknown key", with a suggestion), not seen before in this mapping
// (yaml-cpp would silently keep one of the two), and its value not null.
// Then the field's read() gets the value. `path` is the mapping's dotted
// name ("" for the document, "flows" for a section). `homes` names the
// sections that do hold a key this mapping lacks, for the message about a
// key written one level too high ("top_k" -> "flows").
void read_mapping(const Source& src, const YAML::Node& map, const std::string& path,
                  std::span<const Field> fields,
                  const std::map<std::string, std::string, std::less<>>& homes = {});

// Scalar readers. `path` names the key in messages.
std::string read_string(const Source& src, const YAML::Node& node, std::string_view path,
                        std::string_view expected);
// true or false (also True/TRUE/False/FALSE), unquoted or tagged !!bool. YAML 1.1's
// yes/no/on/off are refused: they are what makes `off` mean false.
bool read_bool(const Source& src, const YAML::Node& node, std::string_view path,
               std::string_view expected);
// A decimal integer in [min, max], unquoted or tagged !!int; no leading zeros, signs other
// than '-', separators, hex or exponents.
std::int64_t read_integer(const Source& src, const YAML::Node& node, std::string_view path,
                          std::string_view expected, std::int64_t min, std::int64_t max);
// A duration (duration.hpp) in [min, max].
std::chrono::milliseconds read_duration(const Source& src, const YAML::Node& node,
                                        std::string_view path, std::string_view expected,
                                        std::chrono::milliseconds min,
                                        std::chrono::milliseconds max);

}  // namespace pktlens::config::detail
