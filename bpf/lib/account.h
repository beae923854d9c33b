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

static __always_inline __u32 size_bucket(__u32 len)
{
	if (len <= 64)
		return 0;
	if (len <= 128)
		return 1;
	if (len <= 256)
		return 2;
	if (len <= 512)
		return 3;
	if (len <= 1024)
		return 4;
	if (len <= 1518)
		return 5;
	if (len <= 9000)
		return 6;
	return 7;
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
	struct pktlens_vlan_val *v, init = {.packets = 1, .bytes = m->len};
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
			s->vlan_overflow_packets++;
			s->vlan_overflow_bytes += m->len;
			return;
		}
	}
	v->packets++;
	v->bytes += m->len;
}

/* Returns the interface slot the frame was counted in. */
static __always_inline __u32 account(struct pkt_meta *m)
{
	struct pktlens_iface *ifc;
	struct pktlens_if_stats *s;
	__u32 slot = PKTLENS_SLOT_UNREGISTERED, idx;

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
	(&s->packets[0][0])[cls]++;
	(&s->bytes[0][0])[cls] += m->len;
	s->size_hist[size_bucket(m->len)]++;

	if (m->has_ip) {
		s->dscp[m->tos >> 2]++;
		s->ecn[m->tos & 3]++;
		s->ttl_hist[ttl_bucket(m->ttl)]++;
	}
	if (m->has_tcp_flags)
		count_tcp_flags(s, m->tcp_flags);
	if (m->anomalies)
		count_anomalies(s, m->anomalies);

	if (cfg_vlans && m->vlan_tags)
		account_vlan(s, m);

	if (cfg_flows && m->has_addrs) {
		account_flow(s, m);
	} else {
		s->flow_untracked_packets++;
		s->flow_untracked_bytes += m->len;
	}
	return slot;
}

#endif /* PKTLENS_LIB_ACCOUNT_H */
