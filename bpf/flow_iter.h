/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the flow-table iterator (flow_iter.bpf.c) writes to its seq file,
 * one record per reported flow; shared with user space
 * (daemon/collector/flow_source.cpp), which reads the records as they are.
 * Not part of the pinned-map ABI: the iterator is loaded by the same daemon
 * that reads it.
 */
#ifndef PKTLENS_FLOW_ITER_H
#define PKTLENS_FLOW_ITER_H

#include "lib/flow_rec.h"

/* Most CPUs the iterator sums; more make user space scan instead. */
#define PKTLENS_ITER_MAX_CPUS 1024

#endif
