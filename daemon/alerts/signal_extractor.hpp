// SPDX-License-Identifier: Apache-2.0
// Signal samples from two consecutive Snapshots: the in-daemon side of the
// catalog (signals/catalog.hpp). Rates are per second over the real time
// between the two reads (Snapshot::taken_ns), not the configured interval,
// so a late cycle does not inflate them. Labels are the ones the exporter
// renders for the same counters, so a series here is a series of /metrics.
//
// One function per signal (signal_sources()). A signal whose data a
// Snapshot does not carry yet has no function and gives no samples.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/sample.hpp"
#include "collector/snapshot.hpp"

namespace pktlens::alerts {

// The interface label of slot 0 (exporter::kUnregisteredName) and of
// retransmits on an unknown device (exporter::kUnknownInterface); a unit
// test keeps them equal.
inline constexpr const char* kUnregisteredInterface = "unregistered";
inline constexpr const char* kUnknownDevice = "unknown";

struct SignalInputs {
  const collector::Snapshot& before;
  const collector::Snapshot& now;
  const std::map<uint32_t, std::string>& slot_names;     // as for exporter::render_interfaces
  const std::map<uint32_t, std::string>& ifindex_names;  // as for exporter::render_tcp_events
  double seconds;                                        // now.taken_ns - before.taken_ns, > 0
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
                                    const std::map<uint32_t, std::string>& slot_names,
                                    const std::map<uint32_t, std::string>& ifindex_names,
                                    const std::set<std::string, std::less<>>* wanted = nullptr);

// A counter's per-second rate; a counter that went back (its map was
// recreated) counts from 0.
double counter_rate(uint64_t before, uint64_t now, double seconds);

}  // namespace pktlens::alerts
