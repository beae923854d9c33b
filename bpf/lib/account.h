/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * account(): the one place a parsed frame turns into map updates, shared by
 * every hook. Order matters only in one way: the per-interface counters are
 * bumped first and unconditionally, so a frame is counted exactly once even
 * when a later, optional map (VLAN, flows) has no room for it.
 */
#ifndef PKTLENS_LIB_ACCOUNT_H
#define PKTLENS_LIB_ACCOUNT_H

#include "../maps.h"
#include "config.h"
#include "flow.h"
#include "meta.h"

/* PKTLENS_SIZE_BOUNDS_INIT, as branches the compiler can balance. */
static __always_inline __u32 size_bucket(__u32 len)
{
	if (len <= 1024) {
		if (len <= 128)
			return len <= 64 ? 0 : 1;
		if (len <= 256)
			return 2;
		return len <= 512 ? 3 : 4;
	}
	if (len <= 2048) {
		if (len <= 1280)
			return 5;
		return len <= 1518 ? 6 : 7;
	}
	if (len <= 9000)
		return len <= 4096 ? 8 : 9;
	if (len <= 16384)
		return 10;
	return len <= 65535 ? 11 : 12;
}

static __always_inline __u32 ttl_bucket(__u8 ttl)
{
	if (ttl <= 1)
		return 0;
	if (ttl <= 2)
		return 1;
	if (ttl <= 4)
		return 2;
	if (ttl <= 8)
		return 3;
	if (ttl <= 16)
		return 4;
	if (ttl <= 32)
		return 5;
	if (ttl <= 64)
		return 6;
	if (ttl <= 128)
		return 7;
	return 8;
}

static __always_inline void count_tcp_flags(struct pktlens_if_stats *s, __u8 f)
{
	if (f & PKTLENS_TCP_SYN) {
		if (f & PKTLENS_TCP_ACK)
			s->tcp_flags[PKTLENS_TCPF_SYNACK]++;
		else
			s->tcp_flags[PKTLENS_TCPF_SYN]++;
	}
	if (f & PKTLENS_TCP_FIN)
		s->tcp_flags[PKTLENS_TCPF_FIN]++;
	if (f & PKTLENS_TCP_RST)
		s->tcp_flags[PKTLENS_TCPF_RST]++;
	if (f & PKTLENS_TCP_PSH)
		s->tcp_flags[PKTLENS_TCPF_PSH]++;
	if (f & PKTLENS_TCP_URG)
		s->tcp_flags[PKTLENS_TCPF_URG]++;
	if (f & PKTLENS_TCP_ECE)
		s->tcp_flags[PKTLENS_TCPF_ECE]++;
	if (f & PKTLENS_TCP_CWR)
		s->tcp_flags[PKTLENS_TCPF_CWR]++;
}

static __always_inline void count_anomalies(struct pktlens_if_stats *s, __u32 a)
{
#pragma unroll
	for (int i = 0; i < PKTLENS_ANOM_MAX; i++)
		if (a & (1u << i))
			s->anomalies[i]++;
}

static __always_inline void account_vlan(struct pktlens_if_stats *s,
					 const struct pkt_meta *m)
{
	struct pktlens_vlan_key k = {
		.ifindex = m->key.ifindex,
		.vlan = m->key.vlan,
		.vlan_inner = m->key.vlan_inner,
		.dir = m->dir,
		.tags = m->vlan_tags,
	};
	struct pktlens_vlan_val *v, init = {.packets = m->segs, .bytes = m->wire_len};
	long err;

	v = bpf_map_lookup_elem(&pktlens_vlans, &k);
	if (!v) {
		err = bpf_map_update_elem(&pktlens_vlans, &k, &init,
					  BPF_NOEXIST);
		if (!err)
			return;
		/* Another CPU created it first: update the entry it made. */
		if (err == -EEXIST)
			v = bpf_map_lookup_elem(&pktlens_vlans, &k);
		if (!v) {
			s->vlan_overflow_packets += m->segs;
			s->vlan_overflow_bytes += m->wire_len;
			return;
		}
	}
	v->packets += m->segs;
	v->bytes += m->wire_len;
}

/* Returns the interface slot the frame was counted in; *flow is the
 * networks cache of the flow the frame was counted in on this CPU
 * (account_flow()), or NULL. */
static __always_inline __u32 account(struct pkt_meta *m,
				     struct pktlens_net_cache **flow)
{
	struct pktlens_iface *ifc;
	struct pktlens_if_stats *s;
	__u32 slot = PKTLENS_SLOT_UNREGISTERED, idx;

	*flow = 0;
	ifc = bpf_map_lookup_elem(&pktlens_ifaces, &m->key.ifindex);
	if (!ifc)
		ifc = bpf_map_lookup_elem(&pktlens_ifaces_hi, &m->key.ifindex);
	if (ifc) {
		slot = ifc->slot;
		/* Larger than MTU + link header is an error unless the frame is
		 * a GSO/GRO aggregate, which the stack splits later. */
		if (ifc->mtu && !m->gso && m->len > ifc->mtu + m->link_hdr_len)
			META_ANOM(m, PKTLENS_ANOM_OVERSIZE);
	}
	idx = slot * PKTLENS_DIR_MAX + (m->dir & 1);
	s = bpf_map_lookup_elem(&pktlens_stats, &idx);
	if (!s) {
		/* A slot beyond the array (user space bug): never lose the
		 * packet, count it as unregistered. */
		slot = PKTLENS_SLOT_UNREGISTERED;
		idx = PKTLENS_SLOT_UNREGISTERED * PKTLENS_DIR_MAX +
		      (m->dir & 1);
		s = bpf_map_lookup_elem(&pktlens_stats, &idx);
		if (!s)
			return slot;
	}

	__u32 cls = (__u32)m->l3 * PKTLENS_L4_MAX + m->l4;
	if (cls >= PKTLENS_L3_MAX * PKTLENS_L4_MAX)
		cls = PKTLENS_L3_OTHER * PKTLENS_L4_MAX + PKTLENS_L4_OTHER;
	/* Packets and bytes as on the wire (wire_sizes()); the skb itself
	 * once. */
	s->skbs++;
	(&s->packets[0][0])[cls] += m->segs;
	(&s->bytes[0][0])[cls] += m->wire_len;
	if (m->segs > 1) {
		/* Full segments, then the last one with what is left. */
		s->size_hist[size_bucket(m->seg_len)] += m->segs - 1;
		s->size_hist[size_bucket(m->wire_len -
					 (m->segs - 1) * m->seg_len)]++;
	} else {
		s->size_hist[size_bucket(m->len)]++;
	}

	if (m->has_ip) {
		s->dscp[m->tos >> 2] += m->segs;
		s->ecn[m->tos & 3] += m->segs;
		s->ttl_hist[ttl_bucket(m->ttl)] += m->segs;
		s->ttl_sum += (__u64)m->ttl * m->segs;
	}
	if (m->has_tcp_flags)
		count_tcp_flags(s, m->tcp_flags);
	if (m->anomalies)
		count_anomalies(s, m->anomalies);

	if (cfg_vlans && m->vlan_tags)
		account_vlan(s, m);

	if (cfg_flows && m->has_addrs) {
		*flow = account_flow(s, m);
	} else {
		s->flow_untracked_packets += m->segs;
		s->flow_untracked_bytes += m->wire_len;
	}
	return slot;
}

#endif /* PKTLENS_LIB_ACCOUNT_H */
