/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the flow-table iterator (flow_iter.bpf.c) writes to its seq file,
 * one record per reported flow; shared with user space
 * (daemon/collector/flow_table.cpp), which reads the records as they are.
 * Not part of the pinned-map ABI: the iterator is loaded by the same daemon
 * that reads it.
 */
#ifndef PKTLENS_FLOW_ITER_H
#define PKTLENS_FLOW_ITER_H

#include "pktlens_abi.h"

/* One CPU's value in a per-CPU map element as the iterator (and the batch
 * ops) hand it over: the value size rounded up to 8 bytes. */
#define PKTLENS_FLOW_VAL_STRIDE ((sizeof(struct pktlens_flow_val) + 7) / 8 * 8)

/* Most CPUs the iterator sums; more make user space use the batch read. */
#define PKTLENS_ITER_MAX_CPUS 1024

/* A flow summed over CPUs: packets and bytes added, first_seen the earliest
 * non-zero, last_seen the latest, tcp_flags OR-ed. */
struct pktlens_flow_rec {
	struct pktlens_flow_key key;
	__u64 packets;
	__u64 bytes;
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	__u8 tcp_flags;
	__u8 idle; /* last_seen_ns < the pass's expire_before_ns */
	__u8 _pad[6];
};

#endif
