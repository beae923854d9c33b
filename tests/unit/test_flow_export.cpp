// SPDX-License-Identifier: Apache-2.0
// Flow export's delta state (export/flow_export.hpp): the records of a flow
// add up to its counters across active and idle timeouts, the kernel's
// expiry and the forced end; IP octets without the link header.

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "collector/abi_codec.hpp"
#include "export/flow_export.hpp"

using namespace pktlens;
using collector::FlowChanges;
using collector::FlowRecord;
using flowexport::Clocks;
using flowexport::EndReason;
using flowexport::FlowExport;
using flowexport::IpfixRecord;

namespace {

constexpr uint64_t kSec = 1'000'000'000;

collector::FlowKey udp4(uint16_t vlan = 0, uint16_t inner = 0) {
  collector::FlowKey k;
  k.ifindex = 2;
  k.dir = 0;
  k.vlan = vlan;
  k.vlan_inner = inner;
  k.proto = 17;
  k.family = 4;
  k.src = {198, 18, 0, 2};
  k.dst = {198, 18, 0, 1};
  k.sport = 40000;
  k.dport = 5000;
  return k;
}

// The flow as the cycle reports it: cumulative counters, frame bytes of
// packets with 100 IP bytes each.
FlowChanges changed(const collector::FlowKey& k, uint64_t packets, uint64_t first, uint64_t last,
                    uint64_t link = 14) {
  FlowRecord r{.key = k,
               .packets = packets,
               .bytes = packets * (100 + link),
               .first_seen_ns = first,
               .last_seen_ns = last,
               .tcp_flags = 0};
  return FlowChanges{.updated = {{collector::encode_flow_key(k), r}}, .ended = {}};
}

Clocks at(uint64_t ns) { return Clocks{ns, 0}; }

uint64_t sum_packets(const std::vector<IpfixRecord>& rs) {
  uint64_t n = 0;
  for (const auto& r : rs) n += r.packets;
  return n;
}

uint64_t sum_octets(const std::vector<IpfixRecord>& rs) {
  uint64_t n = 0;
  for (const auto& r : rs) n += r.octets;
  return n;
}

}  // namespace

TEST_CASE("flow export: active timeout splits a flow, the records add up, the stop ends it") {
  FlowExport fx({.active_timeout = std::chrono::seconds(2),
                 .idle_timeout = std::chrono::seconds(10),
                 .forget_after = std::chrono::seconds(100),
                 .xdp = false});
  std::vector<IpfixRecord> out;
  const auto k = udp4();
  fx.cycle(changed(k, 5, 1 * kSec, 1 * kSec), at(1 * kSec), out);
  CHECK(out.empty());
  fx.cycle(changed(k, 9, 1 * kSec, 3 * kSec), at(3 * kSec), out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].packets == 9);
  CHECK(out[0].octets == 900);
  CHECK(out[0].end_reason == static_cast<uint8_t>(EndReason::active_timeout));
  CHECK(out[0].start_ms == 1000);
  CHECK(out[0].end_ms == 3000);
  fx.cycle(changed(k, 12, 1 * kSec, 4 * kSec), at(4 * kSec), out);
  CHECK(out.size() == 1);
  fx.flush(at(4 * kSec), out);
  REQUIRE(out.size() == 2);
  CHECK(out[1].packets == 3);
  CHECK(out[1].end_reason == static_cast<uint8_t>(EndReason::forced_end));
  CHECK(out[1].start_ms == 3000);
  CHECK(sum_packets(out) == 12);
  CHECK(sum_octets(out) == 1200);
  // Still held, all of it sent: what a next pktlensd takes up.
  REQUIRE(fx.sent().size() == 1);
  CHECK(fx.sent()[0].packets == 12);
  CHECK(fx.sent()[0].bytes == 12 * 114);  // the kernel's counters: frame bytes
}

