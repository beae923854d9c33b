// SPDX-License-Identifier: Apache-2.0
// What the collector hands downstream: the maps as plain values, summed over
// CPUs, with no libbpf in sight, so exporter, alerts and tests can build and
// inspect Snapshots without a kernel.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bpf/abi.hpp"

namespace pktlens::collector {

// One pktlens_stats entry (slot, direction), summed over CPUs. Every field
// of pktlens_if_stats is a counter, so the sum keeps all of them.
struct IfaceCounters {
  pktlens_if_stats stats{};
  // The flow bookkeeping of this (slot, dir), filled by the flow table
  // after its cycle: the flows in the table now, summed, and the final
  // counters of every flow the collector removed (pktlens_flow_ended,
  // pinned, so it survives restarts like the kernel's counters). With the
  // totals read before the flows and no packet in between:
  // table + untracked + unadmitted + expired + evicted == packets (and
  // bytes). docs/metrics.md, "Flow bookkeeping".
  uint64_t flow_table_packets = 0;
  uint64_t flow_table_bytes = 0;
  pktlens_flow_ended flows_ended{};
};

// A flow key with its fields decoded. Member order is the ranking
// tie-break order (collector/flow_rank.hpp: the same maps always rank the
// same).
struct FlowKey {
  uint32_t ifindex = 0;
  uint8_t dir = 0;
  uint16_t vlan = 0;
  uint16_t vlan_inner = 0;
  uint8_t proto = 0;
  uint8_t family = 0;             // 4 or 6
  std::array<uint8_t, 16> src{};  // network byte order; IPv4 in the first 4 bytes
  std::array<uint8_t, 16> dst{};
  uint16_t sport = 0;  // host byte order; ICMP: type
  uint16_t dport = 0;  // ICMP: code

  auto operator<=>(const FlowKey&) const = default;
};

struct FlowRecord {
  FlowKey key;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t first_seen_ns = 0;  // CLOCK_MONOTONIC; min over CPUs that saw the flow
  uint64_t last_seen_ns = 0;   // max over CPUs
  uint8_t tcp_flags = 0;       // OR of raw flag bytes
  uint8_t tos = 0;             // TOS / traffic class byte of the flow's first packet

  bool operator==(const FlowRecord&) const = default;
};

// A flow with what it added in the last interval (top-K ranking).
struct RankedFlow {
  FlowRecord flow;           // cumulative counters as read
  uint64_t bytes_delta = 0;  // in the last interval
  uint64_t packets_delta = 0;
  // Bytes in the ranking window (FlowTableOptions::top_k_window), what
  // the flow was ranked by; bytes_delta when ranked by the interval.
  uint64_t window_bytes = 0;

  bool operator==(const RankedFlow&) const = default;
};

struct VlanRecord {
  uint32_t ifindex = 0;
  uint8_t dir = 0;
  uint16_t vlan = 0;
  uint16_t vlan_inner = 0;  // 0: single tag
  uint8_t tags = 0;         // 1 or 2
  uint64_t packets = 0;
  uint64_t bytes = 0;

  auto operator<=>(const VlanRecord&) const = default;
};

// The vlan="other" series of one interface and direction: every tagged
// frame counted there that no exported VlanRecord shows (collector/vlan_rank.hpp).
struct VlanRest {
  uint32_t ifindex = 0;
  uint8_t dir = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;

  auto operator<=>(const VlanRest&) const = default;
};

// Kernel events of the network stack (bpf/tcp_events.bpf.c), summed over
// CPUs and labelled by collector::TcpEventsReader. A signal that is
// switched off has its `*_on` false and nothing else set.
struct DropCount {
  uint32_t reason = 0;  // enum skb_drop_reason value, PKTLENS_DROP_OVERFLOW for the rest
  std::string label;    // the kernel's name without SKB_DROP_REASON_ (drop_reasons.hpp)
  uint64_t count = 0;

  bool operator==(const DropCount&) const = default;
};

struct RetransmitCount {
  std::string ifname;  // if_indextoname when read; empty when unknown
  uint64_t segments = 0;
  uint64_t synacks = 0;

