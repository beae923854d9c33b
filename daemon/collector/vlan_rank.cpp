// SPDX-License-Identifier: Apache-2.0
#include "collector/vlan_rank.hpp"

#include <algorithm>
#include <numeric>

namespace pktlens::collector {
namespace {

// One order for the ranking: bytes descending, then packets, then key.
bool ranks_before(const VlanRecord& a, const VlanRecord& b) {
  if (a.bytes != b.bytes) return a.bytes > b.bytes;
  if (a.packets != b.packets) return a.packets > b.packets;
  return vlan_key(a) < vlan_key(b);
}

// Raises the baselines of the VLANs that just entered the set until
// `other` reaches `floor` (or they are at their counts), one field at a time.
void cover(uint64_t& other, uint64_t floor, std::vector<std::pair<uint64_t*, uint64_t>>& room) {
  for (auto& [baseline, count] : room) {
    if (other >= floor) return;
    const uint64_t add = std::min(floor - other, count - *baseline);
    *baseline += add;
    other += add;
  }
}

}  // namespace

VlanKey vlan_key(const VlanRecord& r) {
  return std::tuple(r.ifindex, r.dir, r.vlan, r.vlan_inner, r.tags);
}

VlanExport VlanRanking::rank(const std::vector<VlanRecord>& live,
                             std::map<VlanIfDir, VlanRestState>& rest) {
  std::vector<size_t> order(live.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t k = std::min(top_k_, live.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](size_t a, size_t b) { return ranks_before(live[a], live[b]); });
  order.resize(k);

  // Per interface and direction: every count, and what the series show.
  struct Side {
    VlanCounts total, shown;
    // Entering VLANs from the lowest ranked: whose earlier counts stay in
    // "other" first when it would go down.
    std::vector<std::pair<uint64_t*, uint64_t>> packets_room, bytes_room;
  };
  std::map<VlanIfDir, Side> sides;
  for (const auto& [side, state] : rest) sides[side].total = state.expired;
  for (const VlanRecord& r : live) {
    Side& side = sides[{r.ifindex, r.dir}];
    side.total.packets += r.packets;
    side.total.bytes += r.bytes;
  }
  std::map<VlanKey, VlanCounts> baselines;
  for (auto i = order.rbegin(); i != order.rend(); ++i) {
    const VlanRecord& r = live[*i];
    const VlanKey key = vlan_key(r);
    VlanCounts& b = baselines[key];
    const auto kept = baselines_.find(key);
    const bool stays = kept != baselines_.end() && kept->second.packets <= r.packets &&
                       kept->second.bytes <= r.bytes;
    Side& side = sides[{r.ifindex, r.dir}];
    if (stays) {
      b = kept->second;
    } else {
      side.packets_room.emplace_back(&b.packets, r.packets);
      side.bytes_room.emplace_back(&b.bytes, r.bytes);
    }
  }
  for (size_t i : order) {
    const VlanRecord& r = live[i];
    const VlanCounts& b = baselines[vlan_key(r)];
    Side& side = sides[{r.ifindex, r.dir}];
    side.shown.packets += r.packets - b.packets;
    side.shown.bytes += r.bytes - b.bytes;
  }

  VlanExport out;
  for (auto& [key, side] : sides) {
    VlanRestState& state = rest[key];
    VlanCounts other{side.total.packets - side.shown.packets, side.total.bytes - side.shown.bytes};
    cover(other.packets, state.other.packets, side.packets_room);
    cover(other.bytes, state.other.bytes, side.bytes_room);
    // Still below: the live counts went down under the pinned rest (the
    // table was re-created); the missing counts are taken as expired.
    if (other.packets < state.other.packets) {
      state.expired.packets += state.other.packets - other.packets;
      other.packets = state.other.packets;
    }
    if (other.bytes < state.other.bytes) {
      state.expired.bytes += state.other.bytes - other.bytes;
      other.bytes = state.other.bytes;
    }
    state.other = other;
    if (other.packets != 0 || other.bytes != 0)
      out.rest.push_back(VlanRest{
          .ifindex = key.first, .dir = key.second, .packets = other.packets, .bytes = other.bytes});
  }
  for (size_t i : order) {
    VlanRecord r = live[i];
    const VlanCounts& b = baselines[vlan_key(r)];
    r.packets -= b.packets;
    r.bytes -= b.bytes;
    out.series.push_back(r);
  }
  std::sort(out.series.begin(), out.series.end(),
            [](const VlanRecord& a, const VlanRecord& b) { return vlan_key(a) < vlan_key(b); });
  baselines_ = std::move(baselines);
  return out;
}

}  // namespace pktlens::collector
