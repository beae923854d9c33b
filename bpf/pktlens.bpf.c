// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pktlens entry points. They observe: TC returns TC_ACT_UNSPEC so the
 * filters after ours still run, XDP returns XDP_PASS; nothing is changed.
 * The one exception is configured: at ingress, a packet from a network with
 * action drop gets TC_ACT_SHOT / XDP_DROP (lib/networks.h). All logic is in
 * lib/ (see docs/architecture.md).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "lib/hooks.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int tc_ingress(struct __sk_buff *skb)
{
	if (observe_tc(skb, PKTLENS_DIR_INGRESS))
		return TC_ACT_SHOT_;
	return TC_ACT_UNSPEC_;
}

SEC("tc")
int tc_egress(struct __sk_buff *skb)
{
	observe_tc(skb, PKTLENS_DIR_EGRESS);
	return TC_ACT_UNSPEC_;
}

SEC("xdp")
int xdp_ingress(struct xdp_md *ctx)
{
	if (observe_xdp(ctx))
		return XDP_DROP;
	return XDP_PASS;
}

/* Not attached anywhere: user space runs it on each CPU in turn with
 * BPF_PROG_TEST_RUN to move that CPU's flow cache into pktlens_flows
 * (lib/flow_cache.h). The frame's first byte is 1 to close the cache. */
SEC("tc")
int flow_cache_flush(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	int close = 0;

	if (data + 1 <= end)
		close = *(__u8 *)data == PKTLENS_FLOW_CACHE_FLUSH_CLOSE;
	return flow_cache_flush_batch(close);
}
