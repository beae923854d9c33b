// SPDX-License-Identifier: Apache-2.0
// pktlensd's own health as metric families: build, collection duration,
// success and errors. Pure: the collector fills SelfStats, this renders it.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace pktlens::exporter {

// What the collector reports about its own cycles.
struct SelfStats {
  double last_collect_seconds = 0;  // wall time of the last collect cycle
  bool last_collect_ok = false;     // false until a cycle succeeded
  uint64_t collect_errors = 0;      // failed collect cycles since start
  bool flow_cache = false;          // the programs have flow caches (flows.cache_slots)
  uint64_t flow_cache_cpus = 0;     // CPUs the last cycle flushed: their caches are open

  bool operator==(const SelfStats&) const = default;
};

// pktlens_build_info{version,abi} 1 (abi: PKTLENS_ABI_VERSION),
// pktlens_flow_cache_cpus gauge (a series only with flow caches),
// pktlens_collect_duration_seconds gauge, pktlens_up gauge (1 when the last
// collect cycle succeeded, else 0), pktlens_collect_errors_total counter.
std::vector<prometheus::MetricFamily> render_self(const SelfStats& self, std::string_view version);

}  // namespace pktlens::exporter
