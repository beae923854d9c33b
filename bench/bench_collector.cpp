// SPDX-License-Identifier: Apache-2.0
// Collector benchmark: one collect cycle of collector::FlowTable over a
// pre-filled flow table, next to the full batch read (read_snapshot) of the
// same table in the same run, so the ratio is visible whatever the machine.
// The table is pre-filled from user space with the keys the program makes
// of the bench's frames; changes go through the real program
// (BPF_PROG_TEST_RUN), so the touch log sees them as it would in service.
//   pktlens_bench_collector           10k, 100k and 1M flows (about a minute)
//   pktlens_bench_collector --quick   10k flows; CI runs this so it never rots
// Prints figures; asserts none (docs/performance.md, "Collector").
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <prometheus/text_serializer.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "bpf/flow_iterator.hpp"
#include "bpf/percpu.hpp"
#include "collector/flow_table.hpp"
#include "collector/map_reader.hpp"
#include "dataplane.hpp"
#include "exporter/render_flows.hpp"
#include "packet.hpp"
#include "pktlens_bpf.skel.h"

using namespace pktlens;
using Clock = std::chrono::steady_clock;

namespace {

uint64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

double ms_of(const std::function<void()>& f) {
  const auto t0 = Clock::now();
  f();
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// VmRSS and VmHWM from /proc/self/status, in MiB.
std::pair<double, double> rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  double rss = 0, hwm = 0;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = std::stod(line.substr(6)) / 1024;
    if (line.rfind("VmHWM:", 0) == 0) hwm = std::stod(line.substr(6)) / 1024;
  }
  return {rss, hwm};
}

// Flow i: UDP 10.a.b.c:sport -> 198.18.0.d:443, as the TC ingress program
// keys frame_of(i) in a test run (ifindex 1).
pktlens_flow_key key_of(uint32_t i) {
  pktlens_flow_key k{};
  k.ifindex = 1;
  k.dir = PKTLENS_DIR_INGRESS;
  k.proto = 17;
  k.family = 4;
  k.src[0] = 10;
  k.src[1] = static_cast<uint8_t>(i >> 16);
  k.src[2] = static_cast<uint8_t>(i >> 8);
  k.src[3] = static_cast<uint8_t>(i);
  k.dst[0] = 198;
  k.dst[1] = 18;
  k.dst[3] = static_cast<uint8_t>(i % 251);
  k.sport = static_cast<uint16_t>(1024 + i % 60000);
  k.dport = 443;
  return k;
}

test::Bytes frame_of(uint32_t i) {
  const pktlens_flow_key k = key_of(i);
  return test::PacketBuilder()
      .eth()
      .ipv4({.src = {k.src[0], k.src[1], k.src[2], k.src[3]},
             .dst = {k.dst[0], k.dst[1], k.dst[2], k.dst[3]}})
      .udp({.sport = k.sport, .dport = k.dport})
      .payload(64 + i % 1000)
      .build();
}

// One packet of every `step`-th flow from `from`, through the program.
void touch_flows(test::Dataplane& dp, uint32_t from, uint32_t to, uint32_t step) {
  for (uint32_t i = from; i < to; i += step) dp.run(test::Hook::TcIngress, frame_of(i));
}

// Writes flows [from, to) with per-CPU values scaled by `scale` and last
// seen at `seen`, in chunks so the bench's own buffers stay small.
void write_flows(int fd, int cpus, uint32_t from, uint32_t to, uint32_t step, uint64_t scale,
                 uint64_t seen) {
  constexpr uint32_t kChunk = 16384;
  const size_t stride = bpf::PerCpuValue<pktlens_flow_val>::kStride;
  std::vector<pktlens_flow_key> keys;
  std::vector<unsigned char> vals;
  for (uint32_t i = from; i < to;) {
    keys.clear();
    vals.clear();
    for (; i < to && keys.size() < kChunk; i += step) {
      keys.push_back(key_of(i));
      const size_t at = vals.size();
      vals.resize(at + stride * static_cast<size_t>(cpus));
      for (int c = 0; c < cpus; c++) {
        pktlens_flow_val v{};
        v.packets = (i % 1000 + 1 + static_cast<uint64_t>(c)) * scale;
        v.bytes = v.packets * (64 + i % 1400);
        v.first_seen_ns = 1'000'000;
        v.last_seen_ns = seen;
        std::memcpy(vals.data() + at + stride * static_cast<size_t>(c), &v, sizeof v);
      }
    }
    auto count = static_cast<__u32>(keys.size());
    LIBBPF_OPTS(bpf_map_batch_opts, bo);
    if (bpf_map_update_batch(fd, keys.data(), vals.data(), &count, &bo) != 0)
      throw std::system_error(errno, std::generic_category(), "pre-filling pktlens_flows");
  }
}

