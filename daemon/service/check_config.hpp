// SPDX-License-Identifier: Apache-2.0
// `pktlensd check-config FILE`: validate a config and print the effective
// one (every key, defaults filled in), so a change can be checked before a
// reload and CI can check every shipped config. It refuses what the start
// refuses: the web config named by web_config_file is read and its
// certificates and keys loaded, and `listen` must be an address of this
// host. Both report FILE:LINE:COL and exit non-zero.
#pragma once

#include <iosfwd>
#include <string>

#include "config/config.hpp"

namespace pktlens::service {

// Returns the process exit code: 0 valid, 1 invalid (message on `err`).
int check_config(const std::string& path, std::ostream& out, std::ostream& err);

// `listen` of `c`, read from `file`, can be bound on this host (its port
// aside, which the running pktlensd may hold); else a config::ConfigError
// at the key's position. check-config and the start both call it, so
// they refuse with the same message.
void check_listen_on_host(const config::Config& c, const std::string& file);

}  // namespace pktlens::service
