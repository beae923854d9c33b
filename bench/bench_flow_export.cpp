// SPDX-License-Identifier: Apache-2.0
// IPFIX export benchmark (docs/performance.md, "Flow export"): records per
// second from a table of N flows, each stage on its own and then the
// whole exporter as the daemon runs it, to a UDP collector on loopback (a
// socket that is never read: the kernel drops what does not fit, sendto()
// still costs what it costs). No BPF: the flow changes are made up, as the
// collection cycle would hand them over.
//   pktlens_bench_flow_export           1M flows
//   pktlens_bench_flow_export --quick   10k flows; CI runs this so it never rots
// Prints figures; asserts none.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "collector/abi_codec.hpp"
#include "export/collector_socket.hpp"
#include "export/flow_export.hpp"
#include "export/flow_exporter.hpp"
#include "export/ipfix_session.hpp"

using namespace pktlens;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint64_t kSec = 1'000'000'000;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// N distinct UDP flows, half IPv4, half IPv6, with `packets` packets each.
collector::FlowChanges made_up(size_t n, uint64_t packets, uint64_t now_ns) {
  collector::FlowChanges c;
  c.updated.reserve(n);
  for (size_t i = 0; i < n; i++) {
    collector::FlowKey k;
    k.ifindex = 2;
    k.proto = 17;
    k.family = i % 2 ? 6 : 4;
    k.src = {198, 18, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8)};
    if (k.family == 6) k.src = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    k.dst = {198, 19, 0, 1};
    k.sport = static_cast<uint16_t>(i);
    k.dport = static_cast<uint16_t>(i >> 16);
    collector::FlowRecord r{.key = k,
                            .packets = packets,
                            .bytes = packets * 114,
                            .first_seen_ns = now_ns - kSec,
                            .last_seen_ns = now_ns,
                            .tcp_flags = 0};
    c.updated.push_back({collector::encode_flow_key(k), r});
  }
  return c;
}

// A UDP socket on 127.0.0.1 nobody reads; returns it and its port.
int sink(uint16_t& port) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const size_t n = quick ? 10'000 : 1'000'000;
  uint16_t port = 0;
  const int fd = sink(port);
  const flowexport::Endpoint udp{"127.0.0.1", port, flowexport::Transport::udp};
  std::printf("flow export, %zu flows (half IPv4, half IPv6), UDP to loopback\n", n);

  // 1. Delta state: the first cycle (every flow new), then one where every
  // flow's active timeout is due (a record each).
  const flowexport::Clocks c0 = flowexport::Clocks::now();
  flowexport::FlowExport fx({.active_timeout = std::chrono::seconds(1),
                             .idle_timeout = std::chrono::seconds(60),
                             .forget_after = std::chrono::seconds(600),
                             .xdp = false});
  std::vector<flowexport::IpfixRecord> records;
  auto t = Clock::now();
  fx.cycle(made_up(n, 10, c0.now_ns), c0, records);
  std::printf("  delta state, first cycle:        %8.1f ms\n", seconds_since(t) * 1e3);
  const collector::FlowChanges more = made_up(n, 20, c0.now_ns + 2 * kSec);
  records.clear();
  t = Clock::now();
  fx.cycle(more, {c0.now_ns + 2 * kSec, c0.realtime_offset_ns}, records);
  double s = seconds_since(t);
  std::printf("  records built:     %9zu in %8.1f ms = %10.0f records/s\n", records.size(), s * 1e3,
              static_cast<double>(records.size()) / s);

  // 2. libfixbuf encoding, sent on pktlensd's socket.
  {
    flowexport::CollectorSocket socket(udp, std::chrono::seconds(5));
    flowexport::IpfixSession session(
        udp.transport, 1,
        [&socket](std::span<const uint8_t> m, uint64_t records) { socket.write(m, records); });
    t = Clock::now();
    const size_t messages = session.send(records, 0);
    s = seconds_since(t);
    std::printf("  libfixbuf encode + send: %zu messages in %8.1f ms = %10.0f records/s\n",
                messages, s * 1e3, static_cast<double>(records.size()) / s);
  }

  // 3. The exporter as the daemon runs it: the cycle's hand-over, then the
  // export thread and the collector's thread until every record is sent.
  {
    flowexport::FlowExporter exporter({.collectors = {udp},
                                       .observation_domain = 1,
                                       .template_refresh = std::chrono::seconds(60),
                                       .flows = {.active_timeout = std::chrono::seconds(1),
                                                 .idle_timeout = std::chrono::seconds(60),
                                                 .forget_after = std::chrono::seconds(600),
                                                 .xdp = false}});
    const flowexport::Clocks now = flowexport::Clocks::now();
    // Flows first seen 2 s ago: every one is due at its first cycle.
    collector::FlowChanges changes = made_up(n, 10, now.now_ns - kSec);
    t = Clock::now();
    exporter.submit(std::move(changes));
    const double handover = seconds_since(t);
    for (;;) {
      const auto st = exporter.stats().front();
      // Written: UDP records count as sent a second later (no ICMP error
      // came back), which is no cost of sending.
      if (st.records_sent + st.records_dropped + st.unconfirmed_records >= n) {
        s = seconds_since(t);
        std::printf(
            "  exporter end to end: %llu written (%llu awaiting the ICMP window), %llu dropped in "
            "%8.1f ms = %10.0f records/s (the cycle's hand-over: %.3f ms)\n",
            static_cast<unsigned long long>(st.records_sent + st.unconfirmed_records),
            static_cast<unsigned long long>(st.unconfirmed_records),
            static_cast<unsigned long long>(st.records_dropped), s * 1e3,
            static_cast<double>(n) / s, handover * 1e3);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  close(fd);
  return 0;
}
