// SPDX-License-Identifier: Apache-2.0
// Two CPUs creating the same entries at once. Both see a lookup miss, both
// insert with BPF_NOEXIST, one wins; the loser gets EEXIST and must count its
// packet in the entry the winner made (lib/flow.h, account_vlan() in
// lib/account.h). Two threads, each pinned to its own CPU, feed the same
// sequence of new flows in lockstep, so that they race on every creation.
//
// BPF_PROG_TEST_RUN runs the program on the calling CPU (migration is off
// for the run), so per-CPU map values show which thread counted what: each
// CPU must hold exactly 1 packet of every flow, and exactly one CPU the
// flow's creation (first_seen_ns is set only by the insert; the per-CPU
// values of the other CPUs start at zero).
//
// The assertions are exact whatever the interleaving; how often the EEXIST
// path actually runs depends on timing and is not asserted.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bpf/percpu.hpp"
#include "dataplane.hpp"
#include "packet.hpp"
#include "pktlens_bpf.skel.h"

using namespace pktlens::test;
namespace pbpf = pktlens::bpf;

namespace {

constexpr size_t kFlows = 20'000;

// The first two CPUs this process may run on, if there are two.
std::optional<std::pair<int, int>> two_cpus(std::string& why_not) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) {
    why_not = std::string("sched_getaffinity: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE && cpus.size() < 2; c++)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  if (cpus.size() < 2) {
    why_not = "this process may run on " + std::to_string(CPU_COUNT(&set)) +
              " CPU(s); the race needs two";
    return std::nullopt;
  }
  return std::make_pair(cpus[0], cpus[1]);
}

// N distinct new flows: IPv4/UDP and IPv6/TCP by turns, each with its own
// source address and port; with `tagged`, each also with its own pair of
// VLAN ids, so that every frame also creates a new pktlens_vlans entry.
std::vector<Bytes> distinct_flows(size_t n, bool tagged) {
  std::vector<Bytes> frames;
  frames.reserve(n);
  for (size_t i = 0; i < n; i++) {
    PacketBuilder b;
    b.eth();
    if (tagged)
      b.vlan(static_cast<uint16_t>(1 + i % 4000), 0x88a8)
          .vlan(static_cast<uint16_t>(1 + i / 4000), 0x8100);
    const auto hi = static_cast<uint8_t>(i >> 8), lo = static_cast<uint8_t>(i);
    if (i % 2 == 0) {
      Ipv4Opts o;
      o.src = Ip4{10, 1, hi, lo};
      b.ipv4(o).udp({static_cast<uint16_t>(1024 + i % 50000), 53}).payload(18);
    } else {
      Ipv6Opts o;
      o.src = ip6("fd00:1::");
      o.src[14] = hi;
      o.src[15] = lo;
      b.ipv6(o).tcp({.sport = static_cast<uint16_t>(1024 + i % 50000), .dport = 443});
    }
    frames.push_back(b.build());
  }
  return frames;
}

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

struct Racer {
  Hook hook;
  int cpu;
};

struct RacerResult {
  std::string error;    // empty: all frames ran
  int pinned_cpu = -1;  // sched_getcpu() after pinning
  size_t frames_run = 0;
};

// Both racers send frame i only once both have reached it, so they race on
// the creation of every flow. Catch2 is not thread-safe: the threads only
// record what happened; the caller asserts.
std::array<RacerResult, 2> race(Dataplane& dp, const std::vector<Bytes>& frames,
                                const std::array<Racer, 2>& racers) {
  constexpr size_t kGaveUp = std::numeric_limits<size_t>::max();
  std::array<std::atomic<size_t>, 2> reached{};  // frame index + 1
  std::array<RacerResult, 2> out;

  auto body = [&](int t) {
    RacerResult& res = out[t];
    try {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(racers[t].cpu, &one);
      if (const int rc = pthread_setaffinity_np(pthread_self(), sizeof(one), &one); rc != 0)
        throw std::runtime_error("pinning to CPU " + std::to_string(racers[t].cpu) + ": " +
                                 std::strerror(rc));
      res.pinned_cpu = sched_getcpu();
      for (size_t i = 0; i < frames.size(); i++) {
        reached[t].store(i + 1, std::memory_order_release);
        while (reached[t ^ 1].load(std::memory_order_acquire) < i + 1) cpu_relax();
        dp.run(racers[t].hook, frames[i]);
        res.frames_run++;
      }
    } catch (const std::exception& e) {
      res.error = e.what();
      reached[t].store(kGaveUp, std::memory_order_release);  // never hold the other up
    }
  };
  std::thread a(body, 0), b(body, 1);
  a.join();
  b.join();
  return out;
}

struct Variant {
  Hook hook_a, hook_b;
  bool tagged = false;
};

