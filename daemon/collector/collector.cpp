// SPDX-License-Identifier: Apache-2.0
#include "collector/collector.hpp"

#include <time.h>

#include "collector/bpf_call.hpp"
#include "collector/map_reader.hpp"

namespace pktlens::collector {

Collector::Collector(pktlens_bpf* skel, const bpf::TcpEvents* events, CollectorOptions o)
    : skel_(skel), opts_(std::move(o)), threats_(skel, opts_.threats) {
  if (opts_.flows) flows_.emplace(skel, opts_.flow_table);
  if (events) events_.emplace(*events);
}

Cycle Collector::collect(Snapshot::InterfaceNames names) {
  Cycle c;
  c.snapshot = std::make_shared<Snapshot>();
  Snapshot& s = *c.snapshot;
  // Expired handshakes first, so this cycle's timeout counters have them.
  c.stats.handshakes = sweep_handshakes(skel_, clock_ns(CLOCK_MONOTONIC));
  s = read_snapshot(skel_, ReadOptions{.flows = false});
  read_networks(skel_, opts_.networks, s);
  if (flows_) {
    c.stats.flows = flows_->collect(clock_ns(CLOCK_MONOTONIC), s);
    if (opts_.flow_table.record_changes) c.flow_changes = flows_->take_changes();
    c.stats.presence = flows_->upkeep_presence();
  }
  // After the flows: the top-K flows' retransmits are looked up.
  if (events_) events_->read(s);
  threats_.collect(s);
  s.interfaces = std::move(names);
  s.egress_hooked = opts_.egress_hooked;
  return c;
}

}  // namespace pktlens::collector
