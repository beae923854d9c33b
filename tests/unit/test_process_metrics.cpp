// SPDX-License-Identifier: Apache-2.0
// process_* metrics (daemon/exporter/process_metrics.*): the parsing of a
// /proc directory with exact values, this test process's real /proc
// against what the process does (opens descriptors, touches memory, maps
// address space, burns CPU) and against getrlimit/getrusage, and the
// exposition text.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "exporter/process_metrics.hpp"
#include "exposition.hpp"

using namespace pktlens;
using exporter::ProcessStats;
using exporter::read_process_stats;
using test::serialize;

namespace {

// When this test program started, give or take its static initialisation.
const double kProgramStarted =
    std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  REQUIRE(out);
  out << text;
}

// A directory that looks like /proc/PID plus /proc/stat, removed at the end.
struct FakeProc {
  fs::path root;
  FakeProc() {
    char tmpl[] = "/tmp/pktlens_proc_XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    root = tmpl;
    fs::create_directory(root / "self");
    fs::create_directory(root / "self" / "fd");
  }
  ~FakeProc() { fs::remove_all(root); }
  std::string self() const { return (root / "self").string(); }
  std::string stat() const { return (root / "stat").string(); }
};

// A stat line with the given fields 14, 15, 22, 23, 24 and a command name
// that holds spaces and parentheses, as a process may call itself.
std::string stat_line(uint64_t utime, uint64_t stime, uint64_t start, uint64_t vsize,
                      uint64_t rss) {
  std::string s = "4242 (pkt lens) (x) S";  // fields 1..3
  for (int f = 4; f <= 52; ++f) {
    uint64_t v = 7;
    if (f == 14) v = utime;
    if (f == 15) v = stime;
    if (f == 22) v = start;
    if (f == 23) v = vsize;
    if (f == 24) v = rss;
    s += " " + std::to_string(v);
  }
  return s + "\n";
}

const char* const kLimits =
    "Limit                     Soft Limit           Hard Limit           Units     \n"
    "Max cpu time              unlimited            unlimited            seconds   \n"
    "Max open files            1024                 524288               files     \n"
    "Max locked memory         8388608              8388608              bytes     \n";

size_t count_lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("process: a /proc directory read exactly", "[process]") {
  const auto ticks = static_cast<uint64_t>(sysconf(_SC_CLK_TCK));
  const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  FakeProc proc;
  write(proc.root / "self" / "stat",
        stat_line(3 * ticks, 1 * ticks, 50 * ticks + ticks / 2, 123456789, 1000));
  write(proc.root / "self" / "limits", kLimits);
  for (const char* fd : {"0", "1", "2", "5"}) write(proc.root / "self" / "fd" / fd, "");
  write(proc.root / "stat", "cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n");

  const ProcessStats p = read_process_stats(proc.self(), proc.stat());
  CHECK(p.cpu_seconds == 4.0);
  CHECK(p.virtual_bytes == 123456789.0);
  CHECK(p.resident_bytes == static_cast<double>(1000 * page));
  CHECK(p.start_time_seconds == 1700000050.5);
  CHECK(p.open_fds == 4.0);
  CHECK(p.max_fds == 1024.0);

  SECTION("an unlimited soft limit is +Inf") {
    write(proc.root / "self" / "limits",
          "Max open files            unlimited            unlimited            files     \n");
    CHECK(read_process_stats(proc.self(), proc.stat()).max_fds ==
          std::numeric_limits<double>::infinity());
  }
  SECTION("no btime: no start time, the rest as before") {
    write(proc.root / "stat", "cpu  1 2 3\n");
    const ProcessStats q = read_process_stats(proc.self(), proc.stat());
    CHECK_FALSE(q.start_time_seconds.has_value());
    CHECK(q.cpu_seconds == 4.0);
  }
  SECTION("a cut stat line: only what it holds") {
    write(proc.root / "self" / "stat", "4242 (pktlensd) S 1 2 3 4 5 6 7 8 9 10 11 12\n");
    const ProcessStats q = read_process_stats(proc.self(), proc.stat());
    CHECK(q.cpu_seconds == static_cast<double>(11 + 12) / static_cast<double>(ticks));
    CHECK_FALSE(q.virtual_bytes.has_value());
    CHECK_FALSE(q.resident_bytes.has_value());
    CHECK_FALSE(q.start_time_seconds.has_value());
  }
  SECTION("nothing there: nothing known") {
    CHECK(read_process_stats((proc.root / "gone").string(), proc.stat()) == ProcessStats{});
  }
}

