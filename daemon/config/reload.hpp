// SPDX-License-Identifier: Apache-2.0
// What a reload (SIGHUP) can change in a running pktlensd. interval,
// log_level and alerts apply at once; every other section sizes the BPF
// maps, selects programs or binds the endpoint, so a change to it takes
// effect only after a restart and the running values stay.
#pragma once

#include <string>
#include <vector>

#include "config.hpp"

namespace pktlens::config {

// The top-level keys whose values differ between the running config and
// `next` and need a restart to take effect ("interfaces", "flows", ...),
// always in the same order; empty when a reload can apply everything that
// changed.
std::vector<std::string> sections_needing_restart(const Config& running, const Config& next);

}  // namespace pktlens::config
