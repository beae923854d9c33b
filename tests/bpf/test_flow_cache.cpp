// SPDX-License-Identifier: Apache-2.0
// The flow cache (bpf/lib/flow_cache.h, daemon/bpf/flow_cache.*): warm
// packets count in the CPU's cache, a flush moves them into pktlens_flows,
// and every packet is counted exactly once whatever happens in between.
// Each test stays on one CPU: a test run executes on the caller's CPU, and
// FlowCache flushes (and so opens) only the CPUs the caller may run on.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>
#include <time.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "bpf/flow_cache.hpp"
#include "dataplane.hpp"
#include "packet.hpp"
#include "pinned_cpu.hpp"

using namespace pktlens;
using namespace pktlens::test;

namespace {

uint64_t clock_ns(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

Bytes udp_frame(uint16_t sport, size_t payload = 20) {
  return PacketBuilder().eth().ipv4().udp({.sport = sport, .dport = 53}).payload(payload).build();
}

// The flow with this source port, summed over CPUs.
std::optional<pktlens_flow_val> flow_of(const Dataplane& dp, uint16_t sport) {
  for (const Flow& f : dp.flows())
    if (f.key.sport == sport) return f.val;
  return std::nullopt;
}

uint64_t packets_of(const Dataplane& dp, uint16_t sport) {
  const auto v = flow_of(dp, sport);
  return v ? v->packets : 0;
}

pktlens_flow_cache_ctl ctl_here(const Dataplane& dp) {
  pktlens_flow_cache_ctl c{};
  const uint32_t cpu = static_cast<uint32_t>(sched_getcpu());
  REQUIRE(bpf_map_lookup_elem(bpf_map__fd(dp.skel()->maps.pktlens_flow_cache_ctl), &cpu, &c) == 0);
  return c;
}

void set_ctl_here(const Dataplane& dp, const pktlens_flow_cache_ctl& c) {
  const uint32_t cpu = static_cast<uint32_t>(sched_getcpu());
  REQUIRE(bpf_map_update_elem(bpf_map__fd(dp.skel()->maps.pktlens_flow_cache_ctl), &cpu, &c,
                              BPF_ANY) == 0);
}

// One CPU, an object with a flow cache (64 slots unless told), interface 1
// registered, the cache flushed once: open on this CPU.
struct OpenCache {
  explicit OpenCache(DataplaneOptions o = {.flow_cache_slots = 64}) : dp(o), cache(dp.skel()) {
    dp.register_iface(1, 1, 1500);
    cache.flush();
  }
  PinnedToOneCpu pin;
  Dataplane dp;
  bpf::FlowCache cache;
};

}  // namespace

TEST_CASE("a warm flow counts in the CPU's cache until a flush moves it, exactly", "[flow_cache]") {
  PinnedToOneCpu pin;
  Dataplane dp({.flow_cache_slots = 64});
  dp.register_iface(1, 1, 1500);
  bpf::FlowCache cache(dp.skel());
  REQUIRE(cache.enabled());
  // The loader knows the kernel's tick: the cache runs on jiffies
  // (bpf/lib/flow_cache.h).
  CHECK(dp.skel()->rodata->cfg_flow_cache_tick_ns == bpf::kernel_tick_ns());
  CHECK(bpf::kernel_tick_ns() >= 1'000'000);  // HZ <= 1000
  REQUIRE(cache.flush().cpus == 1);           // opens this CPU's cache

  const Bytes frame = udp_frame(40001);
  dp.run(Hook::TcIngress, frame);  // new: inserted in the table
  dp.run(Hook::TcIngress, frame);  // found there, and given a slot
  REQUIRE(packets_of(dp, 40001) == 2);
  dp.run(Hook::TcIngress, frame, {.repeat = 8});
  CHECK(packets_of(dp, 40001) == 2);  // the 8 are in the cache
  CHECK(ctl_here(dp).dirty == 1);

  const bpf::FlowCacheFlush f = cache.flush();
  CHECK(f.cpus == 1);
  CHECK(f.reinserted == 0);
  const auto v = flow_of(dp, 40001);
  REQUIRE(v);
  CHECK(v->packets == 10);
  CHECK(v->bytes == 10 * frame.size());
  CHECK(ctl_here(dp).dirty == 0);
  // A second flush has nothing to add.
  cache.flush();
  CHECK(packets_of(dp, 40001) == 10);
  // The interface counted every frame at once.
  CHECK(total_packets(dp.stats(1, PKTLENS_DIR_INGRESS)) == 10);
}

TEST_CASE("a CPU that was never flushed does not use its cache", "[flow_cache]") {
  PinnedToOneCpu pin;
  Dataplane dp({.flow_cache_slots = 64});
  dp.register_iface(1, 1, 1500);
  dp.run(Hook::TcIngress, udp_frame(40002), {.repeat = 5});
  CHECK(packets_of(dp, 40002) == 5);
  CHECK(ctl_here(dp).dirty == 0);
}

TEST_CASE("TCP flags and last-seen times reach the table through the flush", "[flow_cache]") {
  OpenCache t;
  Dataplane& dp = t.dp;
  bpf::FlowCache& cache = t.cache;
  dp.run(Hook::TcIngress, PacketBuilder().eth().ipv4().tcp({.flags = 0x02}).build());
  const uint64_t first_seen = flow_of(dp, 40000)->first_seen_ns;
  dp.run(Hook::TcIngress, PacketBuilder().eth().ipv4().tcp({.flags = 0x10}).build());
  // The last packet 200 ms later: the cache keeps its time in jiffies where
  // the tick length is known, and the flush gives it back in nanoseconds.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  dp.run(Hook::TcIngress, PacketBuilder().eth().ipv4().tcp({.flags = 0x11}).build());
  const uint64_t sent_last = clock_ns(CLOCK_MONOTONIC_COARSE);
  CHECK(flow_of(dp, 40000)->tcp_flags == (0x02 | 0x10));  // the last one is cached
  CHECK(flow_of(dp, 40000)->packets == 2);
  cache.flush();
  const auto v = flow_of(dp, 40000);
  REQUIRE(v);
  CHECK(v->packets == 3);
  CHECK(v->tcp_flags == (0x02 | 0x10 | 0x11));
  CHECK(v->first_seen_ns == first_seen);
  // Within a tick or two (at most 10 ms at HZ=100) of the true time.
  CHECK(v->last_seen_ns >= first_seen + 180'000'000);
  CHECK(v->last_seen_ns + 25'000'000 >= sent_last);
  CHECK(v->last_seen_ns <= sent_last + 25'000'000);
}

TEST_CASE("flows that share a slot are each counted exactly", "[flow_cache]") {
  // Two slots, five flows: most of them share one.
  OpenCache t({.flow_cache_slots = 2});
  Dataplane& dp = t.dp;
  bpf::FlowCache& cache = t.cache;
  uint64_t sent[5] = {};
  for (int round = 0; round < 40; round++) {
    for (uint16_t f = 0; f < 5; f++) {
      // Uneven traffic, so that slots change hands between flushes.
      const uint32_t n = 1 + static_cast<uint32_t>((round * 7 + f * 3) % 4);
      dp.run(Hook::TcIngress, udp_frame(static_cast<uint16_t>(41000 + f)), {.repeat = n});
      sent[f] += n;
    }
    if (round % 9 == 4) cache.flush();
  }
  cache.flush();
  for (uint16_t f = 0; f < 5; f++)
    CHECK(packets_of(dp, static_cast<uint16_t>(41000 + f)) == sent[f]);
}

TEST_CASE("IPv4, IPv6 and VLAN flows sharing one set keep their keys and counts", "[flow_cache]") {
  // One set (two slots): an IPv4 key is packed into its slot, any other is
  // kept whole beside it; both kinds take turns in the same slots.
  OpenCache t({.flow_cache_slots = 2});
  Dataplane& dp = t.dp;
  bpf::FlowCache& cache = t.cache;
  const Bytes frames[] = {
      PacketBuilder().eth().ipv4().udp({.sport = 42001, .dport = 53}).build(),
      PacketBuilder().eth().ipv6({.src = ip6("fd00::a"), .dst = ip6("fd00::b")})
          .udp({.sport = 42002, .dport = 53}).build(),
      PacketBuilder().eth().vlan(4094, 0x88a8).vlan(7).ipv4({.src = ip4("198.19.1.2")})
          .tcp({.sport = 42003, .dport = 443, .flags = 0x18}).build(),
      PacketBuilder().eth().vlan(12).ipv6({.src = ip6("fd00::c"), .dst = ip6("fd00::d")})
          .tcp({.sport = 42004, .dport = 80, .flags = 0x02}).build(),
  };
  uint64_t sent[4] = {}, bytes[4] = {};
  for (int round = 0; round < 30; round++) {
    for (int f = 0; f < 4; f++) {
      const uint32_t n = 1 + static_cast<uint32_t>((round * 5 + f) % 3);
      // Egress too: the direction is part of the packed key.
      dp.run(round % 2 ? Hook::TcEgress : Hook::TcIngress, frames[f], {.repeat = n});
      sent[f] += n;
      bytes[f] += n * frames[f].size();
    }
    if (round % 7 == 3) cache.flush();
  }
  cache.flush();
  int seen = 0;
  for (const Flow& fl : dp.flows()) {
    const int f = fl.key.sport - 42001;
    REQUIRE((f >= 0 && f < 4));
    seen++;
    INFO("flow " << f << " dir " << int(fl.key.dir));
    CHECK(fl.key._pad == 0);
    if (f == 0 || f == 2) {
      CHECK(fl.key.family == 4);
      CHECK(fl.key.src[0] == 198);
    } else {
      CHECK(fl.key.family == 6);
      CHECK(fl.key.src[0] == 0xfd);
      CHECK(fl.key.dst[15] == (f == 1 ? 0xb : 0xd));
    }
    if (f == 2) {
      CHECK(fl.key.vlan == 4094);
      CHECK(fl.key.vlan_inner == 7);
      CHECK(fl.val.tcp_flags == 0x18);
    }
    if (f == 3) {
      CHECK(fl.key.vlan == 12);
      CHECK(fl.val.tcp_flags == 0x02);
    }
  }
  CHECK(seen == 8);  // four flows, each in both directions
  for (int f = 0; f < 4; f++) {
    uint64_t p = 0, b = 0;
    for (const Flow& fl : dp.flows())
      if (fl.key.sport == 42001 + f) {
        p += fl.val.packets;
        b += fl.val.bytes;
      }
    INFO("flow " << f);
    CHECK(p == sent[f]);
    CHECK(b == bytes[f]);
  }
}

TEST_CASE("a flow deleted while its packets are cached comes back as a new flow", "[flow_cache]") {
  OpenCache t;
  Dataplane& dp = t.dp;
  bpf::FlowCache& cache = t.cache;
  dp.run(Hook::TcIngress, udp_frame(40003), {.repeat = 4});  // 2 in the table, 2 cached
  const auto flows = dp.flows();
  REQUIRE(flows.size() == 1);
  // What the collector does to an idle flow.
  pktlens_flow_key key = flows[0].key;
  REQUIRE(bpf_map_delete_elem(dp.flows_fd(), &key) == 0);
  const bpf::FlowCacheFlush f = cache.flush();
  CHECK(f.reinserted == 1);
  CHECK(packets_of(dp, 40003) == 2);
}

TEST_CASE("a full table keeps the cached packets for a later flush", "[flow_cache]") {
  OpenCache t({.max_flows = 4, .flow_cache_slots = 64});
  Dataplane& dp = t.dp;
  bpf::FlowCache& cache = t.cache;
  dp.run(Hook::TcIngress, udp_frame(40010), {.repeat = 5});  // 2 in the table, 3 cached
  pktlens_flow_key key = dp.flows().at(0).key;
  REQUIRE(bpf_map_delete_elem(dp.flows_fd(), &key) == 0);
  for (uint16_t p = 40020; p < 40024; p++) dp.run(Hook::TcIngress, udp_frame(p));
  REQUIRE(dp.flows().size() == 4);  // full

  bpf::FlowCacheFlush f = cache.flush();
  CHECK(f.insert_failed >= 1);
  CHECK(packets_of(dp, 40010) == 0);
  CHECK(ctl_here(dp).dirty == 1);  // still listed

  pktlens_flow_key other = dp.flows().at(0).key;
  REQUIRE(bpf_map_delete_elem(dp.flows_fd(), &other) == 0);
  f = cache.flush();
  CHECK(f.reinserted == 1);
  CHECK(packets_of(dp, 40010) == 3);
  CHECK(ctl_here(dp).dirty == 0);
}

TEST_CASE("a closed cache counts every packet in the table at once", "[flow_cache]") {
  OpenCache t;
  Dataplane& dp = t.dp;
  bpf::FlowCache& cache = t.cache;
  dp.run(Hook::TcIngress, udp_frame(40004), {.repeat = 3});  // 2 in the table, 1 cached
  CHECK(packets_of(dp, 40004) == 2);
  CHECK(cache.close().cpus == 1);
  CHECK(packets_of(dp, 40004) == 3);
  dp.run(Hook::TcIngress, udp_frame(40004), {.repeat = 3});
  CHECK(packets_of(dp, 40004) == 6);
  // The next flush opens it again; the flow still has its slot.
  cache.flush();
  dp.run(Hook::TcIngress, udp_frame(40004), {.repeat = 3});
  CHECK(packets_of(dp, 40004) == 6);
  cache.flush();
  CHECK(packets_of(dp, 40004) == 9);
}

TEST_CASE("packets during a flush count in the table; a flush never takes a slot in use",
          "[flow_cache]") {
  OpenCache t;
  Dataplane& dp = t.dp;
  bpf::FlowCache& cache = t.cache;
  dp.run(Hook::TcIngress, udp_frame(40005), {.repeat = 3});  // 2 in the table, 1 cached

  // What an interrupting packet sees while a flush runs on its CPU.
  pktlens_flow_cache_ctl c = ctl_here(dp);
  c.busy = 1;
  set_ctl_here(dp, c);
  dp.run(Hook::TcIngress, udp_frame(40005), {.repeat = 4});
  CHECK(packets_of(dp, 40005) == 6);

  // What a flush sees when it preempted a packet in its slot.
  c = ctl_here(dp);
  c.busy = 0;
  c.active = 1;
  set_ctl_here(dp, c);
  const bpf::FlowCacheFlush f = cache.flush();
  CHECK(f.cpus == 0);
  CHECK(f.cpus_missed >= 1);
  CHECK(f.error.find("held its flow cache slot") != std::string::npos);
  CHECK_FALSE(f.resync);
  CHECK(packets_of(dp, 40005) == 6);
  c = ctl_here(dp);
  CHECK(c.busy == 0);

  c.active = 0;
  set_ctl_here(dp, c);
  // The cached packet was logged two cycles ago: a reader following the
  // log is told to read the whole table once.
  CHECK(cache.flush().resync);
  CHECK(packets_of(dp, 40005) == 7);
  CHECK_FALSE(cache.flush().resync);
}

TEST_CASE("with the cache off the flush does nothing", "[flow_cache]") {
  Dataplane dp;
  bpf::FlowCache cache(dp.skel());
  CHECK_FALSE(cache.enabled());
  const bpf::FlowCacheFlush f = cache.flush();
  CHECK(f.cpus == 0);
  CHECK(f.cpus_missed == 0);
}

TEST_CASE("the default cache size: 32768 slots a CPU, within 64 MB and the flow table",
          "[flow_cache]") {
  CHECK(bpf::default_flow_cache_slots(262144, 2) == 32768);
  // 96 bytes a slot (32 in pktlens_flow_cache, 64 in pktlens_flow_cache_cold):
  // 64 MB hold 32768 slots on each of 21 CPUs, not 22.
  CHECK(bpf::default_flow_cache_slots(262144, 21) == 32768);
  CHECK(bpf::default_flow_cache_slots(262144, 22) == 16384);
  // 64 MB over 64 CPUs is 10922 slots each.
  CHECK(bpf::default_flow_cache_slots(262144, 64) == 8192);
  CHECK(bpf::default_flow_cache_slots(262144, 4096) == 256);
  CHECK(bpf::default_flow_cache_slots(1024, 2) == 1024);
}

TEST_CASE("in flood mode new flows skip the cache and cached flows keep counting in it",
          "[flow_cache]") {
  // Three new flows an hour: the fourth spends the budget.
  OpenCache t({.flow_window_ns = 3600'000'000'000ull,
               .flow_inserts_per_window = 3,
               .flow_cache_slots = 64});
  Dataplane& dp = t.dp;
  bpf::FlowCache& cache = t.cache;
  dp.run(Hook::TcIngress, udp_frame(40030), {.repeat = 3});  // 2 in the table, 1 cached
  dp.run(Hook::TcIngress, udp_frame(40031));
  dp.run(Hook::TcIngress, udp_frame(40032));
  CHECK(ctl_here(dp).flood_until == 0);
  dp.run(Hook::TcIngress, udp_frame(40033));  // over the budget: flood mode
  CHECK(ctl_here(dp).flood_until > 0);
  const uint32_t dirty = ctl_here(dp).dirty;
  // A new flow is turned away by the presence filter before the cache.
  dp.run(Hook::TcIngress, udp_frame(40034), {.repeat = 5});
  CHECK(ctl_here(dp).dirty == dirty);
  // The cached flow has its presence bits: it still counts in its slot.
  dp.run(Hook::TcIngress, udp_frame(40030), {.repeat = 4});
  CHECK(packets_of(dp, 40030) == 2);
  cache.flush();
  CHECK(packets_of(dp, 40030) == 7);
  CHECK(packets_of(dp, 40033) == 0);
  CHECK(packets_of(dp, 40034) == 0);
  CHECK(dp.stats(1, PKTLENS_DIR_INGRESS).flow_unadmitted_packets == 6);
}
