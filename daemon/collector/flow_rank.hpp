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

// The order: true when `a` ranks before `b`. key_less(idx_a, idx_b): the
// flows' key order, the tie-break.
template <typename KeyLess>
bool ranks_before(const FlowDelta& a, const FlowDelta& b, const KeyLess& key_less) {
  if (a.bytes_delta != b.bytes_delta) return a.bytes_delta > b.bytes_delta;
  return key_less(a.idx, b.idx);
}

// Keeps the first min(k, size) of `deltas` in ranking order and drops the
// rest.
template <typename KeyLess>
void keep_top_k(std::vector<FlowDelta>& deltas, size_t k, KeyLess key_less) {
  const auto order = [&](const FlowDelta& a, const FlowDelta& b) {
    return ranks_before(a, b, key_less);
  };
  k = std::min(k, deltas.size());
  const auto mid = deltas.begin() + static_cast<std::ptrdiff_t>(k);
  if (k < deltas.size()) std::nth_element(deltas.begin(), mid, deltas.end(), order);
  std::sort(deltas.begin(), mid, order);
  deltas.resize(k);
}

// The same top-K over a stream of candidates, holding k of them at a time
// (a heap whose front is the worst kept): ranking every flow of a large
// table costs no memory per flow.
template <typename KeyLess>
class TopKStream {
 public:
  TopKStream(size_t k, KeyLess key_less, std::vector<FlowDelta>& out)
      : k_(k), key_less_(key_less), heap_(out) {
    heap_.clear();
  }

  void offer(const FlowDelta& d) {
    if (k_ == 0) return;
    const auto order = [&](const FlowDelta& a, const FlowDelta& b) {
      return ranks_before(a, b, key_less_);
    };
    if (heap_.size() < k_) {
      heap_.push_back(d);
      std::push_heap(heap_.begin(), heap_.end(), order);
    } else if (order(d, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), order);
      heap_.back() = d;
      std::push_heap(heap_.begin(), heap_.end(), order);
    }
  }

  // The kept candidates, in ranking order, in the vector given.
  void finish() {
    std::sort(heap_.begin(), heap_.end(), [&](const FlowDelta& a, const FlowDelta& b) {
      return ranks_before(a, b, key_less_);
    });
  }

 private:
  size_t k_;
  KeyLess key_less_;
  std::vector<FlowDelta>& heap_;
};

}  // namespace pktlens::collector
