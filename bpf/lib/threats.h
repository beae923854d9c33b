/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Threat signals, counted on ingress only (docs/architecture.md, "Threat
 * signals"). Each is behind its own .rodata switch and touches its map only
 * for the packets it concerns, so an established TCP segment pays a flag
 * test and nothing else:
 *  - SYN flood: SYNs received per destination address and port
 *    (pktlens_syn); handshakes completed there are added by
 *    lib/tcp_latency.h when our SYN-ACK is acked. Keyed by destination
 *    only: a flood from spoofed sources against one service touches one
 *    entry, never an insert per packet.
 *  - ICMP echo requests per destination address (pktlens_icmp_echo), and
 *    UDP datagrams per destination port (pktlens_udp_ports, an array: no
 *    insert ever).
 *  - Port scans: per source, the destination ports it sent SYNs to
 *    within a window (pktlens_scan), with an admission budget for new
 *    sources like lib/flow.h's.
 */
#ifndef PKTLENS_LIB_THREATS_H
#define PKTLENS_LIB_THREATS_H

#include "../maps.h"
#include "config.h"
#include "meta.h"

#ifndef EEXIST
#define EEXIST 17
#endif

/* This CPU's counters of (family, dst, dport), created when missing; NULL
 * only when the map refuses the insert. */
static __always_inline struct pktlens_syn_val *
syn_entry(const struct pktlens_syn_key *k)
{
	struct pktlens_syn_val *v, init = {};
	long err;

	v = bpf_map_lookup_elem(&pktlens_syn, k);
	if (v)
		return v;
	err = bpf_map_update_elem(&pktlens_syn, k, &init, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return 0;
	return bpf_map_lookup_elem(&pktlens_syn, k);
}

/* A SYN without ACK arriving: one more attempt on (dst, dport). The same
 * definition as tcp_flags[syn] of the interface counters. */
static __always_inline void count_syn(const struct pkt_meta *m)
{
	struct pktlens_syn_key k = {};
	struct pktlens_syn_val *v;

	k.family = m->key.family;
	k.dport = m->key.dport;
	__builtin_memcpy(k.dst, m->key.dst, 16);
	v = syn_entry(&k);
	if (v)
		v->syns++;
}

/* A server handshake completed on our laddr:lport (lib/tcp_latency.h). */
static __always_inline void count_handshake_done(__u8 family, const __u8 *laddr,
						 __u16 lport)
{
	struct pktlens_syn_key k = {};
	struct pktlens_syn_val *v;

	k.family = family;
	k.dport = lport;
	__builtin_memcpy(k.dst, laddr, 16);
	v = syn_entry(&k);
	if (v)
		v->handshakes++;
}

/* An ICMP echo request (ICMPv6 128) to the frame's destination. */
static __always_inline void count_icmp_echo(const struct pkt_meta *m)
{
	struct pktlens_addr_key k = {};
	__u64 *v, one = 1;
	long err;

	k.family = m->key.family;
	__builtin_memcpy(k.addr, m->key.dst, 16);
	v = bpf_map_lookup_elem(&pktlens_icmp_echo, &k);
	if (v) {
		(*v)++;
		return;
	}
	err = bpf_map_update_elem(&pktlens_icmp_echo, &k, &one, BPF_NOEXIST);
	if (err == -EEXIST) {
		/* Another CPU created it: this CPU's value is still 0. */
		v = bpf_map_lookup_elem(&pktlens_icmp_echo, &k);
		if (v)
			(*v)++;
	}
}

static __always_inline void count_udp_port(__u16 dport)
{
	__u32 i = dport, w = dport >> 6;
	__u64 *v = bpf_map_lookup_elem(&pktlens_udp_ports, &i), *seen;

	if (!v)
		return;
	/* This CPU's first datagram to the port: user space reads the port
	 * from now on (pktlens_udp_ports_seen). */
	if ((*v)++ == 0) {
		seen = bpf_map_lookup_elem(&pktlens_udp_ports_seen, &w);
		if (seen && !(*seen & (1ULL << (dport & 63))))
			__sync_fetch_and_or(seen, 1ULL << (dport & 63));
	}
}

/* A SYN from key.src to key.dport: one more port in the source's bitmap.
 * A source not yet in the table is admitted only within this CPU's insert
 * budget; over it the probe is not tracked (a spoofed flood's sources
 * would each be new). */
static __always_inline void count_scan_probe(const struct pkt_meta *m)
{
	struct pktlens_addr_key k = {};
	struct pktlens_scan_val *v;
	__u32 bit = pktlens_scan_bit(m->key.dport) & (PKTLENS_SCAN_BITS - 1);
	__u32 word = (bit >> 6) & (PKTLENS_SCAN_WORDS - 1);
	__u64 mask = 1ULL << (bit & 63);
	__u64 now = bpf_ktime_get_coarse_ns();

	k.family = m->key.family;
	__builtin_memcpy(k.addr, m->key.src, 16);
	v = bpf_map_lookup_elem(&pktlens_scan, &k);
	if (!v) {
		struct pktlens_scan_val init = {};
		struct pktlens_flow_budget *b;
		__u32 zero = 0;
		long err;

		b = bpf_map_lookup_elem(&pktlens_scan_budget, &zero);
		if (!b)
			return;
		if (now - b->window_start_ns >= cfg_flow_window_ns) {
			b->window_start_ns = now;
			b->inserted = 0;
		}
		if (cfg_scan_inserts_per_window &&
		    b->inserted >= cfg_scan_inserts_per_window)
			return;
		b->inserted++;
		init.start_ns = now;
		init.bits[word] = mask;
		err = bpf_map_update_elem(&pktlens_scan, &k, &init,
					  BPF_NOEXIST);
		if (err != -EEXIST)
			return;
		/* Another CPU created it: this CPU's value is zero. */
		v = bpf_map_lookup_elem(&pktlens_scan, &k);
		if (!v)
			return;
	}
	if (now - v->start_ns >= cfg_scan_window_ns) {
		__builtin_memset(v->bits, 0, sizeof(v->bits));
		v->start_ns = now;
	}
	v->bits[word] |= mask;
}

/* Called by every hook for ingress frames, after account(). */
static __always_inline void threats_ingress(const struct pkt_meta *m)
{
	switch (m->l4) {
	case PKTLENS_L4_TCP:
		if ((cfg_syn || cfg_scan) &&
		    (m->tcp_flags & (PKTLENS_TCP_SYN | PKTLENS_TCP_ACK)) ==
			    PKTLENS_TCP_SYN) {
			if (cfg_syn)
				count_syn(m);
			if (cfg_scan)
				count_scan_probe(m);
		}
		break;
	case PKTLENS_L4_UDP:
		if (cfg_udp_ports && m->udp_ports)
			count_udp_port(m->key.dport);
		break;
	case PKTLENS_L4_ICMP:
		/* key.sport is the ICMP type; 0 without an ICMP header. */
		if (cfg_icmp_echo && m->key.sport == 8)
			count_icmp_echo(m);
		break;
	case PKTLENS_L4_ICMPV6:
		if (cfg_icmp_echo && m->key.sport == 128)
			count_icmp_echo(m);
		break;
	}
}

#endif
