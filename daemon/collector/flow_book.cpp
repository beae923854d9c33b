// SPDX-License-Identifier: Apache-2.0
#include "collector/flow_book.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree

#include "collector/bpf_call.hpp"

namespace pktlens::collector {

FlowBook::FlowBook(pktlens_bpf* skel) : skel_(skel) {}

// The slot the data plane counts the interface's frames in: the loader's
// registry (pktlens_ifaces, or pktlens_ifaces_hi beyond the array), slot 0
// where the interface is not registered, as in lib/hooks.h. Looked up once
// per cycle: the loader may register an interface between cycles.
FlowBook::SlotDir FlowBook::slot_of(uint32_t ifindex, uint8_t dir) {
  auto it = slots_.find(ifindex);
  if (it == slots_.end()) {
    pktlens_iface iface{};
    const bpf_map* arr = skel_->maps.pktlens_ifaces;
    const int fd = ifindex < bpf_map__max_entries(arr) ? bpf_map__fd(arr)
                                                       : bpf_map__fd(skel_->maps.pktlens_ifaces_hi);
    if (bpf_map_lookup_elem(fd, &ifindex, &iface) != 0) iface.slot = PKTLENS_SLOT_UNREGISTERED;
    it = slots_.emplace(ifindex, iface.slot).first;
  }
  return {it->second, dir};
}

void FlowBook::ended(const pktlens_flow_rec& r, FlowEnd why) {
  pktlens_flow_ended& e = ended_[slot_of(r.key.ifindex, r.key.dir)];
  if (why == FlowEnd::idle) {
    e.expired_packets += r.packets;
    e.expired_bytes += r.bytes;
  } else {
    e.evicted_packets += r.packets;
    e.evicted_bytes += r.bytes;
  }
}

void FlowBook::in_table(const pktlens_flow_key& k, uint64_t packets, uint64_t bytes) {
  auto& t = table_[slot_of(k.ifindex, k.dir)];
  t.first += packets;
  t.second += bytes;
}

void FlowBook::finish(Snapshot& s) {
  const int fd = bpf_map__fd(skel_->maps.pktlens_flow_ended);
  const uint32_t entries = bpf_map__max_entries(skel_->maps.pktlens_flow_ended);
  for (const auto& [at, add] : ended_) {
    const uint32_t idx = at.first * PKTLENS_DIR_MAX + at.second;
    if (idx >= entries) continue;  // no such slot: the data plane has none either
    pktlens_flow_ended v{};
    if (bpf_map_lookup_elem(fd, &idx, &v) != 0) fail(errno, "reading pktlens_flow_ended");
    v.expired_packets += add.expired_packets;
    v.expired_bytes += add.expired_bytes;
    v.evicted_packets += add.evicted_packets;
    v.evicted_bytes += add.evicted_bytes;
    if (bpf_map_update_elem(fd, &idx, &v, BPF_ANY) != 0) fail(errno, "updating pktlens_flow_ended");
  }
  for (auto& [at, c] : s.ifaces) {
    const uint32_t idx = at.first * PKTLENS_DIR_MAX + at.second;
    if (idx < entries && bpf_map_lookup_elem(fd, &idx, &c.flows_ended) != 0)
      fail(errno, "reading pktlens_flow_ended");
    const auto t = table_.find(at);
    c.flow_table_packets = t == table_.end() ? 0 : t->second.first;
    c.flow_table_bytes = t == table_.end() ? 0 : t->second.second;
  }
  slots_.clear();
  ended_.clear();
  table_.clear();
}

}  // namespace pktlens::collector
