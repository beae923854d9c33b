// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pktlens entry points. They observe only: TC returns TC_ACT_UNSPEC so the
 * filters after ours still run, XDP returns XDP_PASS; nothing is changed or
 * dropped. All logic is in lib/ (see docs/architecture.md).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "lib/hooks.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int tc_ingress(struct __sk_buff *skb)
{
	observe_tc(skb, PKTLENS_DIR_INGRESS);
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
	observe_xdp(ctx);
	return XDP_PASS;
}
