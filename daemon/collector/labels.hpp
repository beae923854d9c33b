// SPDX-License-Identifier: Apache-2.0
// The label vocabulary: every label value pktlens derives from the data
// plane's enums and buckets, and the interface label of a slot or ifindex,
// in one place, so /metrics and the alert signals
// (alerts/signal_extractor.hpp) cannot drift apart. Values are part of the
// metrics contract (docs/metrics.md): changing one renames a series.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bpf/abi.hpp"
#include "collector/snapshot.hpp"

namespace pktlens::collector {

// Indexed by the ABI's enum value (enum pktlens_dir, pktlens_side, ...).
inline constexpr std::array<std::string_view, PKTLENS_DIR_MAX> kDirNames{"ingress", "egress"};
inline constexpr std::array<std::string_view, PKTLENS_SIDE_MAX> kSideNames{"src", "dst"};
inline constexpr std::array<std::string_view, PKTLENS_HS_ROLES> kRoleNames{"client", "server"};
inline constexpr std::array<std::string_view, PKTLENS_L3_MAX> kL3Names{"ipv4", "ipv6", "arp",
                                                                       "other"};
inline constexpr std::array<std::string_view, PKTLENS_L4_MAX> kL4Names{"tcp", "udp", "icmp",
                                                                       "icmpv6", "other"};
inline constexpr std::array<std::string_view, PKTLENS_TCPF_MAX> kTcpFlagNames{
    "syn", "synack", "fin", "rst", "psh", "urg", "ece", "cwr"};
inline constexpr std::array<std::string_view, PKTLENS_ANOM_MAX> kAnomalyNames{
    "truncated", "bad_ip_header", "bad_ip_length", "ttl_expired", "land",
    "tcp_null",  "tcp_xmas",      "tcp_syn_fin",   "tcp_syn_rst", "bad_tcp_offset",
    "fragment",  "tiny_fragment", "ip_options",    "oversize"};

// The l4 label a count of the data plane's cell packets[l3][l4] is exported
// under. Only pairs a real frame can have are label sets: ARP and other L3
// never carry an L4 header (the parser leaves them l4 "other", so their
// other cells are always 0), and ICMP is IPv4's, ICMPv6 IPv6's. The parser
// classes the protocol number alone, so an IPv4 packet of protocol 58 or an
// IPv6 packet of next header 1 (which no stack sends) does reach the cells
// ipv4/icmpv6 and ipv6/icmp: those are exported under l4 "other" of their
// L3, so that no count is lost. 10 label sets per (interface, dir), not 20.
inline constexpr size_t exported_l4(size_t l3, size_t l4) {
  constexpr size_t other = PKTLENS_L4_OTHER;
  switch (l3) {
    case PKTLENS_L3_IPV4:
      return l4 == PKTLENS_L4_ICMPV6 ? other : l4;
    case PKTLENS_L3_IPV6:
      return l4 == PKTLENS_L4_ICMP ? other : l4;
    default:
      return other;
  }
}

// Whether (l3, l4) is an exported label set.
inline constexpr bool l4_exported(size_t l3, size_t l4) { return exported_l4(l3, l4) == l4; }

// Upper bounds of the histogram buckets (the `le` label); the size
// histogram's last bucket is +Inf (bound 0 in the header).
inline constexpr std::array<unsigned, PKTLENS_SIZE_BUCKETS> kSizeBounds = PKTLENS_SIZE_BOUNDS_INIT;
inline constexpr std::array<unsigned, PKTLENS_TTL_BUCKETS> kTtlBounds = PKTLENS_TTL_BOUNDS_INIT;

// Whether series of direction `dir` (enum pktlens_dir) are exported: a
// known direction that a hook counts (no dir="egress" with attach: xdp,
// whose egress counters can only be 0).
inline bool direction_exported(const Snapshot& s, size_t dir) {
  return dir < PKTLENS_DIR_MAX && (dir != PKTLENS_DIR_EGRESS || s.egress_hooked);
}

// The interface label of slot 0 (PKTLENS_SLOT_UNREGISTERED, the frames of
// interfaces pktlens did not register) when no name is registered for it.
inline constexpr std::string_view kUnregisteredInterface = "unregistered";
// The interface label of retransmits whose device is not known.
inline constexpr std::string_view kUnknownInterface = "unknown";

// The interface label of pktlens_stats slot `slot`: its name in
// s.interfaces.by_slot; for slot 0 without one, "unregistered" when
// `slot0_shown` (each family has its own rule for when slot 0 has
// something to show); null otherwise: the slot is not exported.
const std::string* interface_of_slot(const Snapshot& s, uint32_t slot, bool slot0_shown);

// The interface label of device `ifindex`: its name in
// s.interfaces.by_ifindex, or null: records of the device are not exported
// (their frames are still in the slot totals).
const std::string* interface_of_ifindex(const Snapshot& s, uint32_t ifindex);

// The interface label of the retransmits counted on device `ifindex`
// (TcpEventCounters::retransmits, 0: device unknown): the name pktlens
// attached it under, else the name read with the counters, else
// "unknown". Counts of the same label are meant to be added up.
std::string interface_of_retransmits(const Snapshot& s, uint32_t ifindex,
                                     const RetransmitCount& counted);

}  // namespace pktlens::collector
