// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Kernel events of the network stack, as counters and a histogram, in an
 * object of their own (the data plane's object stays the same whether or
 * not these run; daemon/bpf/tcp_events.* loads it):
 *   tp_kfree_skb              skb:kfree_skb        -> pktlens_drops
 *   tp_tcp_retransmit_skb     tcp:tcp_retransmit_skb     -> pktlens_retx,
 *   tp_tcp_retransmit_synack  tcp:tcp_retransmit_synack     pktlens_retx_flows
 *   tp_tcp_probe              tcp:tcp_probe        -> pktlens_srtt
 * All are BTF tracepoints (tp_btf): typed arguments, no tracefs needed.
 * They fire for the whole kernel; only events of the network namespace
 * whose inode number is cfg_netns_ino are counted (the daemon's own), so a
 * pktlensd in a container counts that container's traffic.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "lib/latency.h"
#include "tcp_events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET_ 2
#define AF_INET6_ 10

/* Set by the loader before load. */
const volatile __u32 cfg_netns_ino = 0;
const volatile __u64 cfg_srtt_sample_ns = PKTLENS_DEFAULT_SRTT_SAMPLE_NS;

/*
 * Per-CPU counters bumped with plain `++`: a tracing program runs to
 * completion on one CPU with migration disabled, and the per-CPU copy is
 * private to that CPU.
 */
/* clang-format off */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PKTLENS_DROP_SLOTS);
	__type(key, __u32); /* enum skb_drop_reason, capped */
	__type(value, __u64);
} pktlens_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_RETX_IFACES);
	__type(key, __u32); /* ifindex; 0 unknown */
	__type(value, struct pktlens_retx_val);
} pktlens_retx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, PKTLENS_DEFAULT_MAX_RETX_FLOWS);
	__type(key, struct pktlens_retx_flow_key);
	__type(value, __u64);
} pktlens_retx_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pktlens_lat_hist);
} pktlens_srtt SEC(".maps");

/* Per socket: bpf_ktime_get_ns() of its last srtt sample. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} pktlens_srtt_last SEC(".maps");
/* clang-format on */

/*
 * The arguments of a BTF tracepoint are trusted kernel pointers: fields are
 * read directly (the verifier turns each load into a fault-safe one), which
 * costs far less than a bpf_probe_read_kernel() call per field; CO-RE still
 * relocates the offsets (vmlinux.h marks every struct preserve_access_index).
 */
static __always_inline bool own_netns_sk(const struct sock_common *c)
{
	return c->skc_net.net->ns.inum == cfg_netns_ino;
}

/*
 * The namespace of a dropped skb: its device's, else its socket's. An skb
 * with neither (rare: freed outside any device or socket) has no
 * namespace to compare and is not counted.
 */
static __always_inline bool own_netns_skb(const struct sk_buff *skb)
{
	const struct net_device *dev = skb->dev;

	if (dev)
		return dev->nd_net.net->ns.inum == cfg_netns_ino;
	const struct sock *sk = skb->sk;

	if (sk)
		return own_netns_sk(&sk->__sk_common);
	return false;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(tp_kfree_skb, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason)
{
	(void)ctx;
	(void)location;
	/*
	 * Frees that are not drops. Since Linux 6.0 a free with
	 * SKB_CONSUMED fires skb:consume_skb instead, and NOT_DROPPED_YET is
	 * a bug the kernel warns about; both are checked here by name (CO-RE
	 * enum relocations) so that no kernel counts them as drops.
	 */
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED))
		return 0;
	if (bpf_core_enum_value_exists(enum skb_drop_reason,
				       SKB_NOT_DROPPED_YET) &&
	    reason == bpf_core_enum_value(enum skb_drop_reason,
					  SKB_NOT_DROPPED_YET))
		return 0;
	if (!own_netns_skb(skb))
		return 0;
	__u32 slot = (__u32)reason;

	if (slot > PKTLENS_DROP_OVERFLOW)
		slot = PKTLENS_DROP_OVERFLOW;
	__u64 *n = bpf_map_lookup_elem(&pktlens_drops, &slot);

	if (n)
		(*n)++;
	return 0;
}

static __always_inline struct pktlens_retx_val *retx_slot(__u32 ifindex)
{
	struct pktlens_retx_val *v =
		bpf_map_lookup_elem(&pktlens_retx, &ifindex);

	if (v)
		return v;
	struct pktlens_retx_val zero = {};

	bpf_map_update_elem(&pktlens_retx, &ifindex, &zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&pktlens_retx, &ifindex);
	if (v)
		return v;
	/* The map is full: count under 0, which user space created. */
	ifindex = 0;
	return bpf_map_lookup_elem(&pktlens_retx, &ifindex);
}