// BPF_MAP_LOOKUP_BATCH over the flow map, buckets [from, to), copying only:
// the kernel's share of a batch read.
size_t raw_batch(int fd, int cpus, uint32_t from, uint32_t to) {
  constexpr uint32_t kChunk = 4096;
  const size_t elem = bpf::PerCpuValue<pktlens_flow_val>::kStride * static_cast<size_t>(cpus);
  std::vector<pktlens_flow_key> keys(kChunk);
  std::vector<unsigned char> vals(kChunk * elem);
  uint32_t in = from, out = 0;
  size_t n = 0;
  for (bool first = from == 0;; first = false) {
    __u32 count = kChunk;
    LIBBPF_OPTS(bpf_map_batch_opts, bo);
    const int rc = bpf_map_lookup_batch(fd, first ? nullptr : &in, &out, keys.data(), vals.data(),
                                        &count, &bo);
    n += count;
    if (rc != 0 && errno == ENOENT) break;
    if (rc != 0) throw std::system_error(errno, std::generic_category(), "batch lookup");
    if (out >= to || count == 0) break;
    in = out;
  }
  return n;
}

void row(const char* what, uint32_t flows, double ms, const std::string& note = "") {
  std::printf("  %-48s %9u %10.1f  %s\n", what, flows, ms, note.c_str());
}