  bool operator==(const RetransmitCount&) const = default;
};

struct TcpEventCounters {
  bool drops_on = false;
  bool retransmits_on = false;
  bool srtt_on = false;
  std::vector<DropCount> drops;  // non-zero reasons, by reason value
  // By the ifindex of the device the segments leave by; 0: unknown.
  std::map<uint32_t, RetransmitCount> retransmits;
  // The top-K flows' retransmitted segments: TCP egress flows of top_flows,
  // 0 when the connection has none in pktlens_retx_flows.
  std::map<FlowKey, uint64_t> flow_retransmits;
  pktlens_lat_hist srtt{};  // kernel smoothed RTT, sampled (docs/metrics.md)
};

// TCP latency at TC of one interface slot: pktlens_tcp_lat summed over
// CPUs, and the handshakes that expired pending (pktlens_hs_timeouts,
// counted by sweep_handshakes(), collector/handshake_sweep.hpp).
struct TcpLatency {
  std::array<pktlens_lat_hist, PKTLENS_HS_ROLES> handshake{};  // by enum pktlens_hs_role
  pktlens_lat_hist rtt{};
  uint64_t syn_retransmits = 0;
  uint64_t rtt_unsampled_packets = 0;
  std::array<uint64_t, PKTLENS_HS_ROLES> handshake_timeouts{};
};

// One configured network (bpf/lib/networks.h): pktlens_net_counts and
// pktlens_net_blocked of its id, summed over CPUs.
struct NetworkCounters {
  std::string name;
  bool drop = false;  // action drop: blocked counters are exported
  // [dir][side], side PKTLENS_SIDE_SRC / PKTLENS_SIDE_DST
  std::array<std::array<pktlens_net_count, PKTLENS_SIDE_MAX>, PKTLENS_DIR_MAX> counts{};
  pktlens_net_count blocked{};
};

// Threat signals (bpf/lib/threats.h), ranked by the collector
// (collector/threats.hpp): cumulative counters as read, summed over CPUs,
// and what they added since the previous cycle (0 on the daemon's first
// cycle, which has nothing to compare with).
struct SynDest {
  uint8_t family = 0;             // 4 or 6
  std::array<uint8_t, 16> dst{};  // network byte order; IPv4 in the first 4 bytes
  uint16_t dport = 0;
  uint64_t syns = 0;
  uint64_t handshakes = 0;
  uint64_t syns_delta = 0;
  uint64_t handshakes_delta = 0;

  // SYNs of the interval not matched by a completed handshake, floor 0.
  uint64_t half_open() const {
    return syns_delta > handshakes_delta ? syns_delta - handshakes_delta : 0;
  }
  bool operator==(const SynDest&) const = default;
};

// A counter of one destination address (ICMP echo requests).
struct AddrCount {
  uint8_t family = 0;
  std::array<uint8_t, 16> addr{};
  uint64_t packets = 0;
  uint64_t packets_delta = 0;

  bool operator==(const AddrCount&) const = default;
};

// A counter of one destination port (UDP datagrams).
struct PortCount {
  uint16_t port = 0;
  uint64_t packets = 0;
  uint64_t packets_delta = 0;

  bool operator==(const PortCount&) const = default;
};

// A source probing ports (SYNs): its distinct destination ports in the
// current scan window, estimated (collector/threat_rank.hpp).
struct ScanSource {
  uint8_t family = 0;
  std::array<uint8_t, 16> src{};
  uint64_t ports = 0;

