// SPDX-License-Identifier: Apache-2.0
// Names, types and HELP texts are the Prometheus client libraries' (e.g.
// client_golang's process collector), so that queries written for them
// work unchanged. /proc/PID/stat is read after the last ')' because the
// command name before it may hold spaces and parentheses.
#include "exporter/process_metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string_view>
#include <utility>

#include "exporter/family_builder.hpp"

namespace pktlens::exporter {

namespace {

// Fields of /proc/PID/stat counted from 1 (proc(5)); the first after the
// command name is field 3, `state`.
constexpr size_t kUtime = 14;
constexpr size_t kStime = 15;
constexpr size_t kStartTime = 22;
constexpr size_t kVsize = 23;
constexpr size_t kRss = 24;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Fields 3.. of a stat line, or empty when it has no ") ".
std::vector<std::string> stat_fields(const std::string& line) {
  std::vector<std::string> out;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return out;
  std::istringstream in(line.substr(close + 1));
  for (std::string f; in >> f;) out.push_back(std::move(f));
  return out;
}

std::optional<uint64_t> field(const std::vector<std::string>& fields, size_t number) {
  const size_t i = number - 3;
  if (i >= fields.size()) return std::nullopt;
  try {
    size_t used = 0;
    const uint64_t v = std::stoull(fields[i], &used);
    if (used != fields[i].size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<uint64_t> boot_time(const std::string& proc_stat) {
  const auto text = read_file(proc_stat);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) != 0) continue;
    try {
      return std::stoull(line.substr(6));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// The soft limit of "Max open files" in a limits file; +Inf for
// "unlimited".
std::optional<double> max_open_files(const std::string& limits_path) {
  const auto text = read_file(limits_path);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  constexpr std::string_view kRow = "Max open files";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(kRow, 0) != 0) continue;
    std::istringstream row(line.substr(kRow.size()));
    std::string soft;
    if (!(row >> soft)) return std::nullopt;
    if (soft == "unlimited") return std::numeric_limits<double>::infinity();
    try {
      return static_cast<double>(std::stoull(soft));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<double> count_fds(const std::string& fd_dir) {
  DIR* d = opendir(fd_dir.c_str());
  if (d == nullptr) return std::nullopt;
  // The directory stream's own descriptor is counted too, as other
  // clients count it: it is open while /proc is read.
  double n = 0;
  while (const dirent* e = readdir(d)) {
    const std::string_view name = e->d_name;
    if (name != "." && name != "..") ++n;
  }
  closedir(d);
  return n;
}

}  // namespace

ProcessStats read_process_stats(const std::string& self_dir, const std::string& proc_stat) {
  ProcessStats p;
  const long ticks = sysconf(_SC_CLK_TCK);
  const long page = sysconf(_SC_PAGESIZE);
  if (const auto stat = read_file(self_dir + "/stat")) {
    const auto fields = stat_fields(*stat);
    const auto utime = field(fields, kUtime);
    const auto stime = field(fields, kStime);
    if (utime && stime && ticks > 0)
      p.cpu_seconds = static_cast<double>(*utime + *stime) / static_cast<double>(ticks);
    if (const auto v = field(fields, kVsize)) p.virtual_bytes = static_cast<double>(*v);
    if (const auto r = field(fields, kRss); r && page > 0)
      p.resident_bytes = static_cast<double>(*r) * static_cast<double>(page);
    const auto start = field(fields, kStartTime);
    const auto btime = boot_time(proc_stat);
    if (start && btime && ticks > 0)
      p.start_time_seconds =
          static_cast<double>(*btime) + static_cast<double>(*start) / static_cast<double>(ticks);
  }
  p.open_fds = count_fds(self_dir + "/fd");
  p.max_fds = max_open_files(self_dir + "/limits");
  return p;
}

std::vector<prometheus::MetricFamily> render_process(const ProcessStats& p) {
  using prometheus::MetricType;
  auto cpu =
      detail::make_family("process_cpu_seconds_total",
                          "Total user and system CPU time spent in seconds.", MetricType::Counter);
  auto open_fds = detail::make_family("process_open_fds", "Number of open file descriptors.",
                                      MetricType::Gauge);
  auto max_fds = detail::make_family("process_max_fds", "Maximum number of open file descriptors.",
                                     MetricType::Gauge);
  auto virt = detail::make_family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                  MetricType::Gauge);
  auto resident = detail::make_family("process_resident_memory_bytes",
                                      "Resident memory size in bytes.", MetricType::Gauge);
  auto start = detail::make_family("process_start_time_seconds",
                                   "Start time of the process since unix epoch in seconds.",
                                   MetricType::Gauge);
  if (p.cpu_seconds) {
    prometheus::ClientMetric m;
    m.counter.value = *p.cpu_seconds;
    cpu.metric.push_back(std::move(m));
  }
  for (const auto& [family, value] : {std::pair{&open_fds, p.open_fds},
                                      {&max_fds, p.max_fds},
                                      {&virt, p.virtual_bytes},
                                      {&resident, p.resident_bytes},
                                      {&start, p.start_time_seconds}})
    if (value) detail::add_gauge(*family, {}, *value);
  return detail::families({&cpu, &open_fds, &max_fds, &virt, &resident, &start});
}

}  // namespace pktlens::exporter