void two_cpus_create_the_same_flows(const Variant& v) {
  std::string why_not;
  const auto cpus = two_cpus(why_not);
  if (!cpus) {
    WARN("SKIPPED: " << why_not);
    return;
  }
  const auto [cpu_a, cpu_b] = *cpus;
  INFO(hook_name(v.hook_a) << " on CPU " << cpu_a << " against " << hook_name(v.hook_b)
                           << " on CPU " << cpu_b);

  // Unlimited admission, and room for every flow with plenty to spare: no
  // packet may end up outside a flow.
  Dataplane dp({.max_flows = 1u << 16, .max_vlans = 1u << 16, .flow_inserts_per_window = 0});
  dp.register_iface(1, 1, 1500);

  const auto frames = distinct_flows(kFlows, v.tagged);
  uint64_t frame_bytes = 0;
  for (const auto& f : frames) frame_bytes += f.size();

  const auto res = race(dp, frames, {Racer{v.hook_a, cpu_a}, Racer{v.hook_b, cpu_b}});
  for (int t = 0; t < 2; t++) {
    INFO("racer " << t);
    CHECK(res[t].error == "");
    CHECK(res[t].frames_run == kFlows);
    CHECK(res[t].pinned_cpu == (t == 0 ? cpu_a : cpu_b));
  }

  // Interface totals: both racers' frames, all in flows.
  const auto s = dp.stats(1, PKTLENS_DIR_INGRESS);
  CHECK(total_packets(s) == 2 * kFlows);
  CHECK(total_bytes(s) == 2 * frame_bytes);
  CHECK(s.flow_unadmitted_packets == 0);
  CHECK(s.flow_unadmitted_bytes == 0);
  CHECK(s.flow_untracked_packets == 0);
  CHECK(s.flow_inserts == kFlows);

  // Each CPU counted its own racer's frames: the test runs really ran on the
  // two CPUs, in parallel.
  const auto per_cpu =
      pbpf::lookup_percpu<pktlens_if_stats>(bpf_map__fd(dp.skel()->maps.pktlens_stats),
                                            uint32_t{1 * PKTLENS_DIR_MAX + PKTLENS_DIR_INGRESS});
  REQUIRE(per_cpu);
  REQUIRE(per_cpu->cpus() > std::max(cpu_a, cpu_b));
  CHECK(total_packets(per_cpu->at(cpu_a)) == kFlows);
  CHECK(total_packets(per_cpu->at(cpu_b)) == kFlows);
  const uint64_t inserts_a = per_cpu->at(cpu_a).flow_inserts;
  const uint64_t inserts_b = per_cpu->at(cpu_b).flow_inserts;
  CHECK(inserts_a + inserts_b == kFlows);

  // Every flow: 2 packets, 1 per CPU, created by exactly one of them.
  const auto flows = dp.flows();
  CHECK(flows.size() == kFlows);
  uint64_t flow_packets = 0, flow_bytes = 0;
  size_t not_two = 0, not_one_each = 0, not_one_creator = 0;
  for (const auto& f : flows) {
    flow_packets += f.val.packets;
    flow_bytes += f.val.bytes;
    if (f.val.packets != 2) not_two++;
    const auto pc = pbpf::lookup_percpu<pktlens_flow_val>(dp.flows_fd(), f.key);
    if (!pc) {
      not_one_each++;
      continue;
    }
    if (pc->at(cpu_a).packets != 1 || pc->at(cpu_b).packets != 1) not_one_each++;
    int creators = 0;
    for (int c = 0; c < pc->cpus(); c++) creators += pc->at(c).first_seen_ns != 0;
    if (creators != 1) not_one_creator++;
  }
  INFO("flows created on CPU " << cpu_a << ": " << inserts_a << ", on CPU " << cpu_b << ": "
                               << inserts_b);
  CHECK(not_two == 0);
  CHECK(not_one_each == 0);
  CHECK(not_one_creator == 0);
  CHECK(flow_packets == total_packets(s));
  CHECK(flow_bytes == total_bytes(s));

  if (v.tagged) {
    // The per-VLAN map has the same insert race (account_vlan()).
    const auto vlans = dp.vlans();
    CHECK(vlans.size() == kFlows);
    CHECK(s.vlan_overflow_packets == 0);
    size_t vlan_not_two = 0, vlan_not_one_each = 0;
    uint64_t vlan_packets = 0;
    for (const auto& vc : vlans) {
      vlan_packets += vc.val.packets;
      if (vc.val.packets != 2) vlan_not_two++;
      const auto pc =
          pbpf::lookup_percpu<pktlens_vlan_val>(bpf_map__fd(dp.skel()->maps.pktlens_vlans), vc.key);
      if (!pc || pc->at(cpu_a).packets != 1 || pc->at(cpu_b).packets != 1) vlan_not_one_each++;
    }
    CHECK(vlan_not_two == 0);
    CHECK(vlan_not_one_each == 0);
    CHECK(vlan_packets == 2 * kFlows);
  }
}

}  // namespace

TEST_CASE("two CPUs creating the same flows through tc_ingress lose no packet", "[concurrency]") {
  two_cpus_create_the_same_flows({Hook::TcIngress, Hook::TcIngress});
}

TEST_CASE("two CPUs creating the same flows through xdp_ingress lose no packet", "[concurrency]") {
  two_cpus_create_the_same_flows({Hook::Xdp, Hook::Xdp});
}

TEST_CASE("tc_ingress on one CPU and xdp_ingress on the other create the same flows",
          "[concurrency]") {
  two_cpus_create_the_same_flows({Hook::TcIngress, Hook::Xdp});
}

TEST_CASE("two CPUs creating the same VLAN entries lose no packet", "[concurrency]") {
  two_cpus_create_the_same_flows({.hook_a = Hook::TcIngress, .hook_b = Hook::Xdp, .tagged = true});
}
