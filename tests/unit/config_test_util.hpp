// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the config unit tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace pktlens::config::test {

// The message a load gives, or "loaded" when there is none. Tests compare it
// with the exact expected text, so a failing CHECK shows both.
inline std::string error_of(std::string_view yaml, std::string_view name = "pktlens.yaml") {
  try {
    load_config_string(yaml, name);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "loaded";
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string source_path(std::string_view relative) {
  return std::string(PKTLENS_SOURCE_DIR) + "/" + std::string(relative);
}

}  // namespace pktlens::config::test
