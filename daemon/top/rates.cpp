// SPDX-License-Identifier: Apache-2.0
#include "top/rates.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace pktlens::top {
namespace {

using Key = std::vector<std::string>;

// Sums of family `name` grouped by the values of `by`.
std::map<Key, double> sum_by(const Scrape& s, std::string_view name,
                             const std::vector<std::string_view>& by) {
  std::map<Key, double> out;
  for (const auto& sample : s.samples) {
    if (sample.name != name) continue;
    Key k;
    k.reserve(by.size());
    for (const auto b : by) k.emplace_back(sample.label(b));
    out[k] += sample.value;
  }
  return out;
}

double increase(double now, double before) { return now < before ? now : now - before; }

// Per-second rates of the keys of `now` that `before` has too.
std::map<Key, double> rates(const std::map<Key, double>& now, const std::map<Key, double>& before,
                            double seconds) {
  std::map<Key, double> out;
  for (const auto& [k, v] : now) {
    const auto it = before.find(k);
    if (it != before.end()) out[k] = increase(v, it->second) / seconds;
  }
  return out;
}

std::vector<CounterRate> counter_rates(const Scrape* previous, const Scrape& current,
                                       std::string_view name, std::string_view by,
                                       double seconds) {
  const auto now = sum_by(current, name, {by});
  std::map<Key, double> r;
  if (previous) r = rates(now, sum_by(*previous, name, {by}), seconds);
  std::vector<CounterRate> out;
  for (const auto& [k, total] : now) {
    if (total <= 0) continue;
    const auto it = r.find(k);
    out.push_back({k[0], it == r.end() ? 0.0 : it->second, total});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.total > b.total; });
  return out;
}

void add_histograms(const Scrape& s, std::string_view family, std::string_view short_name,
                    std::vector<Quantiles>& out) {
  const std::string bucket = std::string(family) + "_bucket";
  // Series (labels but le, in text order) -> buckets.
  std::map<Labels, std::vector<std::pair<double, double>>> series;
  for (const auto& sample : s.samples) {
    if (sample.name != bucket) continue;
    Labels rest;
    double le = 0;
    bool have_le = false;
    for (const auto& [k, v] : sample.labels) {
      if (k == "le") {
        le = v == "+Inf" ? INFINITY : std::strtod(v.c_str(), nullptr);
        have_le = true;
      } else {
        rest.emplace_back(k, v);
      }
    }
    if (have_le) series[rest].emplace_back(le, sample.value);
  }
  for (auto& [labels, buckets] : series) {
    Quantiles q;
    q.what = std::string(short_name);
    for (const auto& [k, v] : labels) q.what += " " + v;
    std::sort(buckets.begin(), buckets.end());
    q.count = buckets.empty() ? 0 : buckets.back().second;
    q.p50 = histogram_quantile(0.5, buckets);
    q.p90 = histogram_quantile(0.9, buckets);
    q.p99 = histogram_quantile(0.99, buckets);
    out.push_back(std::move(q));
  }
}

}  // namespace

std::optional<double> histogram_quantile(double q,
                                         std::vector<std::pair<double, double>> buckets) {
  std::sort(buckets.begin(), buckets.end());
  if (buckets.empty() || !std::isinf(buckets.back().first)) return std::nullopt;
  const double total = buckets.back().second;
  if (total <= 0 || q < 0 || q > 1) return std::nullopt;
  const double rank = q * total;
  std::size_t i = 0;
  while (i < buckets.size() && buckets[i].second < rank) ++i;
  if (i == buckets.size() - 1) {
    // In the +Inf bucket: the highest finite bound (as Prometheus does).
    return buckets.size() >= 2 ? std::optional<double>(buckets[buckets.size() - 2].first)
                               : std::nullopt;
  }
  const double upper = buckets[i].first;
  const double lower = i == 0 ? 0.0 : buckets[i - 1].first;
  const double below = i == 0 ? 0.0 : buckets[i - 1].second;
  const double in_bucket = buckets[i].second - below;
  if (i == 0 && upper <= 0) return upper;
  if (in_bucket <= 0) return upper;
  return lower + (upper - lower) * (rank - below) / in_bucket;
}

