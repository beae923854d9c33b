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

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alerts/sample.hpp"
#include "collector/snapshot.hpp"
#include "exporter/render_monitoring.hpp"
#include "exporter/self_metrics.hpp"

namespace pktlens::exporter {

// One collector cycle's output, never modified once published.
struct Published {
  // May be null (no successful read yet, or the collector chose to drop
  // the data of a failed cycle): only the self metrics are rendered then.
  // It carries its interface names (Snapshot::interfaces).
  std::shared_ptr<const collector::Snapshot> snapshot;
  SelfStats self;
  // Pending and firing alerts (alerts::AlertEngine::status()).
  std::vector<alerts::SeriesStatus> alerts;
  // Whether each interface to monitor is monitored, rendered even without
  // a snapshot: being blind is never hidden by a failed read.
  std::vector<InterfaceMonitoring> monitoring;
};

class SnapshotCollectable : public prometheus::Collectable {
 public:
  // version: the build's version string, for pktlens_build_info.
  explicit SnapshotCollectable(std::string version);

  // Called by the collector thread; a null state is ignored.
  void publish(std::shared_ptr<const Published> state);

  // Called by the HTTP server's threads, concurrently with publish():
  // render_interfaces + render_flow_gauges + render_flows + render_tcp_events
  // + render_tcp_latency + render_alerts of the latest state, then
  // render_monitoring and render_self. Before the first
  // publish only the self metrics, with pktlens_up 0.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::string version_;
  // Held only to copy or swap the pointer: a slow scrape never blocks the
  // collector, and rendering works on a state nobody modifies.
  mutable std::mutex mutex_;
  std::shared_ptr<const Published> state_;
};

}  // namespace pktlens::exporter
