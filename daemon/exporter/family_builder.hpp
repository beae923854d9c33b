// SPDX-License-Identifier: Apache-2.0
// Building blocks shared by the renderers (render.cpp, render_flows.cpp,
// self_metrics.cpp), so every family is assembled the same way.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bpf/abi.hpp"
#include "collector/address_text.hpp"
#include "collector/latency_buckets.hpp"

namespace pktlens::exporter::detail {

using Labels = std::vector<prometheus::ClientMetric::Label>;

inline prometheus::MetricFamily make_family(std::string name, std::string help,
                                            prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

// The renderer's families, in the given order, each one whether or not it
// has a series: a family is always declared (HELP and TYPE), so that a
// dashboard tells a switched-off or quiet family from a missing exporter,
// and the text of /metrics names every family the product has
// (docs/metrics.md, "Families without series").
inline std::vector<prometheus::MetricFamily> families(
    std::initializer_list<prometheus::MetricFamily*> fs) {
  std::vector<prometheus::MetricFamily> out;
  out.reserve(fs.size());
  for (auto* f : fs) out.push_back(std::move(*f));
  return out;
}

inline Labels with(Labels base, std::string_view name, std::string value) {
  base.push_back({std::string(name), std::move(value)});
  return base;
}

// inet_ntop text of an address as the data plane stores it (IPv4 in the
// first 4 bytes); false when family is neither 4 nor 6.
inline bool address_label(uint8_t family, const std::array<uint8_t, 16>& addr, std::string& out) {
  return collector::address_text(family, addr, out);
}

inline void add_counter(prometheus::MetricFamily& f, Labels labels, uint64_t value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = static_cast<double>(value);
  f.metric.push_back(std::move(m));
}

inline void add_gauge(prometheus::MetricFamily& f, Labels labels, double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

// A latency histogram (struct pktlens_lat_hist, non-cumulative buckets) in
// seconds: cumulative le buckets at latency_bucket_le(i), +Inf, _count the
// sum of all buckets (consistent with them even if the read raced an
// update), _sum from the exact sum_ns.
inline void add_latency_histogram(prometheus::MetricFamily& f, Labels labels,
                                  const pktlens_lat_hist& h) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < PKTLENS_LAT_BUCKETS; ++i) {
    cumulative += h.buckets[i];
    if (i < PKTLENS_LAT_FINITE)
      m.histogram.bucket.push_back({cumulative, collector::latency_bucket_le(i)});
  }
  m.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
  m.histogram.sample_count = cumulative;
  m.histogram.sample_sum = static_cast<double>(h.sum_ns) / 1e9;
  f.metric.push_back(std::move(m));
}

}  // namespace pktlens::exporter::detail
