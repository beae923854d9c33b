// SPDX-License-Identifier: Apache-2.0
#include "alerts/promql.hpp"

#include <cstdio>

namespace pktlens::alerts {

using signals::Aggregation;
using signals::SignalInfo;
using signals::SignalKind;

std::string promql_duration(std::chrono::milliseconds d) {
  const long long ms = d.count();
  if (ms == 0) return "0s";
  if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string promql_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string signal_promql(const SignalInfo& signal, const std::vector<std::string>& by,
                          const std::map<std::string, std::string>& match,
                          const PromqlOptions& options) {
  std::string matchers;
  if (!match.empty()) {
    matchers += "{";
    bool first = true;
    for (const auto& [label, value] : match) {
      matchers += (first ? "" : ", ") + label + "=" + promql_string(value);
      first = false;
    }
    matchers += "}";
  }
  const auto rate = [&](std::string_view metric) {
    return "rate(" + std::string(metric) + matchers + "[" + promql_duration(options.rate_window) +
           "])";
  };
  std::string inner;
  switch (signal.kind) {
    case SignalKind::counter_rate:
      inner = rate(signal.metric);
      break;
    case SignalKind::counter_rate_difference:
      // Per series, before the sum, as the daemon floors each series.
      inner = "clamp_min(" + rate(signal.metric) + " - " + rate(signal.other_metric) + ", 0)";
      break;
    case SignalKind::gauge:
      inner = std::string(signal.metric) + matchers;
      break;
    case SignalKind::ratio:
      // No value while the denominator is 0 (flows switched off), as in the daemon.
      inner = std::string(signal.metric) + matchers + " / (" + std::string(signal.other_metric) +
              " > 0)";
      break;
  }
  std::string grouping = "instance";
  for (const auto& b : by) grouping += ", " + b;
  const char* agg = signal.aggregation == Aggregation::max ? "max" : "sum";
  return std::string(agg) + " by (" + grouping + ") (" + inner + ")";
}

}  // namespace pktlens::alerts
