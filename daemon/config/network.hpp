// SPDX-License-Identifier: Apache-2.0
// The networks section: names, prefixes and actions, read and checked as a
// whole (duplicates across networks, the data plane's limits).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"
#include "parsed.hpp"
#include "yaml_read.hpp"

namespace pktlens::config::detail {

// "198.18.0.0/16", "fd00::/8", or a bare address (a /32 or /128). Host bits
// set are an error that names the network meant.
Parsed<Prefix> parse_prefix(std::string_view text);

// What a valid networks section looks like, for messages.
extern const std::string kExpectNetworks;

// The whole `networks:` value, in file order.
std::vector<Network> read_networks(const Source& src, const YAML::Node& node,
                                   const std::string& path);

}  // namespace pktlens::config::detail
