// SPDX-License-Identifier: Apache-2.0
// The flow bookkeeping per interface slot and direction: the final counters
// of the flows the collector removed, kept in pktlens_flow_ended (pinned,
// written by user space only, so they survive a restart), and the sums of
// the flows still in the table. With them the flows reconcile with the
// interface totals: table + untracked + unadmitted + expired + evicted ==
// packets. docs/metrics.md, "Flow bookkeeping".
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "bpf/abi.hpp"
#include "collector/flow_changes.hpp"
#include "collector/snapshot.hpp"

extern "C" {
#include "lib/flow_rec.h"  // pktlens_flow_rec: a flow's counters summed over CPUs
}

struct pktlens_bpf;

namespace pktlens::collector {

class FlowBook {
 public:
  explicit FlowBook(pktlens_bpf* skel);

  // A flow removed this cycle, with its final counters.
  void ended(const pktlens_flow_rec& r, FlowEnd why);
  // A flow in the table after this cycle.
  void in_table(const pktlens_flow_key& k, uint64_t packets, uint64_t bytes);

  // Adds the cycle's removed flows to pktlens_flow_ended and writes the
  // bookkeeping of every slot into `s.ifaces`; starts the next cycle.
  // Throws std::system_error on map errors.
  void finish(Snapshot& s);

 private:
  using SlotDir = std::pair<uint32_t, uint8_t>;
  SlotDir slot_of(uint32_t ifindex, uint8_t dir);

  pktlens_bpf* skel_;
  std::map<uint32_t, uint32_t> slots_;  // ifindex -> slot, this cycle
  std::map<SlotDir, pktlens_flow_ended> ended_;
  std::map<SlotDir, std::pair<uint64_t, uint64_t>> table_;
};

}  // namespace pktlens::collector
