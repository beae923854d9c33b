// SPDX-License-Identifier: Apache-2.0
// export.ipfix.collectors: where flow records go, each an address literal
// and a port (names are not resolved, like `listen`).
#pragma once

#include <string>
#include <vector>

#include "config.hpp"
#include "yaml_read.hpp"

namespace pktlens::config::detail {

// A list of HOST:PORT (parse_listen's syntax, HOST required), each once;
// [] is no export. Fails with the position of the bad item.
std::vector<ListenAddress> read_collectors(const Source& src, const YAML::Node& node,
                                           const std::string& path, const std::string& expected);

}  // namespace pktlens::config::detail
