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
 *
 * The touch log (lib/flow.h): a slot's first packet after a flush logs the
 * key. User space drains the log, then flushes, then reads: the counts a
 * slot gathered since the previous flush are in the table by the time the
 * logged key is looked up. A flush user space missed on a CPU, or a flow
 * it finds removed and inserts again, makes it read the whole table once
 * (bpf::FlowCache).
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

/*
 * The cache's clock (slot times, ctl->open_until): jiffies where the loader
 * knows the tick's length (cfg_flow_cache_tick_ns), since bpf_jiffies64() is
 * one load once JITed while bpf_ktime_get_coarse_ns() is a helper call;
 * else the coarse clock in units of 2^20 ns. flow_cache_ns() gives a slot's
 * time back as bpf_ktime_get_coarse_ns(), to within a tick (or a unit): the
 * coarse clock itself only moves at the tick.
 */
static __always_inline __u64 flow_cache_now(void)
{
	if (cfg_flow_cache_tick_ns)
		return bpf_jiffies64();
	return bpf_ktime_get_coarse_ns() >> 20;
}

static __always_inline __u64 flow_cache_unit_ns(void)
{
	return cfg_flow_cache_tick_ns ? cfg_flow_cache_tick_ns : 1ULL << 20;
}

/* A slot time (the low 32 bits of the cache's clock) as
 * bpf_ktime_get_coarse_ns(), given both clocks now. */
static __always_inline __u64 flow_cache_ns(__u32 t, __u64 now_t, __u64 now_ns)
{
	__u64 ago = (__u64)(__u32)((__u32)now_t - t) * flow_cache_unit_ns();

	return now_ns > ago ? now_ns - ago : 0;
}

/* In a slot, the key's _pad byte holds the TCP flags: keys compare without
 * it. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FLOW_SLOT_PAD_SHIFT 56
#else
#define FLOW_SLOT_PAD_SHIFT 0
#endif

static __always_inline int flow_slot_holds(const struct pktlens_flow_cache_slot *s,
					   const struct pktlens_flow_key *k)
{
	const __u64 *x = (const __u64 *)&s->key, *y = (const __u64 *)k;

	return ((x[0] ^ y[0]) |
		((x[1] ^ y[1]) & ~(0xffULL << FLOW_SLOT_PAD_SHIFT)) |
		(x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]) |
		(x[5] ^ y[5])) == 0;
}

static __always_inline __u32 flow_cache_mask(void)
{
	return (1U << cfg_flow_cache_shift) - 1;
}

/* The key's set on this CPU: its first slot's index in pktlens_flow_cache. */
static __always_inline __u32 flow_cache_set(const struct pktlens_flow_key *k,
					    __u32 cpu)
{
	return (cpu << cfg_flow_cache_shift) |
	       ((__u32)pktlens_flow_slot_hash(k) & flow_cache_mask() & ~1U);
}

/* flow_cache_hit()'s answer. */
enum flow_cache_hit_kind {
	FLOW_CACHE_MISS = 0,
	FLOW_CACHE_HIT = 1,
	/* A hit, and the slot's first packet since the flush: the caller logs
	 * the key and sets its presence bits (lib/flow.h). */
	FLOW_CACHE_FIRST = 2,
};

/* After a miss: a slot of the key's set free for the flow
 * (flow_cache_take()), ctl NULL when none. */
struct flow_cache_ref {
	struct pktlens_flow_cache_ctl *ctl;
	struct pktlens_flow_cache_slot *slot;
	__u32 at;
	__u32 now; /* cache clock, low 32 bits */
};

/* Whether a slot may take another flow: it holds nothing to flush, and is
 * empty or had no packet (nor a flow put in it) since the last flush
 * (`since`, cache clock). A flow put in a slot keeps it until the next
 * flush: with more flows than slots, flows would otherwise take turns in
 * a slot, each paying to move in and none hitting. */
static __always_inline int flow_slot_free(const struct pktlens_flow_cache_slot *s,
					  __u32 since)
{
	return !s->packets && (!s->key.ifindex || (__s32)(s->last_seen - since) < 0);
}

/*
 * Counts the packet in this CPU's slot for `k` when the cache is open and
 * holds the flow; *net is then the slot's networks cache. Sets of two
 * slots: in 32k slots a direct-mapped cache left about 14% of 10k flows
 * out, two ways about 5%.
 */