/* The connection's addresses as its egress frames carry them. A v4-mapped
 * IPv6 socket sends IPv4 frames, so it gets an IPv4 key. */
static __always_inline bool flow_key_of(const struct sock_common *c,
					struct pktlens_retx_flow_key *k)
{
	const __u16 family = BPF_CORE_READ(c, skc_family);

	k->sport = BPF_CORE_READ(c, skc_num);
	k->dport = bpf_ntohs(BPF_CORE_READ(c, skc_dport));
	if (family == AF_INET6_) {
		struct in6_addr d = BPF_CORE_READ(c, skc_v6_daddr);
		bool mapped = d.in6_u.u6_addr32[0] == 0 &&
			      d.in6_u.u6_addr32[1] == 0 &&
			      d.in6_u.u6_addr32[2] == bpf_htonl(0xffff);

		if (!mapped) {
			struct in6_addr s = BPF_CORE_READ(c, skc_v6_rcv_saddr);

			k->family = 6;
			__builtin_memcpy(k->src, &s, 16);
			__builtin_memcpy(k->dst, &d, 16);
			return true;
		}
	} else if (family != AF_INET_) {
		return false;
	}
	__be32 s4 = BPF_CORE_READ(c, skc_rcv_saddr);
	__be32 d4 = BPF_CORE_READ(c, skc_daddr);

	k->family = 4;
	__builtin_memcpy(k->src, &s4, 4);
	__builtin_memcpy(k->dst, &d4, 4);
	return true;
}

static __always_inline void count_retransmit(const struct sock_common *c,
					     __u32 ifindex, bool synack)
{
	struct pktlens_retx_val *v = retx_slot(ifindex);

	if (v) {
		if (synack)
			v->synacks++;
		else
			v->segments++;
	}
	struct pktlens_retx_flow_key k = {.ifindex = ifindex};

	if (!flow_key_of(c, &k))
		return;
	__u64 *n = bpf_map_lookup_elem(&pktlens_retx_flows, &k);

	if (n) {
		(*n)++;
		return;
	}
	__u64 one = 1;

	/* A concurrent insert on another CPU may win; per-CPU values make
	 * both counts land (each CPU's copy is its own). */
	if (bpf_map_update_elem(&pktlens_retx_flows, &k, &one, BPF_NOEXIST)) {
		n = bpf_map_lookup_elem(&pktlens_retx_flows, &k);
		if (n)
			(*n)++;
	}
}

/* The device a socket's segments leave by: the bound device, else the
 * cached route's; 0 when neither is known. */
static __always_inline __u32 sk_ifindex(const struct sock *sk)
{
	__u32 ifindex = BPF_CORE_READ(sk, __sk_common.skc_bound_dev_if);

	if (ifindex)
		return ifindex;
	return BPF_CORE_READ(sk, sk_dst_cache, dev, ifindex);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tp_tcp_retransmit_skb, const struct sock *sk,
	     const struct sk_buff *skb)
{
	(void)ctx;
	(void)skb;
	if (!sk || !own_netns_sk(&sk->__sk_common))
		return 0;
	count_retransmit(&sk->__sk_common, sk_ifindex(sk), false);
	return 0;
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(tp_tcp_retransmit_synack, const struct sock *sk,
	     const struct request_sock *req)
{
	(void)ctx;
	(void)sk;
	if (!req || !own_netns_sk(&req->__req_common))
		return 0;
	/* ir_iif, the device the SYN came in by. */
	__u32 ifindex = BPF_CORE_READ(req, __req_common.skc_bound_dev_if);

	count_retransmit(&req->__req_common, ifindex, true);
	return 0;
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(tp_tcp_probe, struct sock *sk, const struct sk_buff *skb)
{
	(void)ctx;
	(void)skb;
	if (!own_netns_sk(&sk->__sk_common))
		return 0;
	const struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);

	if (!tp)
		return 0;
	/* srtt_us holds 8 x the smoothed RTT in us; 0: no RTT sample yet. */
	const __u32 srtt8 = tp->srtt_us;

	if (!srtt8)
		return 0;
	__u64 *last = bpf_sk_storage_get(&pktlens_srtt_last, sk, 0,
					 BPF_SK_STORAGE_GET_F_CREATE);

	if (!last)
		return 0;
	const __u64 now = bpf_ktime_get_ns();

	if (*last && now - *last < cfg_srtt_sample_ns)
		return 0;
	*last = now;
	__u32 zero = 0;
	struct pktlens_lat_hist *h = bpf_map_lookup_elem(&pktlens_srtt, &zero);

	if (h)
		pktlens_lat_observe(h, (__u64)(srtt8 >> 3) * 1000);
	return 0;
}
