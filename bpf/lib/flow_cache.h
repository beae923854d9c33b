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

/* A time of the cache's clock kept in `mask` bits (a slot's 24, the cold
 * side's 32) as bpf_ktime_get_coarse_ns(), given both clocks now. */
static __always_inline __u64 flow_cache_ns(__u64 t, __u64 mask, __u64 now_t,
					   __u64 now_ns)
{
	__u64 ago = ((now_t - t) & mask) * flow_cache_unit_ns();

	return now_ns > ago ? now_ns - ago : 0;
}

/* How long a flush keeps the cache open, in the cache's clock: at most
 * 2^22 units (70 minutes at 1 ms), so that a slot's 24-bit times still
 * tell before from after the flush. */
#define FLOW_CACHE_OPEN_MAX (1ULL << 22)

static __always_inline __u64 flow_cache_open_units(void)
{
	__u64 u = cfg_flow_cache_open_ns / flow_cache_unit_ns();

	return u < FLOW_CACHE_OPEN_MAX ? u : FLOW_CACHE_OPEN_MAX;
}

/* A key as a slot holds it (pktlens_abi.h), meta's key bits only. */
struct flow_slot_key {
	__u64 addrs;
	__u64 ports;
	__u64 meta;
};

/* Packs `k` (hash `h`) for a slot; 0 when it does not fit one. On every
 * packet: from the key's first two words as the hash read them, fields in
 * place (little-endian) rather than ten narrow loads. */
static __always_inline int flow_slot_pack(const struct pktlens_flow_key *k,
					  __u64 h, struct flow_slot_key *e)
{
	__u32 src, dst;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* x0: ifindex | vlan << 32 | vlan_inner << 48;
	 * x1: sport | dport << 16 | dir << 32 | proto << 40 | family << 48 */
	__u64 x0 = ((const __u64 *)k)[0], x1 = ((const __u64 *)k)[1];

	/* ifindex < 2^24, VLAN ids < 2^12, dir 0 or 1 */
	if ((x0 & 0xf000f000ff000000ULL) | (x1 & 0xfe00000000ULL))
		return 0;
	e->ports = (x1 & 0xffffffffULL) | ((x1 & 0xff0000000000ULL) >> 8) | (x0 << 40);
	e->meta = ((x0 >> 32) & 0xfff) | ((x0 >> 36) & 0xfff000) |
		  ((x1 >> 8) & (1ULL << 24));
#else
	if ((k->ifindex >> 24) | (k->vlan >> 12) | (k->vlan_inner >> 12) |
	    (k->dir >> 1))
		return 0;
	e->ports = k->sport | (__u64)k->dport << 16 | (__u64)k->proto << 32 |
		   (__u64)k->ifindex << 40;
	e->meta = k->vlan | (__u64)k->vlan_inner << 12 | (__u64)k->dir << 24;
#endif
	if (k->family == 4) {
		/* The parser leaves bytes 4-15 of an IPv4 address 0. */
		__builtin_memcpy(&src, k->src, 4);
		__builtin_memcpy(&dst, k->dst, 4);
		e->addrs = src | (__u64)dst << 32;
	} else {
		e->addrs = h;
		e->meta |= PKTLENS_FLOW_SLOT_NOT_V4;
	}
	return 1;
}

/* The key a slot holds, back as a pktlens_flow_key (_pad 0). */
static __always_inline void flow_slot_unpack(const struct pktlens_flow_cache_slot *s,
					     const struct pktlens_flow_cache_cold *cold,
					     struct pktlens_flow_key *k)
{
	__u32 src = (__u32)s->addrs, dst = (__u32)(s->addrs >> 32);

	if (s->meta & PKTLENS_FLOW_SLOT_NOT_V4) {
		__builtin_memcpy(k, &cold->key, sizeof(*k));
		k->_pad = 0;
		return;
	}
	__builtin_memset(k, 0, sizeof(*k));
	k->ifindex = (__u32)(s->ports >> 40);
	k->vlan = s->meta & 0xfff;
	k->vlan_inner = (s->meta >> 12) & 0xfff;
	k->sport = (__u16)s->ports;
	k->dport = (__u16)(s->ports >> 16);
	k->dir = (s->meta >> 24) & 1;
	k->proto = (__u8)(s->ports >> 32);
	k->family = 4;
	__builtin_memcpy(k->src, &src, 4);
	__builtin_memcpy(k->dst, &dst, 4);
}

static __always_inline int flow_slot_holds(const struct pktlens_flow_cache_slot *s,
					   const struct flow_slot_key *e)
{
	return ((s->addrs ^ e->addrs) | (s->ports ^ e->ports) |
		((s->meta ^ e->meta) & PKTLENS_FLOW_SLOT_KEY)) == 0;
}

static __always_inline int flow_keys_equal(const struct pktlens_flow_key *a,
					   const struct pktlens_flow_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
		(x[3] ^ y[3]) | (x[4] ^ y[4]) | (x[5] ^ y[5])) == 0;
}

static __always_inline __u32 flow_slot_time(const struct pktlens_flow_cache_slot *s)
{
	return (__u32)(s->meta >> PKTLENS_FLOW_SLOT_TIME_SHIFT);
}

static __always_inline __u64 flow_slot_packets(__u64 counts)
{
	return counts & PKTLENS_FLOW_SLOT_PKT_MASK;
}

static __always_inline __u64 flow_slot_bytes(__u64 counts)
{
	return counts >> PKTLENS_FLOW_SLOT_PKT_BITS;
}

/* Whether one more packet, of up to 2^16 segments and 2^20 bytes (a GSO
 * aggregate), may still be added to a slot's counts. */
