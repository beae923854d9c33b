// SPDX-License-Identifier: Apache-2.0
// collector::read_snapshot against a loaded object: exact per-slot counters,
// flow and VLAN records, through the batch ops and through the iteration
// fallback, and a table large enough to take many batch chunks.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "bpf/percpu.hpp"
#include "collector/abi_codec.hpp"
#include "collector/map_reader.hpp"
#include "dataplane.hpp"
#include "packet.hpp"
#include "pktlens_bpf.skel.h"
#include "synthetic_flow.hpp"

using namespace pktlens;
using namespace pktlens::collector;
using namespace pktlens::test;

namespace {

bool same(const pktlens_if_stats& a, const pktlens_if_stats& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

bool is_zero(const pktlens_if_stats& s) { return same(s, pktlens_if_stats{}); }

// Everything but the time taken.
void check_same(const Snapshot& a, const Snapshot& b) {
  REQUIRE(a.ifaces.size() == b.ifaces.size());
  for (const auto& [k, v] : a.ifaces) {
    INFO("slot " << k.first << " dir " << int(k.second));
    REQUIRE(b.ifaces.count(k) == 1);
    CHECK(same(v.stats, b.ifaces.at(k).stats));
  }
  CHECK(a.vlans == b.vlans);
  CHECK(a.flows.size() == b.flows.size());
  CHECK(a.flows == b.flows);
  CHECK(a.flow_table_entries == b.flow_table_entries);
  CHECK(a.flow_table_capacity == b.flow_table_capacity);
  CHECK(a.vlan_table_capacity == b.vlan_table_capacity);
}

const FlowRecord* find_flow(const Snapshot& s, uint8_t dir, uint8_t proto, uint16_t sport,
                            uint16_t vlan = 0) {
  for (const auto& f : s.flows)
    if (f.key.dir == dir && f.key.proto == proto && f.key.sport == sport && f.key.vlan == vlan)
      return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("read_snapshot: exact counters, flows and VLANs, batch and iteration", "[collector]") {
  Dataplane dp;
  // Before ifindex 1 is registered: counted in slot 0.
  const auto unreg = PacketBuilder().eth().ipv4().udp({.sport = 7000, .dport = 7}).build();
  dp.run(Hook::TcIngress, unreg);
  dp.register_iface(1, 3, 1500);

  const auto a = PacketBuilder().eth().ipv4().tcp({.sport = 1001, .flags = 0x02}).build();
  const auto b = PacketBuilder().eth().ipv4().udp({.sport = 1002}).payload(100).build();
  const auto c = PacketBuilder()
                     .eth()
                     .ipv6({.src = ip6("fd00::a"), .dst = ip6("fd00::b")})
                     .udp({.sport = 1003, .dport = 443})
                     .payload(500)
                     .build();
  const auto d = PacketBuilder().eth().ipv4().tcp({.sport = 1004, .flags = 0x18}).build();
  const auto v = PacketBuilder().eth().vlan(100).ipv4().udp({.sport = 1005}).payload(10).build();
  dp.run(Hook::TcIngress, a);
  for (int i = 0; i < 2; i++) dp.run(Hook::TcIngress, b);
  for (int i = 0; i < 5; i++) dp.run(Hook::TcIngress, c);
  dp.run(Hook::TcEgress, d);
  dp.run(Hook::TcIngress, v);

  ReadInfo batch_info, iter_info;
  const Snapshot s = read_snapshot(dp.skel(), {}, &batch_info);
  const Snapshot it = read_snapshot(dp.skel(), {.force_iteration = true}, &iter_info);
  // pktlens_stats, pktlens_vlans, pktlens_tcp_lat, pktlens_hs_timeouts, pktlens_flows
  CHECK(batch_info.maps_batched == 5);
  CHECK(batch_info.maps_iterated == 0);
  CHECK(iter_info.maps_batched == 0);
  CHECK(iter_info.maps_iterated == 5);
  CHECK(iter_info.batch_calls == 0);
  check_same(s, it);

  for (const Snapshot* snap : {&s, &it}) {
    INFO((snap == &s ? "batch" : "iteration"));
    CHECK(snap->taken_ns > 0);
    // Every entry of pktlens_stats (16 slots x 2 directions), as the
    // fixture reads them, field for field.
    REQUIRE(snap->ifaces.size() == 16 * PKTLENS_DIR_MAX);
    for (const auto& [k, counters] : snap->ifaces) {
      INFO("slot " << k.first << " dir " << int(k.second));
      CHECK(same(counters.stats, dp.stats(k.first, k.second)));
      const bool used = (k.first == 0 && k.second == PKTLENS_DIR_INGRESS) || k.first == 3;
      CHECK(is_zero(counters.stats) == !used);
    }
    const auto& u = snap->ifaces.at({0, PKTLENS_DIR_INGRESS}).stats;
    CHECK(total_packets(u) == 1);
    CHECK(u.packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == 1);
    CHECK(u.bytes[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == unreg.size());
    const auto& in = snap->ifaces.at({3, PKTLENS_DIR_INGRESS}).stats;
    CHECK(total_packets(in) == 9);
    CHECK(total_bytes(in) == a.size() + 2 * b.size() + 5 * c.size() + v.size());
    CHECK(in.packets[PKTLENS_L3_IPV4][PKTLENS_L4_TCP] == 1);
    CHECK(in.packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == 3);
    CHECK(in.packets[PKTLENS_L3_IPV6][PKTLENS_L4_UDP] == 5);
    CHECK(in.bytes[PKTLENS_L3_IPV6][PKTLENS_L4_UDP] == 5 * c.size());
    CHECK(in.tcp_flags[PKTLENS_TCPF_SYN] == 1);
    CHECK(in.flow_inserts == 4);
    CHECK(in.ttl_hist[6] == 9);  // TTL/hop limit 64
    const auto& eg = snap->ifaces.at({3, PKTLENS_DIR_EGRESS}).stats;
    CHECK(total_packets(eg) == 1);
    CHECK(eg.bytes[PKTLENS_L3_IPV4][PKTLENS_L4_TCP] == d.size());
    CHECK(eg.tcp_flags[PKTLENS_TCPF_PSH] == 1);
    CHECK(eg.flow_inserts == 1);

    REQUIRE(snap->vlans.size() == 1);
    CHECK(snap->vlans[0] == VlanRecord{.ifindex = 1,
                                       .dir = PKTLENS_DIR_INGRESS,
                                       .vlan = 100,
                                       .vlan_inner = 0,
                                       .tags = 1,
                                       .packets = 1,
                                       .bytes = v.size()});
    CHECK(snap->vlan_table_capacity == 256);

    REQUIRE(snap->flows.size() == 6);
    CHECK(snap->flow_table_entries == 6);
    CHECK(snap->flow_table_capacity == 4096);
    CHECK(std::is_sorted(snap->flows.begin(), snap->flows.end(),
                         [](const auto& x, const auto& y) { return x.key < y.key; }));
    struct Want {
      uint8_t dir, proto;
      uint16_t sport, vlan;
      uint64_t packets, bytes;
      uint8_t flags;
    };
    for (const Want& w :
         {Want{0, 17, 7000, 0, 1, unreg.size(), 0}, Want{0, 6, 1001, 0, 1, a.size(), 0x02},
          Want{0, 17, 1002, 0, 2, 2 * b.size(), 0}, Want{0, 17, 1003, 0, 5, 5 * c.size(), 0},
          Want{1, 6, 1004, 0, 1, d.size(), 0x18}, Want{0, 17, 1005, 100, 1, v.size(), 0}}) {
      INFO("flow sport " << w.sport);
      const FlowRecord* f = find_flow(*snap, w.dir, w.proto, w.sport, w.vlan);
      REQUIRE(f);
      CHECK(f->key.ifindex == 1);
      CHECK(f->packets == w.packets);
      CHECK(f->bytes == w.bytes);
      CHECK(int(f->tcp_flags) == int(w.flags));
      CHECK(f->first_seen_ns > 0);
      CHECK(f->first_seen_ns <= f->last_seen_ns);
      CHECK(f->last_seen_ns <= snap->taken_ns + 1'000'000'000);
    }
    const FlowRecord* f6 = find_flow(*snap, 0, 17, 1003);
    REQUIRE(f6);
    CHECK(f6->key.family == 6);
    CHECK(f6->key.src == std::array<uint8_t, 16>(ip6("fd00::a")));
    CHECK(f6->key.dst == std::array<uint8_t, 16>(ip6("fd00::b")));
    CHECK(f6->key.dport == 443);
    const FlowRecord* f4 = find_flow(*snap, 1, 6, 1004);
    REQUIRE(f4);
    CHECK(f4->key.family == 4);
    CHECK(f4->key.src == std::array<uint8_t, 16>{198, 18, 0, 1});
    CHECK(f4->key.dst == std::array<uint8_t, 16>{198, 18, 0, 2});
    CHECK(f4->key.dport == 80);
    // The same records the fixture reads key by key.
    for (const auto& g : dp.flows()) {
      const auto k = decode_flow_key(g.key);
      const auto hit = std::find_if(snap->flows.begin(), snap->flows.end(),
                                    [&](const FlowRecord& r) { return r.key == k; });
      REQUIRE(hit != snap->flows.end());
      CHECK(hit->packets == g.val.packets);
      CHECK(hit->bytes == g.val.bytes);
      CHECK(hit->first_seen_ns == g.val.first_seen_ns);
      CHECK(hit->last_seen_ns == g.val.last_seen_ns);
    }
  }
}

TEST_CASE("read_snapshot: 20,000 flows with distinct per-CPU values, in chunks", "[collector]") {
  Dataplane dp({.max_flows = 65536});
  const int fd = bpf_map__fd(dp.skel()->maps.pktlens_flows);
  const int cpus = bpf::possible_cpus();
  constexpr uint32_t kFlows = 20000;
  std::vector<FlowRecord> want;
  for (uint32_t i = 0; i < kFlows; i++) {
    const pktlens_flow_key k = pktlens::test::synthetic_flow_key(i);
    bpf::PerCpuValue<pktlens_flow_val> val(cpus);
    FlowRecord r{.key = decode_flow_key(k)};
    for (int c = 0; c < cpus; c++) {
      pktlens_flow_val x{};
      // CPU c saw the flow when (i + c) % 3 != 0.
      if ((i + static_cast<uint32_t>(c)) % 3 != 0) {
        x.packets = i + c + 1;
        x.bytes = (uint64_t{i} << 20) + 100 * c + 64;
        x.first_seen_ns = 1'000'000 + 1000 * uint64_t{i} + 7 * static_cast<uint64_t>(cpus - c);
        x.last_seen_ns = x.first_seen_ns + 5000 + c;
        x.tcp_flags = static_cast<uint8_t>(1u << (c % 8));
      }
      val.set(c, x);
      r.packets += x.packets;
      r.bytes += x.bytes;
      if (x.first_seen_ns && (!r.first_seen_ns || x.first_seen_ns < r.first_seen_ns))
        r.first_seen_ns = x.first_seen_ns;
      r.last_seen_ns = std::max<uint64_t>(r.last_seen_ns, x.last_seen_ns);
      r.tcp_flags |= x.tcp_flags;
    }
    REQUIRE(bpf_map_update_elem(fd, &k, val.data(), BPF_NOEXIST) == 0);
    want.push_back(r);
  }
  std::sort(want.begin(), want.end(), [](const auto& x, const auto& y) { return x.key < y.key; });

  ReadInfo chunked, tiny, iter;
  const Snapshot s = read_snapshot(dp.skel(), {.batch_chunk = 1000}, &chunked);
  const Snapshot t = read_snapshot(dp.skel(), {.batch_chunk = 1}, &tiny);
  const Snapshot it = read_snapshot(dp.skel(), {.force_iteration = true}, &iter);
  CHECK(chunked.maps_batched == 5);
  CHECK(chunked.batch_calls > 20);  // the flow table alone took 20+ chunks
  CHECK(tiny.maps_batched == 5);
  CHECK(tiny.chunk_grown > 0);  // a bucket with two flows did not fit one entry
  CHECK(iter.maps_iterated == 5);

  CHECK(s.flow_table_entries == kFlows);
  CHECK(s.flow_table_capacity == 65536);
  REQUIRE(s.flows.size() == want.size());
  size_t mismatches = 0;
  for (size_t i = 0; i < want.size(); i++) mismatches += s.flows[i] == want[i] ? 0 : 1;
  CHECK(mismatches == 0);
  check_same(s, t);
  check_same(s, it);
  CHECK(s.vlans.empty());
  for (const auto& [k, c] : s.ifaces) CHECK(is_zero(c.stats));
}

TEST_CASE("read_snapshot: every field of every CPU's value is summed", "[collector]") {
  Dataplane dp({.max_slots = 4});
  const int cpus = bpf::possible_cpus();
  constexpr size_t kFields = sizeof(pktlens_if_stats) / 8;
  const int stats_fd = bpf_map__fd(dp.skel()->maps.pktlens_stats);
  for (uint32_t idx = 0; idx < 4 * PKTLENS_DIR_MAX; idx++) {
    bpf::PerCpuValue<pktlens_if_stats> val(cpus);
    for (int c = 0; c < cpus; c++) {
      uint64_t f[kFields];
      for (size_t i = 0; i < kFields; i++)
        f[i] = (uint64_t{idx} * 1000 + i) * static_cast<uint64_t>(c + 1);
      pktlens_if_stats s;
      std::memcpy(&s, f, sizeof s);
      val.set(c, s);
    }
    REQUIRE(bpf_map_update_elem(stats_fd, &idx, val.data(), BPF_ANY) == 0);
  }
  const int vlan_fd = bpf_map__fd(dp.skel()->maps.pktlens_vlans);
  for (uint16_t vid = 1; vid <= 3; vid++) {
    pktlens_vlan_key k{};
    k.ifindex = 9;
    k.vlan = vid;
    k.vlan_inner = static_cast<uint16_t>(vid * 10);
    k.dir = PKTLENS_DIR_EGRESS;
    k.tags = 2;
    bpf::PerCpuValue<pktlens_vlan_val> val(cpus);
    for (int c = 0; c < cpus; c++)
      val.set(c, {uint64_t{vid} * (c + 1), uint64_t{vid} * 100 * (c + 1)});
    REQUIRE(bpf_map_update_elem(vlan_fd, &k, val.data(), BPF_NOEXIST) == 0);
  }
  const uint64_t cpu_sum = uint64_t(cpus) * (cpus + 1) / 2;  // 1 + 2 + ... + cpus

  for (const bool iterate : {false, true}) {
    INFO((iterate ? "iteration" : "batch"));
    const Snapshot s = read_snapshot(dp.skel(), {.force_iteration = iterate});
    REQUIRE(s.ifaces.size() == 4 * PKTLENS_DIR_MAX);
    for (const auto& [k, c] : s.ifaces) {
      const uint64_t idx = k.first * PKTLENS_DIR_MAX + k.second;
      uint64_t f[kFields];
      std::memcpy(f, &c.stats, sizeof f);
      size_t wrong = 0;
      for (size_t i = 0; i < kFields; i++) wrong += f[i] == (idx * 1000 + i) * cpu_sum ? 0 : 1;
      INFO("slot " << k.first << " dir " << int(k.second));
      CHECK(wrong == 0);
    }
    REQUIRE(s.vlans.size() == 3);
    for (uint16_t vid = 1; vid <= 3; vid++) {
      CHECK(s.vlans[vid - 1] == VlanRecord{.ifindex = 9,
                                           .dir = PKTLENS_DIR_EGRESS,
                                           .vlan = vid,
                                           .vlan_inner = static_cast<uint16_t>(vid * 10),
                                           .tags = 2,
                                           .packets = vid * cpu_sum,
                                           .bytes = vid * 100 * cpu_sum});
    }
  }
}

TEST_CASE("read_snapshot: the data plane's switches as loaded", "[collector]") {
  // pktlens_feature_enabled (exporter/render_features.hpp) shows these.
  for (const bool on : {false, true}) {
    INFO("flows and vlans " << on << ", handshake and rtt " << !on);
    Dataplane dp({.flows = on, .vlans = on, .handshake = !on, .rtt = !on});
    const Snapshot s = read_snapshot(dp.skel());
    CHECK(s.flows_on == on);
    CHECK(s.vlans_on == on);
    CHECK(s.handshake_on == !on);
    CHECK(s.rtt_on == !on);
  }
}
