/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The maps of the tracepoint object (tcp_events.bpf.c), shared with user
 * space (daemon/bpf/tcp_events.*, daemon/collector/tcp_events_reader.*).
 * They are pinned next to the data plane's maps, so they are part of the
 * pinned-map ABI like pktlens_abi.h: changing a struct here changes it.
 *
 *   pktlens_drops       PERCPU_ARRAY [PKTLENS_DROP_SLOTS] of __u64: skb
 *                       drops by the kernel's enum skb_drop_reason value;
 *                       reasons >= PKTLENS_DROP_OVERFLOW (subsystem
 *                       reasons included) in the last slot.
 *   pktlens_retx        PERCPU_HASH ifindex -> struct pktlens_retx_val;
 *                       ifindex 0: device unknown, and the fallback when
 *                       the map is full (user space creates it at start).
 *   pktlens_retx_flows  LRU_PERCPU_HASH struct pktlens_retx_flow_key ->
 *                       __u64 retransmitted segments of the connection.
 *   pktlens_srtt        PERCPU_ARRAY [1] of struct pktlens_lat_hist.
 */
#ifndef PKTLENS_TCP_EVENTS_H
#define PKTLENS_TCP_EVENTS_H

#include "pktlens_abi.h"

#define PKTLENS_DROP_SLOTS 256
#define PKTLENS_DROP_OVERFLOW (PKTLENS_DROP_SLOTS - 1)

#define PKTLENS_DEFAULT_MAX_RETX_IFACES 4096
#define PKTLENS_DEFAULT_MAX_RETX_FLOWS 16384

/* At most one srtt sample per socket per this interval (see
 * docs/metrics.md, "Latency and loss"). */
#define PKTLENS_DEFAULT_SRTT_SAMPLE_NS 100000000ULL

struct pktlens_retx_val {
	__u64 segments; /* tcp:tcp_retransmit_skb */
	__u64 synacks;	/* tcp:tcp_retransmit_synack */
};

/*
 * A connection as the flow table sees its egress frames: src/sport the
 * local end, dst/dport the remote one; addresses in network byte order
 * (IPv4 in the first 4 bytes, rest zero), ports in host byte order,
 * ifindex the route's output device (0 when unknown).
 */
struct pktlens_retx_flow_key {
	__u32 ifindex;
	__u8 family; /* 4 or 6 */
	__u8 _pad[3];
	__u16 sport;
	__u16 dport;
	__u8 src[16];
	__u8 dst[16];
};

#endif