  bool operator==(const ScanSource&) const = default;
};

struct ThreatSignals {
  // cfg_syn as loaded; handshakes_on: completions are counted too (TC with
  // handshake tracking), so handshakes and half_open mean something.
  bool syn_on = false;
  bool handshakes_on = false;
  // Top-K destinations by syns_delta, then syns, then key.
  std::vector<SynDest> top_syn;
  size_t syn_table_entries = 0;
  // cfg_icmp_echo / cfg_udp_ports as loaded; top-K by packets in the
  // interval, then packets, then key; only keys with packets.
  bool icmp_echo_on = false;
  std::vector<AddrCount> top_icmp_echo;
  bool udp_ports_on = false;
  std::vector<PortCount> top_udp_ports;
  // cfg_scan as loaded; the sources at or over the threshold (suspects),
  // the top-K of them by ports (then key), and how many there are.
  bool scan_on = false;
  std::vector<ScanSource> top_scan;
  size_t scan_suspects = 0;
  // Every key of each table as read this cycle, ranked as above (the top-K
  // is their prefix), and every scan source whatever its count: what the
  // alerts evaluate, so that decoys ranking above a suspect cannot hide it
  // from an alert. Bounded by each table's max_entries.
  std::vector<SynDest> all_syn;
  std::vector<AddrCount> all_icmp_echo;
  std::vector<PortCount> all_udp_ports;
  std::vector<ScanSource> all_scan;
};

struct Snapshot {
  // CLOCK_MONOTONIC when the read started, comparable with the flows'
  // first/last_seen_ns.
  uint64_t taken_ns = 0;
  // Every pktlens_stats entry, keyed (slot, dir); slot 0 counts
  // unregistered interfaces.
  std::map<std::pair<uint32_t, uint8_t>, IfaceCounters> ifaces;
  // Sorted, one per key. As read: every entry of pktlens_vlans. After the
  // collector's VlanTable: the exported series, at most vlans.top_k, each
  // counting from when it entered the exported set; vlan_rest holds the
  // rest, so per interface and direction vlans + vlan_rest is every
  // tagged frame pktlens_vlans counted, expired entries included.
  std::vector<VlanRecord> vlans;
  std::vector<VlanRest> vlan_rest;  // sorted by (ifindex, dir)
  std::vector<FlowRecord> flows;    // sorted by key, one per key (when read in full)
  // The interval's top-K flows, ranked (bytes_delta desc, then key), and how
  // many flows had packets in the interval; filled by the flow collection.
  std::vector<RankedFlow> top_flows;
  size_t flows_active = 0;
  // The fields flows are keyed by (PKTLENS_FK_*, .rodata cfg_flow_key as
  // loaded); a field left out is 0 in every key.
  uint32_t flow_key_fields = PKTLENS_FK_ALL;
  size_t flow_table_entries = 0;
  size_t flow_table_capacity = 0;
  size_t vlan_table_capacity = 0;
  // The data plane's switches (.rodata cfg_flows / cfg_vlans): whether
  // flows and VLANs are counted at all.
  bool flows_on = false;
  bool vlans_on = false;
  // Whether anything counts direction egress: TC hooks both directions,
  // XDP ingress only (attach: xdp), where every egress counter stays 0.
  bool egress_hooked = true;
  TcpEventCounters tcp_events;
  // The data plane's switches (.rodata cfg_handshake / cfg_rtt) and, when
  // either is on, every slot of pktlens_tcp_lat.
  bool handshake_on = false;
  bool rtt_on = false;
  // What is measured: TCP latency needs the egress hook too (our SYN and
  // our TSvals leave by it), so with attach: xdp a switch may be on while
  // nothing is measured.
  bool handshake_measured() const { return handshake_on && egress_hooked; }
  bool rtt_measured() const { return rtt_on && egress_hooked; }
  std::map<uint32_t, TcpLatency> tcp_latency;
  // Every configured network, in config order; empty when none are.
  std::vector<NetworkCounters> networks;
  ThreatSignals threats;
  // The interface label of each slot and ifindex, as the loader registered
  // them (bpf/loader.hpp): every interface attached in this run, gone ones
  // included, so a rename or removal never splits a series. Names are
  // distinct within each map (one series per label set). Read through
  // collector/labels.hpp, which decides what an unnamed one is called.
  struct InterfaceNames {
    std::map<uint32_t, std::string> by_slot;     // pktlens_stats slot -> name
    std::map<uint32_t, std::string> by_ifindex;  // ifindex -> the same names
  };
  InterfaceNames interfaces;
};

}  // namespace pktlens::collector
