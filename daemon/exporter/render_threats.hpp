// SPDX-License-Identifier: Apache-2.0
// Families of the threat signals (Snapshot::threats, bpf/lib/threats.h).
// Pure, like render.hpp: same input, same families in the same order.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "collector/snapshot.hpp"

namespace pktlens::exporter {

// When SYN counting is on (t.syn_on), for each destination of t.top_syn
// (the top-K by SYNs in the interval, in that order):
//   pktlens_tcp_syn_received_total{dst,dport} counter
// and, when completed handshakes are counted (t.handshakes_on):
//   pktlens_tcp_handshakes_completed_total{dst,dport} counter
//   pktlens_syn_half_open{dst,dport} gauge: SYNs minus completed
//     handshakes in the last interval, floor 0 (the interval's view; the
//     alert rules rate() the two counters instead, alerts/promql.hpp)
// When ICMP echo counting is on, for each address of t.top_icmp_echo:
//   pktlens_icmp_echo_requests_total{dst} counter
// When UDP port counting is on, for each port of t.top_udp_ports:
//   pktlens_udp_dport_packets_total{dport} counter
// When port-scan counting is on:
//   pktlens_scan_ports{src} gauge for each source of t.top_scan
//   pktlens_scan_suspects gauge: t.scan_suspects (also when 0)
// dst and src are inet_ntop text, dport decimal. Every family is returned,
// also without a series: a switched-off signal's family is declared empty.
std::vector<prometheus::MetricFamily> render_threats(const collector::ThreatSignals& t);

}  // namespace pktlens::exporter
