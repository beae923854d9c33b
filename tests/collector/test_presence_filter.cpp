// SPDX-License-Identifier: Apache-2.0
// The collector's upkeep of the flow presence filter: user space computes
// exactly the bits the BPF side sets, drops those of flows that left the
// table, and tracked flows keep being counted per flow under a flood.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <bit>
#include <catch2/catch.hpp>

#include "collector/map_reader.hpp"
#include "collector/presence_filter.hpp"
#include "dataplane.hpp"
#include "packet.hpp"
#include "pinned_cpu.hpp"
#include "pktlens_bpf.skel.h"

using namespace pktlens::test;
using pktlens::collector::read_presence_filter;
using pktlens::collector::read_snapshot;
using pktlens::collector::upkeep_presence_filter;

namespace {

Bytes flow_frame(uint16_t sport) {
  return PacketBuilder().eth().ipv4().udp({.sport = sport, .dport = 53}).payload(8).build();
}

uint64_t popcount(const std::vector<uint64_t>& words) {
  uint64_t n = 0;
  for (uint64_t w : words) n += std::popcount(w);
  return n;
}

}  // namespace

TEST_CASE("a rebuilt presence filter has exactly the bits the data plane set", "[presence]") {
  // Room for every flow: nothing is evicted, so the filter holds exactly
  // the bits of the flows in the table.
  Dataplane dp({.max_flows = 4096, .flow_inserts_per_window = 0});
  dp.register_iface(1, 1, 1500);
  for (uint16_t p = 1; p <= 1500; p++) dp.run(Hook::TcIngress, flow_frame(p));
  const std::vector<uint64_t> by_bpf = read_presence_filter(dp.skel());
  REQUIRE(by_bpf.size() == 512);  // 4096 flows x 8 bits / 64

  const auto snap = read_snapshot(dp.skel());
  REQUIRE(snap.flows.size() == 1500);
  const auto below = upkeep_presence_filter(dp.skel(), snap.flows, 0.99);
  CHECK_FALSE(below.rebuilt);
  CHECK(below.bits_set == popcount(by_bpf));
  CHECK(below.bits_total == 512 * 64);

  const auto fill = upkeep_presence_filter(dp.skel(), snap.flows, 0.0);
  CHECK(fill.rebuilt);
  CHECK(read_presence_filter(dp.skel()) == by_bpf);
}

TEST_CASE("rebuilding drops the bits of evicted flows, tracked flows keep counting in a flood",
          "[presence]") {
  // One insert per (hour-long) window on this CPU: after the first flow the
  // budget is spent, as in a flood, so only the filter decides whether a
  // packet is looked up.
  PinnedToOneCpu pin;
  Dataplane dp(
      {.max_flows = 1024, .flow_window_ns = 3600'000'000'000ull, .flow_inserts_per_window = 1});
  dp.register_iface(1, 1, 1500);
  dp.run(Hook::TcIngress, flow_frame(7));                                        // the tracked flow
  for (uint16_t p = 100; p < 2100; p++) dp.run(Hook::TcIngress, flow_frame(p));  // unadmitted
  // Stale bits, as evicted flows leave them: set every bit.
  {
    const int fd = bpf_map__fd(dp.skel()->maps.pktlens_flow_seen);
    for (uint32_t i = 0; i < 128; i++) {
      const uint64_t all = ~0ull;
      REQUIRE(bpf_map_update_elem(fd, &i, &all, BPF_ANY) == 0);
    }
  }
  const auto snap = read_snapshot(dp.skel());
  REQUIRE(snap.flows.size() == 1);
  const auto fill = upkeep_presence_filter(dp.skel(), snap.flows);
  CHECK(fill.rebuilt);
  CHECK(fill.bits_set == 128 * 64);
  const uint64_t bits = popcount(read_presence_filter(dp.skel()));
  CHECK(bits >= 1);
  CHECK(bits <= 2);

  const auto before = dp.stats(1, PKTLENS_DIR_INGRESS);
  dp.run(Hook::TcIngress, flow_frame(7));     // tracked: counted in its flow
  dp.run(Hook::TcIngress, flow_frame(5000));  // new: skips the table
  const auto after = dp.stats(1, PKTLENS_DIR_INGRESS);
  CHECK(after.flow_unadmitted_packets - before.flow_unadmitted_packets == 1);
  const auto flows = dp.flows();
  REQUIRE(flows.size() == 1);
  CHECK(flows[0].val.packets == 2);
}
