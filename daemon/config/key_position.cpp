// SPDX-License-Identifier: Apache-2.0
#include "key_position.hpp"

#include <yaml-cpp/yaml.h>

#include "read_file.hpp"
#include "web_config.hpp"

namespace pktlens::config {

Position key_position(const std::string& path, std::string_view key) {
  try {
    const YAML::Node doc = YAML::Load(detail::read_file(path));
    const YAML::Node value = doc.IsMap() ? doc[std::string(key)] : YAML::Node();
    if (!value) return {};
    return {value.Mark().line + 1, value.Mark().column + 1};
  } catch (const std::exception&) {
    return {};  // the file was read before; a position is all that is lost
  }
}

void fail_at_key(const std::string& path, std::string_view key, const std::string& problem,
                 const std::string& expected) {
  const Position at = key_position(path, key);
  throw ConfigError(path, at.line, at.column,
                    std::string(key) + ": " + problem + " (expected " + expected + ")");
}

}  // namespace pktlens::config
