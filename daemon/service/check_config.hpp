// SPDX-License-Identifier: Apache-2.0
// `pktlensd check-config FILE`: validate a config and print the effective
// one (every key, defaults filled in), so a change can be checked before a
// reload and CI can check every shipped config. The web config named by
// web_config_file is read and checked as well.
#pragma once

#include <iosfwd>
#include <string>

namespace pktlens::service {

// Returns the process exit code: 0 valid, 1 invalid (message on `err`).
int check_config(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace pktlens::service
