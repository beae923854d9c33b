// SPDX-License-Identifier: Apache-2.0
// One gauge with a `feature` label rather than a family per feature: a
// dashboard joins it onto any family (`... and on() pktlens_feature_enabled
// {feature="drops"} == 1`), and a new feature is a new label value, not a
// new name. Every feature always has its series, 0 included, so that
// "switched off" is a value and never an absence.
#include "exporter/render_features.hpp"

#include <string>
#include <string_view>
#include <utility>

#include "exporter/family_builder.hpp"

namespace pktlens::exporter {

std::vector<prometheus::MetricFamily> render_features(const collector::Snapshot& s) {
  auto enabled = detail::make_family(
      "pktlens_feature_enabled",
      "1 when the feature collects data, 0 when it is switched off (its families are then "
      "declared without series); see docs/metrics.md.",
      prometheus::MetricType::Gauge);
  const std::pair<std::string_view, bool> features[] = {
      {"flows", s.flows_on},
      {"vlans", s.vlans_on},
      {"tcp_handshake", s.handshake_measured()},
      {"tcp_rtt", s.rtt_measured()},
      {"tcp_srtt", s.tcp_events.srtt_on},
      {"drops", s.tcp_events.drops_on},
      {"retransmits", s.tcp_events.retransmits_on},
      {"syn_flood", s.threats.syn_on},
      {"syn_flood_handshakes", s.threats.handshakes_on},
      {"icmp_echo", s.threats.icmp_echo_on},
      {"udp_ports", s.threats.udp_ports_on},
      {"port_scan", s.threats.scan_on},
      {"networks", !s.networks.empty()},
  };
  for (const auto& [name, on] : features)
    detail::add_gauge(enabled, {{"feature", std::string(name)}}, on ? 1 : 0);
  return detail::families({&enabled});
}

}  // namespace pktlens::exporter
