// SPDX-License-Identifier: Apache-2.0
// flows.key: the list of fields flows are keyed by.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config.hpp"
#include "yaml_read.hpp"

namespace pktlens::config::detail {

extern const char* const kExpectFlowKey;

// Each item a field name (names.hpp, kFlowKeyFields), none twice, and
// service_port not with sport or dport.
std::vector<FlowKeyField> read_flow_key(const Source& src, const YAML::Node& node,
                                        const std::string& path, const std::string& expected);

}  // namespace pktlens::config::detail
