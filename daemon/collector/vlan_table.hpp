// SPDX-License-Identifier: Apache-2.0
// The VLAN table's upkeep each cycle: entries whose counters did not change
// for the idle timeout are deleted from pktlens_vlans with their final
// counts (percpu_take.hpp), the exported series are bounded
// (vlan_rank.hpp), and what must outlive the process, the expired counts
// and the last vlan="other", is kept in the pinned pktlens_vlan_rest.
// docs/metrics.md, "VLANs".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>

#include "collector/percpu_take.hpp"
#include "collector/snapshot.hpp"
#include "collector/vlan_rank.hpp"

struct pktlens_bpf;

namespace pktlens::collector {

struct VlanTableOptions {
  size_t top_k = 100;
  std::chrono::nanoseconds idle_timeout = std::chrono::seconds(120);
  // The kernel has BPF_MAP_LOOKUP_AND_DELETE_ELEM for per-CPU hashes
  // (bpf::KernelFeatures); false: a lookup, then a delete.
  bool lookup_and_delete = true;
};

struct VlanCollectStats {
  size_t expired = 0;             // entries deleted this cycle
  bool lookup_and_delete = true;  // false: the plain-delete fallback
};

class VlanTable {
 public:
  // Reads pktlens_vlan_rest (what an earlier run left).
  VlanTable(pktlens_bpf* skel, VlanTableOptions o);

  // `s.vlans` as read_snapshot left it (every entry) becomes the exported
  // series; fills `s.vlan_rest`. `now_ns`: CLOCK_MONOTONIC.
  VlanCollectStats collect(uint64_t now_ns, Snapshot& s);

 private:
  struct Seen {
    VlanCounts counts;
    uint64_t changed_ns = 0;
  };
  // Deletes the entry; its final counts, or nothing when it is gone.
  bool take(const VlanRecord& r, VlanCounts& final_counts);
  // Writes the sides whose rest changed since the last store.
  void store_rest();

  pktlens_bpf* skel_;
  VlanTableOptions opts_;
  VlanRanking ranking_;
  std::map<VlanKey, Seen> seen_;
  std::map<VlanIfDir, VlanRestState> rest_;
  std::map<VlanIfDir, VlanRestState> stored_;  // as pktlens_vlan_rest holds it
  PercpuTake take_;
};

}  // namespace pktlens::collector