static __always_inline int flow_slot_has_room(__u64 counts)
{
	return flow_slot_packets(counts) < PKTLENS_FLOW_SLOT_PKT_MASK - 0xffff &&
	       flow_slot_bytes(counts) <
		       (1ULL << (64 - PKTLENS_FLOW_SLOT_PKT_BITS)) - (1ULL << 20);
}

static __always_inline __u32 flow_cache_mask(void)
{
	return (1U << cfg_flow_cache_shift) - 1;
}

/* The key's set on this CPU: its first slot's index in pktlens_flow_cache. */
static __always_inline __u32 flow_cache_set(__u64 h, __u32 cpu)
{
	return (cpu << cfg_flow_cache_shift) | ((__u32)h & flow_cache_mask() & ~1U);
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
	struct flow_slot_key key;
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
	return !flow_slot_packets(s->counts) &&
	       (!s->ports || (__s32)((flow_slot_time(s) - since) << 8) < 0);
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
	__u64 h, counts;
	__u32 at, *d;

	ref->ctl = 0;
	*net = 0;
	if (now >= c->open_until)
		return FLOW_CACHE_MISS;
	h = pktlens_flow_slot_hash(k);
	if (!flow_slot_pack(k, h, &ref->key))
		return FLOW_CACHE_MISS;
	*(volatile __u32 *)&c->active = 1;
	flow_cache_barrier();
	if (*(volatile __u32 *)&c->busy)
		goto out;
	at = flow_cache_set(h, cpu);
	slot = bpf_map_lookup_elem(&pktlens_flow_cache, &at);
	if (!slot)
		goto out;
	if (!flow_slot_holds(slot, &ref->key)) {
		at |= 1;
		other = bpf_map_lookup_elem(&pktlens_flow_cache, &at);
		if (!other)
			goto out;
		if (!flow_slot_holds(other, &ref->key)) {
			/* Not cached: a free slot of the set may take it,
			 * an empty one first. */
			__u32 since = (__u32)(c->open_until - flow_cache_open_units());

			if (!slot->ports ||
			    (other->ports && flow_slot_free(slot, since)))
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
	counts = slot->counts;
	if (!flow_slot_has_room(counts))
		goto out;
	if (cfg_net || !counts || (ref->key.meta & PKTLENS_FLOW_SLOT_NOT_V4)) {
		cold = bpf_map_lookup_elem(&pktlens_flow_cache_cold, &at);
		if (!cold)
			goto out;
		/* Another key with the same 64-bit hash (never seen, but a
		 * hash is no proof): it counts in pktlens_flows. */
		if ((ref->key.meta & PKTLENS_FLOW_SLOT_NOT_V4) &&
		    !flow_keys_equal(&cold->key, k))
			goto out;
	}
	if (!counts) {
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
	slot->counts = counts + m->segs +
		       ((__u64)m->wire_len << PKTLENS_FLOW_SLOT_PKT_BITS);
	slot->meta = (slot->meta & ~(PKTLENS_FLOW_SLOT_TIME_MASK
				     << PKTLENS_FLOW_SLOT_TIME_SHIFT)) |
		     ((now & PKTLENS_FLOW_SLOT_TIME_MASK)
		      << PKTLENS_FLOW_SLOT_TIME_SHIFT) |
		     ((__u64)m->tcp_flags << PKTLENS_FLOW_SLOT_FLAGS_SHIFT);
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
	if (!*(volatile __u32 *)&c->busy && !flow_slot_packets(slot->counts)) {
		if (ref->key.meta & PKTLENS_FLOW_SLOT_NOT_V4) {
			__builtin_memcpy(&cold->key, k, sizeof(*k));
			cold->key._pad = 0;
		}
		slot->addrs = ref->key.addrs;
		slot->ports = ref->key.ports;
		slot->meta = ref->key.meta |
			     (((__u64)ref->now & PKTLENS_FLOW_SLOT_TIME_MASK)
			      << PKTLENS_FLOW_SLOT_TIME_SHIFT);
		slot->counts = 0;
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
	__sync_fetch_and_add(&v->packets, flow_slot_packets(s->counts));
	__sync_fetch_and_add(&v->bytes, flow_slot_bytes(s->counts));
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

	flow_slot_unpack(s, cold, &mv.key);
	mv.tcp_flags = (__u8)(s->meta >> PKTLENS_FLOW_SLOT_FLAGS_SHIFT);
	mv.last_ns = flow_cache_ns(flow_slot_time(s),
				   PKTLENS_FLOW_SLOT_TIME_MASK, now_t, now_ns);
	v = bpf_map_lookup_elem(&pktlens_flows, &mv.key);
	if (v) {
		flow_cache_add_into(v, s, &mv);
		return 1;
	}
	/* User space removed the flow (expiry, eviction) after this CPU took
	 * packets of it: they are a new flow, as if they came now. */
	mv.first_ns = flow_cache_ns(cold->first_seen, 0xffffffffULL, now_t, now_ns);
	struct pktlens_flow_val init = {
		.packets = flow_slot_packets(s->counts),
		.bytes = flow_slot_bytes(s->counts),
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
		if (flow_slot_packets(slot->counts) &&
		    !flow_cache_move(c, slot, cold, now_t, now_ns))
			break;
		slot->counts = 0;
		slot->meta &= ~(0xffULL << PKTLENS_FLOW_SLOT_FLAGS_SHIFT);
		n--;
	}
	c->dirty = n;
	c->open_until = close ? 0 : now_t + flow_cache_open_units();
	flow_cache_barrier();
	*(volatile __u32 *)&c->busy = 0;
	return (int)n;
}

#endif
