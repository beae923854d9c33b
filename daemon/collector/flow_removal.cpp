// SPDX-License-Identifier: Apache-2.0
#include "collector/flow_removal.hpp"

#include "collector/percpu_sum.hpp"

namespace pktlens::collector {

FlowRemoval::FlowRemoval(const MapShape& flows, bool lookup_and_delete)
    : take_(flows, lookup_and_delete) {}

size_t FlowRemoval::remove(const std::vector<pktlens_flow_key>& keys, const FlowSink& removed) {
  size_t n = 0;
  for (const pktlens_flow_key& key : keys) {
    const uint8_t* values = take_.take(&key);
    if (!values) continue;
    removed(sum_flow(reinterpret_cast<const uint8_t*>(&key), values, take_.shape().stride(),
                     take_.shape().cpus));
    n++;
  }
  return n;
}

}  // namespace pktlens::collector
