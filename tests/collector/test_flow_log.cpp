// SPDX-License-Identifier: Apache-2.0
// The flow touch log (pktlens_abi.h, bpf/lib/flow.h, collector/flow_log.*)
// and FlowTable following it: which touches are logged, ring overflow,
// results equal to a table that scans, the switch to scans near a full
// table and back, expiry from the mirror, and no packet missed while a
// second CPU sends across epoch switches.
#include <bpf/bpf.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "bpf/percpu.hpp"
#include "collector/abi_codec.hpp"
#include "collector/bpf_call.hpp"
#include "collector/flow_log.hpp"
#include "collector/flow_table.hpp"
#include "collector/map_reader.hpp"
#include "dataplane.hpp"
#include "packet.hpp"
#include "pinned_cpu.hpp"
#include "pktlens_bpf.skel.h"
#include "udp_flow.hpp"

using namespace pktlens;
using namespace pktlens::collector;
using namespace pktlens::test;
using namespace std::chrono_literals;

namespace {

uint64_t mono_ns() { return clock_ns(CLOCK_MONOTONIC); }

// The sports of drained keys, sorted.
std::vector<uint16_t> sports(const std::vector<pktlens_flow_key>& keys) {
  std::vector<uint16_t> v;
  for (const auto& k : keys) v.push_back(decode_flow_key(k).sport);
  std::sort(v.begin(), v.end());
  return v;
}

constexpr auto kNeverIdle = std::chrono::hours(24 * 365);

// Sums, per flow, the packets_delta of every cycle (top-K must list all).
void add_deltas(const Snapshot& s, std::map<FlowKey, uint64_t>& sum) {
  for (const RankedFlow& r : s.top_flows) sum[r.flow.key] += r.packets_delta;
}

}  // namespace

TEST_CASE("flow log: a flow is logged once per CPU and epoch, at insert and on touch",
          "[flow_log]") {
  PinnedToOneCpu pin;  // one CPU: one ring, one log_epoch per flow
  Dataplane dp;
  dp.register_iface(1, 3, 1500);
  FlowLog log(dp.skel());
  REQUIRE(log.usable());
  CHECK(log.ring_entries() == bpf::flow_log_ring_entries(4096, bpf::possible_cpus()));
  std::vector<pktlens_flow_key> keys;

  // Before anybody reads, the epoch is 0: nothing is logged.
  dp.run(Hook::TcIngress, udp_frame(9));
  FlowLog::Drain d = log.drain(keys);
  CHECK_FALSE(d.complete);  // touches before the first drain are not followed
  CHECK_FALSE(d.overflow);
  CHECK(keys.empty());
  CHECK(log.epoch() == 1);

  for (int i = 0; i < 3; i++) dp.run(Hook::TcIngress, udp_frame(1));  // new, then twice more
  dp.run(Hook::TcIngress, udp_frame(2));
  dp.run(Hook::TcIngress, udp_frame(9));  // existing since epoch 0
  d = log.drain(keys);
  CHECK(d.complete);
  CHECK(d.entries == 3);
  CHECK(sports(keys) == std::vector<uint16_t>{1, 2, 9});
  const int cpu = sched_getcpu();
  const auto v1 = bpf::lookup_percpu<pktlens_flow_val>(dp.flows_fd(),
                                                         encode_flow_key(udp_key(1)));
  REQUIRE(v1);
  CHECK(v1->at(cpu).log_epoch == 1);
  CHECK(v1->at(cpu).packets == 3);

  keys.clear();
  d = log.drain(keys);  // nothing since
  CHECK(d.complete);
  CHECK(keys.empty());

  dp.run(Hook::TcIngress, udp_frame(2));
  dp.run(Hook::TcIngress, udp_frame(2));
  d = log.drain(keys);
  CHECK(d.complete);
  CHECK(sports(keys) == std::vector<uint16_t>{2});
}

