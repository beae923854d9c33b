// SPDX-License-Identifier: Apache-2.0
// Removing flows from pktlens_flows with their final counters, so that
// nothing a flow counted is lost when it leaves the table (idle expiry,
// pressure eviction): BPF_MAP_LOOKUP_AND_DELETE_ELEM reads and deletes an
// element under its bucket lock (per-CPU hashes: Linux 5.14); where the
// kernel refuses it, a lookup then a delete. docs/architecture.md,
// "Collecting flows".
#pragma once

#include <cstddef>
#include <vector>

#include "collector/flow_scan.hpp"
#include "collector/map_batch.hpp"

namespace pktlens::collector {

class FlowRemoval {
 public:
  // `flows`: pktlens_flows. `lookup_and_delete`: the kernel has it for
  // per-CPU hashes (bpf::KernelFeatures); false, or refused at the first
  // call: a lookup, then a delete. A packet counted by the data plane
  // between the two is lost with the flow (it stays in the interface
  // totals); with lookup-and-delete only one counted on another CPU while
  // the kernel copies the values can be.
  FlowRemoval(const MapShape& flows, bool lookup_and_delete);

  // Removes each key and hands `removed` its counters summed over CPUs;
  // keys no longer in the table are skipped. Returns how many were
  // removed. Throws std::system_error on other errors.
  size_t remove(const std::vector<pktlens_flow_key>& keys, const FlowSink& removed);

  bool atomic() const { return lookup_and_delete_; }

 private:
  bool read_and_delete(const pktlens_flow_key& key);

  MapShape m_;
  bool lookup_and_delete_;
  std::vector<uint8_t> values_;
};

}  // namespace pktlens::collector
