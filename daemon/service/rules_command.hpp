// SPDX-License-Identifier: Apache-2.0
// `pktlensd rules`: prints the Prometheus rules file of a configuration.
#pragma once

#include <iosfwd>
#include <string>

#include "config/config.hpp"

namespace pktlens::service {

// rate_window: a config duration ("1m"), the rate() window of counter
// signals. Returns the exit status; a bad window is reported on `err`.
int print_rules(const config::Config& cfg, const std::string& rate_window, std::ostream& out,
                std::ostream& err);

}  // namespace pktlens::service