TEST_CASE("flow log: a ring that wraps over unread entries is an overflow", "[flow_log]") {
  PinnedToOneCpu pin;
  Dataplane dp({.flow_log_per_cpu = 16});
  dp.register_iface(1, 3, 1500);
  FlowLog log(dp.skel());
  REQUIRE(log.ring_entries() == 16);
  std::vector<pktlens_flow_key> keys;
  log.drain(keys);

  for (uint16_t sport = 1; sport <= 15; sport++) dp.run(Hook::TcIngress, udp_frame(sport));
  FlowLog::Drain d = log.drain(keys);  // 15 of 16: fits
  CHECK(d.complete);
  CHECK(d.entries == 15);
  keys.clear();

  for (uint16_t sport = 1; sport <= 16; sport++) dp.run(Hook::TcIngress, udp_frame(sport));
  d = log.drain(keys);  // 16: the slot being written may be the oldest unread one
  CHECK(d.overflow);
  CHECK_FALSE(d.complete);
  CHECK(keys.empty());
  CHECK(log.overflows() == 1);

  dp.run(Hook::TcIngress, udp_frame(3));
  d = log.drain(keys);  // followed again from the last drain
  CHECK(d.complete);
  CHECK(sports(keys) == std::vector<uint16_t>{3});

  // A FlowTable over a ring that overflowed scans instead, and stays exact.
  FlowTable t(dp.skel(), {.idle_timeout = kNeverIdle, .top_k = 100});
  Snapshot s;
  CHECK(t.collect(mono_ns(), s).full_pass);
  for (uint16_t sport = 1; sport <= 40; sport++) dp.run(Hook::TcIngress, udp_frame(sport));
  const FlowCollectStats st = t.collect(mono_ns(), s);
  CHECK(st.log_overflow);
  CHECK_FALSE(st.from_log());
  CHECK(st.changed == 40);
  CHECK(s.flows_active == 40);
  dp.run(Hook::TcIngress, udp_frame(40));
  const FlowCollectStats st2 = t.collect(mono_ns(), s);
  CHECK(st2.from_log());
  CHECK(st2.changed == 1);
  REQUIRE(s.top_flows.size() == 1);
  CHECK(s.top_flows[0].flow.key == udp_key(40));
  CHECK(s.top_flows[0].packets_delta == 1);
}

TEST_CASE("flow log: FlowTable following the log lists what a scanning one lists",
          "[flow_log]") {
  Dataplane dp({.flow_inserts_per_window = 0});
  dp.register_iface(1, 3, 1500);
  FlowTable lg(dp.skel(), {.idle_timeout = kNeverIdle, .top_k = 1000});
  FlowTable sc(dp.skel(), {.idle_timeout = kNeverIdle, .top_k = 1000, .touch_log = false});
  std::mt19937 rng(20261123);
  std::uniform_int_distribution<int> sport(1, 400), size(0, 300);
  for (int cycle = 0; cycle < 6; cycle++) {
    INFO("cycle " << cycle);
    const int packets = cycle == 4 ? 0 : 300 * (cycle + 1);
    for (int i = 0; i < packets; i++)
      dp.run(i % 3 ? Hook::TcIngress : Hook::TcEgress,
             udp_frame(static_cast<uint16_t>(sport(rng)), static_cast<size_t>(size(rng))));
    Snapshot a, b;
    const FlowCollectStats sa = lg.collect(mono_ns(), a);
    const FlowCollectStats sb = sc.collect(mono_ns(), b);
    CHECK(sa.from_log() == (cycle > 0));
    CHECK_FALSE(sb.from_log());
    CHECK(sa.changed == sb.changed);
    CHECK(sa.entries == sb.entries);
    CHECK(a.flows_active == b.flows_active);
    CHECK(a.top_flows == b.top_flows);
    CHECK(sa.entries == read_snapshot(dp.skel()).flows.size());
    if (cycle > 0) CHECK(sa.visited == sa.changed);
  }
}

TEST_CASE("flow log: followed near a full table, through pressure eviction and expiry",
          "[flow_log]") {
  PinnedToOneCpu pin;
  Dataplane dp({.max_flows = 4096, .flow_inserts_per_window = 0});
  dp.register_iface(1, 3, 1500);
  FlowTable t(dp.skel(), {.idle_timeout = 1s, .top_k = 10});
  Snapshot s;
  for (uint16_t sport = 1; sport <= 10; sport++) dp.run(Hook::TcIngress, udp_frame(sport));
  CHECK(t.collect(mono_ns(), s).full_pass);
  dp.run(Hook::TcIngress, udp_frame(1));
  CHECK(t.collect(mono_ns(), s).from_log());

  // Filled past 90%: the log still names every flow (only the collector
  // removes flows), and the least recently seen go down to 85%.
  constexpr uint16_t kFilled = 4000;
  constexpr size_t kLow = 4096 * 85 / 100;
  for (uint16_t sport = 11; sport <= kFilled; sport++) dp.run(Hook::TcIngress, udp_frame(sport));
  FlowCollectStats st = t.collect(mono_ns(), s);
  CHECK(st.from_log());
  CHECK(st.evicted == kFilled - kLow);
  CHECK(st.entries == kLow);
  CHECK(t.size() == kLow);
  CHECK(read_snapshot(dp.skel()).flows.size() == kLow);
  dp.run(Hook::TcIngress, udp_frame(kFilled));
  st = t.collect(mono_ns(), s);
  CHECK(st.from_log());
  CHECK(st.changed == 1);
  CHECK(st.evicted == 0);

  // All idle but the 2 touched now: expired while following the log.
  std::this_thread::sleep_for(1200ms);
  for (uint16_t sport = kFilled - 1; sport <= kFilled; sport++)
    dp.run(Hook::TcIngress, udp_frame(sport));
  st = t.collect(mono_ns(), s);
  CHECK(st.from_log());
  CHECK(st.expired_deleted == kLow - 2);
  CHECK(st.entries == 2);
  CHECK(read_snapshot(dp.skel()).flows.size() == 2);
}

