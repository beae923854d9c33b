/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Load-time switches, set by the loader between open and load. They live in
 * .rodata, so the verifier sees them as constants and prunes the code of a
 * disabled feature: it costs nothing per packet.
 */
#ifndef PKTLENS_LIB_CONFIG_H
#define PKTLENS_LIB_CONFIG_H

#include "../pktlens_abi.h"

/* Per-flow accounting in pktlens_flows. */
const volatile __u8 cfg_flows = 1;
/* Per-VLAN counters in pktlens_vlans. */
const volatile __u8 cfg_vlans = 1;
/*
 * Flow admission: at most cfg_flow_inserts_per_window new flows per CPU per
 * cfg_flow_window_ns. Inserting into a full LRU table costs ~15x a hit, so
 * a flood of new 5-tuples must not buy one insert per packet. Packets of
 * flows not admitted are counted in flow_unadmitted_*. 0 = no limit.
 */
const volatile __u64 cfg_flow_window_ns = 100000000ULL;	 /* 100 ms */
const volatile __u32 cfg_flow_inserts_per_window = 2500; /* 25k/s per CPU */

/* The fields flows are keyed by: PKTLENS_FK_* (pktlens_abi.h). */
const volatile __u32 cfg_flow_key = PKTLENS_FK_ALL;

/* Word mask of pktlens_flow_seen (its max_entries - 1, a power of two
 * minus one); 0 switches the presence filter off. */
const volatile __u32 cfg_flow_seen_mask = PKTLENS_DEFAULT_MAX_FLOWS / 8 - 1;

/* log2 of the entries of each CPU's ring in pktlens_flow_log; 0 switches
 * the touch log off (user space then walks the whole flow table). */
const volatile __u32 cfg_flow_log_shift = 0;

/* log2 of each CPU's slots in the flow cache (lib/flow_cache.h); 0
 * switches the cache off. cfg_flow_cache_open_ns: how long a CPU keeps
 * using its cache after a flush, so that a CPU user space stopped flushing
 * (a stalled or stopped pktlensd) counts in pktlens_flows again. */
const volatile __u32 cfg_flow_cache_shift = 0;
const volatile __u64 cfg_flow_cache_open_ns = 10000000000ULL;
/* The kernel's tick in ns (the resolution of CLOCK_MONOTONIC_COARSE), so
 * that the cache can keep time in jiffies; 0: unknown. */
const volatile __u64 cfg_flow_cache_tick_ns = 0;

/* TCP handshake latency (lib/tcp_latency.h); pending handshakes older than
 * cfg_handshake_timeout_ns are not sampled (user space counts them). */
const volatile __u8 cfg_handshake = 1;
const volatile __u64 cfg_handshake_timeout_ns = PKTLENS_DEFAULT_HS_TIMEOUT_NS;
/* Passive RTT from TCP timestamps; also switches the option parsing. */
const volatile __u8 cfg_rtt = 1;

/* Networks (lib/networks.h): bits PKTLENS_NET_CFG_* (pktlens_abi.h). One
 * byte, tested first: with no networks (0) the feature is one load. */
const volatile __u8 cfg_net = 0;
/* With networks: this load's tag of the networks cached in flow entries
 * (pktlens_flow_val.net_gen); a new non-zero value at every load, so a
 * reload with other networks never trusts what an older program cached. */
const volatile __u32 cfg_net_gen = 0;
/* Threat signals (lib/threats.h), ingress only. cfg_syn: SYNs received and
 * handshakes completed per destination address and port (pktlens_syn). */
const volatile __u8 cfg_syn = 1;
/* ICMP echo requests per destination address (pktlens_icmp_echo). */
const volatile __u8 cfg_icmp_echo = 1;
/* UDP datagrams per destination port (pktlens_udp_ports). */
const volatile __u8 cfg_udp_ports = 1;
/* Port scans: distinct destination ports per source over SYNs, in
 * windows of cfg_scan_window_ns (pktlens_scan). At most
 * cfg_scan_inserts_per_window new sources per CPU per cfg_flow_window_ns
 * (0 = no limit): a spoofed-source flood must not buy an LRU insert per
 * packet. */
const volatile __u8 cfg_scan = 1;
const volatile __u64 cfg_scan_window_ns = PKTLENS_DEFAULT_SCAN_WINDOW_NS;
const volatile __u32 cfg_scan_inserts_per_window = 1000; /* 10k/s per CPU */

#endif
