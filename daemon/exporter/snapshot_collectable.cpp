// SPDX-License-Identifier: Apache-2.0
#include "exporter/snapshot_collectable.hpp"

#include <iterator>
#include <utility>

#include "exporter/render.hpp"
#include "exporter/render_alerts.hpp"
#include "exporter/render_flows.hpp"
#include "exporter/render_networks.hpp"
#include "exporter/render_tcp_events.hpp"
#include "exporter/render_tcp_latency.hpp"
#include "exporter/render_threats.hpp"

namespace pktlens::exporter {

namespace {

void append(std::vector<prometheus::MetricFamily>& out,
            std::vector<prometheus::MetricFamily>&& more) {
  out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

}  // namespace

SnapshotCollectable::SnapshotCollectable(std::string version) : version_(std::move(version)) {}

void SnapshotCollectable::publish(std::shared_ptr<const Published> state) {
  if (!state) return;
  // The previous state is released outside the lock: if this was its last
  // reference, freeing a large Snapshot must not delay a scrape.
  {
    const std::lock_guard lock(mutex_);
    state_.swap(state);
  }
}

std::vector<prometheus::MetricFamily> SnapshotCollectable::Collect() const {
  std::shared_ptr<const Published> state;
  {
    const std::lock_guard lock(mutex_);
    state = state_;
  }
  std::vector<prometheus::MetricFamily> out;
  if (!state) {
    append(out, render_self(SelfStats{}, version_));
    return out;
  }
  if (state->snapshot) {
    const auto& s = *state->snapshot;
    out = render_interfaces(s);
    append(out, render_flow_gauges(s));
    append(out, render_flows(s));
    append(out, render_tcp_events(s));
    append(out, render_tcp_latency(s));
    append(out, render_alerts(state->alerts));
    append(out, render_networks(s.networks));
    append(out, render_threats(s.threats));
  }
  append(out, render_monitoring(state->monitoring));
  append(out, render_self(state->self, version_));
  return out;
}

}  // namespace pktlens::exporter
