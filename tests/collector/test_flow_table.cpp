// SPDX-License-Identifier: Apache-2.0
// collector::FlowTable against a loaded object: flows pushed through the
// real program, incremental cycles with exact deltas and top-K order (the
// same as top_k() over two full reads), idle expiry in the kernel and the
// mirror, every walk (parallel batch
// scan, key by key, the iterator where the kernel accepts it) with
// identical results, and 20,000 flows with distinct per-CPU values.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <time.h>

#include <algorithm>
#include <bit>
#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "bpf/flow_iterator.hpp"
#include "bpf/percpu.hpp"
#include "collector/abi_codec.hpp"
#include "collector/flow_table.hpp"
#include "collector/map_reader.hpp"
#include "collector/presence_filter.hpp"
#include "collector/top_k.hpp"
#include "dataplane.hpp"
#include "packet.hpp"
#include "pinned_cpu.hpp"
#include "pktlens_bpf.skel.h"
#include "synthetic_flow.hpp"
#include "udp_flow.hpp"

using namespace pktlens;
using namespace pktlens::collector;
using namespace pktlens::test;
using namespace std::chrono_literals;

namespace {

uint64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

// The flow iterator, or null where the kernel refuses BTF tracing programs
// (lockdown): the one-thread tables then scan with batch reads, which the
// test output says.
std::unique_ptr<bpf::FlowIterator> flow_iterator(pktlens_bpf* skel) {
  try {
    return std::make_unique<bpf::FlowIterator>(skel);
  } catch (const std::exception& e) {
    WARN("the kernel refuses the flow iterator (" << e.what() << "): its path is not tested here");
    return nullptr;
  }
}

// What top_k() says about the interval between two full reads, limited to
// the flows with packets in it (FlowTable lists no others).
std::vector<RankedFlow> expected_top(const Snapshot& cur, const Snapshot& prev, size_t k) {
  std::vector<RankedFlow> all = top_k(cur.flows, prev.flows, cur.flows.size());
  std::erase_if(all, [](const RankedFlow& r) { return r.packets_delta == 0; });
  if (all.size() > k) all.resize(k);
  return all;
}

constexpr auto kNeverIdle = std::chrono::hours(24 * 365);

// One cycle of several tables reading the same map: index i of both arrays
// is tables[i]'s.
template <size_t N>
struct Cycle {
  std::array<Snapshot, N> snap;
  std::array<FlowCollectStats, N> stats;
};
template <size_t N>
Cycle<N> collect_all(const std::array<FlowTable*, N>& tables) {
  Cycle<N> c;
  for (size_t i = 0; i < N; i++) c.stats[i] = tables[i]->collect(mono_ns(), c.snap[i]);
  return c;
}

}  // namespace

