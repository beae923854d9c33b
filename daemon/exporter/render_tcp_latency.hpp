// SPDX-License-Identifier: Apache-2.0
// Families of the TCP latency measured at TC (Snapshot::tcp_latency,
// bpf/lib/tcp_latency.h) and the resets counted there. Pure, like
// render.hpp: same input, same families in the same order.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "collector/snapshot.hpp"

namespace pktlens::exporter {

// When handshakes are measured (s.handshake_measured(): the switch is on and
// the TC hooks are attached):
//   pktlens_tcp_handshake_seconds histogram {interface,role}
//   pktlens_tcp_handshake_timeouts_total {interface,role}
//   pktlens_tcp_syn_retransmits_total {interface}
// When RTT is measured (s.rtt_measured()):
//   pktlens_tcp_rtt_seconds histogram {interface}
//   pktlens_tcp_rtt_unsampled_packets_total {interface}
// Always, from the interface counters (tcp_flags[rst] of s.ifaces):
//   pktlens_tcp_resets_total {interface,dir}
// Slots are named as in render_interfaces (collector/labels.hpp): their
// name, or "unregistered" for slot 0 when it has anything to show; other
// unnamed slots are skipped. role is client|server; zeros included for
// every named slot. A family whose switch is off is declared without a
// series.
std::vector<prometheus::MetricFamily> render_tcp_latency(const collector::Snapshot& s);

}  // namespace pktlens::exporter
