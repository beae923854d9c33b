// SPDX-License-Identifier: Apache-2.0
// The kernel/user ABI as C++ sees it: the shared header, its layout pinned
// with static_asserts (a mismatch fails the build, never a map read), and
// the label names the exporter uses for each enum value.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

extern "C" {
#include <pktlens_abi.h>
}

namespace pktlens::abi {

static_assert(sizeof(pktlens_iface) == 8);
static_assert(sizeof(pktlens_if_stats) == 155 * 8);
static_assert(offsetof(pktlens_if_stats, bytes) == 20 * 8);
static_assert(offsetof(pktlens_if_stats, anomalies) == (20 + 20 + 8 + 8 + 64 + 4 + 9) * 8);
static_assert(offsetof(pktlens_if_stats, flow_untracked_packets) ==
              offsetof(pktlens_if_stats, anomalies) + PKTLENS_ANOM_MAX * 8);
static_assert(sizeof(pktlens_vlan_key) == 12);
static_assert(sizeof(pktlens_vlan_val) == 16);
static_assert(sizeof(pktlens_flow_key) == 48);
static_assert(offsetof(pktlens_flow_key, src) == 16);
static_assert(offsetof(pktlens_flow_key, dst) == 32);
static_assert(sizeof(pktlens_flow_val) == 40);
static_assert(sizeof(pktlens_flow_budget) == 16);
static_assert(sizeof(pktlens_lat_hist) == (PKTLENS_LAT_BUCKETS + 2) * 8);
static_assert(sizeof(pktlens_conn_key) == 48);
static_assert(offsetof(pktlens_conn_key, laddr) == 16);
static_assert(sizeof(pktlens_hs_pending) == 24);
static_assert(sizeof(pktlens_rtt_key) == 56);
static_assert(sizeof(pktlens_lpm4_key) == 8);
static_assert(sizeof(pktlens_lpm6_key) == 20);
static_assert(sizeof(pktlens_net_match) == 8);
static_assert(sizeof(pktlens_net_count) == 16);
static_assert(sizeof(pktlens_net_name) == PKTLENS_NET_NAME_LEN);
static_assert(sizeof(pktlens_tcp_lat) == (3 * (PKTLENS_LAT_BUCKETS + 2) + 2) * 8);
static_assert(sizeof(pktlens_syn_key) == 20);
static_assert(offsetof(pktlens_syn_key, dst) == 4);
static_assert(sizeof(pktlens_syn_val) == 16);
static_assert(sizeof(pktlens_addr_key) == 20);
static_assert(offsetof(pktlens_addr_key, addr) == 4);
static_assert(sizeof(pktlens_scan_val) == (1 + PKTLENS_SCAN_WORDS) * 8);

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

// Upper bounds of the histogram buckets; the size histogram's last bucket is
// +Inf (bound 0 in the header).
inline constexpr std::array<unsigned, PKTLENS_SIZE_BUCKETS> kSizeBounds = PKTLENS_SIZE_BOUNDS_INIT;
inline constexpr std::array<unsigned, PKTLENS_TTL_BUCKETS> kTtlBounds = PKTLENS_TTL_BOUNDS_INIT;

}  // namespace pktlens::abi
