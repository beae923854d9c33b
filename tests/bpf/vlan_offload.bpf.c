// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test-only: BPF_PROG_TEST_RUN cannot hand a program an skb whose VLAN tag
 * was taken off by hardware (__sk_buff.vlan_tci is not settable), yet that is
 * what TC ingress sees for every tagged frame: the stack moves the outer tag
 * into skb->vlan_tci before TC runs. This program puts a tag there with
 * bpf_skb_vlan_push() (on an untagged skb it only sets the offload fields)
 * and tail-calls the real tc_ingress/tc_egress, so that path is tested as is.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

const volatile __u16 push_proto = 0x8100;
const volatile __u16 push_tci = 0;

SEC("tc")
int push_vlan_then_observe(struct __sk_buff *skb)
{
	if (bpf_skb_vlan_push(skb, bpf_htons(push_proto), push_tci))
		return 2; /* TC_ACT_SHOT: the test sees the push failed */
	bpf_tail_call(skb, &target, 0);
	return 3; /* TC_ACT_PIPE: the tail call failed */
}
