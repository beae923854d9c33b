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
