// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Baselines for bench/: the cheapest TC and XDP programs possible, so the
 * cost of the test-run machinery itself can be divided out. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int empty_tc(struct __sk_buff *skb)
{
	(void)skb;
	return -1; /* TC_ACT_UNSPEC */
}

SEC("xdp")
int empty_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}
