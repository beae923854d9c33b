// SPDX-License-Identifier: Apache-2.0
#include "collector/collector.hpp"

#include <time.h>

#include <map>
#include <vector>

#include "collector/bpf_call.hpp"
#include "collector/map_reader.hpp"

namespace pktlens::collector {

Collector::Collector(pktlens_bpf* skel, const bpf::TcpEvents* events, CollectorOptions o)
    : skel_(skel), opts_(std::move(o)), threats_(skel, opts_.threats) {
  if (opts_.flows) flows_.emplace(skel, opts_.flow_table);
  if (opts_.vlans) vlans_.emplace(skel, opts_.vlan_table);
  if (events) events_.emplace(*events);
}

void Collector::set_tc_hooks(bool tc) {
  opts_.egress_hooked = tc;
  threats_.set_tc_hooks(tc);
}

Cycle Collector::collect(Snapshot::InterfaceNames names) {
  Cycle c;
  c.snapshot = std::make_shared<Snapshot>();
  Snapshot& s = *c.snapshot;
  // Expired handshakes first, so this cycle's timeout counters have them.
  c.stats.handshakes = sweep_handshakes(skel_, clock_ns(CLOCK_MONOTONIC));
  // Only the slots that have a name (and slot 0) have series: the free ones
  // of a large slot table are not even read.
  std::vector<uint32_t> slots{PKTLENS_SLOT_UNREGISTERED};
  for (const auto& [slot, name] : names.by_slot)
    if (slot != PKTLENS_SLOT_UNREGISTERED) slots.push_back(slot);
  s = read_snapshot(skel_, ReadOptions{.flows = false, .slots = std::move(slots)});
  if (vlans_) c.stats.vlans = vlans_->collect(clock_ns(CLOCK_MONOTONIC), s);
  read_networks(skel_, opts_.networks, s);
  if (flows_) {
    c.stats.flows = flows_->collect(clock_ns(CLOCK_MONOTONIC), s);
    if (opts_.flow_table.record_changes) c.flow_changes = flows_->take_changes();
    c.stats.presence = flows_->upkeep_presence();
  }
  // After the flows: the top-K flows' retransmits are looked up.
  if (events_) events_->read(s);
  threats_.collect(s);
  // Handshake timeouts come from a small array read whole: a slot without
  // a name (gone since) may be in s.tcp_latency through it.
  const auto unnamed = [&](uint32_t slot) {
    return slot != PKTLENS_SLOT_UNREGISTERED && !names.by_slot.contains(slot);
  };
  std::erase_if(s.ifaces, [&](const auto& kv) { return unnamed(kv.first.first); });
  std::erase_if(s.tcp_latency, [&](const auto& kv) { return unnamed(kv.first); });
  s.interfaces = std::move(names);
  s.egress_hooked = opts_.egress_hooked;
  return c;
}

}  // namespace pktlens::collector
