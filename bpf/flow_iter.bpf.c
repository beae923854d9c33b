// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reads the flow table for the collector (daemon/collector/flow_source.*):
 * a map-element iterator attached to pktlens_flows. For each element it
 * sums the per-CPU values in the kernel and writes a record
 * (struct pktlens_flow_rec) only for flows user space needs:
 *   - changed: last_seen_ns >= iter_since_ns (the previous pass's start);
 *   - idle: last_seen_ns < iter_expire_before_ns (to be deleted).
 * Every other flow costs the kernel a visit and user space nothing. Its own
 * object, not part of pktlens.bpf.c: it needs no map of its own (the map
 * comes with the attachment), and the data plane's object stays the same
 * whether or not the kernel accepts map iterators.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "flow_iter.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Possible CPUs, i.e. values per element; set before load. The verifier
 * sees a constant, so every access has a known offset (checked against the
 * map's value size when the iterator is attached). */
const volatile __u32 cfg_cpus = 1;

/* Per pass, written by user space through the mmap-ed .bss. */
__u64 iter_since_ns;
__u64 iter_expire_before_ns;
/* Per pass, read back by user space: elements visited, records written. */
__u64 iter_entries;
__u64 iter_reported;

SEC("iter/bpf_map_elem")
int flow_iter(struct bpf_iter__bpf_map_elem *ctx)
{
	const struct pktlens_flow_key *key = ctx->key;
	const __u8 *vals = ctx->value;
	struct pktlens_flow_rec rec = {};
	__u32 i;

	if (!key || !vals)
		return 0; /* the final call after the last element */
	for (i = 0; i < PKTLENS_ITER_MAX_CPUS; i++) {
		const struct pktlens_flow_val *v;

		if (i >= cfg_cpus)
			break;
		v = (const void *)(vals + i * PKTLENS_FLOW_VAL_STRIDE);
		pktlens_flow_rec_add(&rec, v);
	}
	rec.idle = rec.last_seen_ns < iter_expire_before_ns;
	if (rec.idle || rec.last_seen_ns >= iter_since_ns) {
		__builtin_memcpy(&rec.key, key, sizeof(rec.key));
		/* A full seq buffer: the kernel shows this element again in
		 * the next read(), so count it then. */
		if (bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec)))
			return 0;
		iter_reported++;
	}
	iter_entries++;
	return 0;
}
