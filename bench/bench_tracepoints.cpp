// SPDX-License-Identifier: Apache-2.0
// Run time of the tracepoint programs (bpf/tcp_events.bpf.c) under real
// traffic, from the kernel's own BPF statistics (bpf_enable_stats(
// BPF_STATS_RUN_TIME), i.e. kernel.bpf_stats_enabled; bpf_prog_info
// run_time_ns / run_cnt). Two private network namespaces joined by a veth
// pair (198.18.1.0/24, gone when the bench exits); the programs count the
// first one's events. Phases:
//   bulk   one TCP connection A -> B moving N MiB: tcp_probe runs for every
//          segment A receives (the ACKs); kfree_skb for drops anywhere in
//          the kernel (few here).
//   drops  UDP datagrams from B to a closed port of A: one kfree_skb each.
// Prints ns per run and runs per phase for each program; asserts nothing
// (docs/performance.md, "Tracepoint programs").
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pktlens_tcp_events.skel.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "bpf/tcp_events.hpp"

namespace {

using pktlens::bpf::TcpEvents;
using pktlens::bpf::TcpEventsOptions;

const std::string kA = "pktlens-bench-a-" + std::to_string(getpid());
const std::string kB = "pktlens-bench-b-" + std::to_string(getpid());

void sh(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

struct Namespaces {
  Namespaces() {
    sh("ip netns add " + kA + " && ip netns add " + kB);
    sh("ip link add bench0 netns " + kA + " type veth peer name bench1 netns " + kB);
    sh("ip -n " + kA + " addr add 198.18.1.1/24 dev bench0 && ip -n " + kA +
       " link set bench0 up && ip -n " + kA + " link set lo up");
    sh("ip -n " + kB + " addr add 198.18.1.2/24 dev bench1 && ip -n " + kB +
       " link set bench1 up && ip -n " + kB + " link set lo up");
  }
  ~Namespaces() {
    // Best effort: a namespace that is already gone is fine. (A cast to void
    // does not silence glibc's warn_unused_result under _FORTIFY_SOURCE.)
    if (std::system(("ip netns del " + kA + " 2>/dev/null").c_str()) != 0) {
    }
    if (std::system(("ip netns del " + kB + " 2>/dev/null").c_str()) != 0) {
    }
  }
};

// Runs `fn` on a thread inside namespace `ns` (setns affects the thread only).
template <typename F>
std::thread in_ns(const std::string& ns, F fn) {
  return std::thread([ns, fn] {
    const int fd = open(("/run/netns/" + ns).c_str(), O_RDONLY);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
      std::perror(("setns " + ns).c_str());
      std::exit(1);
    }
    close(fd);
    fn();
  });
}

uint32_t ns_ino(const std::string& ns) {
  struct stat st {};
  if (stat(("/run/netns/" + ns).c_str(), &st) != 0)
    throw std::system_error(errno, std::generic_category(), "stat " + ns);
  return static_cast<uint32_t>(st.st_ino);
}

struct ProgStats {
  uint64_t run_time_ns = 0;
  uint64_t run_cnt = 0;
};

ProgStats stats(bpf_program* p) {
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) != 0)
    throw std::system_error(errno, std::generic_category(), "bpf_obj_get_info_by_fd");
  return {info.run_time_ns, info.run_cnt};
}

sockaddr_in addr(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

double bulk(size_t mib) {
  int listener = -1;
  std::thread server = in_ns(kB, [&] {
    listener = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const auto a = addr("198.18.1.2", 5201);
    if (bind(listener, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
        listen(listener, 1) != 0) {
      std::perror("server");
      std::exit(1);
    }
  });
  server.join();
  std::thread drain([&] {
    const int c = accept(listener, nullptr, nullptr);
    std::vector<char> buf(1 << 20);
    while (read(c, buf.data(), buf.size()) > 0) {
    }
    close(c);
  });
  double seconds = 0;
  std::thread client = in_ns(kA, [&] {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    const auto a = addr("198.18.1.2", 5201);
    if (connect(s, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
      std::perror("connect");
      std::exit(1);
    }
    std::vector<char> buf(1 << 20, 'x');
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < mib; i++)
      for (size_t off = 0; off < buf.size();) {
        const ssize_t n = write(s, buf.data() + off, buf.size() - off);
        if (n <= 0) {
          std::perror("write");
          std::exit(1);
        }
        off += static_cast<size_t>(n);
      }
    close(s);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  });
  client.join();
  drain.join();
  close(listener);
  return seconds;
}

void drops(size_t n) {
  std::thread t = in_ns(kB, [n] {
    const int s = socket(AF_INET, SOCK_DGRAM, 0);
    const auto a = addr("198.18.1.1", 9);
    char byte = 0;
    for (size_t i = 0; i < n; i++)
      sendto(s, &byte, 1, 0, reinterpret_cast<const sockaddr*>(&a), sizeof a);
    close(s);
  });
  t.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  const size_t mib = quick ? 64 : 2048;
  const size_t datagrams = quick ? 2000 : 200000;
  try {
    Namespaces ns;
    TcpEventsOptions o;
    o.netns_ino = ns_ino(kA);
    TcpEvents ev(o);
    const int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
    if (stats_fd < 0)
      throw std::system_error(errno, std::generic_category(), "bpf_enable_stats(RUN_TIME)");
    auto* s = ev.skel();
    bpf_program* progs[] = {s->progs.tp_kfree_skb, s->progs.tp_tcp_retransmit_skb,
                            s->progs.tp_tcp_retransmit_synack, s->progs.tp_tcp_probe};
    auto phase = [&](const char* name, auto&& fn) {
      std::vector<ProgStats> before;
      for (auto* p : progs) before.push_back(stats(p));
      const std::string what = fn();
      std::printf("%s: %s\n", name, what.c_str());
      std::printf("  %-26s %12s %10s\n", "program", "runs", "ns/run");
      for (size_t i = 0; i < std::size(progs); i++) {
        const ProgStats a = stats(progs[i]);
        const uint64_t runs = a.run_cnt - before[i].run_cnt;
        const uint64_t ns_total = a.run_time_ns - before[i].run_time_ns;
        if (runs)
          std::printf("  %-26s %12llu %10.1f\n", bpf_program__name(progs[i]),
                      static_cast<unsigned long long>(runs), static_cast<double>(ns_total) / runs);
        else
          std::printf("  %-26s %12d %10s\n", bpf_program__name(progs[i]), 0, "-");
      }
    };
    phase("bulk TCP A -> B", [&] {
      const double sec = bulk(mib);
      char buf[128];
      std::snprintf(buf, sizeof buf, "%zu MiB in %.2f s (%.0f MiB/s)", mib, sec, mib / sec);
      return std::string(buf);
    });
    phase("UDP to a closed port of A", [&] {
      drops(datagrams);
      return std::to_string(datagrams) + " datagrams";
    });
    close(stats_fd);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pktlens_bench_tracepoints: %s\n", e.what());
    return 1;
  }
  return 0;
}
