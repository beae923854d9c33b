// SPDX-License-Identifier: Apache-2.0
// The one ranking of flows: by bytes added in the interval, descending,
// then by key ascending, so the same maps always give the same list. Used
// by collector::FlowTable over its mirror and by top_k() over two full
// reads (collector/top_k.hpp), which the tests compare it with.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pktlens::collector {

// What one flow added in the interval, and where the caller keeps it.
struct FlowDelta {
  uint32_t idx = 0;
  uint64_t bytes_delta = 0;
  uint64_t packets_delta = 0;
};

// Keeps the first min(k, size) of `deltas` in ranking order and drops the
// rest. key_less(idx_a, idx_b): the flows' key order, the tie-break.
template <typename KeyLess>
void keep_top_k(std::vector<FlowDelta>& deltas, size_t k, KeyLess key_less) {
  const auto order = [&](const FlowDelta& a, const FlowDelta& b) {
    if (a.bytes_delta != b.bytes_delta) return a.bytes_delta > b.bytes_delta;
    return key_less(a.idx, b.idx);
  };
  k = std::min(k, deltas.size());
  const auto mid = deltas.begin() + static_cast<std::ptrdiff_t>(k);
  if (k < deltas.size()) std::nth_element(deltas.begin(), mid, deltas.end(), order);
  std::sort(deltas.begin(), mid, order);
  deltas.resize(k);
}

}  // namespace pktlens::collector
