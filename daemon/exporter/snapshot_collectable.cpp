// SPDX-License-Identifier: Apache-2.0
#include "exporter/snapshot_collectable.hpp"

#include <iterator>
#include <utility>

#include "exporter/render.hpp"
#include "exporter/render_alerts.hpp"
#include "exporter/render_features.hpp"
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

// Every family rendered from a Snapshot, in scrape order.
std::vector<prometheus::MetricFamily> render_state(
    const collector::Snapshot& s, const std::vector<alerts::SeriesStatus>& alerts) {
  auto out = render_interfaces(s);
  append(out, render_flow_gauges(s));
  append(out, render_flows(s));
  append(out, render_tcp_events(s));
  append(out, render_tcp_latency(s));
  append(out, render_alerts(alerts));
  append(out, render_networks(s.networks, s.egress_hooked));
  append(out, render_threats(s.threats));
  append(out, render_features(s));
  return out;
}

// The same families without a series: what a scrape declares while there
// is no data (no collection yet, or a failed one), so the set of families
// never depends on whether a collection succeeded.
std::vector<prometheus::MetricFamily> declared_only() {
  auto out = render_state(collector::Snapshot{}, {});
  for (auto& f : out) f.metric.clear();
  return out;
}

}  // namespace

SnapshotCollectable::SnapshotCollectable(std::string version, ProcessReader process)
    : version_(std::move(version)), process_(std::move(process)) {}

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
  auto out =
      state && state->snapshot ? render_state(*state->snapshot, state->alerts) : declared_only();
  append(out, render_monitoring(state ? state->monitoring : std::vector<InterfaceMonitoring>{}));
  append(out, render_slots(state ? state->slots : SlotTable{}));
  append(out, render_process(process_()));
  append(out, render_flow_export(state ? state->ipfix : std::vector<IpfixCollectorStats>{}));
  append(out, render_self(state ? state->self : SelfStats{}, version_));
  return out;
}

}  // namespace pktlens::exporter
