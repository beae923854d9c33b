// SPDX-License-Identifier: Apache-2.0
// The pure part of the threat collection (collector/threats.hpp): interval
// deltas and top-K ranking of map contents already summed over CPUs, so
// it is unit-testable without a kernel.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "collector/snapshot.hpp"

namespace pktlens::collector {

// (family, dst, dport): the key of pktlens_syn, in ranking tie-break order.
using SynKey = std::tuple<uint8_t, std::array<uint8_t, 16>, uint16_t>;
struct SynCounts {
  uint64_t syns = 0;
  uint64_t handshakes = 0;
};

// Pure, for tests: every key of `cur` with its interval against `prev`
// (absent, or a counter went down after an LRU eviction: the current
// values count in full; no `prev` at all: deltas 0), ranked by syns_delta
// descending, then syns descending, then key; the first k.
std::vector<SynDest> rank_syn(const std::map<SynKey, SynCounts>& cur,
                              const std::map<SynKey, SynCounts>* prev, size_t k);

// The same for one counter per key: ICMP echo requests by (family, dst),
// UDP datagrams by destination port. Keys whose counter is 0 are left out.
using AddrKey = std::pair<uint8_t, std::array<uint8_t, 16>>;
std::vector<AddrCount> rank_addrs(const std::map<AddrKey, uint64_t>& cur,
                                  const std::map<AddrKey, uint64_t>* prev, size_t k);
// Distinct values hashed into a PKTLENS_SCAN_BITS bitmap, by linear
// counting: -m ln(zero bits / m), rounded; a full bitmap gives
// m ln m (7098, the most it can tell). Error: docs/metrics.md, "Port scan".
uint64_t linear_count(const std::array<uint64_t, PKTLENS_SCAN_WORDS>& bits);

// Sources whose estimate is at least `threshold`: their number, and the
// first k by ports descending, then key.
struct ScanRanking {
  std::vector<ScanSource> top;
  size_t suspects = 0;
};
ScanRanking rank_scan(const std::map<AddrKey, uint64_t>& ports, uint64_t threshold, size_t k);

std::vector<PortCount> rank_ports(const std::map<uint16_t, uint64_t>& cur,
                                  const std::map<uint16_t, uint64_t>* prev, size_t k);

}  // namespace pktlens::collector
