// SPDX-License-Identifier: Apache-2.0
// TCP latency at TC (bpf/lib/tcp_latency.h) through the real programs:
// handshake latency in both roles, passive RTT from TCP timestamps, and the
// switches. Timed cases sleep between two test runs; a sample is at least
// the sleep, so it must land in the sleep's bucket or the next one (no
// tighter upper bound: a loaded machine may sleep longer).
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <thread>

#include "collector/latency_buckets.hpp"
#include "dataplane.hpp"
#include "packet.hpp"

using namespace pktlens::test;
using pktlens::collector::latency_bucket;

namespace {

constexpr uint32_t kSlot = 2;
// Our side is 198.18.0.1:40000, the peer 198.18.0.2:80.
const Ip4 kUs = ip4("198.18.0.1");
const Ip4 kPeer = ip4("198.18.0.2");

Bytes out_seg(uint8_t flags, uint32_t seq, uint32_t ack, const Bytes& opts = {},
              uint16_t sport = 40000) {
  return PacketBuilder()
      .eth()
      .ipv4({.src = kUs, .dst = kPeer})
      .tcp({.sport = sport, .dport = 80, .flags = flags, .seq = seq, .ack = ack, .options = opts})
      .build();
}

Bytes in_seg(uint8_t flags, uint32_t seq, uint32_t ack, const Bytes& opts = {},
             uint16_t dport = 40000) {
  return PacketBuilder()
      .eth()
      .ipv4({.src = kPeer, .dst = kUs})
      .tcp({.sport = 80, .dport = dport, .flags = flags, .seq = seq, .ack = ack, .options = opts})
      .build();
}

// NOP, NOP, TS: what Linux sends on an established connection.
Bytes ts_opt(uint32_t tsval, uint32_t tsecr) {
  Bytes b{1, 1, 8, 10};
  for (uint32_t v : {tsval, tsecr})
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(v >> shift));
  return b;
}

// A Linux SYN's options: MSS, SACK-permitted, TS, NOP, window scale.
Bytes syn_opts(uint32_t tsval) {
  Bytes b{2, 4, 0x05, 0xb4, 4, 2, 8, 10};
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(tsval >> shift));
  for (int i = 0; i < 4; i++) b.push_back(0);
  b.insert(b.end(), {1, 3, 3, 7});
  return b;
}

constexpr uint8_t SYN = PKTLENS_TCP_SYN, ACK = PKTLENS_TCP_ACK, RST = PKTLENS_TCP_RST;

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

uint64_t bucket_sum(const pktlens_lat_hist& h) {
  uint64_t n = 0;
  for (auto b : h.buckets) n += b;
  return n;
}

// One sample of at least `ms` milliseconds: in that bucket or the next.
void check_one_sample(const pktlens_lat_hist& h, int ms) {
  const uint64_t min_ns = uint64_t(ms) * 1'000'000;
  const uint32_t b = latency_bucket(min_ns);
  CHECK(h.count == 1);
  CHECK(bucket_sum(h) == 1);
  CHECK(h.sum_ns >= min_ns);
  CHECK(h.buckets[b] + h.buckets[b + 1] == 1);
  CHECK(h.buckets[latency_bucket(h.sum_ns)] == 1);  // _sum is the exact sample
}

bool empty(const pktlens_lat_hist& h) { return h.count == 0 && bucket_sum(h) == 0 && !h.sum_ns; }

}  // namespace

