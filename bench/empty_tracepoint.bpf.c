// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Baseline for bench/peers: an empty program on skb:kfree_skb, attached the
 * way pktlensd attaches its drop counter (a BTF tracepoint), so what the
 * tracepoint alone costs a dropped frame can be told from what the program
 * in it costs. An object of its own: the other baselines load on kernels
 * that refuse tracing programs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/kfree_skb")
int BPF_PROG(empty_kfree_skb)
{
	(void)ctx;
	return 0;
}
