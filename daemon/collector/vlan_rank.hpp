// SPDX-License-Identifier: Apache-2.0
// Which VLAN entries are exported, and the exact vlan="other" rest of each
// interface and direction (docs/metrics.md, "VLANs"). Tags come from the
// wire, so the exported series are bounded: with more entries than top_k,
// the top_k by bytes are exported and everything else is summed.
//
// Prometheus counters must not go down. An exported VLAN counts from the
// moment it entered the exported set (its baseline): when it leaves the
// set, or its entry expires, what it showed moves into "other", which
// therefore only grows. When a VLAN enters the set, its earlier counts stay
// in "other" as far as needed for that: "other" never falls below the value
// last exported, also across a restart (the caller keeps it pinned).
// Kernel-free: unit tests drive it with VlanRecords.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "collector/snapshot.hpp"

namespace pktlens::collector {

struct VlanCounts {
  uint64_t packets = 0;
  uint64_t bytes = 0;

  bool operator==(const VlanCounts&) const = default;
};

using VlanIfDir = std::pair<uint32_t, uint8_t>;  // (ifindex, dir)
using VlanKey = std::tuple<uint32_t, uint8_t, uint16_t, uint16_t, uint8_t>;
VlanKey vlan_key(const VlanRecord& r);

// What an interface and direction keep beyond the live entries.
struct VlanRestState {
  VlanCounts expired;  // final counts of the entries deleted when idle
  VlanCounts other;    // the vlan="other" series last exported
  bool operator==(const VlanRestState&) const = default;
};

// The exported series and every interface and direction's rest.
struct VlanExport {
  std::vector<VlanRecord> series;  // sorted by key
  std::vector<VlanRest> rest;      // where "other" is not 0
};

class VlanRanking {
 public:
  explicit VlanRanking(size_t top_k) : top_k_(top_k) {}

  // `live`: every entry of the table as read, cumulative. `rest`: the
  // expired counts (read) and the last "other" (read as the floor,
  // written with the new value); an expired count may grow where the live
  // counts went down below what was exported (a table re-created under a
  // pinned rest), so that the sum stays exact.
  VlanExport rank(const std::vector<VlanRecord>& live, std::map<VlanIfDir, VlanRestState>& rest);

 private:
  size_t top_k_;
  std::map<VlanKey, VlanCounts> baselines_;  // of the exported set
};

}  // namespace pktlens::collector
