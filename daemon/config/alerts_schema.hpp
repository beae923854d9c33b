// SPDX-License-Identifier: Apache-2.0
// The `alerts:` list: each entry's keys and the checks against the signal
// catalog (signals/catalog.hpp). Messages name an entry as alerts[N], N
// counted from 1 as in "item N" elsewhere.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config.hpp"
#include "yaml_read.hpp"

namespace pktlens::config::detail {

std::vector<AlertRule> read_alerts(const Source& src, const YAML::Node& node,
                                   const std::string& path);

// What a valid `alerts:` value looks like, for messages.
extern const char* const kExpectAlerts;

}  // namespace pktlens::config::detail
