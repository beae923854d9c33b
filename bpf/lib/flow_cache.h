/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The flow cache (pktlens_abi.h): each CPU counts the flows it sees often in
 * a direct-mapped table of its own, indexed by our hash of the key, instead
 * of looking them up in pktlens_flows on every packet. Live, the kernel's
 * hash lookup of the 48-byte key is most of a warm packet's flow cost
 * (docs/performance.md, "Live cost"): its hash, its bucket and its element
 * are cache misses between two packets; a slot here is one array index and
 * one key compare.
 *
 * Exactness: a packet is counted once, in its slot or in pktlens_flows.
 * Only flow_cache_flush_batch() moves a slot's counts into pktlens_flows,
 * on the slot's own CPU, and user space reads pktlens_flows only after
 * flushing every CPU. The flush runs in process context (BPF_PROG_TEST_RUN)
 * and a packet program can interrupt it on the same CPU, never the other
 * way round; so:
 *  - the flush sets ctl->busy first; a packet that sees it leaves the cache
 *    alone and counts in pktlens_flows;
 *  - the flush adds into pktlens_flows with atomics, which an interrupting
 *    packet's plain update of the same entry cannot tear;
 *  - a packet sets ctl->active while it uses a slot, and a flush that finds
 *    it set gives up (only possible where programs can be preempted, a
 *    real-time kernel): user space retries.
 * A slot changes hands only while it holds nothing to flush (packets 0), so
 * no eviction ever moves counts on the packet path.
 */
#ifndef PKTLENS_LIB_FLOW_CACHE_H
#define PKTLENS_LIB_FLOW_CACHE_H

#include "../maps.h"
#include "config.h"
#include "flow_hash.h"
#include "meta.h"

#ifndef EEXIST
#define EEXIST 17
#endif

#define flow_cache_barrier() asm volatile("" ::: "memory")

/* The key's slot on this CPU, for flow_cache_take(); ctl NULL: none free. */
struct flow_cache_ref {
	struct pktlens_flow_cache_ctl *ctl;
	struct pktlens_flow_cache_slot *slot;
};

static __always_inline __u32 flow_cache_mask(void)
{
	return (1U << cfg_flow_cache_shift) - 1;
}

static __always_inline int flow_key_equal(const struct pktlens_flow_key *a,
					  const struct pktlens_flow_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
		(x[3] ^ y[3]) | (x[4] ^ y[4]) | (x[5] ^ y[5])) == 0;
}

/*
 * Counts the packet in this CPU's slot for `k` (h: its
 * pktlens_flow_key_hash()) and returns the slot's value, when the cache is
 * open and the slot holds the flow. Otherwise NULL, and *ref names the slot
 * when it is free for the flow (see flow_cache_take()).
 */
static __always_inline struct pktlens_flow_val *
flow_cache_hit(const struct pktlens_flow_key *k, __u64 h,
	       const struct pkt_meta *m, __u64 now, struct flow_cache_ref *ref)
{
	struct pktlens_flow_cache_slot *slot;
	struct pktlens_flow_cache_ctl *c;
	struct pktlens_flow_val *v = 0;
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 at;
	__u32 *d;

	ref->ctl = 0;
	c = bpf_map_lookup_elem(&pktlens_flow_cache_ctl, &cpu);
	if (!c || now >= c->open_until_ns)
		return 0;
	*(volatile __u32 *)&c->active = 1;
	flow_cache_barrier();
	if (*(volatile __u32 *)&c->busy)
		goto out;
	at = (cpu << cfg_flow_cache_shift) | ((__u32)h & flow_cache_mask());
	slot = bpf_map_lookup_elem(&pktlens_flow_cache, &at);
	if (!slot)
		goto out;
	if (!slot->used || !flow_key_equal(&slot->key, k)) {
		if (!slot->val.packets) {
			ref->ctl = c;
			ref->slot = slot;
		}
		goto out;
	}
	if (!slot->val.packets) {
		/* The slot's first packet since the flush: list it. The list
		 * never holds more than the CPU's slots (a slot is listed
		 * only while its packets are not 0). */
		at = (cpu << cfg_flow_cache_shift) |
		     (c->dirty & flow_cache_mask());
		d = bpf_map_lookup_elem(&pktlens_flow_cache_dirty, &at);
		if (!d)
			goto out;
		*d = (__u32)h & flow_cache_mask();
		c->dirty++;
		slot->val.first_seen_ns = now;
	}
	slot->val.packets += m->segs;
	slot->val.bytes += m->wire_len;
	slot->val.last_seen_ns = now;
	slot->val.tcp_flags |= m->tcp_flags;
	v = &slot->val;
out:
	flow_cache_barrier();
	*(volatile __u32 *)&c->active = 0;
	return v;
}

/* Puts the flow whose entry in pktlens_flows is `v` into the free slot
 * flow_cache_hit() named, so that its next packet on this CPU hits. */
static __always_inline void flow_cache_take(const struct flow_cache_ref *ref,
					    const struct pktlens_flow_key *k,
					    const struct pktlens_flow_val *v)
{
	struct pktlens_flow_cache_ctl *c = ref->ctl;
	struct pktlens_flow_cache_slot *slot;

	if (!c)
		return;
	slot = ref->slot;
	*(volatile __u32 *)&c->active = 1;
	flow_cache_barrier();
	if (!*(volatile __u32 *)&c->busy && !slot->val.packets) {
		__builtin_memcpy(&slot->key, k, sizeof(*k));
		__builtin_memset(&slot->val, 0, sizeof(slot->val));
		slot->val.tos = v->tos;
		slot->val.log_epoch = v->log_epoch;
		slot->val.net_gen = v->net_gen;
		slot->val.net_src = v->net_src;
		slot->val.net_dst = v->net_dst;
		slot->used = 1;
	}
	flow_cache_barrier();
	*(volatile __u32 *)&c->active = 0;
}

