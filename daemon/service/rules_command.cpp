// SPDX-License-Identifier: Apache-2.0
#include "service/rules_command.hpp"

#include <ostream>

#include "alerts/rules.hpp"
#include "config/duration.hpp"

namespace pktlens::service {

int print_rules(const config::Config& cfg, const std::string& rate_window, std::ostream& out,
                std::ostream& err) {
  const auto window = config::detail::parse_duration(rate_window);
  if (!window.value || window.value->count() < 1000) {
    err << "--rate-window: "
        << (window.value ? "'" + rate_window + "' is shorter than 1s" : window.error)
        << " (expected a duration of at least 1s, e.g. 1m)\n";
    return 1;
  }
  out << alerts::prometheus_rules(cfg.alerts, {.rate_window = *window.value});
  return 0;
}

}  // namespace pktlens::service
