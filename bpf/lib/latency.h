/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Latency histogram updates shared by every latency signal (handshake,
 * passive RTT, srtt). The bucket of a sample is found by a binary search
 * on the bit length: BPF has no count-leading-zeros instruction, and five
 * compares are cheaper than a loop the verifier must bound.
 */
#ifndef PKTLENS_LIB_LATENCY_H
#define PKTLENS_LIB_LATENCY_H

#include "../pktlens_abi.h"

/* Index of the bucket for `ns` (see PKTLENS_LAT_* in pktlens_abi.h). */
static __always_inline __u32 pktlens_lat_bucket(__u64 ns)
{
	/* Smallest i with ns <= 2^(MIN_SHIFT + i): the bit length of ns - 1,
	 * minus MIN_SHIFT, clamped to [0, FINITE]. */
	__u64 v = ns ? ns - 1 : 0;
	__u32 bits = 0;

	if (v >> 32) {
		bits += 32;
		v >>= 32;
	}
	if (v >> 16) {
		bits += 16;
		v >>= 16;
	}
	if (v >> 8) {
		bits += 8;
		v >>= 8;
	}
	if (v >> 4) {
		bits += 4;
		v >>= 4;
	}
	if (v >> 2) {
		bits += 2;
		v >>= 2;
	}
	if (v >> 1) {
		bits += 1;
		v >>= 1;
	}
	bits += (__u32)v; /* bit length of ns - 1 */
	if (bits <= PKTLENS_LAT_MIN_SHIFT)
		return 0;
	bits -= PKTLENS_LAT_MIN_SHIFT;
	return bits > PKTLENS_LAT_FINITE ? PKTLENS_LAT_FINITE : bits;
}

/* Adds one sample to a histogram the caller owns (a per-CPU map value). */
static __always_inline void pktlens_lat_observe(struct pktlens_lat_hist *h, __u64 ns)
{
	__u32 b = pktlens_lat_bucket(ns);

	if (b < PKTLENS_LAT_BUCKETS)
		h->buckets[b]++;
	h->count++;
	h->sum_ns += ns;
}

#endif
