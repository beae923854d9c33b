/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every map of the pktlens object. Sizes here are defaults: the loader sets
 * max_entries before load (bpf_map__set_max_entries).
 *
 * Counters live in per-CPU maps and are bumped with plain `++`: a program
 * runs to completion on one CPU with preemption disabled (softirq or
 * process context under migrate_disable + the per-CPU copy is private), so
 * no other writer can touch the same per-CPU slot concurrently.
 */
#ifndef PKTLENS_MAPS_H
#define PKTLENS_MAPS_H

#include "pktlens_abi.h"

/* The map-definition macros confuse clang-format. */
/* clang-format off */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PKTLENS_DEFAULT_IFINDEX_ARRAY);
	__type(key, __u32); /* ifindex */
	__type(value, struct pktlens_iface);
} pktlens_ifaces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_SLOTS);
	__type(key, __u32); /* ifindex >= max_entries of pktlens_ifaces */
	__type(value, struct pktlens_iface);
} pktlens_ifaces_hi SEC(".maps");

/* User space's record of slot owners (pktlens_abi.h); no program uses it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_SLOTS);
	__type(key, __u32); /* slot */
	__type(value, struct pktlens_slot_owner);
} pktlens_slot_owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_SLOTS * PKTLENS_DIR_MAX);
	__type(key, __u32); /* slot * PKTLENS_DIR_MAX + dir */
	__type(value, struct pktlens_if_stats);
} pktlens_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_VLANS);
	__type(key, struct pktlens_vlan_key);
	__type(value, struct pktlens_vlan_val);
} pktlens_vlans SEC(".maps");

/* A plain hash, not an LRU: the kernel never removes a flow behind user
 * space's back, so every flow's counters leave the table through the
 * collector (idle expiry, pressure eviction), which counts them in
 * pktlens_flow_ended. A new flow that does not fit counts as unadmitted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PKTLENS_VLAN_REST_ENTRIES);
	__type(key, struct pktlens_vlan_rest_key);
	__type(value, struct pktlens_vlan_rest);
} pktlens_vlan_rest SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_FLOWS);
	__type(key, struct pktlens_flow_key);
	__type(value, struct pktlens_flow_val);
} pktlens_flows SEC(".maps");

/* Written by user space only: the final counters of the flows it removed,
 * so that they survive a restart like the per-CPU counters. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_SLOTS * PKTLENS_DIR_MAX);
	__type(key, __u32); /* slot * PKTLENS_DIR_MAX + dir */
	__type(value, struct pktlens_flow_ended);
} pktlens_flow_ended SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pktlens_flow_budget);
} pktlens_flow_budget SEC(".maps");

/* Flow presence filter (lib/flow.h): 8 bits per flow slot, rounded up to a
 * power of two words; shared by all CPUs, set with atomic OR. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	/* The collector counts its bits every cycle through a mapping. */
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_FLOWS / 8);
	__type(key, __u32);
	__type(value, __u64);
} pktlens_flow_seen SEC(".maps");

/* Flow touch log (pktlens_abi.h, lib/flow.h); sized by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pktlens_flow_key);
} pktlens_flow_log SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, PKTLENS_FLOW_LOG_HEAD_STRIDE * 2);
	__type(key, __u32);
	__type(value, __u64);
} pktlens_flow_log_ctl SEC(".maps");

/* The flow cache (pktlens_abi.h, lib/flow_cache.h); sized by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pktlens_flow_cache_slot);
} pktlens_flow_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pktlens_flow_cache_cold);
} pktlens_flow_cache_cold SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} pktlens_flow_cache_dirty SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pktlens_flow_cache_ctl);
} pktlens_flow_cache_ctl SEC(".maps");

/* TCP latency (lib/tcp_latency.h). Pending state is shared by all CPUs:
 * the two halves of an exchange may be seen on different CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_HANDSHAKES);
	__type(key, struct pktlens_conn_key);
	__type(value, struct pktlens_hs_pending);
} pktlens_handshakes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_RTT_PENDING);
	__type(key, struct pktlens_rtt_key);
	__type(value, __u64); /* bpf_ktime_get_ns() when the TSval left */
} pktlens_rtt_pending SEC(".maps");

/* Last TSval sent / TSecr received per (connection hash, dir): a segment
 * repeating it needs no pending-map operation. (hash >> 32) << 32 | value. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PKTLENS_RTT_LAST_SLOTS * PKTLENS_DIR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} pktlens_rtt_last SEC(".maps");

/* bpf_ktime_get_coarse_ns() of the last SYN-ACK we sent, per connection
 * hash: an incoming ACK looks for a pending server handshake only when one
 * may exist. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PKTLENS_HS_HINT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} pktlens_hs_hint SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_SLOTS);
	__type(key, __u32); /* slot */
	__type(value, struct pktlens_tcp_lat);
} pktlens_tcp_lat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_SLOTS * PKTLENS_HS_ROLES);
	__type(key, __u32); /* slot * PKTLENS_HS_ROLES + role */
	__type(value, __u64);
} pktlens_hs_timeouts SEC(".maps");

/* Networks (lib/networks.h). The tries are configuration, filled by user
 * space after load and never pinned; the counters are pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pktlens_lpm4_key);
	__type(value, struct pktlens_net_match);
} pktlens_net4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pktlens_lpm6_key);
	__type(value, struct pktlens_net_match);
} pktlens_net6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries,
	       PKTLENS_MAX_NETWORKS * PKTLENS_DIR_MAX * PKTLENS_SIDE_MAX);
	__type(key, __u32); /* (id * PKTLENS_DIR_MAX + dir) * PKTLENS_SIDE_MAX + side */
	__type(value, struct pktlens_net_count);
} pktlens_net_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PKTLENS_MAX_NETWORKS);
	__type(key, __u32); /* network id */
	__type(value, struct pktlens_net_count);
} pktlens_net_blocked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PKTLENS_MAX_NETWORKS);
	__type(key, __u32); /* network id */
	__type(value, struct pktlens_net_name);
} pktlens_net_names SEC(".maps");
/* Threat signals (lib/threats.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_SYN_DESTS);
	__type(key, struct pktlens_syn_key);
	__type(value, struct pktlens_syn_val);
} pktlens_syn SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_ICMP_DESTS);
	__type(key, struct pktlens_addr_key);
	__type(value, __u64);
} pktlens_icmp_echo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_SCAN_SOURCES);
	__type(key, struct pktlens_addr_key); /* source */
	__type(value, struct pktlens_scan_val);
} pktlens_scan SEC(".maps");

/* New sources admitted into pktlens_scan per CPU per admission window. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pktlens_flow_budget);
} pktlens_scan_budget SEC(".maps");

/* The loader shrinks it to 1 entry when cfg_udp_ports is off. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PKTLENS_UDP_PORTS);
	__type(key, __u32); /* destination port */
	__type(value, __u64);
} pktlens_udp_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, PKTLENS_UDP_PORT_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} pktlens_udp_ports_seen SEC(".maps");

/* clang-format on */

#endif
