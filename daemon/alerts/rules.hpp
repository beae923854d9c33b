// SPDX-License-Identifier: Apache-2.0
// `pktlensd rules`: the config's alerts as a Prometheus rules file, one
// group of alerting rules over pktlens's own metrics with the same signal,
// `by`, `match`, threshold, `for`, `clear_after` (keep_firing_for),
// severity label and summary (docs/alerting.md, "Prometheus rules"); and a
// second group, the same for every configuration, on pktlens's own health.
#pragma once

#include <string>
#include <vector>

#include "alerts/promql.hpp"
#include "config/config.hpp"

namespace pktlens::alerts {

// The groups' names.
inline constexpr const char* kRuleGroup = "pktlens";
inline constexpr const char* kHealthGroup = "pktlens-health";
// The health rule: an interface pktlensd should monitor and does not.
inline constexpr const char* kNotMonitoredAlert = "PktlensInterfaceNotMonitored";

// The alert's expression: signal_promql(...) > above.
std::string alert_expr(const config::AlertRule& rule, const PromqlOptions& options);

// The whole file, YAML, ending in a newline. Deterministic: the same
// alerts and options give the same bytes.
std::string prometheus_rules(const std::vector<config::AlertRule>& rules,
                             const PromqlOptions& options);

}  // namespace pktlens::alerts
