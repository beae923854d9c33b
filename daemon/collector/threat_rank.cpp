// SPDX-License-Identifier: Apache-2.0
#include "collector/threat_rank.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace pktlens::collector {

namespace {

// The interval of one counter: a counter that went down was re-created.
uint64_t delta(uint64_t cur, uint64_t prev) { return cur >= prev ? cur - prev : cur; }

// Keys of `cur` with a non-zero count as (key, total, interval), ranked
// by interval, then total descending, then key; the first k.
template <typename Key>
std::vector<std::tuple<Key, uint64_t, uint64_t>> rank_counts(const std::map<Key, uint64_t>& cur,
                                                             const std::map<Key, uint64_t>* prev,
                                                             size_t k) {
  std::vector<std::tuple<Key, uint64_t, uint64_t>> all;
  for (const auto& [key, n] : cur) {
    if (n == 0) continue;
    uint64_t d = 0;
    if (prev) {
      const auto it = prev->find(key);
      d = it == prev->end() ? n : delta(n, it->second);
    }
    all.emplace_back(key, n, d);
  }
  const auto before = [](const auto& a, const auto& b) {
    if (std::get<2>(a) != std::get<2>(b)) return std::get<2>(a) > std::get<2>(b);
    if (std::get<1>(a) != std::get<1>(b)) return std::get<1>(a) > std::get<1>(b);
    return std::get<0>(a) < std::get<0>(b);
  };
  const size_t n = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), before);
  all.resize(n);
  return all;
}

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

std::vector<AddrCount> rank_addrs(const std::map<AddrKey, uint64_t>& cur,
                                  const std::map<AddrKey, uint64_t>* prev, size_t k) {
  std::vector<AddrCount> out;
  for (const auto& [key, n, d] : rank_counts(cur, prev, k))
    out.push_back({.family = key.first, .addr = key.second, .packets = n, .packets_delta = d});
  return out;
}

std::vector<PortCount> rank_ports(const std::map<uint16_t, uint64_t>& cur,
                                  const std::map<uint16_t, uint64_t>* prev, size_t k) {
  std::vector<PortCount> out;
  for (const auto& [port, n, d] : rank_counts(cur, prev, k))
    out.push_back({.port = port, .packets = n, .packets_delta = d});
  return out;
}

uint64_t linear_count(const std::array<uint64_t, PKTLENS_SCAN_WORDS>& bits) {
  constexpr double m = PKTLENS_SCAN_BITS;
  int set = 0;
  for (uint64_t w : bits) set += std::popcount(w);
  const int zero = PKTLENS_SCAN_BITS - set;
  // A full bitmap: as if one bit were still zero, the largest finite answer.
  const double z = zero == 0 ? 1.0 : zero;
  return static_cast<uint64_t>(std::llround(-m * std::log(z / m)));
}

ScanRanking rank_scan(const std::map<AddrKey, uint64_t>& ports, uint64_t threshold, size_t k) {
  ScanRanking r;
  for (const auto& [key, n] : ports) {
    if (n < threshold) continue;
    r.suspects++;
    r.top.push_back({.family = key.first, .src = key.second, .ports = n});
  }
  const auto before = [](const ScanSource& a, const ScanSource& b) {
    if (a.ports != b.ports) return a.ports > b.ports;
    return std::tie(a.family, a.src) < std::tie(b.family, b.src);
  };
  const size_t n = std::min(k, r.top.size());
  std::partial_sort(r.top.begin(), r.top.begin() + static_cast<std::ptrdiff_t>(n), r.top.end(),
                    before);
  r.top.resize(n);
  return r;
}

}  // namespace pktlens::collector
