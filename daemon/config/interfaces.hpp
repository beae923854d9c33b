// SPDX-License-Identifier: Apache-2.0
// The `interfaces` key: `all`, a list of interface names, each valid
// (ifname.hpp) and listed once, or a mapping {include: [globs], exclude:
// [globs]} of fnmatch(3) patterns, each well-formed and listed once.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "config.hpp"
#include "yaml_read.hpp"

namespace pktlens::config::detail {

// What a valid `interfaces` value looks like, for messages.
extern const char* const kExpectInterfaces;

InterfaceSelection read_interfaces(const Source& src, const YAML::Node& node,
                                   const std::string& path);

}  // namespace pktlens::config::detail
