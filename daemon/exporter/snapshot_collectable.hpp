// SPDX-License-Identifier: Apache-2.0
// The bridge between the collector thread and the HTTP server: the
// collector publishes an immutable state after each cycle, every scrape
// renders the latest one. Rendering on scrape (rather than updating a
// prometheus::Registry) means a series that is no longer in the state - a
// flow that left the top-K, an interface that went away - is simply not
// rendered: there is nothing to remove and no stale series.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alerts/sample.hpp"
#include "collector/snapshot.hpp"
#include "exporter/process_metrics.hpp"
#include "exporter/render_flow_export.hpp"
#include "exporter/render_monitoring.hpp"
#include "exporter/self_metrics.hpp"

namespace pktlens::exporter {

// One collector cycle's output, never modified once published.
struct Published {
  // May be null (no successful read yet, or the collector chose to drop
  // the data of a failed cycle): only the self metrics have series then.
  // It carries its interface names (Snapshot::interfaces).
  std::shared_ptr<const collector::Snapshot> snapshot;
  SelfStats self;
  // Pending and firing alerts (alerts::AlertEngine::status()).
  std::vector<alerts::SeriesStatus> alerts;
  // Whether each interface to monitor is monitored, rendered even without
  // a snapshot: being blind is never hidden by a failed read.
  std::vector<InterfaceMonitoring> monitoring;
  SlotTable slots;
  // Each IPFIX collector's counts; empty when export is off.
  std::vector<IpfixCollectorStats> ipfix;
};

class SnapshotCollectable : public prometheus::Collectable {
 public:
  // What a scrape reads about pktlensd's process (process_*).
  using ProcessReader = std::function<ProcessStats()>;

  // version: the build's version string, for pktlens_build_info.
  // process: called at every scrape; by default this process's /proc.
  explicit SnapshotCollectable(
      std::string version, ProcessReader process = [] { return read_process_stats(); });

  // Called by the collector thread; a null state is ignored.
  void publish(std::shared_ptr<const Published> state);

  // Called by the HTTP server's threads, concurrently with publish():
  // render_interfaces + render_flow_gauges + render_flows + render_tcp_events
  // + render_tcp_latency + render_alerts + render_networks + render_threats
  // + render_features of the latest state, then render_monitoring, then
  // render_process of the reader's stats at this scrape, then render_self.
  // Before the first publish, or when the latest state has no Snapshot, the
  // same families are declared without a series, and pktlens_up says why (0
  // before the first publish).
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::string version_;
  const ProcessReader process_;
  // Held only to copy or swap the pointer: a slow scrape never blocks the
  // collector, and rendering works on a state nobody modifies.
  mutable std::mutex mutex_;
  std::shared_ptr<const Published> state_;
};

}  // namespace pktlens::exporter
