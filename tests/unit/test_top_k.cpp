// SPDX-License-Identifier: Apache-2.0
// Top-K flows of an interval: bytes added since the previous Snapshot,
// new and re-created flows, deterministic ties, K beyond the set.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "collector/flow_rank.hpp"
#include "collector/top_k.hpp"

using namespace pktlens::collector;

namespace {

FlowKey key(uint16_t sport, uint8_t last_src_byte = 1) {
  FlowKey k;
  k.ifindex = 2;
  k.proto = 17;
  k.family = 4;
  k.src = {198, 18, 0, last_src_byte};
  k.dst = {198, 18, 0, 200};
  k.sport = sport;
  k.dport = 53;
  return k;
}

FlowRecord flow(const FlowKey& k, uint64_t packets, uint64_t bytes, uint64_t first_seen = 100) {
  FlowRecord f;
  f.key = k;
  f.packets = packets;
  f.bytes = bytes;
  f.first_seen_ns = first_seen;
  f.last_seen_ns = first_seen + 10;
  return f;
}

std::vector<uint16_t> sports(const std::vector<RankedFlow>& v) {
  std::vector<uint16_t> out;
  for (const auto& r : v) out.push_back(r.flow.key.sport);
  return out;
}

}  // namespace

TEST_CASE("top-K ranks by bytes added in the interval, not by totals", "[top_k]") {
  const std::vector<FlowRecord> prev{flow(key(1), 10, 100000), flow(key(2), 1, 100),
                                     flow(key(3), 5, 5000)};
  const std::vector<FlowRecord> cur{flow(key(1), 11, 100100), flow(key(2), 3, 2100),
                                    flow(key(3), 9, 6000), flow(key(4), 2, 1500)};
  const auto top = top_k(cur, prev, 3);
  REQUIRE(top.size() == 3);
  CHECK(sports(top) == std::vector<uint16_t>{2, 4, 3});
  CHECK(top[0].bytes_delta == 2000);
  CHECK(top[0].packets_delta == 2);
  CHECK(top[1].bytes_delta == 1500);  // new: counts fully
  CHECK(top[1].packets_delta == 2);
  CHECK(top[2].bytes_delta == 1000);
  CHECK(top[2].packets_delta == 4);
  CHECK(top[0].flow == cur[1]);  // cumulative counters as read
}

TEST_CASE("top-K: ties are broken by key, whatever the input order", "[top_k]") {
  std::vector<FlowRecord> cur{flow(key(9), 1, 500), flow(key(3), 1, 500), flow(key(5, 0), 1, 500),
                              flow(key(5), 1, 500), flow(key(7), 1, 900)};
  const auto a = top_k(cur, {}, 5);
  CHECK(sports(a) == std::vector<uint16_t>{7, 5, 3, 5, 9});
  // src 198.18.0.0 sorts before 198.18.0.1 (src precedes sport in the key)
  CHECK(a[1].flow.key.src[3] == 0);
  CHECK(a[3].flow.key.src[3] == 1);
  std::reverse(cur.begin(), cur.end());
  CHECK(top_k(cur, {}, 5) == a);
  CHECK(top_k(cur, {}, 2) == std::vector<RankedFlow>(a.begin(), a.begin() + 2));
}

TEST_CASE("top-K: an evicted and re-created flow counts its current value", "[top_k]") {
  const std::vector<FlowRecord> prev{flow(key(1), 100, 90000), flow(key(2), 50, 5000, 100),
                                     flow(key(3), 10, 1000)};
  const std::vector<FlowRecord> cur{
      flow(key(1), 3, 3000),         // counters went down: re-created
      flow(key(2), 60, 9000, 500),   // counters up, but first seen later: re-created
      flow(key(3), 12, 1200, 100)};  // plain growth
  const auto top = top_k(cur, prev, 10);
  REQUIRE(top.size() == 3);
  CHECK(sports(top) == std::vector<uint16_t>{2, 1, 3});
  CHECK(top[0].bytes_delta == 9000);
  CHECK(top[0].packets_delta == 60);
  CHECK(top[1].bytes_delta == 3000);
  CHECK(top[1].packets_delta == 3);
  CHECK(top[2].bytes_delta == 200);
  CHECK(top[2].packets_delta == 2);
}

TEST_CASE("top-K: K larger than the set, K zero, empty and expired flows", "[top_k]") {
  const std::vector<FlowRecord> prev{flow(key(1), 1, 100), flow(key(8), 4, 400)};
  const std::vector<FlowRecord> cur{flow(key(1), 1, 100), flow(key(2), 1, 60)};
  const auto all = top_k(cur, prev, 1000);
  REQUIRE(all.size() == 2);  // flow 8 expired: not listed
  CHECK(sports(all) == std::vector<uint16_t>{2, 1});
  CHECK(all[1].bytes_delta == 0);  // idle flows rank last
  CHECK(all[1].packets_delta == 0);
  CHECK(top_k(cur, prev, 0).empty());
  CHECK(top_k({}, prev, 5).empty());
  CHECK(interval_of(cur[0], nullptr).bytes_delta == 100);
}

TEST_CASE("top-K: many flows, one selection", "[top_k]") {
  std::vector<FlowRecord> prev, cur;
  for (uint16_t i = 0; i < 1000; i++) {
    prev.push_back(flow(key(i), i, uint64_t{i} * 1000));
    // delta i % 100 * 10: several flows share every delta
    cur.push_back(flow(key(i), i + 1, uint64_t{i} * 1000 + (i % 100) * 10));
  }
  const auto top = top_k(cur, prev, 25);
  REQUIRE(top.size() == 25);
  // delta 990 is shared by sports 99, 199, ..., 999; then 980 by 98, 198, ...
  std::vector<uint16_t> want;
  for (int d = 99; want.size() < 25; d--)
    for (int i = d; i < 1000 && want.size() < 25; i += 100)
      want.push_back(static_cast<uint16_t>(i));
  CHECK(sports(top) == want);
}

TEST_CASE("TopKStream keeps what keep_top_k keeps, in the same order", "[top_k]") {
  // Many ties in bytes, so the key order (here the index) decides often.
  std::vector<pktlens::collector::FlowDelta> all;
  uint64_t x = 12345;
  for (uint32_t i = 0; i < 5000; i++) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    all.push_back({i, (x >> 33) % 97, 0});
  }
  const auto by_index = [](uint32_t a, uint32_t b) { return a > b; };  // any strict order
  for (const size_t k : {size_t{0}, size_t{1}, size_t{10}, size_t{1000}, size_t{9999}}) {
    INFO("k " << k);
    auto want = all;
    pktlens::collector::keep_top_k(want, k, by_index);
    std::vector<pktlens::collector::FlowDelta> got;
    pktlens::collector::TopKStream stream(k, by_index, got);
    for (const auto& d : all) stream.offer(d);
    stream.finish();
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); i++) {
      CHECK(got[i].idx == want[i].idx);
      CHECK(got[i].bytes_delta == want[i].bytes_delta);
    }
  }
}