static __always_inline int flow_cache_hit(struct pktlens_flow_cache_ctl *c,
					  __u32 cpu, __u64 now,
					  const struct pktlens_flow_key *k,
					  const struct pkt_meta *m,
					  struct flow_cache_ref *ref,
					  struct pktlens_net_cache **net)
{
	struct pktlens_flow_cache_slot *slot, *other;
	struct pktlens_flow_cache_cold *cold = 0;
	int hit = FLOW_CACHE_MISS;
	__u32 at, *d;

	ref->ctl = 0;
	*net = 0;
	if (now >= c->open_until)
		return FLOW_CACHE_MISS;
	*(volatile __u32 *)&c->active = 1;
	flow_cache_barrier();
	if (*(volatile __u32 *)&c->busy)
		goto out;
	at = flow_cache_set(k, cpu);
	slot = bpf_map_lookup_elem(&pktlens_flow_cache, &at);
	if (!slot)
		goto out;
	if (!flow_slot_holds(slot, k)) {
		at |= 1;
		other = bpf_map_lookup_elem(&pktlens_flow_cache, &at);
		if (!other)
			goto out;
		if (!flow_slot_holds(other, k)) {
			/* Not cached: a free slot of the set may take it,
			 * an empty one first. */
			__u32 since = (__u32)(c->open_until -
					      cfg_flow_cache_open_ns / flow_cache_unit_ns());

			if (!slot->key.ifindex ||
			    (other->key.ifindex && flow_slot_free(slot, since)))
				at &= ~1U;
			else
				slot = other;
			if (flow_slot_free(slot, since)) {
				ref->ctl = c;
				ref->slot = slot;
				ref->at = at;
				ref->now = (__u32)now;
			}
			goto out;
		}
		slot = other;
	}
	if (slot->packets >= 0x80000000U)
		goto out;
	if (cfg_net || !slot->packets) {
		cold = bpf_map_lookup_elem(&pktlens_flow_cache_cold, &at);
		if (!cold)
			goto out;
	}
	if (!slot->packets) {
		/* The slot's first packet since the flush: list it. The list
		 * never holds more than the CPU's slots (a slot is listed
		 * only while its packets are not 0). */
		__u32 n = (cpu << cfg_flow_cache_shift) |
			  (c->dirty & flow_cache_mask());

		d = bpf_map_lookup_elem(&pktlens_flow_cache_dirty, &n);
		if (!d || !cold)
			goto out;
		*d = at & flow_cache_mask();
		c->dirty++;
		cold->first_seen = (__u32)now;
		hit = FLOW_CACHE_FIRST;
	} else {
		hit = FLOW_CACHE_HIT;
	}
	slot->packets += m->segs;
	slot->bytes += m->wire_len;
	slot->last_seen = (__u32)now;
	if (m->tcp_flags)
		slot->key._pad |= m->tcp_flags;
	if (cfg_net && cold)
		*net = &cold->net;
out:
	flow_cache_barrier();
	*(volatile __u32 *)&c->active = 0;
	return hit;
}

/* Whether this CPU is in flood mode (flow_cache_flood()). */
static __always_inline int flow_cache_flooded(const struct pktlens_flow_cache_ctl *c,
					      __u64 now)
{
	return now < c->flood_until;
}

/* The CPU's admission budget is spent: flood mode until the window ends
 * (at most one window more). */
static __always_inline void flow_cache_flood(struct pktlens_flow_cache_ctl *c)
{
	c->flood_until = flow_cache_now() +
			 cfg_flow_window_ns / flow_cache_unit_ns() + 1;
}

/* Puts the flow whose entry in pktlens_flows is `v` into the free slot
 * flow_cache_hit() named, so that its next packet on this CPU hits. */
static __always_inline void flow_cache_take(const struct flow_cache_ref *ref,
					    const struct pktlens_flow_key *k,
					    const struct pktlens_flow_val *v)
{
	struct pktlens_flow_cache_ctl *c = ref->ctl;
	struct pktlens_flow_cache_slot *slot;
	struct pktlens_flow_cache_cold *cold;
	__u32 at;

	if (!c)
		return;
	slot = ref->slot;
	at = ref->at;
	cold = bpf_map_lookup_elem(&pktlens_flow_cache_cold, &at);
	if (!cold)
		return;
	*(volatile __u32 *)&c->active = 1;
	flow_cache_barrier();
	if (!*(volatile __u32 *)&c->busy && !slot->packets) {
		__builtin_memcpy(&slot->key, k, sizeof(*k));
		slot->key._pad = 0;
		slot->bytes = 0;
		slot->last_seen = ref->now;
		cold->tos = v->tos;
		cold->net.net_gen = v->net_gen;
		cold->net.net_src = v->net_src;
		cold->net.net_dst = v->net_dst;
	}
	flow_cache_barrier();
	*(volatile __u32 *)&c->active = 0;
}