TEST_CASE("handshake, client role: our SYN out, its SYN-ACK in", "[tcp_latency]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  dp.run(Hook::TcEgress, out_seg(SYN, 1000, 0));
  REQUIRE(dp.handshakes().size() == 1);
  const auto [k, p] = dp.handshakes()[0];
  CHECK(k.lport == 40000);
  CHECK(k.rport == 80);
  CHECK(k.family == 4);
  CHECK(p.role == PKTLENS_HS_CLIENT);
  CHECK(p.seq == 1000);
  CHECK(p.slot == kSlot);

  sleep_ms(20);
  dp.run(Hook::TcIngress, in_seg(SYN | ACK, 5000, 1001));
  const auto lat = dp.tcp_lat(kSlot);
  check_one_sample(lat.handshake[PKTLENS_HS_CLIENT], 20);
  CHECK(empty(lat.handshake[PKTLENS_HS_SERVER]));
  CHECK(lat.syn_retransmits == 0);
  CHECK(dp.handshakes().empty());

  // The same SYN-ACK again (a retransmission of the peer's): no second sample.
  dp.run(Hook::TcIngress, in_seg(SYN | ACK, 5000, 1001));
  CHECK(dp.tcp_lat(kSlot).handshake[PKTLENS_HS_CLIENT].count == 1);
}

TEST_CASE("handshake: a retransmitted SYN keeps the first timestamp and is counted",
          "[tcp_latency]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  dp.run(Hook::TcEgress, out_seg(SYN, 7000, 0));
  const uint64_t first = dp.handshakes().at(0).second.first_ns;
  sleep_ms(30);
  dp.run(Hook::TcEgress, out_seg(SYN, 7000, 0));
  dp.run(Hook::TcEgress, out_seg(SYN, 7000, 0));
  REQUIRE(dp.handshakes().size() == 1);
  CHECK(dp.handshakes()[0].second.first_ns == first);
  CHECK(dp.tcp_lat(kSlot).syn_retransmits == 2);

  dp.run(Hook::TcIngress, in_seg(SYN | ACK, 1, 7001));
  // Timed from the first SYN: at least the 30 ms before the retransmissions.
  check_one_sample(dp.tcp_lat(kSlot).handshake[PKTLENS_HS_CLIENT], 30);
}

TEST_CASE("handshake, server role: our SYN-ACK out, the final ACK in", "[tcp_latency]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  // The peer's SYN comes in (nothing pending yet), we answer.
  dp.run(Hook::TcIngress, in_seg(SYN, 300, 0));
  CHECK(dp.handshakes().empty());
  dp.run(Hook::TcEgress, out_seg(SYN | ACK, 9000, 301));
  REQUIRE(dp.handshakes().size() == 1);
  CHECK(dp.handshakes()[0].second.role == PKTLENS_HS_SERVER);

  sleep_ms(20);
  // An ACK that does not ack our SYN-ACK is not the final ACK.
  dp.run(Hook::TcIngress, in_seg(ACK, 301, 9000));
  CHECK(dp.handshakes().size() == 1);
  dp.run(Hook::TcIngress, in_seg(ACK, 301, 9001));
  const auto lat = dp.tcp_lat(kSlot);
  check_one_sample(lat.handshake[PKTLENS_HS_SERVER], 20);
  CHECK(empty(lat.handshake[PKTLENS_HS_CLIENT]));
  CHECK(dp.handshakes().empty());
}

TEST_CASE("handshake: unrelated SYN-ACKs and ACKs are not matched", "[tcp_latency]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  dp.run(Hook::TcEgress, out_seg(SYN, 1000, 0));
  dp.run(Hook::TcIngress, in_seg(SYN | ACK, 5000, 1000));          // wrong ack
  dp.run(Hook::TcIngress, in_seg(SYN | ACK, 5000, 1001, {}, 41));  // other connection
  dp.run(Hook::TcIngress, in_seg(ACK, 5000, 1001));                // not a SYN-ACK
  dp.run(Hook::TcEgress, out_seg(SYN | ACK, 5000, 1001));          // our SYN-ACK: not an answer
  auto lat = dp.tcp_lat(kSlot);
  CHECK(empty(lat.handshake[PKTLENS_HS_CLIENT]));
  CHECK(empty(lat.handshake[PKTLENS_HS_SERVER]));
  // A SYN-ACK with no SYN of ours pending at all.
  Dataplane dp2;
  dp2.register_iface(1, kSlot, 1500);
  dp2.run(Hook::TcIngress, in_seg(SYN | ACK, 5000, 1001));
  CHECK(empty(dp2.tcp_lat(kSlot).handshake[PKTLENS_HS_CLIENT]));
  CHECK(dp2.handshakes().empty());
}

