// SPDX-License-Identifier: Apache-2.0
// The flow bookkeeping reconciles with the interface totals exactly: more
// distinct flows than a 1024-flow table holds, pushed through the real
// program, then after every collection
//   table + untracked + unadmitted + expired + evicted == totals
// in packets and in bytes, with the insert budget on and off, the touch log
// followed or not, through pressure eviction and idle expiry, and with a
// new FlowTable (a restart) over the same maps. The issue this reproduces:
// flows evicted from a full table took their packets with them.
#include <time.h>

#include <catch2/catch.hpp>
#include <cstdint>

#include "collector/flow_table.hpp"
#include "collector/map_reader.hpp"
#include "dataplane.hpp"
#include "udp_flow.hpp"

using namespace pktlens;
using namespace pktlens::collector;
using namespace pktlens::test;

namespace {

constexpr uint32_t kSlot = 3;
constexpr uint32_t kCapacity = 1024;

uint64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

// One collection as Collector::collect does it: the totals, then the flows.
Snapshot collect(FlowTable& t, Dataplane& dp, uint64_t now_ns, FlowCollectStats* st = nullptr) {
  Snapshot s = read_snapshot(dp.skel(), ReadOptions{.flows = false});
  const FlowCollectStats got = t.collect(now_ns, s);
  if (st) *st = got;
  return s;
}

// The invariant for the test interface's ingress, packets and bytes.
void check_invariant(const Snapshot& s) {
  const IfaceCounters& c = s.ifaces.at({kSlot, PKTLENS_DIR_INGRESS});
  const pktlens_if_stats& st = c.stats;
  const pktlens_flow_ended& e = c.flows_ended;
  INFO("table " << c.flow_table_packets << " untracked " << st.flow_untracked_packets
                << " unadmitted " << st.flow_unadmitted_packets << " expired " << e.expired_packets
                << " evicted " << e.evicted_packets);
  CHECK(c.flow_table_packets + st.flow_untracked_packets + st.flow_unadmitted_packets +
            e.expired_packets + e.evicted_packets ==
        total_packets(st));
  CHECK(c.flow_table_bytes + st.flow_untracked_bytes + st.flow_unadmitted_bytes + e.expired_bytes +
            e.evicted_bytes ==
        total_bytes(st));
}

// Two packets each for flows [from, to), of different sizes per flow.
void send_flows(Dataplane& dp, uint32_t from, uint32_t to) {
  for (uint32_t sport = from; sport < to; sport++)
    dp.run(Hook::TcIngress, udp_frame(static_cast<uint16_t>(sport), 10 + sport % 50),
           RunOptions{.repeat = 2});
}

}  // namespace

TEST_CASE("flow bookkeeping: the invariant holds exactly through a flood, eviction and expiry",
          "[flow_table][bookkeeping]") {
  const uint32_t budget = GENERATE(0u, 600u);  // admission off, and on
  const bool touch_log = GENERATE(false, true);
  INFO("flow_inserts_per_window " << budget << ", touch log " << touch_log);
  Dataplane dp({.max_flows = kCapacity,
                // One window for the whole test: the budget is spent once.
                .flow_window_ns = 3'600'000'000'000ULL,
                .flow_inserts_per_window = budget});
  dp.register_iface(1, kSlot, 1500);
  const FlowTableOptions opts{.idle_timeout = std::chrono::seconds(100), .touch_log = touch_log};
  FlowTable t(dp.skel(), opts);

  // A flood of 3000 new flows into a table of 1024: the table fills, the
  // rest is unadmitted (the table full, or over the budget).
  send_flows(dp, 1, 3001);
  // Frames without a flow key count as untracked.
  dp.run(Hook::TcIngress, PacketBuilder().eth().arp().build(), RunOptions{.repeat = 3});
  FlowCollectStats st;
  Snapshot s = collect(t, dp, mono_ns(), &st);
  check_invariant(s);
  const IfaceCounters& c1 = s.ifaces.at({kSlot, PKTLENS_DIR_INGRESS});
  CHECK(c1.stats.flow_untracked_packets == 3);
  const uint32_t admitted = budget ? budget : kCapacity;
  CHECK(c1.stats.flow_unadmitted_packets == 2 * (3000 - admitted));
  // Over 90% full after the cycle's read: the least recently seen flows go,
  // down to 85%.
  const size_t low = kCapacity * 85 / 100;
  if (admitted > kCapacity * 90 / 100) {
    CHECK(st.evicted == admitted - low);
    CHECK(c1.flows_ended.evicted_packets == 2 * (admitted - low));
    CHECK(st.entries == low);
  } else {
    CHECK(st.evicted == 0);
    CHECK(st.entries == admitted);
  }
  CHECK(c1.flows_ended.expired_packets == 0);

  // Old flows again, and new ones: with admission off, room was made for
  // them; with the budget spent, they are unadmitted.
  send_flows(dp, 1, 3001);
  s = collect(t, dp, mono_ns(), &st);
  check_invariant(s);
  s = collect(t, dp, mono_ns(), &st);  // nothing new
  check_invariant(s);
  CHECK(st.changed == 0);

  // A restart: a new FlowTable over the same maps keeps the books (the
  // ended counters are in the pinned map, not in the process).
  FlowTable restarted(dp.skel(), opts);
  s = collect(restarted, dp, mono_ns(), &st);
  check_invariant(s);

  // Everything idle: expired with its final counters.
  s = collect(restarted, dp, mono_ns() + 200'000'000'000ULL, &st);
  check_invariant(s);
  const IfaceCounters& c2 = s.ifaces.at({kSlot, PKTLENS_DIR_INGRESS});
  CHECK(c2.flow_table_packets == 0);
  CHECK(st.entries == 0);
  CHECK(dp.flows().empty());
  CHECK(c2.flows_ended.expired_packets > 0);
  CHECK(st.expired_deleted > 0);
}

TEST_CASE("flow bookkeeping: removed flows are recorded with their final counters and reason",
          "[flow_table][bookkeeping]") {
  Dataplane dp({.max_flows = kCapacity, .flow_inserts_per_window = 0});
  dp.register_iface(1, kSlot, 1500);
  FlowTable t(dp.skel(), {.idle_timeout = std::chrono::seconds(100), .record_changes = true});
  send_flows(dp, 1, 1001);  // 1000 flows of a 1024 table: over 90%
  collect(t, dp, mono_ns());
  FlowChanges ch = t.take_changes();
  const size_t evicted = 1000 - kCapacity * 85 / 100;
  REQUIRE(ch.ended.size() == evicted);
  for (const EndedFlow& e : ch.ended) {
    CHECK(e.reason == FlowEnd::pressure);
    CHECK(e.counters.packets == 2);
    CHECK(e.counters.bytes ==
          2 * udp_frame(e.counters.key.sport, 10 + e.counters.key.sport % 50).size());
    CHECK(e.counters.key == udp_key(e.counters.key.sport));
  }
  collect(t, dp, mono_ns() + 200'000'000'000ULL);
  ch = t.take_changes();
  CHECK(ch.ended.size() == 1000 - evicted);
  for (const EndedFlow& e : ch.ended) CHECK(e.reason == FlowEnd::idle);
  CHECK(ch.updated.empty());  // filled by flow export's own change
}
