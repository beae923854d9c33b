// SPDX-License-Identifier: Apache-2.0
#include "alerts/promql.hpp"

#include <cstdio>

#include "config/config.hpp"

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
  std::string selector(signal.metric);
  if (!match.empty()) {
    selector += "{";
    bool first = true;
    for (const auto& [label, value] : match) {
      selector += (first ? "" : ", ") + label + "=" + promql_string(value);
      first = false;
    }
    selector += "}";
  }
  std::string inner;
  switch (signal.kind) {
    case SignalKind::counter_rate:
      inner = "rate(" + selector + "[" + promql_duration(options.rate_window) + "])";
      break;
    case SignalKind::interval_gauge_rate:
    case SignalKind::gauge:
      inner = selector;
      break;
    case SignalKind::ratio:
      // No value while the denominator is 0 (flows switched off), as in the daemon.
      inner = selector + " / (" + std::string(signal.denominator) + " > 0)";
      break;
  }
  std::string grouping = "instance";
  for (const auto& b : by) grouping += ", " + b;
  const char* agg = signal.aggregation == Aggregation::max ? "max" : "sum";
  std::string expr = std::string(agg) + " by (" + grouping + ") (" + inner + ")";
  if (signal.kind == SignalKind::interval_gauge_rate)
    expr += " / " + config::format_number(std::chrono::duration<double>(options.interval).count());
  return expr;
}

}  // namespace pktlens::alerts