bool same_collection(const Scrape& a, const Scrape& b) {
  const auto counters = [](const Scrape& s) {
    std::vector<double> out;
    for (const auto& sample : s.samples)
      if (sample.name.starts_with("pktlens_") && sample.name.ends_with("_total"))
        out.push_back(sample.value);
    return out;
  };
  return counters(a) == counters(b);
}

void sort_flows(std::vector<FlowRate>& flows, SortBy sort) {
  const auto key = [sort](const FlowRate& f) {
    return sort == SortBy::Bytes ? std::tie(f.bps, f.pps) : std::tie(f.pps, f.bps);
  };
  std::stable_sort(flows.begin(), flows.end(),
                   [&](const FlowRate& a, const FlowRate& b) { return key(a) > key(b); });
}

Model compute(const Scrape* previous, const Scrape& current, SortBy sort) {
  Model m;
  if (previous) {
    m.seconds = std::chrono::duration<double>(current.at - previous->at).count();
    m.have_rates = m.seconds > 0;
  }
  if (!m.have_rates) previous = nullptr;

  // Interfaces: every (interface, dir) of pktlens_packets_total.
  const std::vector<std::string_view> by_if{"interface", "dir"};
  const auto packets = sum_by(current, "pktlens_packets_total", by_if);
  const auto bytes = sum_by(current, "pktlens_bytes_total", by_if);
  std::map<Key, double> pps, bps;
  if (previous) {
    pps = rates(packets, sum_by(*previous, "pktlens_packets_total", by_if), m.seconds);
    bps = rates(bytes, sum_by(*previous, "pktlens_bytes_total", by_if), m.seconds);
  }
  std::map<std::string, InterfaceRate> ifaces;
  for (const auto& [k, _] : packets) {
    auto& i = ifaces[k[0]];
    i.name = k[0];
    const double p = pps.contains(k) ? pps[k] : 0;
    const double b = bps.contains(k) ? bps[k] * 8 : 0;
    if (k[1] == "egress") {
      i.out_pps = p;
      i.out_bps = b;
    } else {
      i.in_pps = p;
      i.in_bps = b;
    }
  }
  for (auto& [_, i] : ifaces) m.interfaces.push_back(std::move(i));

  // Flows: those in both scrapes (a flow is exported while in the top-K).
  if (previous) {
    const std::vector<std::string_view> by_flow{"interface", "dir", "proto", "src",
                                                "dst",       "sport", "dport", "vlan"};
    const auto fp = rates(sum_by(current, "pktlens_flow_packets_total", by_flow),
                          sum_by(*previous, "pktlens_flow_packets_total", by_flow), m.seconds);
    const auto fb = rates(sum_by(current, "pktlens_flow_bytes_total", by_flow),
                          sum_by(*previous, "pktlens_flow_bytes_total", by_flow), m.seconds);
    for (const auto& [k, p] : fp) {
      FlowRate f{k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], 0, p};
      if (const auto it = fb.find(k); it != fb.end()) f.bps = it->second * 8;
      m.flows.push_back(std::move(f));
    }
    sort_flows(m.flows, sort);
  }

  m.anomalies = counter_rates(previous, current, "pktlens_anomalies_total", "kind", m.seconds);
  m.drops = counter_rates(previous, current, "pktlens_drops_total", "reason", m.seconds);
  add_histograms(current, "pktlens_tcp_handshake_seconds", "handshake", m.latency);
  add_histograms(current, "pktlens_tcp_rtt_seconds", "rtt", m.latency);
  add_histograms(current, "pktlens_tcp_srtt_seconds", "srtt", m.latency);
  return m;
}

}  // namespace pktlens::top
