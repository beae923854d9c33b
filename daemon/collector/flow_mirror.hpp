// SPDX-License-Identifier: Apache-2.0
// The flow table's mirror in user space: every flow the collector has seen,
// with the counters it had when last read, so a cycle only needs the flows
// that changed (collector/flow_table.hpp). Keys stay as the kernel holds
// them: the presence filter and deletes use them as they are; they are
// decoded only for the top-K. docs/architecture.md, "Collecting flows".
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "bpf/abi.hpp"
#include "collector/snapshot.hpp"

extern "C" {
#include "lib/flow_hash.h"
}

namespace pktlens::collector {

// A flow of the mirror.
struct MirrorEntry {
  pktlens_flow_key key;
  uint64_t packets;
  uint64_t bytes;
  uint64_t first_seen_ns;
  uint64_t last_seen_ns;
  // Its bytes at the last three steps of the ranking window (newest
  // first; 0 before the flow existed): bytes - step_bytes[2] is what it
  // moved in the window (flow_table.cpp, "The window").
  uint64_t step_bytes[3];
  uint32_t pass;  // the last pass that reported it
  uint8_t tcp_flags;
  uint8_t tos;  // of the flow's first packet
};
static_assert(sizeof(MirrorEntry) == 112);

// The counters of a MirrorEntry or a pktlens_flow_rec (same field names), key
// left empty: what interval_of() compares.
template <typename T>
FlowRecord counters_of(const T& x) {
  return FlowRecord{.packets = x.packets,
                    .bytes = x.bytes,
                    .first_seen_ns = x.first_seen_ns,
                    .last_seen_ns = x.last_seen_ns,
                    .tcp_flags = x.tcp_flags,
                    .tos = x.tos};
}

inline bool same_key(const pktlens_flow_key& a, const pktlens_flow_key& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// FlowKey's order (the ranking tie-break) on kernel keys, without decoding.
inline bool key_less(const pktlens_flow_key& a, const pktlens_flow_key& b) {
  if (a.ifindex != b.ifindex) return a.ifindex < b.ifindex;
  if (a.dir != b.dir) return a.dir < b.dir;
  if (a.vlan != b.vlan) return a.vlan < b.vlan;
  if (a.vlan_inner != b.vlan_inner) return a.vlan_inner < b.vlan_inner;
  if (a.proto != b.proto) return a.proto < b.proto;
  if (a.family != b.family) return a.family < b.family;
  if (const int c = std::memcmp(a.src, b.src, sizeof a.src)) return c < 0;
  if (const int c = std::memcmp(a.dst, b.dst, sizeof a.dst)) return c < 0;
  if (a.sport != b.sport) return a.sport < b.sport;
  return a.dport < b.dport;
}

// Dense entries plus an open-addressing index (linear probing, no
// tombstones): 88 bytes per flow and 8 per index slot, at most half full.
// Removal moves the last entry into the hole.
class FlowMirror {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Sized for the map's capacity: the entries only reserve address space
  // (pages are touched as flows arrive) and never move while filling.
  explicit FlowMirror(size_t expected) {
    entries_.reserve(expected);
    rehash(slots_for(expected));
  }

  size_t size() const { return entries_.size(); }
  MirrorEntry& at(uint32_t i) { return entries_[i]; }
  const MirrorEntry& at(uint32_t i) const { return entries_[i]; }
  const std::vector<MirrorEntry>& entries() const { return entries_; }
  // The entries' counters may change; their keys must not.
  std::vector<MirrorEntry>& mutable_entries() { return entries_; }

  uint32_t find(const pktlens_flow_key& k) const {
    const uint64_t h = pktlens_flow_key_hash(&k);
    for (size_t p = h & mask_;; p = (p + 1) & mask_) {
      const uint64_t s = slots_[p];
      if (s == 0) return kNone;
      const auto idx = static_cast<uint32_t>(s) - 1;
      if ((s >> 32) == (h >> 32) && same_key(entries_[idx].key, k)) return idx;
    }
  }

  // The key must be absent.
  uint32_t insert(const MirrorEntry& e) {
    if ((entries_.size() + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
    const auto idx = static_cast<uint32_t>(entries_.size());
    entries_.push_back(e);
    place(pktlens_flow_key_hash(&e.key), idx);
    return idx;
  }

  void erase(uint32_t idx) {
    unlink(idx);
    const auto last = static_cast<uint32_t>(entries_.size() - 1);
    if (idx != last) {
      // Point the last entry's slot at its new place.
      const uint64_t h = pktlens_flow_key_hash(&entries_[last].key);
      for (size_t p = h & mask_;; p = (p + 1) & mask_) {
        if (static_cast<uint32_t>(slots_[p]) - 1 == last) {
          slots_[p] = (h >> 32 << 32) | (uint64_t{idx} + 1);
          break;
        }
      }
      entries_[idx] = entries_[last];
    }
    entries_.pop_back();
  }

  // Removes every entry for which `drop` is true; returns how many.
  template <typename Pred>
  size_t erase_if(Pred drop) {
    size_t n = 0;
    for (size_t i = entries_.size(); i-- > 0;) {
      // Descending: the entry moved into a hole is one already kept.
      if (drop(entries_[i])) {
        erase(static_cast<uint32_t>(i));
        n++;
      }
    }
    return n;
  }

 private:
  static size_t slots_for(size_t n) {
    size_t s = 1024;
    while (s < n * 2) s <<= 1;
    return s;
  }

  void place(uint64_t h, uint32_t idx) {
    size_t p = h & mask_;
    while (slots_[p] != 0) p = (p + 1) & mask_;
    slots_[p] = (h >> 32 << 32) | (uint64_t{idx} + 1);
  }

  // Removes idx's slot; backward-shift deletion keeps probe chains whole.
  void unlink(uint32_t idx) {
    const uint64_t h = pktlens_flow_key_hash(&entries_[idx].key);
    size_t p = h & mask_;
    while (static_cast<uint32_t>(slots_[p]) - 1 != idx) p = (p + 1) & mask_;
    for (size_t q = (p + 1) & mask_;; q = (q + 1) & mask_) {
      const uint64_t s = slots_[q];
      if (s == 0) break;
      const uint64_t hq = pktlens_flow_key_hash(&entries_[static_cast<uint32_t>(s) - 1].key);
      const size_t home = hq & mask_;
      // Move q back to p unless its home lies cyclically in (p, q].
      const bool stays = p <= q ? (p < home && home <= q) : (p < home || home <= q);
      if (!stays) {
        slots_[p] = s;
        p = q;
      }
    }
    slots_[p] = 0;
  }

  void rehash(size_t n) {
    slots_.assign(n, 0);
    mask_ = n - 1;
    for (uint32_t i = 0; i < entries_.size(); i++)
      place(pktlens_flow_key_hash(&entries_[i].key), i);
  }

  std::vector<MirrorEntry> entries_;
  std::vector<uint64_t> slots_;
  size_t mask_ = 0;
};

}  // namespace pktlens::collector
