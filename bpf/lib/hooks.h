/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The context layer: what differs between TC (struct __sk_buff) and XDP
 * (struct xdp_md) is gathered here into a pkt_meta, then the shared core
 * runs. Entry points in pktlens.bpf.c are one call each.
 */
#ifndef PKTLENS_LIB_HOOKS_H
#define PKTLENS_LIB_HOOKS_H

#include "account.h"
#include "networks.h"
#include "parse.h"
#include "tcp_latency.h"
#include "threats.h"

/*
 * On TC, data..data_end covers only the skb's linear part; headers can sit
 * in paged fragments (some drivers, GRO). The parser then reports a cut
 * header although the frame is longer. Only in that case are up to this
 * many bytes pulled into the linear part and the frame parsed again: a
 * pull on every packet would copy the head of every cloned skb (TCP keeps
 * the original for retransmission) just to be looked at.
 */
#define PKTLENS_TC_PULL_LEN 256
#define PKTLENS_CUT_HEADER                                                     \
	((1u << PKTLENS_ANOM_TRUNCATED) | (1u << PKTLENS_ANOM_TINY_FRAGMENT))

static __always_inline void meta_from_skb(struct pkt_meta *m,
					  struct __sk_buff *skb, __u8 dir)
{
	__builtin_memset(m, 0, sizeof(*m));
	m->len = skb->len;
	m->dir = dir;
	m->key.dir = dir;
	m->key.ifindex = skb->ifindex;
	m->gso = skb->gso_segs > 1;
	m->segs = m->gso ? skb->gso_segs : 1;
	m->gso_size = skb->gso_size;
	if (skb->vlan_present) {
		/* Tag taken off by VLAN offload, or by the stack before TC
		 * ingress: it was the outermost one. */
		m->key.vlan = skb->vlan_tci & 0x0fff;
		m->vlan_tags = 1;
	}
}

/*
 * What an aggregate is on the wire. TSO/GSO on egress and GRO on ingress
 * hand TC one skb for many packets: `segs` segments of gso_size payload
 * bytes each but the last, every one with the headers in front of the
 * payload (hdr_len: Ethernet .. TCP options, or .. UDP). Counting the skb
 * would say 1 packet of up to 64 KiB where the NIC sent 44 frames. Where
 * the parser found no TCP/UDP header (hdr_len 0) the bytes stay the skb's
 * length and only the packet count is the wire's.
 */
static __always_inline void wire_sizes(struct pkt_meta *m)
{
	m->wire_len = m->len;
	if (m->segs <= 1) {
		m->segs = 1;
		return;
	}
	__u32 hdr = m->hdr_len < m->len ? m->hdr_len : 0;
	__u32 payload = m->len - hdr;
	__u32 gso = m->gso_size;

	/* gso_size as the stack set it, unless it cannot be (a test or a
	 * driver that filled gso_segs alone): then equal shares. */
	if (!gso || (__u64)gso * (m->segs - 1) >= payload)
		gso = payload / m->segs;
	m->seg_len = hdr + gso;
	m->wire_len = m->len + (m->segs - 1) * hdr;
}

/* Both observers return 1 when the frame must be dropped (networks with
 * action drop, ingress only); it has been counted already. */
static __always_inline int observe_tc(struct __sk_buff *skb, __u8 dir)
{
	struct pktlens_net_cache *flow;
	struct pkt_meta m;
	__u32 linear, slot;

	meta_from_skb(&m, skb, dir);
	parse_frame((void *)(long)skb->data, (void *)(long)skb->data_end, &m);
	linear = skb->data_end - skb->data;
	if ((m.anomalies & PKTLENS_CUT_HEADER) && linear < m.len &&
	    linear < PKTLENS_TC_PULL_LEN) {
		__u32 want = m.len < PKTLENS_TC_PULL_LEN ? m.len
							 : PKTLENS_TC_PULL_LEN;

		if (bpf_skb_pull_data(skb, want) == 0) {
			meta_from_skb(&m, skb, dir);
			parse_frame((void *)(long)skb->data,
				    (void *)(long)skb->data_end, &m);
		}
	}
	wire_sizes(&m);
	slot = account(&m, &flow);
	/* A dropped packet is counted as seen (account) and blocked, but the
	 * stack never sees it: no latency, and not a threat signal (a flood
	 * from a blocked network is already handled). */
	if (networks_drop(&m, flow))
		return 1;
	tcp_latency(&m, slot);
	/* dir is a constant of each program: tc_egress has none of this. */
	if (dir == PKTLENS_DIR_INGRESS)
		threats_ingress(&m);
	return 0;
}

static __always_inline int observe_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pktlens_net_cache *flow;
	struct pkt_meta m = {};

	m.len = data_end - data;
	m.dir = PKTLENS_DIR_INGRESS;
	m.key.dir = PKTLENS_DIR_INGRESS;
	m.key.ifindex = ctx->ingress_ifindex;
	parse_frame(data, data_end, &m);
	wire_sizes(&m); /* XDP sees frames: one each */
	account(&m, &flow);
	if (networks_drop(&m, flow))
		return 1;
	threats_ingress(&m);
	return 0;
}

#endif