TEST_CASE("FlowTable: exact flows, incremental deltas and top-K order, every read path",
          "[flow_table]") {
  Dataplane dp;
  dp.register_iface(1, 3, 1500);
  const auto iter = flow_iterator(dp.skel());
  FlowTable it(dp.skel(), {.idle_timeout = kNeverIdle, .top_k = 4, .touch_log = false});
  FlowTable fb(dp.skel(),
               {.idle_timeout = kNeverIdle, .top_k = 4, .touch_log = false, .batch_ops = false});
  FlowTable io(dp.skel(), {.idle_timeout = kNeverIdle,
                           .top_k = 4,
                           .scan_threads = 1,
                           .touch_log = false,
                           .iterator = iter.get()});
  FlowTable lg(dp.skel(), {.idle_timeout = kNeverIdle, .top_k = 4});
  // Parallel scan in steady cycles, key by key (no batch ops), iterator
  // alone, the default (the touch log in steady cycles). All read the same
  // map; each follows the log on its own.
  const std::array<FlowTable*, 4> tables{&it, &fb, &io, &lg};

  // Equal frames; sport n gets the packet count paired with it.
  const std::vector<std::pair<uint16_t, int>> first{{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 1}, {6, 2}};
  for (const auto& [sport, n] : first)
    for (int i = 0; i < n; i++) dp.run(Hook::TcIngress, udp_frame(sport, 100));
  const size_t len = udp_frame(1, 100).size();

  const Snapshot full1 = read_snapshot(dp.skel());
  const auto c1 = collect_all(tables);
  CHECK(c1.stats[0].path == FlowReadPath::batch_scan);
  CHECK(c1.stats[1].path == FlowReadPath::key_walk);
  CHECK(c1.stats[2].path == (iter ? FlowReadPath::iterator : FlowReadPath::batch_scan));
  CHECK(c1.stats[3].path == FlowReadPath::batch_scan);  // the first cycle walks
  for (const auto* st : {&c1.stats[0], &c1.stats[1], &c1.stats[2], &c1.stats[3]}) {
    CHECK(st->full_pass);
    CHECK(st->read_calls > 0);
    CHECK(st->changed == 6);
    CHECK(st->visited == 6);
    CHECK(st->entries == 6);
    CHECK(st->expired_deleted == 0);
    CHECK(st->mirror_dropped == 0);
  }
  for (const Snapshot* s : {&c1.snap[0], &c1.snap[1], &c1.snap[2], &c1.snap[3]}) {
    CHECK(s->flows_active == 6);
    CHECK(s->flow_table_entries == 6);
    CHECK(s->flow_table_capacity == 4096);
    CHECK(s->flows.empty());
    // 4 packets (sport 4), then 3, then the tie at 2 packets: sport 2 < 6.
    REQUIRE(s->top_flows.size() == 4);
    const uint16_t want_sport[] = {4, 3, 2, 6};
    const uint64_t want_pkts[] = {4, 3, 2, 2};
    for (size_t i = 0; i < 4; i++) {
      INFO("rank " << i);
      const RankedFlow& r = s->top_flows[i];
      CHECK(r.flow.key == udp_key(want_sport[i]));
      CHECK(r.flow.packets == want_pkts[i]);
      CHECK(r.flow.bytes == want_pkts[i] * len);
      CHECK(r.packets_delta == want_pkts[i]);
      CHECK(r.bytes_delta == want_pkts[i] * len);
      CHECK(r.flow.first_seen_ns > 0);
      CHECK(r.flow.first_seen_ns <= r.flow.last_seen_ns);
    }
    CHECK(s->top_flows == expected_top(full1, Snapshot{}, 4));
  }
  // The mirror holds every flow as the kernel does.
  for (const FlowTable* t : tables) {
    CHECK(t->size() == 6);
    for (const FlowRecord& f : full1.flows) {
      const auto m = t->find(f.key);
      REQUIRE(m);
      CHECK(*m == f);
    }
  }

  // Second interval: sport 1 +3 packets, sport 5 +2 of a bigger frame (a
  // tie in bytes with nobody), sport 6 +1 and sport 3 +1 (tie: 3 < 6);
  // 2 and 4 idle in between.
  const size_t big = udp_frame(5, 400).size();
  for (int i = 0; i < 3; i++) dp.run(Hook::TcIngress, udp_frame(1, 100));
  for (int i = 0; i < 2; i++) dp.run(Hook::TcIngress, udp_frame(5, 400));
  dp.run(Hook::TcIngress, udp_frame(6, 100));
  dp.run(Hook::TcIngress, udp_frame(3, 100));
  const Snapshot full2 = read_snapshot(dp.skel());
  const auto c2 = collect_all(tables);
  // The default: the parallel scan with one thread per CPU (at most 4);
  // scan_threads = 1 with an iterator: the iterator.
  const size_t cpus = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  CHECK(c2.stats[0].scan_threads == cpus);
  CHECK(c2.stats[1].scan_threads == 0);
  CHECK(c2.stats[2].scan_threads == (iter ? 0 : 1));
  CHECK_FALSE(c2.stats[2].full_pass);
  CHECK_FALSE(c2.stats[0].full_pass);
  // The log: the 4 flows touched, each looked up once.
  CHECK(c2.stats[3].from_log());
  CHECK_FALSE(c2.stats[3].full_pass);
  CHECK(c2.stats[3].logged == 4);
  CHECK(c2.stats[3].visited == 4);
  CHECK(c2.stats[3].scan_threads == 0);
  CHECK_FALSE(c2.stats[0].from_log());
  for (const auto* st : {&c2.stats[0], &c2.stats[1], &c2.stats[2], &c2.stats[3]}) {
    CHECK(st->changed == 4);
    CHECK(st->entries == 6);
  }
  for (const Snapshot* s : {&c2.snap[0], &c2.snap[1], &c2.snap[2], &c2.snap[3]}) {
    CHECK(s->flows_active == 4);
    REQUIRE(s->top_flows.size() == 4);
    CHECK(s->top_flows[0].flow.key == udp_key(5));
    CHECK(s->top_flows[0].bytes_delta == 2 * big);
    CHECK(s->top_flows[0].packets_delta == 2);
    CHECK(s->top_flows[0].flow.packets == 3);
    CHECK(s->top_flows[0].flow.bytes == len + 2 * big);
    CHECK(s->top_flows[1].flow.key == udp_key(1));
    CHECK(s->top_flows[1].bytes_delta == 3 * len);
    CHECK(s->top_flows[1].flow.packets == 4);
    CHECK(s->top_flows[2].flow.key == udp_key(3));
    CHECK(s->top_flows[2].bytes_delta == len);
    CHECK(s->top_flows[2].flow.packets == 4);
    CHECK(s->top_flows[3].flow.key == udp_key(6));
    CHECK(s->top_flows[3].bytes_delta == len);
    CHECK(s->top_flows[3].flow.packets == 3);
    CHECK(s->top_flows == expected_top(full2, full1, 4));
  }

  // Nothing new: nothing changed, nothing listed.
  const auto c3 = collect_all(tables);
  for (size_t i = 0; i < tables.size(); i++) {
    INFO("table " << i);
    CHECK(c3.stats[i].changed == 0);
    CHECK(c3.snap[i].top_flows.empty());
    CHECK(c3.snap[i].flows_active == 0);
    CHECK(c3.snap[i].flow_table_entries == 6);
  }
  CHECK(c3.stats[3].from_log());
  CHECK(c3.stats[3].logged == 0);
  CHECK(c3.stats[3].visited == 0);
}

