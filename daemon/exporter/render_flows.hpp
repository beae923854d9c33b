// SPDX-License-Identifier: Apache-2.0
// Per-flow metric families for the interval's top-K flows, and the
// Snapshot-level flow gauge (docs/metrics.md is the contract). Pure, like
// render.hpp: same input, same families in the same order.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <string>
#include <vector>

#include "collector/snapshot.hpp"

namespace pktlens::exporter {

// pktlens_flow_packets_total / pktlens_flow_bytes_total
//   {interface,dir,proto,src,dst,sport,dport,vlan}: the cumulative counters
// of each flow in s.top_flows (RankedFlow::flow.packets / .bytes), in their
// order (already ranked), one series per flow.
//   proto: tcp, udp, icmp, icmpv6, else the IP protocol number in decimal.
//   src, dst: inet_ntop text (IPv4 dotted quad, IPv6 canonical).
//   sport, dport: decimal; for icmp / icmpv6 they hold the ICMP type and
//     code (the flow key stores them there), 0 where the frame had no L4
//     header (non-first fragments, protocols without ports).
//   vlan: outer VLAN id in decimal, "outer.inner" when vlan_inner != 0,
//     "0" when untagged. The flow key has no tag count, so a double tag
//     with inner id 0 shows as its outer id alone.
// interface is the name of the flow's ifindex (collector/labels.hpp);
// flows whose ifindex has no name, whose dir or family is out of range are
// skipped. Every family is returned, also without a series (as in
// render_interfaces).
// When retransmits are on (s.tcp_events.retransmits_on), also
// pktlens_flow_retransmits_total{same labels} for each flow found in
// s.tcp_events.flow_retransmits (the TCP egress flows).
std::vector<prometheus::MetricFamily> render_flows(const collector::Snapshot& s);

// pktlens_flows_active gauge: flows with packets in the last interval
// (Snapshot::flows_active).
std::vector<prometheus::MetricFamily> render_flow_gauges(const collector::Snapshot& s);

// Label values, exposed for tests and for other renderers keyed by flows.
std::string flow_proto_label(uint8_t proto);
std::string flow_vlan_label(uint16_t vlan, uint16_t vlan_inner);

}  // namespace pktlens::exporter
