// SPDX-License-Identifier: Apache-2.0
// Upkeep of the data plane's flow presence filter (bpf/lib/flow.h). The BPF
// side only ever sets bits; flows that left the table (LRU eviction, idle
// expiry) leave theirs behind, and a filter that fills up stops telling
// flood packets apart from tracked flows. The collector clears it when it
// gets too full; tracked flows set their bits again on their next packet.
#pragma once

#include <cstdint>

struct pktlens_bpf;

namespace pktlens::collector {

struct PresenceFill {
  uint64_t bits_set = 0;
  uint64_t bits_total = 0;
  bool cleared = false;
  double ratio() const { return bits_total ? static_cast<double>(bits_set) / bits_total : 0; }
};

// Counts the bits set; clears the filter when more than `max_ratio` of them
// are (0.5 keeps the false-positive rate of a flood packet under ~25%).
PresenceFill upkeep_presence_filter(pktlens_bpf* skel, double max_ratio = 0.5);

}  // namespace pktlens::collector
