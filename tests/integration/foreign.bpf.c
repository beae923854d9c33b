// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test-only: programs that are not pktlens's, to check that pktlens leaves
 * other people's TC filters and XDP programs alone. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int foreign_tc(struct __sk_buff *skb)
{
	(void)skb;
	return -1;
}

SEC("xdp")
int foreign_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}
