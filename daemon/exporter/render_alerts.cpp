// SPDX-License-Identifier: Apache-2.0
#include "exporter/render_alerts.hpp"

#include "config/config.hpp"
#include "exporter/family_builder.hpp"

namespace pktlens::exporter {

using detail::add_gauge;
using detail::Labels;
using detail::make_family;
using prometheus::MetricType;

std::vector<prometheus::MetricFamily> render_alerts(const std::vector<alerts::SeriesStatus>& s) {
  auto firing = make_family("pktlens_alert_firing",
                            "1 while the alert fires, 0 while it is pending (above its "
                            "threshold, waiting for its for: duration); see docs/alerting.md.",
                            MetricType::Gauge);
  auto value = make_family("pktlens_alert_value",
                           "The alert's signal at the last evaluation, for each pending or "
                           "firing label set (rates per second).",
                           MetricType::Gauge);
  for (const auto& a : s) {
    Labels labels{{"alert", a.alert}, {"severity", std::string(config::to_string(a.severity))}};
    for (const auto& [k, v] : a.labels) labels.push_back({k, v});
    add_gauge(firing, labels, a.firing ? 1 : 0);
    add_gauge(value, std::move(labels), a.value);
  }
  return detail::families({&firing, &value});
}

}  // namespace pktlens::exporter
