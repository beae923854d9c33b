// SPDX-License-Identifier: Apache-2.0
// The signal catalog: every quantity an alert may put a threshold on, in one
// table (docs/alerting.md, "Signals"). The config module validates alerts
// against it (signal names, `by` and `match` labels), the daemon evaluates
// it from Snapshots (alerts/signal_extractor.hpp), and `pktlensd rules`
// turns it into PromQL over pktlens's own metrics (alerts/rules.hpp). A
// module of its own that depends on nothing, so that config/ and alerts/
// both use it and neither depends on the other for it.
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace pktlens::signals {

// How the metric behind a signal becomes a per-series value.
enum class SignalKind {
  // A counter, as a per-second rate: (now - before) / seconds between the
  // two snapshots in the daemon, rate(metric[window]) in Prometheus.
  counter_rate,
  // Two counters with the same labels, the rate of other_metric taken from
  // the rate of metric, floor 0: (increase of metric - increase of
  // other_metric) / seconds in the daemon, clamp_min(rate(metric[window]) -
  // rate(other_metric[window]), 0) in Prometheus. Counters, not a gauge of
  // the interval, so the PromQL does not depend on pktlensd's `interval`.
  counter_rate_difference,
  // A gauge taken as it is.
  gauge,
  // metric / other_metric (both gauges without labels); no value when the
  // denominator is 0.
  ratio,
};

// How series that differ only in labels outside `by` are combined.
enum class Aggregation { sum, max };

struct SignalInfo {
  std::string_view name;
  std::vector<std::string_view> labels;  // what `by` and `match` may name
  std::string_view unit;                 // for docs and log lines, e.g. "packets/s"
  std::string_view description;
  SignalKind kind;
  Aggregation aggregation;
  std::string_view metric;  // the pktlens metric it is computed from
  // ratio: the denominator; counter_rate_difference: the counter whose
  // rate is subtracted; empty otherwise.
  std::string_view other_metric;
};

// Every signal, in documentation order.
std::span<const SignalInfo> signal_catalog();
// nullptr when no signal has that name.
const SignalInfo* find_signal(std::string_view name);
// The names, for "did you mean" and "expected one of".
std::vector<std::string_view> signal_names();
bool has_label(const SignalInfo& signal, std::string_view label);

}  // namespace pktlens::signals
