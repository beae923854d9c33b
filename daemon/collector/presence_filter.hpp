// SPDX-License-Identifier: Apache-2.0
// Upkeep of the data plane's flow presence filter (bpf/lib/flow.h). The BPF
// side only ever sets bits; flows that left the table (pressure eviction,
// idle expiry) leave theirs behind, and a filter that fills up stops telling
// flood packets apart from tracked flows. When it gets too full the
// collector rebuilds it from the flows actually in the table (the Snapshot
// it just read), with the same hash as the BPF side (bpf/lib/flow_hash.h),
// so tracked flows keep their bits and only stale ones go.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "collector/mapped_words.hpp"
#include "collector/snapshot.hpp"

struct pktlens_bpf;
struct pktlens_flow_key;

namespace pktlens::collector {

struct PresenceFill {
  uint64_t bits_set = 0;  // before any rebuild
  uint64_t bits_total = 0;
  bool rebuilt = false;
  double ratio() const { return bits_total ? static_cast<double>(bits_set) / bits_total : 0; }
};

// Counts the bits set; rebuilds the filter from `flows` when more than
// `max_ratio` of them are (0.5 keeps a flood packet's chance of a false
// "maybe tracked" under ~25%).
PresenceFill upkeep_presence_filter(pktlens_bpf* skel, const std::vector<FlowRecord>& flows,
                                    double max_ratio = 0.5);

// The same, with the flows given as a walk over their kernel keys: calls
// `add` once per flow in the table. Only called for a rebuild. For
// collector::FlowTable, whose mirror holds the keys as the kernel does
// (FlowTable::upkeep_presence), so a rebuild copies no records.
using FlowKeyAdd = std::function<void(const pktlens_flow_key&)>;
using ForEachFlowKey = std::function<void(const FlowKeyAdd& add)>;
// `mapped`: pktlens_flow_seen mapped into this process (it is mmapable),
// so that counting its bits every cycle copies nothing; NULL or unmapped,
// the count reads the filter with a batch lookup.
PresenceFill upkeep_presence_filter(pktlens_bpf* skel, const ForEachFlowKey& for_each_key,
                                    double max_ratio = 0.5, const MappedWords* mapped = nullptr);

// The filter's words as the kernel holds them.
std::vector<uint64_t> read_presence_filter(pktlens_bpf* skel);

}  // namespace pktlens::collector
