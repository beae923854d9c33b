// SPDX-License-Identifier: Apache-2.0
// Families of the kernel events (Snapshot::tcp_events, bpf/tcp_events.bpf.c).
// Pure, like render.hpp: same input, same families in the same order.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "collector/snapshot.hpp"

namespace pktlens::exporter {

// Interface label of retransmits whose device is not known.
inline constexpr const char* kUnknownInterface = "unknown";

//   pktlens_drops_total{reason}: reasons with a non-zero count, labelled as
//     read (collector/drop_reasons.hpp), in reason order; when drops are on.
//   pktlens_tcp_retransmits_total{interface}: segments + SYN-ACKs, per
//     device name: ifindex_names first (the name pktlens attached it
//     under), else the name read with the counters, else "unknown" (counts
//     of the same name are added). Every name of ifindex_names and
//     "unknown" are present, zeros included; when retransmits are on.
//   pktlens_tcp_srtt_seconds histogram (no labels): when srtt is on.
// The per-flow retransmits are rendered with the flows (render_flows).
std::vector<prometheus::MetricFamily> render_tcp_events(
    const collector::TcpEventCounters& t, const std::map<uint32_t, std::string>& ifindex_names);

}  // namespace pktlens::exporter