TEST_CASE("flow export: idle record, then the kernel's expiry adds nothing twice") {
  FlowExport fx({.active_timeout = std::chrono::seconds(60),
                 .idle_timeout = std::chrono::seconds(2),
                 .forget_after = std::chrono::seconds(100),
                 .xdp = false});
  std::vector<IpfixRecord> out;
  const auto k = udp4();
  fx.cycle(changed(k, 4, 1 * kSec, 1 * kSec), at(1 * kSec), out);
  fx.cycle({}, at(3 * kSec), out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].end_reason == static_cast<uint8_t>(EndReason::idle_timeout));
  // Later packets: a record of those only.
  fx.cycle(changed(k, 6, 1 * kSec, 4 * kSec), at(4 * kSec), out);
  FlowChanges ended;
  ended.ended.push_back({collector::encode_flow_key(k),
                         FlowRecord{.key = k,
                                    .packets = 6,
                                    .bytes = 6 * 114,
                                    .first_seen_ns = 1 * kSec,
                                    .last_seen_ns = 4 * kSec,
                                    .tcp_flags = 0},
                         collector::FlowEnd::idle});
  fx.cycle(ended, at(5 * kSec), out);
  REQUIRE(out.size() == 2);
  CHECK(out[1].packets == 2);
  CHECK(sum_octets(out) == 600);
  CHECK(fx.flows() == 0);
  fx.flush(at(6 * kSec), out);
  CHECK(out.size() == 2);
}

TEST_CASE("flow export: what one process sent is where the next one starts") {
  const flowexport::FlowExportOptions o{.active_timeout = std::chrono::seconds(2),
                                        .idle_timeout = std::chrono::seconds(60)};
  const auto k = udp4();
  FlowExport first(o);
  std::vector<IpfixRecord> out;
  first.cycle(changed(k, 5, 1 * kSec, 1 * kSec), at(1 * kSec), out);
  first.cycle(changed(k, 9, 1 * kSec, 3 * kSec), at(3 * kSec), out);   // active timeout: 9 sent
  first.cycle(changed(k, 11, 1 * kSec, 4 * kSec), at(4 * kSec), out);  // 2 not yet sent
  REQUIRE(out.size() == 1);
  const auto sent = first.sent();
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].packets == 9);
  CHECK(sent[0].last_seen_ns == 3 * kSec);

  // The next process reads the same kernel counters, now 14: it sends the
  // 5 after what the first one sent, not 14.
  FlowExport next(o);
  next.restore(sent);
  next.cycle(changed(k, 14, 1 * kSec, 5 * kSec), at(5 * kSec), out);
  next.flush(at(5 * kSec), out);
  REQUIRE(out.size() == 2);
  CHECK(out[1].packets == 5);
  CHECK(out[1].octets == 500);
  CHECK(out[1].start_ms == 3000);  // after the last packet the first one sent
  CHECK(sum_packets(out) == 14);
}

TEST_CASE("flow export: octets are IP bytes: the frame's link header and in-frame tags off") {
  // TC: the outer tag is in skb->vlan_tci, not in the counted bytes.
  CHECK(flowexport::link_bytes_per_packet(udp4(), false) == 14);
  CHECK(flowexport::link_bytes_per_packet(udp4(100), false) == 14);
  CHECK(flowexport::link_bytes_per_packet(udp4(100, 7), false) == 18);
  // XDP: every tag is in the frame.
  CHECK(flowexport::link_bytes_per_packet(udp4(100), true) == 18);
  CHECK(flowexport::link_bytes_per_packet(udp4(100, 7), true) == 22);
}

TEST_CASE("flow export: a flow re-created under its key counts from zero") {
  FlowExport fx({.active_timeout = std::chrono::seconds(1),
                 .idle_timeout = std::chrono::seconds(60),
                 .forget_after = std::chrono::seconds(100),
                 .xdp = false});
  std::vector<IpfixRecord> out;
  const auto k = udp4();
  fx.cycle(changed(k, 10, 1 * kSec, 2 * kSec), at(2 * kSec), out);
  REQUIRE(out.size() == 1);
  fx.cycle(changed(k, 3, 5 * kSec, 6 * kSec), at(6 * kSec), out);
  REQUIRE(out.size() == 2);
  CHECK(out[1].packets == 3);
  CHECK(out[1].start_ms == 5000);
}
