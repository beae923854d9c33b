// SPDX-License-Identifier: Apache-2.0
// Per-interface metric families rendered from a Snapshot (docs/metrics.md
// is the contract). Pure: no maps, no registry, no clock; the same
// Snapshot always gives the same families in the same order.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "collector/snapshot.hpp"

namespace pktlens::exporter {

// The interface families of `s`:
//   pktlens_packets_total / pktlens_bytes_total {interface,dir,l3,l4}: the
//     10 (l3, l4) pairs a frame can have (collector::exported_l4)
//   pktlens_packet_size_bytes histogram {interface,dir}
//   pktlens_tcp_flags_total {interface,dir,flag}
//   pktlens_dscp_packets_total {interface,dir,dscp}
//   pktlens_ecn_ce_packets_total {interface,dir}
//   pktlens_packet_ttl histogram {interface,dir}
//   pktlens_anomalies_total {interface,dir,kind}
//   pktlens_flow_unadmitted_{packets,bytes}_total,
//   pktlens_flow_untracked_{packets,bytes}_total, pktlens_flow_inserts_total,
//   pktlens_flow_expired_{packets,bytes}_total,
//   pktlens_flow_evicted_{packets,bytes}_total,
//   pktlens_flow_table_{packets,bytes} (gauges),
//   pktlens_vlan_overflow_{packets,bytes}_total {interface,dir}
//   pktlens_vlan_packets_total / pktlens_vlan_bytes_total {interface,dir,vlan}:
//   s.vlans, and s.vlan_rest as vlan="other"
//   pktlens_flow_table_entries, pktlens_flow_table_capacity (gauges)
//
// Interfaces are named by collector/labels.hpp: every (slot, dir) of
// s.ifaces whose slot has a name is rendered; slot 0 without a name is
// rendered as "unregistered" when any of its directions counted a packet;
// other slots without a name are skipped. s.vlans are named by ifindex (a
// VLAN record is keyed by ifindex, not slot); records of an ifindex without
// a name are skipped (their frames are still in the slot-0 / slot totals).
// Every family is returned, also one without a series (detail::families).
std::vector<prometheus::MetricFamily> render_interfaces(const collector::Snapshot& s);

}  // namespace pktlens::exporter
