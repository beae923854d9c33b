// SPDX-License-Identifier: Apache-2.0
// Threshold evaluation with `for:` and `clear_after:` (docs/alerting.md,
// "Threshold semantics"). Pure: samples and a time in, state and
// transitions out, so every rule of the state machine is unit-tested
// without a kernel or a clock.
//
// Per alert and label set of its `by`:
//   inactive --above--> pending (since = now) --above for `for`--> firing
//   pending --not above--> inactive
//   firing --not above for `clear_after` since last above--> resolved (inactive)
// with `for: 0s` going straight to firing, and a series without a sample
// counting as not above. The same as Prometheus's `for` and
// `keep_firing_for`, evaluated at every collection.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <span>
#include <vector>

#include "alerts/sample.hpp"
#include "config/config.hpp"

namespace pktlens::alerts {

struct EngineOptions {
  // Label sets tracked per alert (pending + firing). Above it, firing
  // series keep their place and the highest new values win the rest.
  std::size_t max_series = 100;
};

class AlertEngine {
 public:
  using Time = std::chrono::nanoseconds;  // any monotonic clock, e.g. Snapshot::taken_ns

  explicit AlertEngine(std::vector<config::AlertRule> rules, EngineOptions options = {});

  // One evaluation: `samples` are every signal's series of this interval.
  // Returns the alerts that started firing or resolved, in rule order.
  std::vector<Transition> evaluate(std::span<const Sample> samples, Time now);

  // Replaces the rules (a reload). Alerts whose rule is unchanged keep
  // their state; firing series of removed or changed ones are returned as
  // resolved.
  std::vector<Transition> reconfigure(std::vector<config::AlertRule> rules);

  // Every pending and firing series, in rule order, then label order.
  std::vector<SeriesStatus> status() const;
  // New series refused at the last evaluation because of max_series.
  std::size_t refused_series() const { return refused_; }
  const std::vector<config::AlertRule>& rules() const { return rules_; }

 private:
  struct SeriesState {
    Time since{};       // first evaluation above (pending start)
    Time last_above{};  // last evaluation above
    double value = 0;
    bool firing = false;
  };
  using States = std::map<Labels, SeriesState>;

  Transition transition(const config::AlertRule& rule, const Labels& labels,
                        const SeriesState& s) const;

  std::vector<config::AlertRule> rules_;
  std::vector<States> states_;  // one per rule
  EngineOptions options_;
  std::size_t refused_ = 0;
};

// The value of each `by` label set of `rule`: samples of its signal whose
// labels match, combined by the signal's aggregation (sum or max).
std::map<Labels, double> aggregate(const config::AlertRule& rule, std::span<const Sample> samples);

}  // namespace pktlens::alerts
