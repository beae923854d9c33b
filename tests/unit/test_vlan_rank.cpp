// SPDX-License-Identifier: Apache-2.0
// The bounded VLAN series (collector/vlan_rank.hpp): the top_k by bytes,
// the rest summed exactly into "other", which never goes down while VLANs
// move into and out of the exported set, expire, or the process restarts.
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <vector>

#include "collector/vlan_rank.hpp"

using namespace pktlens::collector;

namespace {

constexpr uint32_t kIf = 7;

VlanRecord vlan(uint16_t id, uint64_t packets, uint64_t bytes, uint8_t dir = 0) {
  return VlanRecord{.ifindex = kIf,
                    .dir = dir,
                    .vlan = id,
                    .vlan_inner = 0,
                    .tags = 1,
                    .packets = packets,
                    .bytes = bytes};
}

// Per (ifindex, dir): exported series plus "other".
std::map<VlanIfDir, VlanCounts> shown(const VlanExport& e) {
  std::map<VlanIfDir, VlanCounts> sum;
  for (const auto& r : e.series) {
    sum[{r.ifindex, r.dir}].packets += r.packets;
    sum[{r.ifindex, r.dir}].bytes += r.bytes;
  }
  for (const auto& r : e.rest) {
    sum[{r.ifindex, r.dir}].packets += r.packets;
    sum[{r.ifindex, r.dir}].bytes += r.bytes;
  }
  return sum;
}

VlanCounts other_of(const VlanExport& e, uint8_t dir = 0) {
  for (const auto& r : e.rest)
    if (r.ifindex == kIf && r.dir == dir) return {r.packets, r.bytes};
  return {};
}

const VlanRecord* series_of(const VlanExport& e, uint16_t id) {
  for (const auto& r : e.series)
    if (r.vlan == id) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("vlan rank: within top_k every entry is exported in full, no other") {
  VlanRanking ranking(3);
  std::map<VlanIfDir, VlanRestState> rest;
  const auto e = ranking.rank({vlan(10, 5, 500), vlan(20, 1, 100)}, rest);
  REQUIRE(e.series.size() == 2);
  CHECK(e.series[0] == vlan(10, 5, 500));
  CHECK(e.series[1] == vlan(20, 1, 100));
  CHECK(e.rest.empty());
}

TEST_CASE("vlan rank: over top_k the top by bytes are exported, the rest summed exactly") {
  VlanRanking ranking(2);
  std::map<VlanIfDir, VlanRestState> rest;
  std::vector<VlanRecord> live = {vlan(1, 1, 60), vlan(2, 9, 900), vlan(3, 2, 120), vlan(4, 7, 700),
                                  vlan(5, 1, 64, 1)};
  const auto e = ranking.rank(live, rest);
  REQUIRE(e.series.size() == 2);
  CHECK(e.series[0].vlan == 2);
  CHECK(e.series[1].vlan == 4);
  CHECK(other_of(e) == VlanCounts{3, 180});
  CHECK(other_of(e, 1) == VlanCounts{1, 64});
  CHECK(shown(e)[{kIf, 0}] == VlanCounts{19, 1780});
}

TEST_CASE("vlan rank: other never decreases when VLANs swap places; sums stay exact") {
  VlanRanking ranking(1);
  std::map<VlanIfDir, VlanRestState> rest;
  // 10 leads, 20 is in other.
  auto e = ranking.rank({vlan(10, 10, 1000), vlan(20, 5, 500)}, rest);
  CHECK(series_of(e, 10)->bytes == 1000);
  CHECK(other_of(e) == VlanCounts{5, 500});
  // 20 overtakes 10: 10's 1000+100 bytes move into other; 20 enters at
  // 0 as far as other needs it, here not at all (other grew by 10's part).
  e = ranking.rank({vlan(10, 11, 1100), vlan(20, 20, 2000)}, rest);
  REQUIRE(series_of(e, 20) != nullptr);
  CHECK(series_of(e, 10) == nullptr);
  CHECK(other_of(e).bytes >= 500);
  CHECK(shown(e)[{kIf, 0}] == VlanCounts{31, 3100});
  const VlanCounts before = other_of(e);
  // 10 back on top: other must not lose what 10 showed before.
  e = ranking.rank({vlan(10, 40, 4000), vlan(20, 21, 2100)}, rest);
  CHECK(other_of(e).bytes >= before.bytes);
  CHECK(other_of(e).packets >= before.packets);
  CHECK(shown(e)[{kIf, 0}] == VlanCounts{61, 6100});
  CHECK(rest[{kIf, 0}].other == other_of(e));
}

TEST_CASE("vlan rank: an entering VLAN shows its counts when other does not need them") {
  VlanRanking ranking(1);
  std::map<VlanIfDir, VlanRestState> rest;
  auto e = ranking.rank({vlan(10, 100, 10000), vlan(20, 50, 5000)}, rest);
  CHECK(other_of(e) == VlanCounts{50, 5000});
  // 10 expired (its final counts in expired) and 20 enters the set: 10's
  // counts alone keep other above its last value, so 20 shows all of its.
  rest[{kIf, 0}].expired = {100, 10000};
  e = ranking.rank({vlan(20, 52, 5200)}, rest);
  REQUIRE(series_of(e, 20) != nullptr);
  CHECK(*series_of(e, 20) == vlan(20, 52, 5200));
  CHECK(other_of(e) == VlanCounts{100, 10000});
  e = ranking.rank({vlan(20, 60, 6000)}, rest);
  CHECK(*series_of(e, 20) == vlan(20, 60, 6000));
  CHECK(other_of(e) == VlanCounts{100, 10000});
}

TEST_CASE("vlan rank: an entering VLAN leaves in other what other needs") {
  // A restart: other was 80 packets, more than the live VLANs outside the
  // top now hold (50). VLAN 10 enters with 30 of its 100 packets left in
  // other, and counts on from there.
  std::map<VlanIfDir, VlanRestState> rest;
  rest[{kIf, 0}].other = {80, 8000};
  VlanRanking ranking(1);
  auto e = ranking.rank({vlan(10, 100, 10000), vlan(20, 50, 5000)}, rest);
  CHECK(other_of(e) == VlanCounts{80, 8000});
  CHECK(*series_of(e, 10) == vlan(10, 70, 7000));
  e = ranking.rank({vlan(10, 110, 11000), vlan(20, 50, 5000)}, rest);
  CHECK(other_of(e) == VlanCounts{80, 8000});
  CHECK(*series_of(e, 10) == vlan(10, 80, 8000));
  CHECK(shown(e)[{kIf, 0}] == VlanCounts{160, 16000});
}

TEST_CASE("vlan rank: after a restart other starts where the pinned one was") {
  std::map<VlanIfDir, VlanRestState> rest;
  {
    VlanRanking first(1);
    const auto e = first.rank({vlan(10, 100, 10000), vlan(20, 50, 5000)}, rest);
    CHECK(other_of(e) == VlanCounts{50, 5000});
  }
  // A new process (no baselines) with the pinned rest; 20 now leads.
  VlanRanking second(1);
  const auto e = second.rank({vlan(10, 101, 10100), vlan(20, 500, 50000)}, rest);
  CHECK(other_of(e).packets >= 50);
  CHECK(other_of(e).bytes >= 5000);
  CHECK(shown(e)[{kIf, 0}] == VlanCounts{601, 60100});
}

TEST_CASE("vlan rank: live counts below the pinned other (table re-created) keep other") {
  std::map<VlanIfDir, VlanRestState> rest;
  rest[{kIf, 0}].other = {1000, 100000};
  VlanRanking ranking(1);
  const auto e = ranking.rank({vlan(10, 3, 300), vlan(20, 1, 100)}, rest);
  CHECK(other_of(e) == VlanCounts{1000, 100000});
  // 10's 3 packets go back into other first, the missing 996 are expired.
  CHECK(series_of(e, 10)->packets == 0);
  CHECK(rest[{kIf, 0}].expired == VlanCounts{996, 99600});
  CHECK(shown(e)[{kIf, 0}].packets == rest[{kIf, 0}].expired.packets + 4);
}
