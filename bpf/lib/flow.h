/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-flow accounting: lookup, insert, admission, and the presence filter
 * that keeps a flood of new 5-tuples away from the big flow table.
 *
 * Cost model (bench/, docs/performance.md): a hit in a small hot table is
 * cheap, but any access to a 1M-entry table misses cache and TLB, and an
 * insert is dearer still (and into a full table fails after the work). A
 * flood of spoofed 5-tuples would pay a table miss plus an insert attempt
 * for every packet. So:
 *  - admission: each CPU creates at most cfg_flow_inserts_per_window new
 *    flows per window; over that, "flood mode" until the window ends;
 *  - presence filter: a small bitmap (8 bits per flow slot, two bits set
 *    per flow, in one 64-bit word) says "certainly not in the table". In
 *    flood mode a packet whose bits are not both set skips the table: it
 *    could not be inserted anyway. False positives (~5% when the table is
 *    full) just take the normal lookup. Bits are set on insert and at a
 *    flow's first touch in each epoch of the touch log (every hit without
 *    the log), so a rebuilt bitmap heals itself; a warm packet outside
 *    flood mode never hashes its key for the filter.
 * Packets not counted in a flow are counted in flow_unadmitted_*.
 */
#ifndef PKTLENS_LIB_FLOW_H
#define PKTLENS_LIB_FLOW_H

#include "../maps.h"
#include "config.h"
#include "flow_cache.h"
#include "flow_hash.h"
#include "meta.h"
#include "proto.h"

#ifndef EEXIST
#define EEXIST 17
#endif

/* Refreshes this CPU's admission window; returns its state. */
static __always_inline struct pktlens_flow_budget *flow_budget(__u64 now)
{
	struct pktlens_flow_budget *b;
	__u32 zero = 0;

	b = bpf_map_lookup_elem(&pktlens_flow_budget, &zero);
	if (b && now - b->window_start_ns >= cfg_flow_window_ns) {
		b->window_start_ns = now;
		b->inserted = 0;
	}
	return b;
}

static __always_inline int budget_spent(const struct pktlens_flow_budget *b)
{
	if (cfg_flow_inserts_per_window == 0)
		return 0;
	return !b || b->inserted >= cfg_flow_inserts_per_window;
}

static __always_inline void flow_bump(struct pktlens_flow_val *v,
				      const struct pkt_meta *m, __u64 now)
{
	v->packets += m->segs;
	v->bytes += m->wire_len;
	v->last_seen_ns = now;
	v->tcp_flags |= m->tcp_flags;
}

/* The touch log's epoch (pktlens_abi.h); 0 when the log is off or nobody
 * reads it yet. */
static __always_inline __u32 flow_log_epoch(void)
{
	__u32 at = PKTLENS_FLOW_LOG_EPOCH;
	__u64 *e;

	if (!cfg_flow_log_shift)
		return 0;
	e = bpf_map_lookup_elem(&pktlens_flow_log_ctl, &at);
	return e ? (__u32)*(volatile __u64 *)e : 0;
}

/* Appends the key to this CPU's ring. One writer per ring: the ring and its
 * head are this CPU's, and a program runs to completion on it. */
static __always_inline int flow_log_append(const struct pktlens_flow_key *k)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 at = PKTLENS_FLOW_LOG_HEAD(cpu);
	struct pktlens_flow_key *slot;
	__u64 *head;

	head = bpf_map_lookup_elem(&pktlens_flow_log_ctl, &at);
	if (!head)
		return 0;
	at = (cpu << cfg_flow_log_shift) |
	     ((__u32)*head & ((1U << cfg_flow_log_shift) - 1));
	slot = bpf_map_lookup_elem(&pktlens_flow_log, &at);
	if (!slot)
		return 0;
	__builtin_memcpy(slot, k, sizeof(*k));
	/* Publishes the key: user space reads entries below the head only. The
	 * fetching atomic is fully ordered on every JIT, so the key is in
	 * place before the new head is visible (kept by the volatile). */
	volatile __u64 prev = __sync_fetch_and_add(head, 1);
	(void)prev;
	return 1;
}

