// SPDX-License-Identifier: Apache-2.0
// A key whose value is one of a fixed set of names (names.hpp): the
// "expected" text lists them, and reading one gives its enum value.
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "quote.hpp"
#include "yaml_read.hpp"

namespace pktlens::config::detail {

template <typename Enum, std::size_t N>
using EnumNames = std::array<std::pair<Enum, std::string_view>, N>;

// "tc or xdp", "critical, warning or info".
template <typename Enum, std::size_t N>
std::string enum_expected(const EnumNames<Enum, N>& names) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    out += i == 0 ? "" : (i + 1 == N ? " or " : ", ");
    out += names[i].second;
  }
  return out;
}

// The value `node` names; else "PATH: unknown WHAT 'x' (expected ...)".
template <typename Enum, std::size_t N>
Enum read_enum(const Source& src, const YAML::Node& node, const std::string& path,
               std::string_view what, const std::string& expected,
               const EnumNames<Enum, N>& names) {
  const std::string s = read_string(src, node, path, expected);
  for (const auto& [value, name] : names) {
    if (s == name) return value;
  }
  src.fail(node.Mark(), path, "unknown " + std::string(what) + " " + quote(s), expected);
}

}  // namespace pktlens::config::detail
