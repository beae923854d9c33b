// SPDX-License-Identifier: Apache-2.0
// The collection cycle: every map the data plane and the tracepoints write,
// read into one Snapshot, in the order the data needs. The service calls
// collect() every interval and publishes what it returns; it knows nothing
// of the order or the maps. docs/architecture.md, "User space".
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "collector/flow_changes.hpp"
#include "collector/flow_table.hpp"
#include "collector/handshake_sweep.hpp"
#include "collector/network_reader.hpp"
#include "collector/presence_filter.hpp"
#include "collector/snapshot.hpp"
#include "collector/tcp_events_reader.hpp"
#include "collector/threats.hpp"
#include "collector/vlan_table.hpp"

struct pktlens_bpf;

namespace pktlens::bpf {
class TcpEvents;
}

namespace pktlens::collector {

struct CollectorOptions {
  bool flows = true;          // the flow table is read (flows switched on)
  bool egress_hooked = true;  // attach: tc (Snapshot::egress_hooked)
  FlowTableOptions flow_table;
  bool vlans = true;  // the VLAN table is kept (VLANs switched on)
  VlanTableOptions vlan_table;
  ThreatOptions threats;
  std::vector<NetworkId> networks;  // the configured networks, in config order
};

// What a cycle did, for the log and the self metrics.
struct CycleStats {
  std::optional<FlowCollectStats> flows;  // when flows are on
  std::optional<VlanCollectStats> vlans;  // when VLANs are on
  PresenceFill presence;
  SweepInfo handshakes;
};

struct Cycle {
  std::shared_ptr<Snapshot> snapshot;
  CycleStats stats;
  // Every changed and every deleted flow of the cycle, when
  // FlowTableOptions::record_changes is set (flow export); empty otherwise.
  FlowChanges flow_changes;
};

class Collector {
 public:
  // `skel`: the loaded data plane; `events`: the tracepoint object, or null
  // when every tracepoint signal is off. Both outlive the Collector. Reads
  // the kernel's drop-reason names when drops are on.
  Collector(pktlens_bpf* skel, const bpf::TcpEvents* events, CollectorOptions o);

  // One cycle; `names` (the loader's) label the Snapshot's interfaces.
  // Throws std::system_error on map errors; the next cycle starts over
  // (the flow table's mirror stays as it was).
  Cycle collect(Snapshot::InterfaceNames names);

  // attach switched between tc and xdp (a reload): whether egress and the
  // TC-only signals are counted.
  void set_tc_hooks(bool tc);

  const FlowTable* flow_table() const { return flows_ ? &*flows_ : nullptr; }
  // FlowTable::close_cache(), when flows are collected.
  void close_flow_cache() {
    if (flows_) flows_->close_cache();
  }

 private:
  pktlens_bpf* skel_;
  CollectorOptions opts_;
  std::optional<FlowTable> flows_;
  std::optional<VlanTable> vlans_;
  std::optional<TcpEventsReader> events_;
  ThreatCollector threats_;
};

}  // namespace pktlens::collector
