/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * TCP latency at TC, observed passively on both directions of a connection
 * (docs/architecture.md, "TCP latency"):
 *  - handshake: client role from our SYN (egress) to the SYN-ACK acking it
 *    (ingress); server role from our SYN-ACK to the final ACK acking it.
 *    Pending handshakes wait in pktlens_handshakes (shared LRU hash); a
 *    retransmitted SYN (same ISN) keeps the first timestamp;
 *  - passive RTT (pping): a TSval we send is remembered with its time in
 *    pktlens_rtt_pending; the first incoming segment whose TSecr echoes it
 *    gives one sample and removes it.
 * Histograms and counters go to pktlens_tcp_lat[slot] (per CPU). Both parts
 * are behind .rodata switches: switched off, the verifier removes them.
 */
#ifndef PKTLENS_LIB_TCP_LATENCY_H
#define PKTLENS_LIB_TCP_LATENCY_H

#include "../maps.h"
#include "config.h"
#include "flow_hash.h"
#include "latency.h"
#include "meta.h"
#include "threats.h"

static __always_inline void conn_key_of(struct pktlens_conn_key *k,
					const struct pkt_meta *m)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->ifindex = m->key.ifindex;
	k->family = m->key.family;
	if (m->dir == PKTLENS_DIR_EGRESS) {
		k->lport = m->key.sport;
		k->rport = m->key.dport;
		__builtin_memcpy(k->laddr, m->key.src, 16);
		__builtin_memcpy(k->raddr, m->key.dst, 16);
	} else {
		k->lport = m->key.dport;
		k->rport = m->key.sport;
		__builtin_memcpy(k->laddr, m->key.dst, 16);
		__builtin_memcpy(k->raddr, m->key.src, 16);
	}
}

static __always_inline struct pktlens_tcp_lat *tcp_lat_of(__u32 slot)
{
	return bpf_map_lookup_elem(&pktlens_tcp_lat, &slot);
}

/* The handshake `role` of `k` completes with the segment acking `ack`. */
static __always_inline void handshake_done(const struct pktlens_conn_key *k,
					   __u8 role, __u32 ack, __u32 slot)
{
	struct pktlens_hs_pending *p;
	struct pktlens_tcp_lat *lat;
	__u64 d;

	p = bpf_map_lookup_elem(&pktlens_handshakes, k);
	if (!p || p->role != role || ack != p->seq + 1)
		return;
	d = bpf_ktime_get_ns() - p->first_ns;
	/* Too late: left for user space to count as a timeout. */
	if (d > cfg_handshake_timeout_ns)
		return;
	lat = tcp_lat_of(slot);
	if (lat)
		pktlens_lat_observe(&lat->handshake[role & 1], d);
	bpf_map_delete_elem(&pktlens_handshakes, k);
	/* Counted once: the pending entry is gone, a repeated ACK finds
	 * nothing. */
	if (cfg_syn && role == PKTLENS_HS_SERVER)
		count_handshake_done(k->family, k->laddr, k->lport);
}

static __always_inline void handshake(const struct pkt_meta *m,
				      const struct pktlens_conn_key *k, __u64 h,
				      __u32 slot)
{
	__u8 f = m->tcp_flags;

	if (f & PKTLENS_TCP_RST) {
		/* Refused or aborted: neither a sample nor a timeout. */
		if (f & PKTLENS_TCP_SYN)
			return;
		bpf_map_delete_elem(&pktlens_handshakes, k);
		return;
	}
	if (f & PKTLENS_TCP_SYN) {
		if (f & PKTLENS_TCP_FIN)
			return;
		if (m->dir == PKTLENS_DIR_EGRESS) {
			__u8 role = (f & PKTLENS_TCP_ACK) ? PKTLENS_HS_SERVER
							  : PKTLENS_HS_CLIENT;
			struct pktlens_hs_pending *p, n = {};

			p = bpf_map_lookup_elem(&pktlens_handshakes, k);
			if (p && p->role == role && p->seq == m->tcp_seq) {
				/* Sent again: the first transmission counts. */
				if (role == PKTLENS_HS_CLIENT) {
					struct pktlens_tcp_lat *lat =
						tcp_lat_of(slot);

					if (lat)
						lat->syn_retransmits++;
				}
				return;
			}
			n.first_ns = bpf_ktime_get_ns();
			n.seq = m->tcp_seq;
			n.slot = slot;
			n.role = role;
			bpf_map_update_elem(&pktlens_handshakes, k, &n,
					    BPF_ANY);
			if (role == PKTLENS_HS_SERVER) {
				__u32 i =
					(__u32)h & (PKTLENS_HS_HINT_SLOTS - 1);
				__u64 *hint = bpf_map_lookup_elem(
					&pktlens_hs_hint, &i);

				if (hint)
					*hint = bpf_ktime_get_coarse_ns();
			}
		} else if (f & PKTLENS_TCP_ACK) {
			handshake_done(k, PKTLENS_HS_CLIENT, m->tcp_ack, slot);
		}
		return;
	}
	if (m->dir == PKTLENS_DIR_INGRESS && (f & PKTLENS_TCP_ACK)) {
		/* Maybe the final ACK of a handshake we answered: only worth
		 * a lookup if we sent a SYN-ACK on this hash recently. */
		__u32 i = (__u32)h & (PKTLENS_HS_HINT_SLOTS - 1);
		__u64 *hint = bpf_map_lookup_elem(&pktlens_hs_hint, &i);

		if (!hint || !*hint ||
		    (__s64)(bpf_ktime_get_coarse_ns() - *hint) >
			    (__s64)cfg_handshake_timeout_ns)
			return;
		handshake_done(k, PKTLENS_HS_SERVER, m->tcp_ack, slot);
	}
}