/* ORs flag bits into an entry another context on this CPU may update
 * meanwhile. tcp_flags is the first byte of a 64-bit word, and BPF has no
 * atomics on bytes. */
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

/* What a flush moves of one slot. */
struct flow_cache_moved {
	struct pktlens_flow_key key; /* _pad 0: as in pktlens_flows */
	__u64 first_ns;
	__u64 last_ns;
	__u8 tcp_flags;
};

static __always_inline void flow_cache_add_into(struct pktlens_flow_val *v,
						const struct pktlens_flow_cache_slot *s,
						const struct flow_cache_moved *mv)
{
	__sync_fetch_and_add(&v->packets, (__u64)s->packets);
	__sync_fetch_and_add(&v->bytes, s->bytes);
	/* An interrupting packet may stamp a later time between the compare
	 * and the store: last_seen_ns is then off by the flush's duration. */
	if (mv->last_ns > v->last_seen_ns)
		v->last_seen_ns = mv->last_ns;
	flow_or_flags_atomic(v, mv->tcp_flags);
}

/* Adds the slot's counts into its flow in pktlens_flows (this CPU's value);
 * 0 when the flow is gone and the table has no room for it again. A
 * function of its own: the verifier then walks it once for all iterations
 * of the flush's loop, not once each. */
static __noinline int flow_cache_move(struct pktlens_flow_cache_ctl *c,
					   const struct pktlens_flow_cache_slot *s,
					   const struct pktlens_flow_cache_cold *cold,
					   __u64 now_t, __u64 now_ns)
{
	struct flow_cache_moved mv;
	struct pktlens_flow_val *v;
	long err;

	__builtin_memcpy(&mv.key, &s->key, sizeof(mv.key));
	mv.tcp_flags = mv.key._pad;
	mv.key._pad = 0;
	mv.last_ns = flow_cache_ns(s->last_seen, now_t, now_ns);
	v = bpf_map_lookup_elem(&pktlens_flows, &mv.key);
	if (v) {
		flow_cache_add_into(v, s, &mv);
		return 1;
	}
	/* User space removed the flow (expiry, eviction) after this CPU took
	 * packets of it: they are a new flow, as if they came now. */
	mv.first_ns = flow_cache_ns(cold->first_seen, now_t, now_ns);
	struct pktlens_flow_val init = {
		.packets = s->packets,
		.bytes = s->bytes,
		.first_seen_ns = mv.first_ns < mv.last_ns ? mv.first_ns : mv.last_ns,
		.last_seen_ns = mv.last_ns,
		.tcp_flags = mv.tcp_flags,
		.tos = cold->tos,
	};
	err = bpf_map_update_elem(&pktlens_flows, &mv.key, &init, BPF_NOEXIST);
	if (!err) {
		c->reinserted++;
		if (cfg_flow_seen_mask) {
			__u64 h = pktlens_flow_key_hash(&mv.key);
			__u32 idx = pktlens_flow_seen_word(h, cfg_flow_seen_mask);
			__u64 *word = bpf_map_lookup_elem(&pktlens_flow_seen, &idx);

			if (word)
				__sync_fetch_and_or(word, pktlens_flow_seen_bits(h));
		}
		return 1;
	}
	if (err == -EEXIST) {
		/* A packet interrupting this flush created it meanwhile. */
		v = bpf_map_lookup_elem(&pktlens_flows, &mv.key);
		if (v) {
			flow_cache_add_into(v, s, &mv);
			return 1;
		}
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
	struct pktlens_flow_cache_cold *cold;
	struct pktlens_flow_cache_ctl *c;
	__u64 now_t, now_ns;
	__u32 n, at, *d;

	if (!cfg_flow_cache_shift)
		return 0;
	now_t = flow_cache_now();
	now_ns = bpf_ktime_get_coarse_ns();
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
		cold = bpf_map_lookup_elem(&pktlens_flow_cache_cold, &at);
		if (!slot || !cold)
			break;
		/* Full table: the slot stays listed, for the next flush. */
		if (slot->packets &&
		    !flow_cache_move(c, slot, cold, now_t, now_ns))
			break;
		slot->packets = 0;
		slot->bytes = 0;
		slot->key._pad = 0;
		n--;
	}
	c->dirty = n;
	c->open_until = close ? 0 : now_t + cfg_flow_cache_open_ns / flow_cache_unit_ns();
	flow_cache_barrier();
	*(volatile __u32 *)&c->busy = 0;
	return (int)n;
}

#endif
