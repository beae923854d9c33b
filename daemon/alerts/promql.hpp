// SPDX-License-Identifier: Apache-2.0
// What a signal means in PromQL over pktlens's own metrics, per alert: the
// same aggregation (`by`, `match`) the daemon evaluates, so that
// `pktlensd rules` and the in-daemon alerts agree (docs/alerting.md).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "signals/catalog.hpp"

namespace pktlens::alerts {

struct PromqlOptions {
  // rate() window for counter signals; at least 2 scrape intervals, 4 is safer.
  std::chrono::milliseconds rate_window{60000};
};

// The signal's value per series: e.g. for packet_rate by [interface],
//   sum by (instance, interface) (rate(pktlens_packets_total[1m]))
// Every expression keeps `instance`, so that one rule covers many hosts.
std::string signal_promql(const signals::SignalInfo& signal, const std::vector<std::string>& by,
                          const std::map<std::string, std::string>& match,
                          const PromqlOptions& options);

// "1m", "30s", "1500ms": a Prometheus duration.
std::string promql_duration(std::chrono::milliseconds d);
// A PromQL / Go double-quoted string literal.
std::string promql_string(std::string_view s);

}  // namespace pktlens::alerts