/* ORs flag bits into an entry another CPU context may update meanwhile.
 * tcp_flags is the first byte of a 64-bit word, and BPF has no atomics on
 * bytes. */
static __always_inline void flow_or_flags_atomic(struct pktlens_flow_val *v,
						 __u8 flags)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	__u64 bits = flags;
#else
	__u64 bits = (__u64)flags << 56;
#endif
	if ((v->tcp_flags | flags) != v->tcp_flags)
		__sync_fetch_and_or((__u64 *)&v->tcp_flags, bits);
}

/* Adds the slot's counts into its flow in pktlens_flows (this CPU's value);
 * 0 when the flow is gone and the table has no room for it again. */
static __always_inline int flow_cache_add_into(struct pktlens_flow_cache_slot *s,
					       struct pktlens_flow_val *v)
{
	__sync_fetch_and_add(&v->packets, s->val.packets);
	__sync_fetch_and_add(&v->bytes, s->val.bytes);
	/* An interrupting packet may stamp a later time between the compare
	 * and the store: last_seen_ns is then off by the flush's duration. */
	if (s->val.last_seen_ns > v->last_seen_ns)
		v->last_seen_ns = s->val.last_seen_ns;
	flow_or_flags_atomic(v, s->val.tcp_flags);
	return 1;
}

static __always_inline int flow_cache_move(struct pktlens_flow_cache_ctl *c,
					   struct pktlens_flow_cache_slot *s)
{
	struct pktlens_flow_val *v;
	long err;

	v = bpf_map_lookup_elem(&pktlens_flows, &s->key);
	if (v)
		return flow_cache_add_into(s, v);
	/* User space removed the flow (expiry, eviction) after this CPU took
	 * packets of it: they are a new flow, as if they came now. */
	struct pktlens_flow_val init = {
		.packets = s->val.packets,
		.bytes = s->val.bytes,
		.first_seen_ns = s->val.first_seen_ns,
		.last_seen_ns = s->val.last_seen_ns,
		.tcp_flags = s->val.tcp_flags,
		.tos = s->val.tos,
	};
	err = bpf_map_update_elem(&pktlens_flows, &s->key, &init, BPF_NOEXIST);
	if (!err) {
		c->reinserted++;
		if (cfg_flow_seen_mask) {
			__u64 h = pktlens_flow_key_hash(&s->key);
			__u32 idx = pktlens_flow_seen_word(h, cfg_flow_seen_mask);
			__u64 *word = bpf_map_lookup_elem(&pktlens_flow_seen, &idx);

			if (word)
				__sync_fetch_and_or(word, pktlens_flow_seen_bits(h));
		}
		return 1;
	}
	if (err == -EEXIST) {
		/* A packet interrupting this flush created it meanwhile. */
		v = bpf_map_lookup_elem(&pktlens_flows, &s->key);
		if (v)
			return flow_cache_add_into(s, v);
	}
	c->insert_failed++;
	return 0;
}

/*
 * Moves up to PKTLENS_FLOW_CACHE_FLUSH_BATCH of this CPU's dirty slots into
 * pktlens_flows; returns how many are left (0: all flushed), or
 * PKTLENS_FLOW_CACHE_BUSY. Keeps the cache open for cfg_flow_cache_open_ns,
 * or closes it (close != 0): then packets count in pktlens_flows until the
 * next flush that does not close.
 */
static __always_inline int flow_cache_flush_batch(int close)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct pktlens_flow_cache_slot *slot;
	struct pktlens_flow_cache_ctl *c;
	__u32 n, at, *d;

	if (!cfg_flow_cache_shift)
		return 0;
	c = bpf_map_lookup_elem(&pktlens_flow_cache_ctl, &cpu);
	if (!c)
		return 0;
	*(volatile __u32 *)&c->busy = 1;
	flow_cache_barrier();
	if (*(volatile __u32 *)&c->active) {
		flow_cache_barrier();
		*(volatile __u32 *)&c->busy = 0;
		return PKTLENS_FLOW_CACHE_BUSY;
	}
	n = c->dirty;
	for (int i = 0; i < PKTLENS_FLOW_CACHE_FLUSH_BATCH; i++) {
		if (n == 0)
			break;
		at = (cpu << cfg_flow_cache_shift) | ((n - 1) & flow_cache_mask());
		d = bpf_map_lookup_elem(&pktlens_flow_cache_dirty, &at);
		if (!d)
			break;
		at = (cpu << cfg_flow_cache_shift) | (*d & flow_cache_mask());
		slot = bpf_map_lookup_elem(&pktlens_flow_cache, &at);
		if (!slot)
			break;
		/* Full table: the slot stays listed, for the next flush. */
		if (slot->val.packets && !flow_cache_move(c, slot))
			break;
		slot->val.packets = 0;
		slot->val.bytes = 0;
		slot->val.tcp_flags = 0;
		n--;
	}
	c->dirty = n;
	c->open_until_ns = close ? 0 : bpf_ktime_get_coarse_ns() + cfg_flow_cache_open_ns;
	flow_cache_barrier();
	*(volatile __u32 *)&c->busy = 0;
	return (int)n;
}

#endif
