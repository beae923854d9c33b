// SPDX-License-Identifier: Apache-2.0
// build_info follows the Prometheus convention (a gauge of 1 whose labels
// carry the information) so it can be joined onto other series; abi is the
// pinned-map ABI version, which tells whether an upgrade reuses the maps.
#include "exporter/self_metrics.hpp"

#include <string>
#include <utility>

#include "bpf/abi.hpp"
#include "exporter/family_builder.hpp"

namespace pktlens::exporter {

using detail::add_counter;
using detail::add_gauge;
using detail::make_family;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<MetricFamily> render_self(const SelfStats& self, std::string_view version) {
  auto build_info = make_family(
      "pktlens_build_info", "pktlensd build: version and kernel/user map ABI version; always 1.",
      MetricType::Gauge);
  add_gauge(build_info,
            {{"version", std::string(version)}, {"abi", std::to_string(PKTLENS_ABI_VERSION)}}, 1);
  auto duration = make_family("pktlens_collect_duration_seconds",
                              "Wall time of the last collection of the maps.", MetricType::Gauge);
  add_gauge(duration, {}, self.last_collect_seconds);
  auto up = make_family("pktlens_up", "1 if the last collection of the maps succeeded, else 0.",
                        MetricType::Gauge);
  add_gauge(up, {}, self.last_collect_ok ? 1 : 0);
  auto errors = make_family("pktlens_collect_errors_total", "Collections of the maps that failed.",
                            MetricType::Counter);
  add_counter(errors, {}, self.collect_errors);

  auto cache = make_family("pktlens_flow_cache_cpus",
                           "CPUs whose flow cache the last collection flushed; the others count "
                           "every packet in the flow table directly.",
                           MetricType::Gauge);
  if (self.flow_cache) add_gauge(cache, {}, static_cast<double>(self.flow_cache_cpus));
  return detail::families({&build_info, &duration, &up, &errors, &cache});
}

}  // namespace pktlens::exporter
