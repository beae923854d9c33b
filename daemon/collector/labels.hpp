// SPDX-License-Identifier: Apache-2.0
// The label vocabulary: every label value pktlens derives from the data
// plane's enums and buckets, in one place, so /metrics and the alert
// signals (alerts/signal_extractor.hpp) cannot drift apart. Values are part
// of the metrics contract (docs/metrics.md): changing one renames a series.
#pragma once

#include <array>
#include <string_view>

#include "bpf/abi.hpp"

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

// Upper bounds of the histogram buckets (the `le` label); the size
// histogram's last bucket is +Inf (bound 0 in the header).
inline constexpr std::array<unsigned, PKTLENS_SIZE_BUCKETS> kSizeBounds = PKTLENS_SIZE_BOUNDS_INIT;
inline constexpr std::array<unsigned, PKTLENS_TTL_BUCKETS> kTtlBounds = PKTLENS_TTL_BOUNDS_INIT;

}  // namespace pktlens::collector
