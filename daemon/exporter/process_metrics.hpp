// SPDX-License-Identifier: Apache-2.0
// pktlensd's own process as the Prometheus client libraries export it for
// every process (the process_* families of the Go, Java and Python
// clients), read from /proc at scrape time. prometheus-cpp has no such
// collector, and a dashboard or alert written for any other exporter
// (memory growth, fd exhaustion, restarts) should work on pktlensd too.
#pragma once

#include <prometheus/metric_family.h>

#include <optional>
#include <string>
#include <vector>

namespace pktlens::exporter {

// What /proc says about one process; a value that could not be read is
// empty (its family is then declared without a series).
struct ProcessStats {
  std::optional<double> cpu_seconds;         // user + system time
  std::optional<double> open_fds;            // entries of fd/
  std::optional<double> max_fds;             // soft limit of open files
  std::optional<double> virtual_bytes;       // vsize
  std::optional<double> resident_bytes;      // rss pages x page size
  std::optional<double> start_time_seconds;  // since the Unix epoch

  bool operator==(const ProcessStats&) const = default;
};

// Reads `self_dir` (stat, limits, fd/) and the boot time (btime) from
// `proc_stat`; clock ticks and page size are this machine's. The defaults
// are the calling process.
ProcessStats read_process_stats(const std::string& self_dir = "/proc/self",
                                const std::string& proc_stat = "/proc/stat");

// process_cpu_seconds_total counter, process_open_fds,
// process_max_fds, process_virtual_memory_bytes,
// process_resident_memory_bytes, process_start_time_seconds gauges; no
// labels; every family always, a series where the value is known.
std::vector<prometheus::MetricFamily> render_process(const ProcessStats& p);

}  // namespace pktlens::exporter
