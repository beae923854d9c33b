// SPDX-License-Identifier: Apache-2.0
#include "collector/top_k.hpp"

#include <algorithm>

namespace pktlens::collector {

RankedFlow interval_of(const FlowRecord& cur, const FlowRecord* prev) {
  RankedFlow r{cur, cur.bytes, cur.packets};
  if (!prev) return r;
  const bool recreated = cur.bytes < prev->bytes || cur.packets < prev->packets ||
                         (prev->first_seen_ns && cur.first_seen_ns > prev->first_seen_ns);
  if (recreated) return r;
  r.bytes_delta = cur.bytes - prev->bytes;
  r.packets_delta = cur.packets - prev->packets;
  return r;
}

std::vector<RankedFlow> top_k(const std::vector<FlowRecord>& cur,
                              const std::vector<FlowRecord>& prev, size_t k) {
  std::vector<const FlowRecord*> before;
  before.reserve(prev.size());
  for (const auto& f : prev) before.push_back(&f);
  const auto by_key = [](const FlowRecord* a, const FlowRecord* b) { return a->key < b->key; };
  std::sort(before.begin(), before.end(), by_key);

  std::vector<RankedFlow> ranked;
  ranked.reserve(cur.size());
  for (const auto& f : cur) {
    const auto it = std::lower_bound(before.begin(), before.end(), &f, by_key);
    const FlowRecord* p = it != before.end() && (*it)->key == f.key ? *it : nullptr;
    ranked.push_back(interval_of(f, p));
  }
  const auto order = [](const RankedFlow& a, const RankedFlow& b) {
    if (a.bytes_delta != b.bytes_delta) return a.bytes_delta > b.bytes_delta;
    return a.flow.key < b.flow.key;
  };
  const size_t n = std::min(k, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(n), ranked.end(),
                    order);
  ranked.resize(n);
  return ranked;
}

}  // namespace pktlens::collector
