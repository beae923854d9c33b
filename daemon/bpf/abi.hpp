// SPDX-License-Identifier: Apache-2.0
// The kernel/user ABI as C++ sees it: the shared header, its layout pinned
// with static_asserts (a mismatch fails the build, never a map read). The
// label values of its enums are in collector/labels.hpp.
#pragma once

#include <cstddef>

extern "C" {
#include <pktlens_abi.h>
}

namespace pktlens::abi {

static_assert(sizeof(pktlens_iface) == 8);
static_assert(sizeof(pktlens_if_stats) == 161 * 8);
static_assert(sizeof(pktlens_slot_owner) == 24);
static_assert(offsetof(pktlens_if_stats, bytes) == 20 * 8);
static_assert(offsetof(pktlens_if_stats, anomalies) == (20 + 20 + 13 + 8 + 64 + 4 + 9) * 8);
static_assert(offsetof(pktlens_if_stats, flow_untracked_packets) ==
              offsetof(pktlens_if_stats, anomalies) + PKTLENS_ANOM_MAX * 8);
static_assert(sizeof(pktlens_vlan_key) == 12);
static_assert(sizeof(pktlens_vlan_val) == 16);
static_assert(sizeof(pktlens_vlan_rest_key) == 8);
static_assert(sizeof(pktlens_vlan_rest) == 32);
static_assert(sizeof(pktlens_flow_key) == 48);
static_assert(offsetof(pktlens_flow_key, src) == 16);
static_assert(offsetof(pktlens_flow_key, dst) == 32);
static_assert(sizeof(pktlens_flow_val) == 48);
static_assert(sizeof(pktlens_flow_ended) == 32);
static_assert(sizeof(pktlens_flow_cache_slot) == 32);
static_assert(sizeof(pktlens_flow_cache_cold) == 64);
static_assert(offsetof(pktlens_flow_val, net_gen) == 40);
static_assert(sizeof(pktlens_flow_cache_ctl) == 64);
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

}  // namespace pktlens::abi
