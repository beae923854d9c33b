/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A flow summed over CPUs, and the one definition of that sum. Shared by
 * the flow-table iterator (flow_iter.bpf.c), which sums in the kernel, and
 * user space (daemon/collector/flow_source.*), which sums what batch reads
 * and lookups return: both must give the same record.
 */
#ifndef PKTLENS_LIB_FLOW_REC_H
#define PKTLENS_LIB_FLOW_REC_H

#include "../pktlens_abi.h"

#ifdef __BPF__
#define PKTLENS_REC_INLINE static __always_inline
#else
#define PKTLENS_REC_INLINE static inline
#endif

/* One CPU's value in a per-CPU map element as the kernel hands it over
 * (iterator context, batch ops, lookups): the value size rounded up to 8. */
#define PKTLENS_FLOW_VAL_STRIDE ((sizeof(struct pktlens_flow_val) + 7) / 8 * 8)

/* packets and bytes added, first_seen the earliest non-zero (and tos of
 * that CPU: the flow's first packet), last_seen the latest, tcp_flags
 * OR-ed. */
struct pktlens_flow_rec {
	struct pktlens_flow_key key;
	__u64 packets;
	__u64 bytes;
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	__u8 tcp_flags;
	__u8 idle; /* last_seen_ns < the pass's expire_before_ns */
	__u8 tos;
	__u8 _pad[5];
};

/* Adds one CPU's value to `r`. */
PKTLENS_REC_INLINE void pktlens_flow_rec_add(struct pktlens_flow_rec *r,
					     const struct pktlens_flow_val *v)
{
	r->packets += v->packets;
	r->bytes += v->bytes;
	if (v->first_seen_ns && (!r->first_seen_ns || v->first_seen_ns < r->first_seen_ns)) {
		r->first_seen_ns = v->first_seen_ns;
		r->tos = v->tos;
	}
	if (v->last_seen_ns > r->last_seen_ns)
		r->last_seen_ns = v->last_seen_ns;
	r->tcp_flags |= v->tcp_flags;
}

#endif
