// SPDX-License-Identifier: Apache-2.0
// The one YAML document of a config text, as a yaml-cpp node tree.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string_view>

#include "yaml_read.hpp"

namespace pktlens::config::detail {

// The document, or nothing when the text has none (empty, or comments
// only). Throws ConfigError at yaml-cpp's position for a syntax error, and
// at the "---" of a second document: a file is one document, and silently
// ignoring a second would hide half of a concatenated config.
std::optional<YAML::Node> single_document(const Source& src, std::string_view text);

}  // namespace pktlens::config::detail
