// SPDX-License-Identifier: Apache-2.0
// The shipped alerts are written in one place, config/pktlens.yaml, with
// the reason for each threshold beside it (and docs/alerting.md). Config{}
// takes them from the copy of that file compiled into pktlensd, so the
// built-in default and the shipped file cannot differ.
#include "alerts_schema.hpp"
#include "config.hpp"
#include "yaml_document.hpp"

namespace pktlens::config {

std::vector<AlertRule> default_alert_rules() {
  // Read once, and only the alerts: list: loading the whole file would
  // construct a Config, whose alerts are these. The unit tests and
  // check-config of the shipped file prove that it loads.
  static const std::vector<AlertRule> rules = [] {
    const detail::Source src{"<embedded>"};
    const std::optional<YAML::Node> document = detail::single_document(src, default_config_yaml());
    if (!document) return std::vector<AlertRule>{};
    const YAML::Node& root = *document;
    const YAML::Node alerts = root["alerts"];
    return alerts ? detail::read_alerts(src, alerts, "alerts") : std::vector<AlertRule>{};
  }();
  return rules;
}

}  // namespace pktlens::config
