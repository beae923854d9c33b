/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The context layer: what differs between TC (struct __sk_buff) and XDP
 * (struct xdp_md) is gathered here into a pkt_meta, then the shared core
 * runs. Entry points in pktlens.bpf.c are one call each.
 */
#ifndef PKTLENS_LIB_HOOKS_H
#define PKTLENS_LIB_HOOKS_H

#include "account.h"
#include "parse.h"

/*
 * On TC, data..data_end covers only the skb's linear part; headers can sit
 * in paged fragments (GRO, some drivers). Pull up to this many bytes into
 * the linear part when they are not already there, so the parser sees every
 * header it can reach. The pull does not change the packet's contents.
 */
#define PKTLENS_TC_PULL_LEN 256

static __always_inline void observe_tc(struct __sk_buff *skb, __u8 dir)
{
	struct pkt_meta m = {};
	__u32 len = skb->len;
	__u32 want = len < PKTLENS_TC_PULL_LEN ? len : PKTLENS_TC_PULL_LEN;

	if (skb->data_end - skb->data < want)
		bpf_skb_pull_data(skb, want);

	m.len = len;
	m.dir = dir;
	m.key.dir = dir;
	m.key.ifindex = skb->ifindex;
	m.gso = skb->gso_segs > 1;
	if (skb->vlan_present) {
		/* Tag taken off by VLAN offload: it was the outermost one. */
		m.key.vlan = skb->vlan_tci & 0x0fff;
		m.vlan_tags = 1;
	}
	parse_frame((void *)(long)skb->data, (void *)(long)skb->data_end, &m);
	account(&m);
}

static __always_inline void observe_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt_meta m = {};

	m.len = data_end - data;
	m.dir = PKTLENS_DIR_INGRESS;
	m.key.dir = PKTLENS_DIR_INGRESS;
	m.key.ifindex = ctx->ingress_ifindex;
	parse_frame(data, data_end, &m);
	account(&m);
}

#endif