TEST_CASE("handshake: a RST ends a pending handshake without a sample", "[tcp_latency]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  dp.run(Hook::TcEgress, out_seg(SYN, 1000, 0));
  dp.run(Hook::TcIngress, in_seg(RST | ACK, 0, 1001));
  CHECK(dp.handshakes().empty());
  dp.run(Hook::TcIngress, in_seg(SYN | ACK, 5000, 1001));
  CHECK(empty(dp.tcp_lat(kSlot).handshake[PKTLENS_HS_CLIENT]));
}

TEST_CASE("handshake: an answer after the timeout is left for the sweep", "[tcp_latency]") {
  Dataplane dp({.handshake_timeout_ns = 10'000'000});  // 10 ms
  dp.register_iface(1, kSlot, 1500);
  dp.run(Hook::TcEgress, out_seg(SYN, 1000, 0));
  sleep_ms(20);
  dp.run(Hook::TcIngress, in_seg(SYN | ACK, 5000, 1001));
  CHECK(empty(dp.tcp_lat(kSlot).handshake[PKTLENS_HS_CLIENT]));
  CHECK(dp.handshakes().size() == 1);
}

TEST_CASE("handshake over IPv6", "[tcp_latency]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  const Ip6 us = ip6("fd00::1"), peer = ip6("fd00::2");
  dp.run(Hook::TcEgress, PacketBuilder()
                             .eth()
                             .ipv6({.src = us, .dst = peer})
                             .tcp({.sport = 40000, .dport = 443, .flags = SYN, .seq = 77})
                             .build());
  sleep_ms(10);
  dp.run(Hook::TcIngress,
         PacketBuilder()
             .eth()
             .ipv6({.src = peer, .dst = us})
             .tcp({.sport = 443, .dport = 40000, .flags = SYN | ACK, .seq = 1, .ack = 78})
             .build());
  check_one_sample(dp.tcp_lat(kSlot).handshake[PKTLENS_HS_CLIENT], 10);
}

TEST_CASE("passive RTT: the TSecr echoing a TSval gives one sample, once", "[tcp_latency]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  // Two data segments leave with TSval 100 (the first one is timed).
  dp.run(Hook::TcEgress, out_seg(ACK, 1, 1, ts_opt(100, 50)));
  sleep_ms(20);
  dp.run(Hook::TcEgress, out_seg(ACK, 1001, 1, ts_opt(100, 50)));
  REQUIRE(dp.rtt_pending().size() == 1);
  CHECK(dp.rtt_pending()[0].first.tsval == 100);
  // An ACK echoing an older TSval: nothing to match.
  dp.run(Hook::TcIngress, in_seg(ACK, 1, 1001, ts_opt(60, 99)));
  CHECK(dp.tcp_lat(kSlot).rtt.count == 0);
  // The echo of 100: one sample, at least the 20 ms since the first segment.
  dp.run(Hook::TcIngress, in_seg(ACK, 1, 2001, ts_opt(61, 100)));
  check_one_sample(dp.tcp_lat(kSlot).rtt, 20);
  CHECK(dp.rtt_pending().empty());
  // More ACKs echoing 100: first match only.
  dp.run(Hook::TcIngress, in_seg(ACK, 1, 2001, ts_opt(62, 100)));
  dp.run(Hook::TcIngress, in_seg(ACK, 1, 2001, ts_opt(63, 100)));
  // TSval 100 leaving again is not timed again (not newer than 100).
  dp.run(Hook::TcEgress, out_seg(ACK, 2001, 1, ts_opt(100, 63)));
  CHECK(dp.rtt_pending().empty());
  dp.run(Hook::TcIngress, in_seg(ACK, 1, 3001, ts_opt(64, 100)));
  const auto lat = dp.tcp_lat(kSlot);
  CHECK(lat.rtt.count == 1);
  CHECK(lat.rtt_unsampled_packets == 0);
  CHECK(empty(lat.handshake[PKTLENS_HS_CLIENT]));
  CHECK(empty(lat.handshake[PKTLENS_HS_SERVER]));
}

