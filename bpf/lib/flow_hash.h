/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Where a flow's bits sit in the presence filter (pktlens_flow_seen). Pure
 * C on the ABI key, shared by the BPF programs (lib/flow.h) and user space
 * (daemon/collector/presence_filter.cpp), which rebuilds the filter from the
 * flows in the table: both must compute the same bits.
 */
#ifndef PKTLENS_LIB_FLOW_HASH_H
#define PKTLENS_LIB_FLOW_HASH_H

#include "../pktlens_abi.h"

#ifdef __BPF__
#define PKTLENS_INLINE static __always_inline
#else
#define PKTLENS_INLINE static inline
#endif

/* 64-bit mix of `words` 64-bit words at `p` (multiply-xorshift, as in
 * murmur3's finalizer): cheap, and good enough to spread bits. */
PKTLENS_INLINE __u64 pktlens_hash_words(const void *p, int words)
{
	__u64 h = 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < words; i++) {
		__u64 w;

		__builtin_memcpy(&w, (const char *)p + 8 * i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	return h;
}

/* The 48-byte flow key. */
PKTLENS_INLINE __u64 pktlens_flow_key_hash(const struct pktlens_flow_key *k)
{
	return pktlens_hash_words(k, (int)(sizeof(*k) / 8));
}

/* Where a key goes in the flow cache (lib/flow_cache.h): its low bits pick
 * the set. The six words are multiplied independently, so the work is one
 * short dependency chain instead of pktlens_hash_words()' six: this runs on
 * every packet. */
PKTLENS_INLINE __u64 pktlens_flow_slot_hash(const struct pktlens_flow_key *k)
{
	__u64 w[6], h;

	__builtin_memcpy(w, k, sizeof(w));
	h = (w[0] * 0x9e3779b97f4a7c15ULL) ^ (w[1] * 0xc2b2ae3d27d4eb4fULL) ^
	    (w[2] * 0x165667b19e3779f9ULL) ^ (w[3] * 0xd6e8feb86659fd93ULL) ^
	    (w[4] * 0xff51afd7ed558ccdULL) ^ (w[5] * 0xc4ceb9fe1a85ec53ULL);
	h ^= h >> 32;
	h *= 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	return h;
}

/* The 48-byte connection key (TCP latency, lib/tcp_latency.h). */
PKTLENS_INLINE __u64 pktlens_conn_key_hash(const struct pktlens_conn_key *k)
{
	return pktlens_hash_words(k, (int)(sizeof(*k) / 8));
}

/* Word of the filter (mask = number of words - 1, a power of two - 1). */
PKTLENS_INLINE __u32 pktlens_flow_seen_word(__u64 h, __u32 mask)
{
	return (__u32)(h >> 12) & mask;
}

/* The flow's two bits within that word. */
PKTLENS_INLINE __u64 pktlens_flow_seen_bits(__u64 h)
{
	return (1ULL << (h & 63)) | (1ULL << ((h >> 6) & 63));
}

#endif