/* Marks the flow present; reads first so the atomic is rare. */
static __always_inline void seen_mark(__u64 *word, __u64 bits)
{
	if (word && (*word & bits) != bits)
		__sync_fetch_and_or(word, bits);
}

/* The fields of `k` that cfg_flow_key leaves out, zeroed. */
static __always_inline void flow_key_mask(struct pktlens_flow_key *k)
{
	if (!(cfg_flow_key & PKTLENS_FK_VLAN)) {
		k->vlan = 0;
		k->vlan_inner = 0;
	}
	if (!(cfg_flow_key & PKTLENS_FK_PROTO))
		k->proto = 0;
	if (!(cfg_flow_key & PKTLENS_FK_SRC))
		__builtin_memset(k->src, 0, sizeof(k->src));
	if (!(cfg_flow_key & PKTLENS_FK_DST))
		__builtin_memset(k->dst, 0, sizeof(k->dst));
	if (cfg_flow_key & PKTLENS_FK_SERVICE_PORT) {
		/* ICMP type and code stay: they are no ports. */
		if (k->proto == IPPROTO_TCP_ || k->proto == IPPROTO_UDP_) {
			if (k->sport < k->dport)
				k->dport = 0;
			else
				k->sport = 0;
		}
		return;
	}
	if (!(cfg_flow_key & PKTLENS_FK_SPORT))
		k->sport = 0;
	if (!(cfg_flow_key & PKTLENS_FK_DPORT))
		k->dport = 0;
}

/* Where a flow's bits are in the presence filter; *word NULL when off. */
static __always_inline void seen_locate(const struct pktlens_flow_key *k,
					__u64 **word, __u64 *bits)
{
	__u64 h = pktlens_flow_key_hash(k);
	__u32 idx = pktlens_flow_seen_word(h, cfg_flow_seen_mask);

	*bits = pktlens_flow_seen_bits(h);
	*word = bpf_map_lookup_elem(&pktlens_flow_seen, &idx);
}

/*
 * A hit (flow_hit() counts the packet, then this): log the flow the first time this CPU touches it
 * in the epoch, and keep its presence bits set. The filter is only read in
 * flood mode, and user space rebuilds it from the table (then switches the
 * epoch), so refreshing the bits once an epoch heals a rebuild just as well
 * as on every packet, without hashing the key on every packet. With no
 * touch log (no epochs) every hit refreshes them. The counters are bumped
 * before the log: a reader that switched the epoch meanwhile reads them
 * when it looks the flow up, or the next touch logs it again.
 */
static __always_inline void flow_touched(struct pktlens_flow_val *v,
					 const struct pktlens_flow_key *k,
					 __u64 *word, __u64 bits)
{
	__u32 epoch;

	if (!cfg_flow_log_shift) {
		if (cfg_flow_seen_mask && !word)
			seen_locate(k, &word, &bits);
		seen_mark(word, bits);
		return;
	}
	epoch = flow_log_epoch();
	if (!epoch || v->log_epoch == epoch)
		return;
	if (flow_log_append(k))
		v->log_epoch = epoch;
	if (cfg_flow_seen_mask && !word)
		seen_locate(k, &word, &bits);
	seen_mark(word, bits);
}

static __always_inline void flow_hit(struct pktlens_flow_val *v,
				     const struct pktlens_flow_key *k,
				     const struct pkt_meta *m, __u64 now,
				     __u64 *word, __u64 bits)
{
	flow_bump(v, m, now);
	flow_touched(v, k, word, bits);
}

/* The networks cache of the flow entry the packet was counted in on this
 * CPU (lib/networks.h), or NULL when it created the flow or was not counted
 * in one. */
static __always_inline struct pktlens_net_cache *
flow_net_cache(struct pktlens_flow_val *v)
{
	return (struct pktlens_net_cache *)&v->net_gen;
}

/* A cached flow's first packet since the flush: logged, and its presence
 * bits set, as a flow's first touch in an epoch is (flow_touched()). */
static __always_inline void flow_cache_first(const struct pktlens_flow_key *k)
{
	__u64 *word = 0, bits = 0;

	if (cfg_flow_log_shift && flow_log_epoch())
		flow_log_append(k);
	if (cfg_flow_seen_mask) {
		seen_locate(k, &word, &bits);
		seen_mark(word, bits);
	}
}