TEST_CASE("passive RTT: the timestamp option found after other options", "[tcp_latency]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  // Our SYN with Linux's options (TS third); the SYN-ACK echoes its TSval.
  dp.run(Hook::TcEgress, out_seg(SYN, 1000, 0, syn_opts(4242)));
  REQUIRE(dp.rtt_pending().size() == 1);
  CHECK(dp.rtt_pending()[0].first.tsval == 4242);
  // macOS order: MSS, NOP, WS, NOP, NOP, TS, SACK-permitted, EOL.
  Bytes mac{2, 4, 0x05, 0xb4, 1, 3, 3, 6, 1, 1, 8, 10};
  for (uint32_t v : {777u, 4242u})
    for (int shift = 24; shift >= 0; shift -= 8) mac.push_back(static_cast<uint8_t>(v >> shift));
  mac.insert(mac.end(), {4, 2, 0, 0});
  dp.run(Hook::TcIngress, in_seg(SYN | ACK, 5000, 1001, mac));
  const auto lat = dp.tcp_lat(kSlot);
  CHECK(lat.rtt.count == 1);
  CHECK(lat.handshake[PKTLENS_HS_CLIENT].count == 1);
  CHECK(lat.rtt_unsampled_packets == 0);
}

TEST_CASE("passive RTT: TCP segments without timestamps are counted unsampled", "[tcp_latency]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  dp.run(Hook::TcEgress, out_seg(ACK, 1, 1));
  dp.run(Hook::TcIngress, in_seg(ACK, 1, 1));
  dp.run(Hook::TcIngress, in_seg(ACK, 1, 1, {2, 4, 0x05, 0xb4}));                    // MSS only
  dp.run(Hook::TcIngress, in_seg(ACK, 1, 1, {8, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));  // bad len
  // Not TCP segments: not counted.
  dp.run(Hook::TcIngress, PacketBuilder().eth().ipv4().udp().build());
  // XDP: no latency tracking.
  dp.run(Hook::Xdp, in_seg(ACK, 1, 1));
  const auto lat = dp.tcp_lat(kSlot);
  CHECK(lat.rtt_unsampled_packets == 4);
  CHECK(lat.rtt.count == 0);
  CHECK(dp.rtt_pending().empty());
}

TEST_CASE("latency switches: off, the maps stay untouched", "[tcp_latency]") {
  const bool handshake = GENERATE(false, true);
  const bool rtt = GENERATE(false, true);
  CAPTURE(handshake, rtt);
  Dataplane dp({.handshake = handshake, .rtt = rtt});
  dp.register_iface(1, kSlot, 1500);
  dp.run(Hook::TcEgress, out_seg(SYN, 1000, 0, syn_opts(10)));
  dp.run(Hook::TcIngress, in_seg(SYN | ACK, 1, 1001, ts_opt(5, 10)));
  dp.run(Hook::TcEgress, out_seg(ACK, 1001, 2, ts_opt(11, 5)));
  dp.run(Hook::TcIngress, in_seg(ACK, 2, 1001, ts_opt(6, 11)));
  dp.run(Hook::TcIngress, in_seg(ACK, 2, 1001));  // no timestamps
  dp.run(Hook::TcEgress, out_seg(SYN | ACK, 1, 301, {}, 40001));

  const auto lat = dp.tcp_lat(kSlot);
  CHECK(lat.handshake[PKTLENS_HS_CLIENT].count == (handshake ? 1 : 0));
  CHECK(lat.rtt.count == (rtt ? 2 : 0));
  CHECK(lat.rtt_unsampled_packets == (rtt ? 2 : 0));
  CHECK(dp.handshakes().size() == (handshake ? 1 : 0));  // the server one, pending
  // The totals are the same either way.
  CHECK(total_packets(dp.stats(kSlot, PKTLENS_DIR_INGRESS)) == 3);
  CHECK(total_packets(dp.stats(kSlot, PKTLENS_DIR_EGRESS)) == 3);
}