void bench_size(uint32_t flows, uint32_t capacity, bool render) {
  test::Dataplane dp({.max_flows = capacity});
  const int fd = dp.flows_fd();
  const int cpus = bpf::possible_cpus();
  const uint64_t long_ago = mono_ns() - 10'000'000'000ULL;  // older than any pass margin
  write_flows(fd, cpus, 0, flows, 1, 1, long_ago);

  const auto idle = std::chrono::hours(24 * 365);
  // As pktlensd runs it: the touch log, the ranking window.
  collector::FlowTable table(
      dp.skel(), {.idle_timeout = idle, .top_k = 1000, .top_k_window = std::chrono::seconds(60)});
  collector::Snapshot s;
  collector::FlowCollectStats st;
  double ms = ms_of([&] { st = table.collect(mono_ns(), s); });
  row("first cycle (every flow read, mirror built)", flows, ms,
      std::to_string(st.entries) + " in the map, " + std::to_string(st.reported) + " records, " +
          std::to_string(st.read_calls) + " read calls (" +
          std::string(collector::to_string(st.path)) + ")");
  {
    const auto [rss, hwm] = rss_mib();
    std::printf("  %-48s %9u %10s  VmRSS %.0f MiB, VmHWM %.0f MiB\n",
                "process memory after the first cycle", flows, "", rss, hwm);
  }

  // Steady cycles of the default table (following the touch log), then of
  // tables that scan in parallel and that use the iterator alone, over the
  // same touches; each row's note says what the cycle did.
  std::vector<double> reps;
  const auto describe = [](const collector::FlowCollectStats& x) {
    if (x.from_log())
      return std::to_string(x.changed) + " changed, " + std::to_string(x.visited) +
             " looked up (touch log)";
    return std::to_string(x.changed) + " changed, " + std::to_string(x.reported) + " records, " +
           std::to_string(x.read_calls) + " calls (" +
           (x.scan_threads ? std::to_string(x.scan_threads) + "-thread " : std::string()) +
           std::string(collector::to_string(x.path)) + ")";
  };
  const auto steady_rows = [&](collector::FlowTable& t, const std::string& how) {
    reps.clear();
    for (int r = 0; r < 3; r++) reps.push_back(ms_of([&] { st = t.collect(mono_ns(), s); }));
    row(("steady, nothing changed (" + how + ")").c_str(), flows, median(reps), describe(st));
    for (const uint32_t pct : {1u, 10u, 40u}) {
      reps.clear();
      for (int r = 0; r < 3; r++) {
        // A real interval: the previous pass's re-read margin has passed.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        touch_flows(dp, static_cast<uint32_t>(r), flows, 100 / pct);
        reps.push_back(ms_of([&] { st = t.collect(mono_ns(), s); }));
      }
      row(("steady, " + std::to_string(pct) + "% of flows changed (" + how + ")").c_str(), flows,
          median(reps), describe(st));
    }
  };
  steady_rows(table, "default: touch log");
  const auto [rss, hwm] = rss_mib();
  std::printf("  %-48s %9u %10s  VmRSS %.0f MiB, VmHWM %.0f MiB (mirror %zu flows)\n",
              "process memory after these cycles", flows, "", rss, hwm, table.size());
  {
    collector::FlowTable scan(dp.skel(), {.idle_timeout = idle, .top_k = 1000, .touch_log = false});
    scan.collect(mono_ns(), s);
    steady_rows(scan, "batch scan");
  }
  // The iterator needs BTF tracing programs, which kernels under lockdown
  // refuse: the rows say so instead of timing something else.
  try {
    bpf::FlowIterator iter(dp.skel());
    collector::FlowTable it(dp.skel(), {.idle_timeout = idle,
                                        .top_k = 1000,
                                        .scan_threads = 1,
                                        .touch_log = false,
                                        .iterator = &iter});
    it.collect(mono_ns(), s);
    steady_rows(it, "iterator");
  } catch (const std::runtime_error& e) {
    row("steady (iterator)", flows, 0, std::string("not run: ") + e.what());
  }

  if (render) {
    for (const size_t k : {size_t{100}, size_t{1000}}) {
      collector::Snapshot top;  // the first k of the ranked flows, on eth0
      top.top_flows.assign(s.top_flows.begin(),
                           s.top_flows.begin() + std::min(k, s.top_flows.size()));
      top.interfaces.by_ifindex = {{1, "eth0"}};
      size_t bytes = 0;
      reps.clear();
      for (int r = 0; r < 5; r++)
        reps.push_back(ms_of([&] {
          const auto families = exporter::render_flows(top);
          std::ostringstream out;
          prometheus::TextSerializer().Serialize(out, families);
          bytes = out.str().size();
        }));
      row(k == 100 ? "render top_k 100 (+ TextSerializer)" : "render top_k 1000 (+ TextSerializer)",
          flows, median(reps), std::to_string(bytes) + " bytes of text");
    }
  }

  reps.clear();
  size_t got = 0;
  for (int r = 0; r < 3; r++)
    reps.push_back(ms_of([&] { got = raw_batch(fd, cpus, 0, UINT32_MAX); }));
  row("kernel share: batch lookup alone", flows, median(reps), std::to_string(got) + " flows");
  reps.clear();
  for (int r = 0; r < 3; r++)
    reps.push_back(ms_of([&] {
      size_t a = 0, b = 0;
      std::thread t([&] { a = raw_batch(fd, cpus, 0, capacity / 2); });
      b = raw_batch(fd, cpus, capacity / 2, UINT32_MAX);
      t.join();
      got = a + b;
    }));
  row("kernel share: batch lookup, 2 threads", flows, median(reps), std::to_string(got) + " flows");
  reps.clear();
  for (int r = 0; r < 3; r++)
    reps.push_back(ms_of([&] { (void)collector::read_snapshot(dp.skel()); }));
  row("old: full batch read_snapshot", flows, median(reps));
  reps.clear();
  collector::FlowTable keys(
      dp.skel(), {.idle_timeout = idle, .top_k = 1000, .touch_log = false, .batch_ops = false});
  for (int r = 0; r < 3; r++) reps.push_back(ms_of([&] { keys.collect(mono_ns(), s); }));
  row("cycle without batch ops (key walk)", flows, median(reps));
}

}  // namespace

int main(int argc, char** argv) try {
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  std::printf("pktlens collector benchmark%s\n", quick ? " (--quick: small table, noisy)" : "");
  std::printf("  %d possible CPUs; cycles are collector::FlowTable::collect unless noted;\n",
              bpf::possible_cpus());
  std::printf("  steady rows: median of 3, changed flows rewritten before each\n\n");
  std::printf("  %-48s %9s %10s\n", "shape", "flows", "ms");
  if (quick) {
    bench_size(10'000, 1 << 16, true);
  } else {
    for (const uint32_t n : {10'000u, 100'000u, 1'000'000u}) {
      bench_size(n, 1 << 20, n == 1'000'000u);
      std::printf("\n");
    }
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "pktlens_bench_collector: %s\n", e.what());
  return 1;
}
