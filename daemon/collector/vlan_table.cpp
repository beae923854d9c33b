// SPDX-License-Identifier: Apache-2.0
#include "collector/vlan_table.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree

#include <cerrno>
#include <cstring>
#include <vector>

#include "bpf/percpu.hpp"
#include "collector/bpf_call.hpp"
#include "collector/map_batch.hpp"
#include "collector/percpu_sum.hpp"

namespace pktlens::collector {
namespace {

pktlens_vlan_key kernel_key(const VlanRecord& r) {
  pktlens_vlan_key k{};
  k.ifindex = r.ifindex;
  k.vlan = r.vlan;
  k.vlan_inner = r.vlan_inner;
  k.dir = r.dir;
  k.tags = r.tags;
  return k;
}

pktlens_vlan_rest_key rest_key(const VlanIfDir& side) {
  pktlens_vlan_rest_key k{};
  k.ifindex = side.first;
  k.dir = side.second;
  return k;
}

}  // namespace

VlanTable::VlanTable(pktlens_bpf* skel, VlanTableOptions o)
    : skel_(skel),
      opts_(o),
      ranking_(o.top_k),
      take_(shape_of(skel->maps.pktlens_vlans, bpf::possible_cpus()), o.lookup_and_delete) {
  const MapShape m = shape_of(skel_->maps.pktlens_vlan_rest, 1);
  walk_keys(m, [&](const uint8_t* key, const uint8_t* value) {
    pktlens_vlan_rest_key k;
    pktlens_vlan_rest v;
    std::memcpy(&k, key, sizeof k);
    std::memcpy(&v, value, sizeof v);
    rest_[{k.ifindex, k.dir}] = VlanRestState{.expired = {v.expired_packets, v.expired_bytes},
                                              .other = {v.other_packets, v.other_bytes}};
  });
  stored_ = rest_;
}

bool VlanTable::take(const VlanRecord& r, VlanCounts& final_counts) {
  const pktlens_vlan_key k = kernel_key(r);
  const uint8_t* values = take_.take(&k);
  if (!values) return false;
  const auto sum = sum_percpu<pktlens_vlan_val>(values, take_.shape().stride(), take_.shape().cpus,
                                                [](pktlens_vlan_val& a, const pktlens_vlan_val& v) {
                                                  a.packets += v.packets;
                                                  a.bytes += v.bytes;
                                                });
  final_counts = {sum.packets, sum.bytes};
  return true;
}

void VlanTable::store_rest() {
  const int fd = bpf_map__fd(skel_->maps.pktlens_vlan_rest);
  for (const auto& [side, state] : rest_) {
    if (state == VlanRestState{}) continue;
    const auto before = stored_.find(side);
    if (before != stored_.end() && before->second == state) continue;
    const pktlens_vlan_rest_key k = rest_key(side);
    const pktlens_vlan_rest v{.expired_packets = state.expired.packets,
                              .expired_bytes = state.expired.bytes,
                              .other_packets = state.other.packets,
                              .other_bytes = state.other.bytes};
    if (bpf_map_update_elem(fd, &k, &v, BPF_ANY) != 0) {
      // Full (thousands of interfaces came and went): this side's rest
      // still counts in this process, it is only not kept for the next.
      if (errno == E2BIG) continue;
      fail(errno, "updating pktlens_vlan_rest");
    }
    stored_[side] = state;
  }
}

VlanCollectStats VlanTable::collect(uint64_t now_ns, Snapshot& s) {
  VlanCollectStats stats;
  const auto idle_ns = static_cast<uint64_t>(opts_.idle_timeout.count());
  std::map<VlanKey, Seen> seen;
  std::vector<VlanRecord> live;
  live.reserve(s.vlans.size());
  for (const VlanRecord& r : s.vlans) {
    const VlanKey key = vlan_key(r);
    const VlanCounts counts{r.packets, r.bytes};
    Seen now{.counts = counts, .changed_ns = now_ns};
    const auto before = seen_.find(key);
    if (before != seen_.end() && before->second.counts == counts)
      now.changed_ns = before->second.changed_ns;
    VlanCounts final_counts;
    if (now_ns - now.changed_ns >= idle_ns && take(r, final_counts)) {
      VlanCounts& expired = rest_[{r.ifindex, r.dir}].expired;
      expired.packets += final_counts.packets;
      expired.bytes += final_counts.bytes;
      stats.expired++;
      continue;
    }
    seen.emplace(key, now);
    live.push_back(r);
  }
  seen_ = std::move(seen);
  VlanExport out = ranking_.rank(live, rest_);
  store_rest();
  s.vlans = std::move(out.series);
  s.vlan_rest = std::move(out.rest);
  stats.lookup_and_delete = take_.atomic();
  return stats;
}

}  // namespace pktlens::collector
