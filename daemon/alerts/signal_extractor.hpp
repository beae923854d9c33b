// SPDX-License-Identifier: Apache-2.0
// Signal samples from two consecutive Snapshots: the in-daemon side of the
// catalog (signals/catalog.hpp). Rates are per second over the real time
// between the two reads (Snapshot::taken_ns), not the configured interval,
// so a late cycle does not inflate them. Labels are the ones the exporter
// renders for the same counters (collector/labels.hpp, and the interface
// names of the newer Snapshot for both reads), so a series here is a series
// of /metrics.
//
// One function per signal (signal_sources()). A signal whose data a
// Snapshot does not carry yet has no function and gives no samples.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/sample.hpp"
#include "collector/snapshot.hpp"
#include "config/config.hpp"

namespace pktlens::alerts {

struct SignalInputs {
  const collector::Snapshot& before;
  const collector::Snapshot& now;  // its interface names label both reads
  double seconds;                  // now.taken_ns - before.taken_ns, > 0
};

using SignalFunction = void (*)(const SignalInputs& in, std::vector<Sample>& out);

struct SignalSource {
  std::string_view signal;
  SignalFunction extract;
};

// The signals a Snapshot pair gives today, one function each.
std::span<const SignalSource> signal_sources();

// Samples of the `wanted` signals (all that have a source when null). None
// when the snapshots are not in time order.
std::vector<Sample> extract_signals(const collector::Snapshot& before,
                                    const collector::Snapshot& now,
                                    const std::set<std::string, std::less<>>* wanted = nullptr);

// Samples of the signals some rule of `rules` uses, and of no other.
std::vector<Sample> extract_rule_signals(const std::vector<config::AlertRule>& rules,
                                         const collector::Snapshot& before,
                                         const collector::Snapshot& now);

// A counter's per-second rate; a counter that went back (its map was
// recreated) counts from 0.
double counter_rate(uint64_t before, uint64_t now, double seconds);

}  // namespace pktlens::alerts
