/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Networks: the packet's source and destination addresses are looked up in
 * the configured prefixes (LPM tries, longest prefix wins) and counted per
 * network, direction and side. A network with action drop blocks packets
 * whose SOURCE is in it (the usual blocklist meaning), at ingress only.
 * Runs after account(), so a dropped packet is in the interface totals as
 * the hook saw it. Everything here is behind .rodata switches: with no
 * networks configured the verifier removes it, no lookup happens.
 */
#ifndef PKTLENS_LIB_NETWORKS_H
#define PKTLENS_LIB_NETWORKS_H

#include "../maps.h"
#include "config.h"
#include "meta.h"

/* No match: an id no network has (array lookups fail, nothing counted). */
#define NET_NONE PKTLENS_MAX_NETWORKS

static __always_inline void net_count(__u32 id, __u8 dir, __u32 side,
				      const struct pkt_meta *m)
{
	__u32 idx =
		(id * PKTLENS_DIR_MAX + (dir & 1)) * PKTLENS_SIDE_MAX + side;
	struct pktlens_net_count *c;

	c = bpf_map_lookup_elem(&pktlens_net_counts, &idx);
	if (c) {
		c->packets += m->segs;
		c->bytes += m->wire_len;
	}
}

/* The networks of the frame's source and destination (NET_NONE when no
 * prefix matches or the family has none configured); PKTLENS_NET_SRC_DROP
 * is or-ed into *src when the source's network has action drop. */
static __always_inline void net_lookup(const struct pkt_meta *m, __u32 *src,
				       __u32 *dst)
{
	struct pktlens_net_match *hit;

	*src = NET_NONE;
	*dst = NET_NONE;
	if (m->key.family == 4) {
		struct pktlens_lpm4_key k = {.prefixlen = 32};

		if (!(cfg_net & PKTLENS_NET_CFG_V4))
			return;
		__builtin_memcpy(k.addr, m->key.src, 4);
		hit = bpf_map_lookup_elem(&pktlens_net4, &k);
		if (hit)
			*src = hit->id | (hit->flags & PKTLENS_NET_DROP
						  ? PKTLENS_NET_SRC_DROP
						  : 0);
		__builtin_memcpy(k.addr, m->key.dst, 4);
		hit = bpf_map_lookup_elem(&pktlens_net4, &k);
		if (hit)
			*dst = hit->id;
	} else {
		struct pktlens_lpm6_key k = {.prefixlen = 128};

		if (!(cfg_net & PKTLENS_NET_CFG_V6))
			return;
		__builtin_memcpy(k.addr, m->key.src, 16);
		hit = bpf_map_lookup_elem(&pktlens_net6, &k);
		if (hit)
			*src = hit->id | (hit->flags & PKTLENS_NET_DROP
						  ? PKTLENS_NET_SRC_DROP
						  : 0);
		__builtin_memcpy(k.addr, m->key.dst, 16);
		hit = bpf_map_lookup_elem(&pktlens_net6, &k);
		if (hit)
			*dst = hit->id;
	}
}

/* A flow entry holds one source and one destination only when the flow
 * key keeps both addresses (flows.key): only then may it cache them. */
#define NET_CACHE_IN_FLOW                                                      \
	((cfg_flow_key & (PKTLENS_FK_SRC | PKTLENS_FK_DST)) ==                 \
	 (PKTLENS_FK_SRC | PKTLENS_FK_DST))

/* Returns 1 when the frame must be dropped: ingress, and the longest
 * prefix matching its source belongs to a network with action drop. Call
 * it only when cfg_net is set (networks_drop() below). `flow` is the
 * networks cache of the frame's flow on this CPU (its entry in
 * pktlens_flows or its flow cache slot), or NULL: the two LPM lookups are
 * made once per flow and program load, and cached in it. */
static __always_inline int account_networks(const struct pkt_meta *m,
					    struct pktlens_net_cache *flow)
{
	__u32 src, dst;

	if (!m->has_addrs)
		return 0;
	if (NET_CACHE_IN_FLOW && flow && flow->net_gen == cfg_net_gen) {
		src = flow->net_src;
		dst = flow->net_dst;
	} else {
		net_lookup(m, &src, &dst);
		if (NET_CACHE_IN_FLOW && flow) {
			flow->net_src = src;
			flow->net_dst = dst;
			flow->net_gen = cfg_net_gen;
		}
	}
	if ((src & ~PKTLENS_NET_SRC_DROP) != NET_NONE)
		net_count(src & ~PKTLENS_NET_SRC_DROP, m->dir, PKTLENS_SIDE_SRC,
			  m);
	if (dst != NET_NONE)
		net_count(dst, m->dir, PKTLENS_SIDE_DST, m);

	if ((cfg_net & PKTLENS_NET_CFG_DROP) && m->dir == PKTLENS_DIR_INGRESS &&
	    (src & PKTLENS_NET_SRC_DROP)) {
		struct pktlens_net_count *b;
		__u32 id = src & ~PKTLENS_NET_SRC_DROP;

		b = bpf_map_lookup_elem(&pktlens_net_blocked, &id);
		if (b) {
			b->packets += m->segs;
			b->bytes += m->wire_len;
		}
		return 1;
	}
	return 0;
}

/* The hooks' entry: with no networks (cfg_net 0, a constant) the verifier
 * removes everything but the load of the switch. Tested here, outside
 * account_networks(), so that nothing of its body is hoisted above it. */
static __always_inline int networks_drop(const struct pkt_meta *m,
					 struct pktlens_net_cache *flow)
{
	if (!cfg_net)
		return 0;
	return account_networks(m, flow);
}

#endif