TEST_CASE("flow log: idle flows expire from the mirror while following the log",
          "[flow_log]") {
  Dataplane dp;
  dp.register_iface(1, 3, 1500);
  FlowTable t(dp.skel(), {.idle_timeout = 10s});
  for (uint16_t sport = 1; sport <= 4; sport++) dp.run(Hook::TcIngress, udp_frame(sport));
  Snapshot s;
  CHECK(t.collect(mono_ns(), s).full_pass);
  dp.run(Hook::TcIngress, udp_frame(4));
  // 5 s later by the collector's clock, nothing expires; 11 s later, 1 to
  // 3 are idle (from the mirror) and so is 4 (looked up: its last packet is
  // as old).
  FlowCollectStats st = t.collect(mono_ns() + 5'000'000'000ULL, s);
  CHECK(st.from_log());
  CHECK(st.changed == 1);
  CHECK(st.expired_deleted == 0);
  dp.run(Hook::TcIngress, udp_frame(4));
  st = t.collect(mono_ns() + 11'000'000'000ULL, s);
  CHECK(st.from_log());
  CHECK(st.visited == 1);
  CHECK(st.expired_deleted == 4);
  CHECK(st.entries == 0);
  CHECK(t.size() == 0);
  CHECK(read_snapshot(dp.skel()).flows.empty());

  // Re-created flows count from zero.
  dp.run(Hook::TcIngress, udp_frame(2));
  st = t.collect(mono_ns(), s);
  CHECK(st.from_log());
  CHECK(st.changed == 1);
  CHECK(st.entries == 1);
  REQUIRE(s.top_flows.size() == 1);
  CHECK(s.top_flows[0].flow.packets == 1);
}

TEST_CASE("flow log: no packet is missed while another CPU sends across epoch switches",
          "[flow_log]") {
  if (std::thread::hardware_concurrency() < 2) {
    WARN("one CPU: sender and collector cannot overlap; the race is not exercised");
  }
  Dataplane dp({.flow_inserts_per_window = 0});
  dp.register_iface(1, 3, 1500);
  constexpr uint16_t kFlows = 64;
  constexpr int kPackets = 60000;
  FlowTable t(dp.skel(), {.idle_timeout = kNeverIdle, .top_k = kFlows});
  Snapshot s;
  t.collect(mono_ns(), s);
  std::atomic<bool> done{false};
  std::vector<Bytes> frames;
  for (uint16_t f = 1; f <= kFlows; f++) frames.push_back(udp_frame(f));
  std::thread sender([&] {
    for (int i = 0; i < kPackets; i++) dp.run(Hook::TcIngress, frames[static_cast<size_t>(i) % kFlows]);
    done = true;
  });
  std::map<FlowKey, uint64_t> sum;
  size_t cycles = 0, from_log = 0;
  while (!done) {
    const FlowCollectStats st = t.collect(mono_ns(), s);
    add_deltas(s, sum);
    cycles++;
    from_log += st.from_log() ? 1 : 0;
  }
  sender.join();
  t.collect(mono_ns(), s);
  add_deltas(s, sum);
  INFO(cycles << " cycles, " << from_log << " from the log");
  CHECK(from_log > 0);
  REQUIRE(sum.size() == kFlows);
  for (uint16_t f = 1; f <= kFlows; f++) {
    INFO("flow " << f);
    CHECK(sum[udp_key(f)] == kPackets / kFlows + (f <= kPackets % kFlows ? 1u : 0u));
  }
}
