// SPDX-License-Identifier: Apache-2.0
// collector::VlanTable against a loaded object: the exported VLAN series
// bounded by top_k with the rest summed exactly, idle entries deleted from
// pktlens_vlans with their counts moved into "other", and "other" kept in
// the pinned pktlens_vlan_rest for the next process.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>

#include "bpf/percpu.hpp"
#include "collector/map_reader.hpp"
#include "collector/vlan_table.hpp"
#include "dataplane.hpp"
#include "pktlens_bpf.skel.h"

using namespace pktlens;
using namespace pktlens::collector;
using namespace pktlens::test;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t kIfindex = 9;
constexpr uint64_t kSecond = 1'000'000'000;

// VLAN `vid` on ingress with `packets` packets of 100 bytes on every CPU.
void put_vlan(const Dataplane& dp, uint16_t vid, uint64_t packets) {
  const int cpus = bpf::possible_cpus();
  pktlens_vlan_key k{};
  k.ifindex = kIfindex;
  k.vlan = vid;
  k.dir = PKTLENS_DIR_INGRESS;
  k.tags = 1;
  bpf::PerCpuValue<pktlens_vlan_val> val(cpus);
  for (int c = 0; c < cpus; c++) val.set(c, {packets, packets * 100});
  REQUIRE(bpf_map_update_elem(bpf_map__fd(dp.skel()->maps.pktlens_vlans), &k, val.data(),
                              BPF_ANY) == 0);
}

size_t entries(const bpf_map* m) {
  size_t n = 0;
  read_percpu_map(
      m, [&] { n = 0; }, [&](const uint8_t*, const uint8_t*, size_t, int) { n++; });
  return n;
}

// Packets over every exported series and "other".
uint64_t exported_packets(const Snapshot& s) {
  uint64_t n = 0;
  for (const auto& v : s.vlans) n += v.packets;
  for (const auto& r : s.vlan_rest) n += r.packets;
  return n;
}

Snapshot cycle(VlanTable& t, const Dataplane& dp, uint64_t now) {
  Snapshot s = read_snapshot(dp.skel(), {.flows = false});
  t.collect(now, s);
  return s;
}

}  // namespace

TEST_CASE("vlan table: top_k series, exact rest, idle expiry, pinned rest", "[collector]") {
  // Both ways of taking an expired entry out (collector/percpu_take.hpp):
  // in one step, and the lookup-then-delete of kernels before 5.14.
  const bool lookup_and_delete = GENERATE(true, false);
  CAPTURE(lookup_and_delete);
  Dataplane dp;
  const uint64_t cpus = static_cast<uint64_t>(bpf::possible_cpus());
  for (uint16_t vid = 1; vid <= 6; vid++) put_vlan(dp, vid, vid);  // 21 packets per CPU
  const uint64_t all = 21 * cpus;

  VlanTable table(dp.skel(),
                  {.top_k = 2, .idle_timeout = 10s, .lookup_and_delete = lookup_and_delete});
  Snapshot s = cycle(table, dp, 100 * kSecond);
  REQUIRE(s.vlans.size() == 2);
  CHECK(s.vlans[0].vlan == 5);
  CHECK(s.vlans[0].packets == 5 * cpus);
  CHECK(s.vlans[1].vlan == 6);
  REQUIRE(s.vlan_rest.size() == 1);
  CHECK(s.vlan_rest[0] == VlanRest{.ifindex = kIfindex,
                                   .dir = PKTLENS_DIR_INGRESS,
                                   .packets = 10 * cpus,
                                   .bytes = 1000 * cpus});
  CHECK(exported_packets(s) == all);

  // VLAN 1 moves; 11 s later the other five have been idle for longer than
  // the timeout: deleted from the kernel table, counted in "other".
  put_vlan(dp, 1, 50);
  s = cycle(table, dp, 105 * kSecond);
  CHECK(entries(dp.skel()->maps.pktlens_vlans) == 6);
  s = cycle(table, dp, 111 * kSecond);
  CHECK(entries(dp.skel()->maps.pktlens_vlans) == 1);
  const uint64_t all_now = all - cpus + 50 * cpus;
  CHECK(exported_packets(s) == all_now);
  REQUIRE(s.vlans.size() == 1);
  CHECK(s.vlans[0].vlan == 1);
  const uint64_t other = s.vlan_rest.at(0).packets;
  CHECK(other + s.vlans[0].packets == all_now);
  Snapshot again = read_snapshot(dp.skel(), {.flows = false});
  CHECK(table.collect(112 * kSecond, again).lookup_and_delete == lookup_and_delete);

  // A new process reads what the old one left in pktlens_vlan_rest: the
  // same "other", the same exact sum.
  VlanTable next(dp.skel(), {.top_k = 2, .idle_timeout = 10s});
  s = cycle(next, dp, 200 * kSecond);
  REQUIRE(s.vlan_rest.size() == 1);
  CHECK(s.vlan_rest[0].packets == other);
  CHECK(exported_packets(s) == all_now);
}
