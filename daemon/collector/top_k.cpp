// SPDX-License-Identifier: Apache-2.0
#include "collector/top_k.hpp"

#include <algorithm>

#include "collector/flow_rank.hpp"

namespace pktlens::collector {

bool recreated(const FlowRecord& cur, const FlowRecord& prev) {
  return cur.bytes < prev.bytes || cur.packets < prev.packets ||
         (prev.first_seen_ns && cur.first_seen_ns > prev.first_seen_ns);
}

RankedFlow interval_of(const FlowRecord& cur, const FlowRecord* prev) {
  RankedFlow r{cur, cur.bytes, cur.packets};
  if (!prev || recreated(cur, *prev)) return r;
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

  std::vector<FlowDelta> deltas;
  deltas.reserve(cur.size());
  for (uint32_t i = 0; i < cur.size(); i++) {
    const auto it = std::lower_bound(before.begin(), before.end(), &cur[i], by_key);
    const FlowRecord* p = it != before.end() && (*it)->key == cur[i].key ? *it : nullptr;
    const RankedFlow r = interval_of(cur[i], p);
    deltas.push_back(FlowDelta{i, r.bytes_delta, r.packets_delta});
  }
  keep_top_k(deltas, k, [&](uint32_t a, uint32_t b) { return cur[a].key < cur[b].key; });
  std::vector<RankedFlow> ranked;
  ranked.reserve(deltas.size());
  for (const FlowDelta& d : deltas)
    ranked.push_back(RankedFlow{cur[d.idx], d.bytes_delta, d.packets_delta, d.bytes_delta});
  return ranked;
}

}  // namespace pktlens::collector
