// SPDX-License-Identifier: Apache-2.0
#include "collector/threat_rank.hpp"

#include <algorithm>

namespace pktlens::collector {

namespace {

// The interval of one counter: a counter that went down was re-created.
uint64_t delta(uint64_t cur, uint64_t prev) { return cur >= prev ? cur - prev : cur; }

}  // namespace

std::vector<SynDest> rank_syn(const std::map<SynKey, SynCounts>& cur,
                              const std::map<SynKey, SynCounts>* prev, size_t k) {
  std::vector<SynDest> all;
  all.reserve(cur.size());
  for (const auto& [key, c] : cur) {
    SynDest d{.family = std::get<0>(key),
              .dst = std::get<1>(key),
              .dport = std::get<2>(key),
              .syns = c.syns,
              .handshakes = c.handshakes};
    if (prev) {
      const auto it = prev->find(key);
      // One re-created counter means the whole entry was.
      const bool fresh =
          it == prev->end() || c.syns < it->second.syns || c.handshakes < it->second.handshakes;
      d.syns_delta = fresh ? c.syns : delta(c.syns, it->second.syns);
      d.handshakes_delta = fresh ? c.handshakes : delta(c.handshakes, it->second.handshakes);
    }
    all.push_back(d);
  }
  const auto before = [](const SynDest& a, const SynDest& b) {
    if (a.syns_delta != b.syns_delta) return a.syns_delta > b.syns_delta;
    if (a.syns != b.syns) return a.syns > b.syns;
    return std::tie(a.family, a.dst, a.dport) < std::tie(b.family, b.dst, b.dport);
  };
  const size_t n = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), before);
  all.resize(n);
  return all;
}

}  // namespace pktlens::collector