/*
 * Whether `v` is newer than the last value recorded for (h, dir), recording
 * it if so. Serial number arithmetic: TSvals wrap. Slots are shared by
 * colliding connections: a collision only costs a pending-map operation.
 */
static __always_inline int rtt_newer(__u64 h, __u8 dir, __u32 v)
{
	__u32 i = (((__u32)h & (PKTLENS_RTT_LAST_SLOTS - 1)) << 1) | (dir & 1);
	__u64 *last = bpf_map_lookup_elem(&pktlens_rtt_last, &i);
	__u64 want = (h & 0xffffffff00000000ULL) | v;

	if (!last)
		return 1;
	if ((*last >> 32) == (h >> 32) && (__s32)(v - (__u32)*last) <= 0)
		return 0;
	*last = want;
	return 1;
}

static __always_inline void passive_rtt(const struct pkt_meta *m,
					const struct pktlens_conn_key *k,
					__u64 h, __u32 slot)
{
	struct pktlens_rtt_key rk = {};
	struct pktlens_tcp_lat *lat;
	__u64 *sent, d;

	if (!m->has_tcp_ts) {
		lat = tcp_lat_of(slot);
		if (lat)
			lat->rtt_unsampled_packets++;
		return;
	}
	rk.conn = *k;
	if (m->dir == PKTLENS_DIR_EGRESS) {
		__u64 now;

		if (!rtt_newer(h, PKTLENS_DIR_EGRESS, m->tsval))
			return;
		now = bpf_ktime_get_ns();
		rk.tsval = m->tsval;
		/* The first segment carrying a TSval is the one timed. */
		bpf_map_update_elem(&pktlens_rtt_pending, &rk, &now,
				    BPF_NOEXIST);
		return;
	}
	/* TSecr is meaningful only with ACK (a SYN carries 0). */
	if (!(m->tcp_flags & PKTLENS_TCP_ACK) ||
	    !rtt_newer(h, PKTLENS_DIR_INGRESS, m->tsecr))
		return;
	rk.tsval = m->tsecr;
	sent = bpf_map_lookup_elem(&pktlens_rtt_pending, &rk);
	if (!sent)
		return;
	d = bpf_ktime_get_ns() - *sent;
	bpf_map_delete_elem(&pktlens_rtt_pending, &rk);
	lat = tcp_lat_of(slot);
	if (lat)
		pktlens_lat_observe(&lat->rtt, d);
}

/* Called by the TC hooks after account(), with the frame's slot. */
static __always_inline void tcp_latency(const struct pkt_meta *m, __u32 slot)
{
	struct pktlens_conn_key k;
	__u64 h;

	if (!(cfg_handshake || cfg_rtt))
		return;
	if (!m->tcp_hdr || !m->has_addrs || m->key.proto != IPPROTO_TCP_)
		return;
	conn_key_of(&k, m);
	h = pktlens_conn_key_hash(&k);
	if (cfg_handshake)
		handshake(m, &k, h, slot);
	if (cfg_rtt)
		passive_rtt(m, &k, h, slot);
}

#endif
