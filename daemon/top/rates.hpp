// SPDX-License-Identifier: Apache-2.0
// What `pktlensd top` shows, computed from two consecutive scrapes of
// /metrics: per-second rates of counters ((now - before) / seconds between
// the scrapes; a counter that went down was reset and counts from 0), and
// latency quantiles from histogram buckets. Knows metric names, not ncurses.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "top/exposition.hpp"

namespace pktlens::top {

struct Scrape {
  std::vector<Sample> samples;
  std::chrono::steady_clock::time_point at;
};

struct InterfaceRate {
  std::string name;
  double in_bps = 0, in_pps = 0, out_bps = 0, out_pps = 0;  // bits and packets per second
};

struct FlowRate {
  std::string interface, dir, proto, src, dst, sport, dport, vlan;
  double bps = 0, pps = 0;
};

// A counter summed by one label (anomalies by kind, drops by reason).
struct CounterRate {
  std::string what;
  double per_second = 0;
  double total = 0;
};

struct Quantiles {
  std::string what;  // family and labels, e.g. "rtt vethA"
  double count = 0;  // observations
  std::optional<double> p50, p90, p99;  // seconds
};

enum class SortBy { Bytes, Packets };

struct Model {
  bool have_rates = false;  // false on the first scrape: no rates yet
  double seconds = 0;       // between the two scrapes
  std::vector<InterfaceRate> interfaces;  // by name
  std::vector<FlowRate> flows;            // by the sort key, highest first
  std::vector<CounterRate> anomalies;     // by total, highest first
  std::vector<CounterRate> drops;         // by total, highest first
  std::vector<Quantiles> latency;
};

// The model of `current`, rates against `previous` (none: no rates).
Model compute(const Scrape* previous, const Scrape& current, SortBy sort);

// Whether two scrapes saw the same collection of pktlensd (every
// pktlens_*_total equal): scraped faster than pktlensd collects, the second
// one would give rates of 0. The caller then keeps the first as the base of
// the next rates.
bool same_collection(const Scrape& a, const Scrape& b);

void sort_flows(std::vector<FlowRate>& flows, SortBy sort);

// Prometheus' histogram_quantile(): `buckets` are (upper bound, cumulative
// count) with the +Inf bucket; linear interpolation inside a bucket, the
// highest finite bound for the +Inf bucket. None without observations.
std::optional<double> histogram_quantile(double q,
                                         std::vector<std::pair<double, double>> buckets);

}  // namespace pktlens::top