TEST_CASE("FlowTable: idle flows leave the kernel map and the mirror", "[flow_table]") {
  for (const bool fallback : {false, true}) {
    INFO((fallback ? "key walk" : "batch scan"));
    Dataplane dp;
    dp.register_iface(1, 3, 1500);
    // Values are rewritten from user space below, which the log does not
    // see: scans (test_flow_log.cpp covers expiry when following the log).
    FlowTable t(dp.skel(), {.idle_timeout = 10s, .touch_log = false, .batch_ops = !fallback});
    for (uint16_t sport = 1; sport <= 4; sport++) dp.run(Hook::TcIngress, udp_frame(sport, 10));
    Snapshot s1;
    const uint64_t now = mono_ns();
    REQUIRE(now > 20'000'000'000ULL);  // the VM has been up longer than the timeouts
    CHECK(t.collect(now, s1).changed == 4);

    // Flows 1 and 2 last seen long ago (written directly, every CPU).
    const int fd = dp.flows_fd();
    const int cpus = bpf::possible_cpus();
    for (uint16_t sport : {1, 2}) {
      const pktlens_flow_key k = encode_flow_key(udp_key(sport));
      bpf::PerCpuValue<pktlens_flow_val> v(cpus);
      for (int c = 0; c < cpus; c++)
        v.set(c, pktlens_flow_val{.packets = 1,
                                  .bytes = 50,
                                  .first_seen_ns = 1000,
                                  .last_seen_ns = now - 11'000'000'000ULL});
      REQUIRE(bpf_map_update_elem(fd, &k, v.data(), BPF_EXIST) == 0);
    }
    Snapshot s2;
    const FlowCollectStats st2 = t.collect(mono_ns(), s2);
    CHECK(st2.expired_deleted == 2);
    CHECK(st2.entries == 2);
    CHECK(s2.flow_table_entries == 2);
    CHECK(t.size() == 2);
    for (uint16_t sport = 1; sport <= 4; sport++) {
      INFO("sport " << sport);
      const pktlens_flow_key k = encode_flow_key(udp_key(sport));
      const bool kept = sport > 2;
      CHECK(bpf::lookup_percpu<pktlens_flow_val>(fd, k).has_value() == kept);
      CHECK(t.find(udp_key(sport)).has_value() == kept);
    }

    // Later: everything is idle.
    Snapshot s3;
    const FlowCollectStats st3 = t.collect(mono_ns() + 11'000'000'000ULL, s3);
    CHECK(st3.expired_deleted == 2);
    CHECK(st3.entries == 0);
    CHECK(t.size() == 0);
    CHECK(dp.flows().empty());
  }
}

TEST_CASE("FlowTable: 20,000 flows with distinct per-CPU values, every read path", "[flow_table]") {
  // Steady cycles: the iterator alone (where the kernel has it), the
  // parallel scan in 4 shards (each shard's last batch runs into the next
  // one's buckets), key by key.
  for (const size_t threads : {size_t{1}, size_t{4}, size_t{0}}) {
    const bool fallback = threads == 0;
    INFO((fallback ? "key walk" : threads == 1 ? "iterator" : "scan"));
    Dataplane dp({.max_flows = 65536});
    const auto iter = threads == 1 ? flow_iterator(dp.skel()) : nullptr;
    const int fd = dp.flows_fd();
    const int cpus = bpf::possible_cpus();
    constexpr uint32_t kFlows = 20000;
    // CPU c saw flow i when (i + c) % 3 != 0. Bytes repeat every 97 flows,
    // so the ranking is full of ties that the key must break.
    const auto value = [&](uint32_t i, int c, uint64_t scale, uint64_t seen) {
      pktlens_flow_val x{};
      if ((i + static_cast<uint32_t>(c)) % 3 != 0) {
        x.packets = (i % 89 + 1 + static_cast<uint64_t>(c)) * scale;
        x.bytes = ((i % 97) * 1000 + 64 + 10 * static_cast<uint64_t>(c)) * scale;
        x.first_seen_ns = 1'000'000 + 1000 * uint64_t{i} + 7 * static_cast<uint64_t>(cpus - c);
        x.last_seen_ns = seen + static_cast<uint64_t>(c);
        x.tcp_flags = static_cast<uint8_t>(1u << (c % 8));
      }
      return x;
    };
    const auto key = pktlens::test::synthetic_flow_key;
    const uint64_t t0 = mono_ns() - 1'000'000'000;  // before the first pass's margin
    for (uint32_t i = 0; i < kFlows; i++) {
      bpf::PerCpuValue<pktlens_flow_val> v(cpus);
      for (int c = 0; c < cpus; c++) v.set(c, value(i, c, 1, t0));
      const pktlens_flow_key k = key(i);
      REQUIRE(bpf_map_update_elem(fd, &k, v.data(), BPF_NOEXIST) == 0);
    }
    FlowTable t(dp.skel(), {.idle_timeout = kNeverIdle,
                            .top_k = kFlows,
                            .scan_threads = threads ? threads : 1,
                            .touch_log = false,  // written from user space, not logged
                            .batch_ops = !fallback,
                            .iterator = iter.get()});
    const Snapshot full1 = read_snapshot(dp.skel());
    REQUIRE(full1.flows.size() == kFlows);
    Snapshot s1;
    const FlowCollectStats st1 = t.collect(mono_ns(), s1);
    CHECK(st1.path == (fallback ? FlowReadPath::key_walk
                       : iter   ? FlowReadPath::iterator
                                : FlowReadPath::batch_scan));
    CHECK(st1.changed == kFlows);
    CHECK(st1.entries == kFlows);  // each element counted once across many read() calls
    CHECK(st1.visited == kFlows);
    CHECK(st1.reported == kFlows);
    // Many read() calls of the iterator, a call per shard or more of the
    // scan, a lookup per flow of the key walk.
    CHECK(
        st1.read_calls >
        (st1.path == FlowReadPath::batch_scan ? 7 : 20));  // 32 KiB per read(), or a call per shard
    CHECK(s1.flows_active == kFlows);
    size_t mismatches = 0;
    for (const FlowRecord& f : full1.flows) {
      const auto m = t.find(f.key);
      mismatches += m && *m == f ? 0 : 1;
    }
    CHECK(mismatches == 0);
    REQUIRE(s1.top_flows.size() == kFlows);
    CHECK(s1.top_flows == expected_top(full1, Snapshot{}, kFlows));

    // 1 in 40 flows grows (x3, seen now); flow 7 is re-created with smaller
    // counters and a later first_seen (evicted and new again).
    const uint64_t t1 = mono_ns();
    size_t grown = 0;
    for (uint32_t i = 0; i < kFlows; i += 40, grown++) {
      bpf::PerCpuValue<pktlens_flow_val> v(cpus);
      for (int c = 0; c < cpus; c++) v.set(c, value(i, c, 3, t1));
      const pktlens_flow_key k = key(i);
      REQUIRE(bpf_map_update_elem(fd, &k, v.data(), BPF_EXIST) == 0);
    }
    {
      bpf::PerCpuValue<pktlens_flow_val> v(cpus);
      v.set(0,
            pktlens_flow_val{.packets = 1, .bytes = 60, .first_seen_ns = t1, .last_seen_ns = t1});
      const pktlens_flow_key k = key(7);
      REQUIRE(bpf_map_update_elem(fd, &k, v.data(), BPF_EXIST) == 0);
    }
    const Snapshot full2 = read_snapshot(dp.skel());
    Snapshot s2;
    const FlowCollectStats st2 = t.collect(mono_ns(), s2);
    // Flows whose CPUs all missed them have no counters to grow.
    const size_t want_changed = grown + 1;
    CHECK(st2.changed == want_changed);
    CHECK(s2.flows_active == want_changed);
    CHECK(st2.entries == kFlows);
    CHECK(st2.visited == kFlows);  // no shard counted the next one's elements
    CHECK(st2.scan_threads == (st2.path == FlowReadPath::batch_scan ? threads : 0));
    if (!fallback) CHECK(st2.reported < 2 * want_changed);
    CHECK(s2.top_flows == expected_top(full2, full1, kFlows));
    const auto r7 = std::find_if(s2.top_flows.begin(), s2.top_flows.end(), [&](const auto& r) {
      return r.flow.key == decode_flow_key(key(7));
    });
    REQUIRE(r7 != s2.top_flows.end());
    CHECK(r7->bytes_delta == 60);
    CHECK(r7->packets_delta == 1);
  }
}

TEST_CASE("FlowTable: presence filter rebuilt from the mirror", "[flow_table]") {
  Dataplane dp;
  dp.register_iface(1, 3, 1500);
  for (uint16_t sport = 1; sport <= 50; sport++) dp.run(Hook::TcIngress, udp_frame(sport, 10));
  FlowTable t(dp.skel(), {.idle_timeout = kNeverIdle});
  Snapshot s;
  t.collect(mono_ns(), s);

  // The reference: rebuilt from a full read.
  const PresenceFill ref = upkeep_presence_filter(dp.skel(), read_snapshot(dp.skel()).flows, 0.0);
  CHECK(ref.rebuilt);
  const std::vector<uint64_t> want = read_presence_filter(dp.skel());
  // Stale bits, then the mirror's rebuild.
  const int fd = bpf_map__fd(dp.skel()->maps.pktlens_flow_seen);
  for (uint32_t w = 0; w < want.size(); w++) {
    const uint64_t all = ~uint64_t{0};
    REQUIRE(bpf_map_update_elem(fd, &w, &all, BPF_ANY) == 0);
  }
  const PresenceFill fill = t.upkeep_presence(0.5);
  CHECK(fill.rebuilt);
  const std::vector<uint64_t> got = read_presence_filter(dp.skel());
  CHECK(got == want);
  CHECK(std::count_if(got.begin(), got.end(), [](uint64_t w) { return w != 0; }) > 0);
}

TEST_CASE("FlowTable: the first upkeep rebuilds a presence filter created beside a full table",
          "[flow_table]") {
  Dataplane dp;
  dp.register_iface(1, 3, 1500);
  for (uint16_t sport = 1; sport <= 40; sport++) dp.run(Hook::TcIngress, udp_frame(sport, 10));
  const std::vector<uint64_t> want = read_presence_filter(dp.skel());
  // As after a restart whose filter map was created anew: no bits but 3.
  const int fd = bpf_map__fd(dp.skel()->maps.pktlens_flow_seen);
  for (uint32_t w = 0; w < want.size(); w++) {
    const uint64_t bits = w == 0 ? 0b111 : 0;
    REQUIRE(bpf_map_update_elem(fd, &w, &bits, BPF_ANY) == 0);
  }
  FlowTable t(dp.skel(), {.idle_timeout = kNeverIdle});
  Snapshot s;
  t.collect(mono_ns(), s);
  const PresenceFill first = t.upkeep_presence(0.5);
  CHECK(first.bits_set == 3);  // counted through the mapping, before the rebuild
  CHECK(first.rebuilt);        // far below 0.5, rebuilt all the same
  CHECK(read_presence_filter(dp.skel()) == want);
  // From then on only a full filter is rebuilt.
  t.collect(mono_ns(), s);
  const PresenceFill next = t.upkeep_presence(0.5);
  CHECK_FALSE(next.rebuilt);
  uint64_t set = 0;
  for (uint64_t w : want) set += static_cast<uint64_t>(std::popcount(w));
  CHECK(next.bits_set == set);
}

TEST_CASE("FlowTable: a flow that lost its presence bits in a rebuild is tracked in the next flood",
          "[flow_table]") {
  // Warm packets do not refresh the presence bits; a flow's first touch in
  // an epoch does, and a rebuild starts a new epoch. Three inserts per
  // (hour-long) window on this CPU: the third starts flood mode.
  PinnedToOneCpu pin;
  Dataplane dp({.flow_window_ns = 3600'000'000'000ull, .flow_inserts_per_window = 3});
  dp.register_iface(1, 3, 1500);
  FlowTable t(dp.skel(), {.idle_timeout = kNeverIdle});
  Snapshot s;
  dp.run(Hook::TcIngress, udp_frame(1, 10));
  t.collect(mono_ns(), s);
  // Inserted after the mirror was read: the rebuild leaves its bits out.
  dp.run(Hook::TcIngress, udp_frame(2, 10));
  REQUIRE(t.upkeep_presence(0.0).rebuilt);
  dp.run(Hook::TcIngress, udp_frame(2, 10));  // a warm packet, in the new epoch
  dp.run(Hook::TcIngress, udp_frame(3, 10));  // the last insert: flood mode from here
  const auto before = dp.stats(3, PKTLENS_DIR_INGRESS);
  dp.run(Hook::TcIngress, udp_frame(2, 10), {.repeat = 5});
  const auto after = dp.stats(3, PKTLENS_DIR_INGRESS);
  CHECK(after.flow_unadmitted_packets == before.flow_unadmitted_packets);
  const pktlens_flow_key two = pktlens::collector::encode_flow_key(udp_key(2));
  uint64_t packets = 0;
  for (const Flow& f : dp.flows())
    if (std::memcmp(&f.key, &two, sizeof two) == 0) packets = f.val.packets;
  CHECK(packets == 7);
}

TEST_CASE("FlowTable: a burst stays ranked for one to one and a half ranking windows",
          "[flow_table][window]") {
  // Cycles every second of a made-up clock (now_ns), a 10 s window moving
  // in 5 s steps: a flow's bytes leave the ranking when the step that
  // recorded them is two steps old.
  Dataplane dp;
  dp.register_iface(1, 3, 1500);
  FlowTable t(dp.skel(), {.idle_timeout = kNeverIdle, .top_k = 2, .top_k_window = 10s});
  const uint64_t t0 = mono_ns();
  const auto at = [&](int s) { return t0 + uint64_t(s) * 1'000'000'000ULL; };
  const size_t len = udp_frame(1, 100).size();
  const auto listed = [](const Snapshot& s, uint16_t sport) -> const RankedFlow* {
    for (const RankedFlow& r : s.top_flows)
      if (r.flow.key == udp_key(sport)) return &r;
    return nullptr;
  };

  for (int i = 0; i < 3; i++) dp.run(Hook::TcIngress, udp_frame(1, 100));  // the burst
  for (int k = 0; k <= 20; k++) {
    INFO("cycle at t0 + " << k << " s");
    if (k == 1) dp.run(Hook::TcIngress, udp_frame(2, 100));
    if (k == 12)
      for (int i = 0; i < 5; i++) dp.run(Hook::TcIngress, udp_frame(3, 100));
    Snapshot s;
    t.collect(at(k), s);
    const RankedFlow* burst = listed(s, 1);
    if (k <= 15) {
      // Listed with its cumulative counters for at least the window and
      // until the second step after the one that recorded it.
      REQUIRE(burst != nullptr);
      CHECK(burst->flow.packets == 3);
      CHECK(burst->flow.bytes == 3 * len);
      CHECK(burst->window_bytes == 3 * len);
      CHECK(burst->packets_delta == (k == 0 ? 3u : 0u));  // the interval's
    } else {
      CHECK(burst == nullptr);
    }
    // The 5-packet flow outranks the burst, which outranks the 1-packet
    // one: with top_k 2, flow 2 drops out while both others are ranked.
    if (k >= 12 && k <= 15) {
      REQUIRE(s.top_flows.size() == 2);
      CHECK(s.top_flows[0].flow.key == udp_key(3));
      CHECK(s.top_flows[1].flow.key == udp_key(1));
    } else if (k >= 1 && k <= 15) {
      REQUIRE(s.top_flows.size() == 2);
      CHECK(s.top_flows[0].flow.key == udp_key(1));
      CHECK(s.top_flows[1].flow.key == udp_key(2));
    }
    CHECK(s.flows_active == (k == 0 ? 1u : k == 1 || k == 12 ? 1u : 0u));
  }
}

TEST_CASE("FlowTable: packets counted in the CPU's flow cache are exact in every cycle",
          "[flow_table]") {
  // One CPU: a test run executes on the caller's, and the table flushes
  // (opens) the caches of the CPUs it may run on.
  PinnedToOneCpu pin;
  Dataplane dp({.flow_cache_slots = 256});
  dp.register_iface(1, 3, 1500);
  FlowTable t(dp.skel(), {.idle_timeout = kNeverIdle});
  Snapshot s;
  FlowCollectStats st = t.collect(mono_ns(), s);  // the first pass: full, and opens the cache
  REQUIRE(st.cache);
  CHECK(st.cache_cpus == 1);

  uint64_t a = 0, b = 0;
  for (int cycle = 0; cycle < 4; cycle++) {
    INFO("cycle " << cycle);
    const uint32_t na = 5 + static_cast<uint32_t>(cycle), nb = 3;
    dp.run(Hook::TcIngress, udp_frame(1, 10), {.repeat = na});
    dp.run(Hook::TcIngress, udp_frame(2, 10), {.repeat = nb});
    a += na;
    b += nb;
    st = t.collect(mono_ns(), s);
    // The log is followed once the mirror is exact (after the first pass).
    CHECK(st.from_log());
    CHECK(st.changed == 2);
    CHECK(t.find(udp_key(1))->packets == a);
    CHECK(t.find(udp_key(2))->packets == b);
    CHECK(total_packets(dp.stats(3, PKTLENS_DIR_INGRESS)) == a + b);
  }

  // Flow 1 removed from the kernel map while this CPU holds packets of it
  // (what expiry does): the flush inserts it again, as a new flow, and the
  // table reads the whole map once to learn of it.
  dp.run(Hook::TcIngress, udp_frame(1, 10), {.repeat = 2});  // cached
  pktlens_flow_key k = encode_flow_key(udp_key(1));
  REQUIRE(bpf_map_delete_elem(dp.flows_fd(), &k) == 0);
  st = t.collect(mono_ns(), s);
  CHECK(st.cache_reinserted == 1);
  CHECK(st.full_pass);
  CHECK(t.find(udp_key(1))->packets == 2);
  CHECK(t.find(udp_key(2))->packets == b);
  st = t.collect(mono_ns(), s);
  CHECK(st.from_log());
}
