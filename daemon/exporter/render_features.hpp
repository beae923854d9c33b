// SPDX-License-Identifier: Apache-2.0
// Which parts of pktlens collect data, as a metric: what tells a family
// that has no series because its feature is switched off from one that is
// quiet (docs/metrics.md, "Families without series"). Pure, like
// render.hpp.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "collector/snapshot.hpp"

namespace pktlens::exporter {

// pktlens_feature_enabled{feature} gauge, 1 or 0, one series per feature,
// always all of them, in this order (the switch each one reads):
//   flows                 s.flows_on (flows.enabled)
//   vlans                 s.vlans_on (vlans.enabled)
//   tcp_handshake         s.handshake_measured() (latency.handshake, attach: tc)
//   tcp_rtt               s.rtt_measured() (latency.rtt, attach: tc)
//   tcp_srtt              s.tcp_events.srtt_on (latency.srtt)
//   drops                 s.tcp_events.drops_on (loss.drops)
//   retransmits           s.tcp_events.retransmits_on (loss.retransmits)
//   syn_flood             s.threats.syn_on (threats.syn_flood.enabled)
//   syn_flood_handshakes  s.threats.handshakes_on (the above, attach: tc
//                         and latency.handshake)
//   icmp_echo             s.threats.icmp_echo_on (threats.icmp_echo.enabled)
//   udp_ports             s.threats.udp_ports_on (threats.udp_ports.enabled)
//   port_scan             s.threats.scan_on (threats.port_scan.enabled)
//   networks              !s.networks.empty() (networks: configured)
std::vector<prometheus::MetricFamily> render_features(const collector::Snapshot& s);

}  // namespace pktlens::exporter
