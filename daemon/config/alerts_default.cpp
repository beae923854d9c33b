// SPDX-License-Identifier: Apache-2.0
// The alerts config/pktlens.yaml ships, as values: Config{} must equal the
// shipped file (tests/unit/test_config.cpp keeps them in step).
#include "config.hpp"

namespace pktlens::config {

std::vector<AlertRule> default_alert_rules() { return {}; }

}  // namespace pktlens::config
