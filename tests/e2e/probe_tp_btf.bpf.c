// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The e2e tests' kernel probe (tests/e2e/harness.py): the smallest BTF
 * tracepoint program. pktlensd loads tp_btf programs by default (its
 * kernel events); a kernel that refuses this one (EPERM, e.g. under
 * lockdown) cannot run the e2e tests, which then report SKIP instead of
 * failing. Not pktlens code on purpose: a broken pktlens program must fail
 * the tests, not skip them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/kfree_skb")
int BPF_PROG(pktlens_probe_tp_btf, struct sk_buff *skb)
{
	(void)ctx;
	(void)skb;
	return 0;
}
