// SPDX-License-Identifier: Apache-2.0
// Families of the kernel events (Snapshot::tcp_events, bpf/tcp_events.bpf.c).
// Pure, like render.hpp: same input, same families in the same order.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "collector/snapshot.hpp"

namespace pktlens::exporter {

// Of s.tcp_events:
//   pktlens_drops_total{reason}: reasons with a non-zero count, labelled as
//     read (collector/drop_reasons.hpp), in reason order; when drops are on.
//   pktlens_tcp_retransmits_total{interface}: segments + SYN-ACKs, per
//     device name (collector::interface_of_retransmits: the name pktlens
//     attached it under, else the name read with the counters, else
//     "unknown"; counts of the same name are added). Every name of
//     s.interfaces.by_ifindex and "unknown" are present, zeros included;
//     when retransmits are on.
//   pktlens_tcp_srtt_seconds histogram (no labels): when srtt is on.
// The per-flow retransmits are rendered with the flows (render_flows). A
// family whose signal is off is declared without a series.
std::vector<prometheus::MetricFamily> render_tcp_events(const collector::Snapshot& s);

}  // namespace pktlens::exporter
