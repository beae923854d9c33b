/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the parse core learns about one frame; kernel-only, on the stack. */
#ifndef PKTLENS_LIB_META_H
#define PKTLENS_LIB_META_H

#include "../pktlens_abi.h"

/* Where a frame stands in a fragmented IP datagram. */
enum frag_state {
	FRAG_NONE = 0,
	FRAG_FIRST = 1, /* offset 0, more fragments follow */
	FRAG_LATER = 2, /* non-zero offset: no L4 header in this frame */
};

struct pkt_meta {
	/* Filled in by parse_frame(); ifindex/dir/vlan also by the entry point.
	 * 8-byte aligned: pktlens_flow_key_hash() reads it as 64-bit words. */
	struct pktlens_flow_key key __attribute__((aligned(8)));
	/* ICMP/ICMPv6 type and code are key.sport and key.dport. */
	__u32 len; /* frame length the hook sees, Ethernet header included */
	/* What the frame is on the wire (wire_sizes()): a GSO/GRO aggregate
	 * at TC stands for `segs` packets, each with its own headers. */
	__u32 segs;	/* packets on the wire, >= 1 */
	__u32 wire_len; /* their bytes, every segment's headers included */
	__u32 seg_len;	/* with segs > 1: a full segment (headers + gso_size) */
	__u32 gso_size; /* TC: the skb's gso_size (payload per segment) */
	__u32 hdr_len;	/* parser: bytes before the TCP/UDP payload; 0 unknown */
	__u32 anomalies; /* bit (1 << enum pktlens_anomaly) */
	__u8 dir;
	__u8 l3;	   /* enum pktlens_l3 */
	__u8 l4;	   /* enum pktlens_l4 */
	__u8 vlan_tags;	   /* tags recorded in key.vlan / key.vlan_inner */
	__u8 link_hdr_len; /* Ethernet + in-frame VLAN tags */
	__u8 has_ip;	   /* tos and ttl are valid */
	__u8 has_addrs;	   /* key.src/dst/family valid: flow-trackable */
	__u8 has_tcp_flags;
	__u8 tcp_flags;
	__u8 tos;
	__u8 ttl;
	__u8 gso;	 /* TC only: a GSO/GRO aggregate of several segments */
	__u8 frag;	 /* enum frag_state */
	__u8 tcp_hdr;	 /* a complete TCP header (doff >= 20 present) */
	__u8 has_tcp_ts; /* TCP timestamp option found (cfg_rtt only) */
	__u8 udp_ports;	 /* UDP whose ports are in key.sport / key.dport */
	__u32 tcp_seq;	 /* with tcp_hdr, when cfg_handshake */
	__u32 tcp_ack;
	__u32 tsval; /* with has_tcp_ts */
	__u32 tsecr;
};

#define META_ANOM(m, kind) ((m)->anomalies |= (1u << (kind)))

#endif
