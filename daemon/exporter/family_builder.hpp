// SPDX-License-Identifier: Apache-2.0
// Building blocks shared by the renderers (render.cpp, render_flows.cpp,
// self_metrics.cpp), so every family is assembled the same way.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

inline Labels with(Labels base, std::string_view name, std::string value) {
  base.push_back({std::string(name), std::move(value)});
  return base;
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

}  // namespace pktlens::exporter::detail
