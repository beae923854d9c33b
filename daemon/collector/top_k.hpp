// SPDX-License-Identifier: Apache-2.0
// The top-K flows of an interval between two full reads of the flow table,
// ranked as collector::FlowTable ranks its mirror (collector/flow_rank.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "collector/snapshot.hpp"

namespace pktlens::collector {

// The interval's counters of `cur` against `prev` (same key): a flow absent
// from `prev` counts fully; a flow that was evicted and re-created (a
// counter went down, or a later first_seen_ns) counts its current values.
RankedFlow interval_of(const FlowRecord& cur, const FlowRecord* prev);
// The same flow key, but a new flow: a counter went down, or first_seen_ns
// moved later (the old one was evicted or expired and the key came back).
bool recreated(const FlowRecord& cur, const FlowRecord& prev);

// Every flow of `cur` ranked by bytes_delta, descending, then by key
// ascending; the first min(k, cur.size()). Flows of `prev` alone (expired)
// are not listed. Neither input needs to be sorted.
std::vector<RankedFlow> top_k(const std::vector<FlowRecord>& cur,
                              const std::vector<FlowRecord>& prev, size_t k);

}  // namespace pktlens::collector