static __always_inline struct pktlens_net_cache *
account_flow(struct pktlens_if_stats *s, const struct pkt_meta *m)
{
	/* The key as configured; a copy only when some field is left out
	 * (cfg_flow_key is a constant: the default pays nothing). */
	struct pktlens_flow_key masked __attribute__((aligned(8)));
	const struct pktlens_flow_key *key = &m->key;

	if (cfg_flow_key != PKTLENS_FK_ALL) {
		masked = m->key;
		flow_key_mask(&masked);
		key = &masked;
	}
	struct pktlens_flow_cache_ctl *cache = 0;
	struct flow_cache_ref ref = {};
	struct pktlens_flow_budget *b;
	struct pktlens_flow_val *v;
	__u64 *word = 0, bits = 0, now;
	__u32 cpu = 0;
	long err;

	if (cfg_flow_cache_shift) {
		cpu = bpf_get_smp_processor_id();
		cache = bpf_map_lookup_elem(&pktlens_flow_cache_ctl, &cpu);
	}
	if (cache) {
		/* One read of the cache's clock for the whole probe: the
		 * flood check and the slot's time. */
		__u64 cache_now = flow_cache_now();
		struct pktlens_net_cache *net;
		int hit;

		/* Flood mode (below) known from an earlier packet: the
		 * presence filter first, so that flood packets pay no cache
		 * probe. A cached flow has its bits (set at insert and at its
		 * slot's first packet after each flush). */
		if (cfg_flow_seen_mask && flow_cache_flooded(cache, cache_now)) {
			seen_locate(key, &word, &bits);
			if (word && (*word & bits) != bits)
				goto unadmitted;
		}
		hit = flow_cache_hit(cache, cpu, cache_now, key, m, &ref, &net);
		if (hit == FLOW_CACHE_FIRST)
			flow_cache_first(key);
		if (hit)
			return net;
	}
	/* Flow timestamps need no nanoseconds: the coarse clock is much
	 * cheaper than bpf_ktime_get_ns() on the hot path. */
	now = bpf_ktime_get_coarse_ns();
	b = flow_budget(now);
	if (cfg_flow_seen_mask && budget_spent(b)) {
		/* Flood mode: a packet whose bits are not both set is
		 * certainly new and could not be inserted; the table is not
		 * even looked at. */
		if (cache)
			flow_cache_flood(cache);
		if (!word)
			seen_locate(key, &word, &bits);
		if (word && (*word & bits) != bits)
			goto unadmitted;
	}

	v = bpf_map_lookup_elem(&pktlens_flows, key);
	if (v) {
		flow_hit(v, key, m, now, word, bits);
		flow_cache_take(&ref, key, v);
		return flow_net_cache(v);
	}
	if (!budget_spent(b)) {
		struct pktlens_flow_val init = {
			.packets = m->segs,
			.bytes = m->wire_len,
			.first_seen_ns = now,
			.last_seen_ns = now,
			.tcp_flags = m->tcp_flags,
			.tos = m->tos,
			/* Appended below once inserted; the append fails only
			 * for a CPU beyond the rings sized by the loader. */
			.log_epoch = flow_log_epoch(),
		};

		if (b)
			b->inserted++;
		err = bpf_map_update_elem(&pktlens_flows, key, &init,
					  BPF_NOEXIST);
		if (!err) {
			s->flow_inserts++;
			if (init.log_epoch)
				flow_log_append(key);
			if (cfg_flow_seen_mask) {
				seen_locate(key, &word, &bits);
				seen_mark(word, bits);
			}
			/* Not cached yet: a flood's flows would only take
			 * slots; its second packet does. */
			return 0;
		}
		/* Another CPU inserted the same flow between our lookup and
		 * update: count this packet in the entry it created. */
		if (err == -EEXIST) {
			v = bpf_map_lookup_elem(&pktlens_flows, key);
			if (v) {
				flow_hit(v, key, m, now, word, bits);
				return flow_net_cache(v);
			}
		}
	}
unadmitted:
	s->flow_unadmitted_packets += m->segs;
	s->flow_unadmitted_bytes += m->wire_len;
	return 0;
}

#endif
