// SPDX-License-Identifier: Apache-2.0
// Removing flows from pktlens_flows with their final counters, so that
// nothing a flow counted is lost when it leaves the table (idle expiry,
// pressure eviction); how an element is taken out: percpu_take.hpp.
// docs/architecture.md, "Collecting flows".
#pragma once

#include <cstddef>
#include <vector>

#include "collector/flow_scan.hpp"
#include "collector/map_batch.hpp"
#include "collector/percpu_take.hpp"

namespace pktlens::collector {

class FlowRemoval {
 public:
  // `flows`: pktlens_flows. `lookup_and_delete`: as PercpuTake's.
  FlowRemoval(const MapShape& flows, bool lookup_and_delete);

  // Removes each key and hands `removed` its counters summed over CPUs;
  // keys no longer in the table are skipped. Returns how many were
  // removed. Throws std::system_error on other errors.
  size_t remove(const std::vector<pktlens_flow_key>& keys, const FlowSink& removed);

  bool atomic() const { return take_.atomic(); }

 private:
  PercpuTake take_;
};

}  // namespace pktlens::collector