TEST_CASE("process: this process's /proc follows what it does", "[process]") {
  const ProcessStats before = read_process_stats();
  REQUIRE(before.open_fds.has_value());
  REQUIRE(before.resident_bytes.has_value());
  REQUIRE(before.virtual_bytes.has_value());
  REQUIRE(before.cpu_seconds.has_value());

  SECTION("open descriptors: exactly the ones opened") {
    std::vector<int> fds;
    for (int i = 0; i < 3; ++i) fds.push_back(open("/dev/null", O_RDONLY | O_CLOEXEC));
    const ProcessStats after = read_process_stats();
    for (int fd : fds) close(fd);
    CHECK(*after.open_fds == *before.open_fds + 3);
    CHECK(read_process_stats().open_fds == before.open_fds);
  }
  SECTION("max fds: the soft RLIMIT_NOFILE") {
    rlimit rl{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    const double want = rl.rlim_cur == RLIM_INFINITY ? std::numeric_limits<double>::infinity()
                                                     : static_cast<double>(rl.rlim_cur);
    CHECK(before.max_fds == want);
  }
  SECTION("resident memory: 64 MiB touched are resident") {
    constexpr size_t kSize = 64 << 20;
    void* m = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(m != MAP_FAILED);
    for (size_t i = 0; i < kSize; i += 4096) static_cast<volatile char*>(m)[i] = 1;
    const ProcessStats touched = read_process_stats();
    munmap(m, kSize);
    CHECK(*touched.resident_bytes - *before.resident_bytes >= 60.0 * (1 << 20));
    // Never more than the peak the kernel reports to getrusage (KiB).
    rusage ru{};
    REQUIRE(getrusage(RUSAGE_SELF, &ru) == 0);
    CHECK(*touched.resident_bytes <= static_cast<double>(ru.ru_maxrss) * 1024);
  }
  SECTION("virtual memory: a 256 MiB mapping adds 256 MiB") {
    constexpr size_t kSize = 256 << 20;
    void* m = mmap(nullptr, kSize, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(m != MAP_FAILED);
    const ProcessStats mapped = read_process_stats();
    munmap(m, kSize);
    const double grown = *mapped.virtual_bytes - *before.virtual_bytes;
    CHECK(grown >= static_cast<double>(kSize));
    CHECK(grown < static_cast<double>(kSize) + (16 << 20));  // reading /proc allocates a little
  }
  SECTION("CPU time: getrusage's user + system time, to the clock tick") {
    const auto seconds = [] {
      rusage ru{};
      REQUIRE(getrusage(RUSAGE_SELF, &ru) == 0);
      return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
             static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    };
    // Burn 0.2 s of CPU (not of wall time: the cores may be shared).
    const double start = seconds();
    volatile uint64_t x = 0;
    while (seconds() < start + 0.2) x = x + 1;
    const double lo = seconds();
    const ProcessStats p = read_process_stats();
    const double hi = seconds();
    const double tick = 1.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
    REQUIRE(p.cpu_seconds.has_value());
    CHECK(*p.cpu_seconds >= lo - 2 * tick);
    CHECK(*p.cpu_seconds <= hi + 2 * tick);
    CHECK(*p.cpu_seconds >= *before.cpu_seconds + 0.2 - 2 * tick);
  }
  SECTION("start time: when this program started (btime is in whole seconds)") {
    REQUIRE(before.start_time_seconds.has_value());
    CHECK(*before.start_time_seconds <= kProgramStarted + 1.5);
    CHECK(*before.start_time_seconds >= kProgramStarted - 10);
  }
}

TEST_CASE("process: exposition text, promtool clean", "[process][render]") {
  const ProcessStats p{.cpu_seconds = 1.25,
                       .open_fds = 12,
                       .max_fds = 1024,
                       .virtual_bytes = 123456789,
                       .resident_bytes = 4096000,
                       .start_time_seconds = 1700000050.5};
  const std::string text = serialize(exporter::render_process(p));
  CHECK(text ==
        "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
        "# TYPE process_cpu_seconds_total counter\n"
        "process_cpu_seconds_total 1.25\n"
        "# HELP process_open_fds Number of open file descriptors.\n"
        "# TYPE process_open_fds gauge\n"
        "process_open_fds 12\n"
        "# HELP process_max_fds Maximum number of open file descriptors.\n"
        "# TYPE process_max_fds gauge\n"
        "process_max_fds 1024\n"
        "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
        "# TYPE process_virtual_memory_bytes gauge\n"
        "process_virtual_memory_bytes 123456789\n"
        "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
        "# TYPE process_resident_memory_bytes gauge\n"
        "process_resident_memory_bytes 4096000\n"
        "# HELP process_start_time_seconds Start time of the process since unix epoch in "
        "seconds.\n"
        "# TYPE process_start_time_seconds gauge\n"
        "process_start_time_seconds 1700000050.5\n");
  CHECK(test::promtool_check(text) == std::pair<int, std::string>{0, ""});

  // This process, as a scrape renders it.
  const std::string real = serialize(exporter::render_process(read_process_stats()));
  CHECK(count_lines(real) == 6 * 3);
  CHECK(test::promtool_check(real) == std::pair<int, std::string>{0, ""});

  // Nothing known: the families are declared without series.
  const std::string none = serialize(exporter::render_process({}));
  for (const char* name : {"process_cpu_seconds_total", "process_open_fds", "process_max_fds",
                           "process_virtual_memory_bytes", "process_resident_memory_bytes",
                           "process_start_time_seconds"}) {
    INFO(name);
    CHECK(test::declared_without_series(none, name));
  }
}
