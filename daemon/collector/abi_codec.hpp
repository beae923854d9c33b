// SPDX-License-Identifier: Apache-2.0
// Between the kernel's ABI structs and the Snapshot's value types: one
// definition each, used by the map reader, the presence filter and tests.
#pragma once

#include "bpf/abi.hpp"
#include "collector/snapshot.hpp"

namespace pktlens::collector {

FlowKey decode_flow_key(const pktlens_flow_key& k);
// Padding and unused address bytes zero, exactly as the BPF side builds it.
pktlens_flow_key encode_flow_key(const FlowKey& k);
// Adds every counter of `v` to `into` (all fields are 64-bit counters).
void add_stats(pktlens_if_stats& into, const pktlens_if_stats& v);
// The same for the TCP latency histograms and counters of one slot.
void add_tcp_lat(pktlens_tcp_lat& into, const pktlens_tcp_lat& v);

}  // namespace pktlens::collector
