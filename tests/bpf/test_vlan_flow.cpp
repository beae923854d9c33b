// SPDX-License-Identifier: Apache-2.0
// VLAN tags (802.1Q, 802.1ad, 0x9100) and the per-VLAN map; flow keys and
// values, flow admission, the flow bookkeeping invariant, the load-time
// feature switches, and unregistered interfaces. Maps are compared entry by
// entry with exact keys and values.
#include <arpa/inet.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "dataplane.hpp"
#include "frame_expect.hpp"
#include "packet.hpp"
#include "pinned_cpu.hpp"

using namespace pktlens::test;

namespace {

std::string describe(const pktlens_flow_key& k) {
  char src[INET6_ADDRSTRLEN] = "?", dst[INET6_ADDRSTRLEN] = "?";
  const int af = k.family == 6 ? AF_INET6 : AF_INET;
  inet_ntop(af, k.src, src, sizeof src);
  inet_ntop(af, k.dst, dst, sizeof dst);
  std::ostringstream o;
  o << "{ifindex " << k.ifindex << " dir " << int(k.dir) << " vlan " << k.vlan << "/"
    << k.vlan_inner << " proto " << int(k.proto) << " family " << int(k.family) << " " << src << ":"
    << k.sport << " -> " << dst << ":" << k.dport << " pad " << int(k._pad) << "}";
  return o.str();
}

std::string describe(const pktlens_vlan_key& k) {
  std::ostringstream o;
  o << "{ifindex " << k.ifindex << " vlan " << k.vlan << " inner " << k.vlan_inner << " dir "
    << int(k.dir) << " tags " << int(k.tags) << " pad " << int(k._pad[0]) << int(k._pad[1]) << "}";
  return o.str();
}

// The key a frame of ifindex 1 must have: addresses in network byte order,
// IPv4 in the first 4 bytes and the rest zero, ports in host order.
struct KeyOpts {
  uint8_t dir = PKTLENS_DIR_INGRESS;
  uint8_t proto = 6;
  uint16_t sport = 0, dport = 0;
  uint16_t vlan = 0, vlan_inner = 0;
};
pktlens_flow_key key4(const char* src, const char* dst, const KeyOpts& o) {
  pktlens_flow_key k{};
  k.ifindex = 1;
  k.vlan = o.vlan;
  k.vlan_inner = o.vlan_inner;
  k.sport = o.sport;
  k.dport = o.dport;
  k.dir = o.dir;
  k.proto = o.proto;
  k.family = 4;
  const auto s = ip4(src), d = ip4(dst);
  std::memcpy(k.src, s.data(), 4);
  std::memcpy(k.dst, d.data(), 4);
  return k;
}
pktlens_flow_key key6(const char* src, const char* dst, const KeyOpts& o) {
  pktlens_flow_key k = key4("0.0.0.0", "0.0.0.0", o);
  k.family = 6;
  const auto s = ip6(src), d = ip6(dst);
  std::memcpy(k.src, s.data(), 16);
  std::memcpy(k.dst, d.data(), 16);
  return k;
}
pktlens_vlan_key vkey(uint16_t vlan, uint16_t inner, uint8_t tags, uint8_t dir,
                      uint32_t ifindex = 1) {
  pktlens_vlan_key k{};
  k.ifindex = ifindex;
  k.vlan = vlan;
  k.vlan_inner = inner;
  k.dir = dir;
  k.tags = tags;
  return k;
}

struct WantFlow {
  pktlens_flow_key key;
  uint64_t packets, bytes;
  uint8_t tcp_flags;
};

// The flow table holds exactly `want`, in any order.
void check_flows(const std::vector<Flow>& got, const std::vector<WantFlow>& want) {
  CHECK(got.size() == want.size());
  for (const auto& g : got) {
    const auto it = std::find_if(want.begin(), want.end(), [&](const WantFlow& w) {
      return std::memcmp(&w.key, &g.key, sizeof g.key) == 0;
    });
    INFO("flow " << describe(g.key));
    CHECK(it != want.end());
  }
  for (const auto& w : want) {
    INFO("expected flow " << describe(w.key));
    const auto it = std::find_if(got.begin(), got.end(), [&](const Flow& g) {
      return std::memcmp(&w.key, &g.key, sizeof g.key) == 0;
    });
    REQUIRE(it != got.end());
    CHECK(it->val.packets == w.packets);
    CHECK(it->val.bytes == w.bytes);
    CHECK(int(it->val.tcp_flags) == int(w.tcp_flags));
    CHECK(it->val.first_seen_ns > 0);
    CHECK(it->val.first_seen_ns <= it->val.last_seen_ns);
  }
}

struct WantVlan {
  pktlens_vlan_key key;
  uint64_t packets, bytes;
};

// The VLAN map holds exactly `want`, in any order.
void check_vlans(const std::vector<VlanCount>& got, const std::vector<WantVlan>& want) {
  CHECK(got.size() == want.size());
  for (const auto& g : got) {
    INFO("vlan entry " << describe(g.key));
    CHECK(std::any_of(want.begin(), want.end(), [&](const WantVlan& w) {
      return std::memcmp(&w.key, &g.key, sizeof g.key) == 0;
    }));
  }
  for (const auto& w : want) {
    INFO("expected vlan entry " << describe(w.key));
    const auto it = std::find_if(got.begin(), got.end(), [&](const VlanCount& g) {
      return std::memcmp(&w.key, &g.key, sizeof g.key) == 0;
    });
    REQUIRE(it != got.end());
    CHECK(it->val.packets == w.packets);
    CHECK(it->val.bytes == w.bytes);
  }
}

// sum(flows) + untracked + unadmitted == sum(packets), for packets and bytes,
// when `s` is the only stats record that frames were counted in.
void check_flow_invariant(const Dataplane& dp, const pktlens_if_stats& s) {
  const auto f = sum_flows(dp.flows());
  CHECK(f.packets + s.flow_untracked_packets + s.flow_unadmitted_packets == total_packets(s));
  CHECK(f.bytes + s.flow_untracked_bytes + s.flow_unadmitted_bytes == total_bytes(s));
  CHECK(s.flow_inserts == f.flows);
}

uint64_t coarse_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

Bytes udp4(uint16_t sport, size_t payload = 10) {
  return PacketBuilder().eth().ipv4().udp({.sport = sport, .dport = 53}).payload(payload).build();
}

}  // namespace

TEST_CASE("802.1Q single tags: VLAN map keys and counts", "[vlan]") {
  const Hook h = GENERATE(Hook::TcIngress, Hook::TcEgress, Hook::Xdp);
  INFO("hook " << hook_name(h));
  const uint8_t dir = dir_of(h);
  Dataplane dp;
  dp.register_iface(1, 1, 1500);

  const auto a1 = PacketBuilder().eth().vlan(100).ipv4().udp().payload(10).build();
  const auto a2 = PacketBuilder().eth().vlan(100).ipv6().tcp().payload(200).build();
  const auto a3 = PacketBuilder().eth().vlan(100).arp().build();
  const auto b =
      PacketBuilder().eth().vlan(4095, 0x8100, 7).ipv4().icmp().build();  // PCP 7 masked off
  const auto prio = PacketBuilder().eth().vlan(0, 0x8100, 5).ipv6().udp().build();  // priority tag
  const auto untagged = PacketBuilder().eth().ipv4().udp().build();
  for (const auto* f : {&a1, &a2, &a3, &b, &prio, &untagged}) run_pass(dp, h, *f);

  check_vlans(dp.vlans(), {
                              {vkey(100, 0, 1, dir), 3, a1.size() + a2.size() + a3.size()},
                              {vkey(4095, 0, 1, dir), 1, b.size()},
                              {vkey(0, 0, 1, dir), 1, prio.size()},
                          });
  const auto s = dp.stats(1, dir);
  CHECK(total_packets(s) == 6);
  CHECK(total_bytes(s) ==
        a1.size() + a2.size() + a3.size() + b.size() + prio.size() + untagged.size());
  CHECK(s.packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == 2);
  CHECK(s.packets[PKTLENS_L3_IPV6][PKTLENS_L4_TCP] == 1);
  CHECK(s.packets[PKTLENS_L3_ARP][PKTLENS_L4_OTHER] == 1);
  CHECK(s.packets[PKTLENS_L3_IPV4][PKTLENS_L4_ICMP] == 1);
  CHECK(s.packets[PKTLENS_L3_IPV6][PKTLENS_L4_UDP] == 1);
  CHECK(s.vlan_overflow_packets == 0);
  for (auto v : s.anomalies) CHECK(v == 0);
  check_flow_invariant(dp, s);
}

TEST_CASE("two tags: 802.1ad, 0x9100 and 802.1Q outer tags, inner tag in the key", "[vlan]") {
  const Hook h = GENERATE(Hook::TcIngress, Hook::TcEgress, Hook::Xdp);
  INFO("hook " << hook_name(h));
  const uint8_t dir = dir_of(h);
  Dataplane dp;
  dp.register_iface(1, 1, 1500);

  const auto ad1 = PacketBuilder().eth().vlan(200, 0x88a8).vlan(300).ipv4().udp().build();
  const auto ad2 =
      PacketBuilder().eth().vlan(200, 0x88a8, 3).vlan(300, 0x8100, 6).ipv6().tcp().build();
  const auto ad_other_inner =
      PacketBuilder().eth().vlan(200, 0x88a8).vlan(301).ipv4().udp().build();
  const auto single_200 = PacketBuilder().eth().vlan(200).ipv4().udp().build();
  const auto q9100 = PacketBuilder().eth().vlan(10, 0x9100).vlan(20).ipv4().icmp().build();
  const auto qq = PacketBuilder().eth().vlan(30).vlan(40).ipv6().icmp6().build();  // 0x8100 twice
  const auto ad_ad = PacketBuilder().eth().vlan(50, 0x88a8).vlan(60, 0x88a8).arp().build();
  // A third tag is not walked: it is the ethertype after two tags (l3 other).
  const auto three = PacketBuilder().eth().vlan(1, 0x88a8).vlan(2).vlan(3).ipv4().udp().build();
  for (const auto* f : {&ad1, &ad2, &ad_other_inner, &single_200, &q9100, &qq, &ad_ad, &three})
    run_pass(dp, h, *f);

  check_vlans(dp.vlans(), {
                              {vkey(200, 300, 2, dir), 2, ad1.size() + ad2.size()},
                              {vkey(200, 301, 2, dir), 1, ad_other_inner.size()},
                              {vkey(200, 0, 1, dir), 1, single_200.size()},
                              {vkey(10, 20, 2, dir), 1, q9100.size()},
                              {vkey(30, 40, 2, dir), 1, qq.size()},
                              {vkey(50, 60, 2, dir), 1, ad_ad.size()},
                              {vkey(1, 2, 2, dir), 1, three.size()},
                          });
  const auto s = dp.stats(1, dir);
  CHECK(total_packets(s) == 8);
  CHECK(s.packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == 3);
  CHECK(s.packets[PKTLENS_L3_IPV6][PKTLENS_L4_TCP] == 1);
  CHECK(s.packets[PKTLENS_L3_IPV4][PKTLENS_L4_ICMP] == 1);
  CHECK(s.packets[PKTLENS_L3_IPV6][PKTLENS_L4_ICMPV6] == 1);
  CHECK(s.packets[PKTLENS_L3_ARP][PKTLENS_L4_OTHER] == 1);
  CHECK(s.packets[PKTLENS_L3_OTHER][PKTLENS_L4_OTHER] == 1);
  for (auto v : s.anomalies) CHECK(v == 0);
  check_flow_invariant(dp, s);

  // The flow key carries both VLAN ids.
  const auto flows = dp.flows();
  CHECK(std::count_if(flows.begin(), flows.end(), [](const Flow& f) {
          return f.key.vlan == 200 && f.key.vlan_inner == 300;
        }) == 2);
  CHECK(std::count_if(flows.begin(), flows.end(), [](const Flow& f) {
          return f.key.vlan == 200 && f.key.vlan_inner == 0;
        }) == 1);
}

TEST_CASE("VLAN entries are per direction and ifindex; the map overflows into a counter",
          "[vlan]") {
  SECTION("one map for all hooks") {
    Dataplane dp;
    dp.register_iface(1, 1, 1500);
    const auto f = PacketBuilder().eth().vlan(7).ipv4().udp().build();
    for (Hook h : kHooks) run_pass(dp, h, f);
    // TC ingress and XDP both count ingress.
    check_vlans(dp.vlans(), {{vkey(7, 0, 1, PKTLENS_DIR_INGRESS), 2, 2 * f.size()},
                             {vkey(7, 0, 1, PKTLENS_DIR_EGRESS), 1, f.size()}});
  }
  SECTION("max_vlans 2") {
    const Hook h = GENERATE(Hook::TcIngress, Hook::TcEgress, Hook::Xdp);
    INFO("hook " << hook_name(h));
    const uint8_t dir = dir_of(h);
    Dataplane dp({.max_vlans = 2});
    dp.register_iface(1, 1, 1500);
    const auto v1 = PacketBuilder().eth().vlan(1).ipv4().udp().build();
    const auto v2 = PacketBuilder().eth().vlan(2).ipv4().udp().payload(5).build();
    const auto v3 = PacketBuilder().eth().vlan(3).ipv4().udp().payload(50).build();
    for (const auto* f : {&v1, &v2, &v3, &v1}) run_pass(dp, h, *f);
    check_vlans(dp.vlans(),
                {{vkey(1, 0, 1, dir), 2, 2 * v1.size()}, {vkey(2, 0, 1, dir), 1, v2.size()}});
    const auto s = dp.stats(1, dir);
    CHECK(s.vlan_overflow_packets == 1);
    CHECK(s.vlan_overflow_bytes == v3.size());
    CHECK(total_packets(s) == 4);  // still counted in the totals
    CHECK(s.packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == 4);
  }
}

TEST_CASE("vlans=false: the VLAN map stays empty, everything else is counted", "[vlan][switches]") {
  const Hook h = GENERATE(Hook::TcIngress, Hook::TcEgress, Hook::Xdp);
  INFO("hook " << hook_name(h));
  Dataplane dp({.vlans = false});
  dp.register_iface(1, 1, 1500);
  const auto one = PacketBuilder().eth().vlan(100).ipv4().udp().build();
  const auto two = PacketBuilder().eth().vlan(200, 0x88a8).vlan(300).ipv6().tcp().build();
  run_pass(dp, h, one);
  run_pass(dp, h, two);
  CHECK(dp.vlans().empty());
  const auto s = dp.stats(1, dir_of(h));
  CHECK(total_packets(s) == 2);
  CHECK(total_bytes(s) == one.size() + two.size());
  CHECK(s.packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == 1);
  CHECK(s.packets[PKTLENS_L3_IPV6][PKTLENS_L4_TCP] == 1);
  CHECK(s.vlan_overflow_packets == 0);
  // Flow keys still carry the tags.
  const uint8_t dir = dir_of(h);
  check_flows(
      dp.flows(),
      {{key4("198.18.0.1", "198.18.0.2",
             {.dir = dir, .proto = 17, .sport = 40000, .dport = 53, .vlan = 100}),
        1, one.size(), 0},
       {key6("fd00::1", "fd00::2",
             {.dir = dir, .proto = 6, .sport = 40000, .dport = 80, .vlan = 200, .vlan_inner = 300}),
        1, two.size(), PKTLENS_TCP_SYN}});
  check_flow_invariant(dp, s);
}

TEST_CASE("a flow keeps the TOS / traffic class of its first packet", "[flows]") {
  const Hook h = GENERATE(Hook::TcIngress, Hook::TcEgress, Hook::Xdp);
  const int family = GENERATE(4, 6);
  INFO("hook " << hook_name(h) << ", IPv" << family);
  Dataplane dp;
  dp.register_iface(1, 1, 1500);
  // DSCP EF, then best effort, then AF11 with ECT(0), on one 5-tuple.
  for (const uint8_t tos : {uint8_t{0xb8}, uint8_t{0x00}, uint8_t{0x2a}}) {
    PacketBuilder b;
    b.eth();
    if (family == 4)
      b.ipv4({.tos = tos});
    else
      b.ipv6({.tclass = tos});
    run_pass(dp, h, b.udp({.sport = 5000, .dport = 6000}).payload(20).build());
  }
  const auto flows = dp.flows();
  REQUIRE(flows.size() == 1);
  CHECK(flows[0].val.packets == 3);
  CHECK(int(flows[0].val.tos) == 0xb8);
}

TEST_CASE("flow key and value of a 3-packet TCP exchange, both directions", "[flows]") {
  const Hook h = GENERATE(Hook::TcIngress, Hook::TcEgress, Hook::Xdp);
  const int family = GENERATE(4, 6);
  INFO("hook " << hook_name(h) << ", IPv" << family);
  const uint8_t dir = dir_of(h);
  Dataplane dp;
  dp.register_iface(1, 1, 1500);

  const char* client = family == 4 ? "192.0.2.10" : "2001:db8::10";
  const char* server = family == 4 ? "203.0.113.80" : "2001:db8:1::80";
  auto segment = [&](bool from_client, uint8_t flags, size_t payload) {
    PacketBuilder b;
    b.eth();
    const char* src = from_client ? client : server;
    const char* dst = from_client ? server : client;
    if (family == 4)
      b.ipv4({.src = ip4(src), .dst = ip4(dst)});
    else
      b.ipv6({.src = ip6(src), .dst = ip6(dst)});
    const TcpOpts tcp{.sport = uint16_t(from_client ? 51000 : 443),
                      .dport = uint16_t(from_client ? 443 : 51000),
                      .flags = flags};
    return b.tcp(tcp).payload(payload).build();
  };
  const auto syn = segment(true, PKTLENS_TCP_SYN, 0);
  const auto synack = segment(false, PKTLENS_TCP_SYN | PKTLENS_TCP_ACK, 0);
  const auto ack = segment(true, PKTLENS_TCP_ACK | PKTLENS_TCP_PSH, 100);

  const uint64_t t0 = coarse_now_ns();
  for (const auto* f : {&syn, &synack, &ack}) run_pass(dp, h, *f);
  const uint64_t t1 = coarse_now_ns();

  auto key = family == 4 ? key4 : key6;
  const auto c2s = key(client, server, {.dir = dir, .proto = 6, .sport = 51000, .dport = 443});
  const auto s2c = key(server, client, {.dir = dir, .proto = 6, .sport = 443, .dport = 51000});
  const auto flows = dp.flows();
  check_flows(flows, {{c2s, 2, syn.size() + ack.size(),
                       PKTLENS_TCP_SYN | PKTLENS_TCP_ACK | PKTLENS_TCP_PSH},
                      {s2c, 1, synack.size(), PKTLENS_TCP_SYN | PKTLENS_TCP_ACK}});
  // Timestamps come from the coarse monotonic clock, while the frames ran.
  for (const auto& f : flows) {
    CHECK(f.val.first_seen_ns >= t0);
    CHECK(f.val.last_seen_ns <= t1);
  }

  const auto s = dp.stats(1, dir);
  const auto l3 = family == 4 ? PKTLENS_L3_IPV4 : PKTLENS_L3_IPV6;
  CHECK(s.packets[l3][PKTLENS_L4_TCP] == 3);
  CHECK(s.bytes[l3][PKTLENS_L4_TCP] == syn.size() + synack.size() + ack.size());
  CHECK(total_packets(s) == 3);
  CHECK(s.tcp_flags[PKTLENS_TCPF_SYN] == 1);
  CHECK(s.tcp_flags[PKTLENS_TCPF_SYNACK] == 1);
  CHECK(s.tcp_flags[PKTLENS_TCPF_PSH] == 1);
  CHECK(s.tcp_flags[PKTLENS_TCPF_FIN] + s.tcp_flags[PKTLENS_TCPF_RST] +
            s.tcp_flags[PKTLENS_TCPF_URG] + s.tcp_flags[PKTLENS_TCPF_ECE] +
            s.tcp_flags[PKTLENS_TCPF_CWR] ==
        0);
  CHECK(s.flow_inserts == 2);
  CHECK(s.flow_untracked_packets == 0);
  CHECK(s.flow_unadmitted_packets == 0);
  check_flow_invariant(dp, s);
}

TEST_CASE("the same exchange seen at ingress and egress gives separate flows per direction",
          "[flows]") {
  Dataplane dp;
  dp.register_iface(1, 1, 1500);
  const auto syn = PacketBuilder().eth().ipv4().tcp({.flags = PKTLENS_TCP_SYN}).build();
  const auto fin =
      PacketBuilder().eth().ipv4().tcp({.flags = PKTLENS_TCP_FIN | PKTLENS_TCP_ACK}).build();
  for (Hook h : kHooks) {
    run_pass(dp, h, syn);
    run_pass(dp, h, fin);
  }
  const KeyOpts in{.dir = PKTLENS_DIR_INGRESS, .proto = 6, .sport = 40000, .dport = 80};
  KeyOpts out = in;
  out.dir = PKTLENS_DIR_EGRESS;
  const uint8_t flags = PKTLENS_TCP_SYN | PKTLENS_TCP_FIN | PKTLENS_TCP_ACK;
  // TC ingress and XDP are both ingress: one flow with four packets.
  check_flows(dp.flows(),
              {{key4("198.18.0.1", "198.18.0.2", in), 4, 2 * (syn.size() + fin.size()), flags},
               {key4("198.18.0.1", "198.18.0.2", out), 2, syn.size() + fin.size(), flags}});
  CHECK(dp.stats(1, PKTLENS_DIR_INGRESS).flow_inserts == 1);
  CHECK(dp.stats(1, PKTLENS_DIR_EGRESS).flow_inserts == 1);
}

TEST_CASE("flow keys per protocol: ports, ICMP type/code, none without an L4 header", "[flows]") {
  const Hook h = GENERATE(Hook::TcIngress, Hook::TcEgress, Hook::Xdp);
  INFO("hook " << hook_name(h));
  const uint8_t dir = dir_of(h);
  Dataplane dp;
  dp.register_iface(1, 1, 1500);
  constexpr uint16_t MF = 0x2000;
  const char *a4 = "198.18.0.1", *b4 = "198.18.0.2", *a6 = "fd00::1", *b6 = "fd00::2";

  struct Row {
    const char* what;
    Bytes frame;
    pktlens_flow_key key;
    uint8_t tcp_flags;
  };
  const std::vector<Row> rows{
      {"IPv4/UDP", PacketBuilder().eth().ipv4().udp({.sport = 5353, .dport = 53}).build(),
       key4(a4, b4, {.dir = dir, .proto = 17, .sport = 5353, .dport = 53}), 0},
      {"IPv4/TCP",
       PacketBuilder().eth().ipv4().tcp({.sport = 1, .dport = 65535, .flags = 0x10}).build(),
       key4(a4, b4, {.dir = dir, .proto = 6, .sport = 1, .dport = 65535}), 0x10},
      {"IPv4/ICMP port unreachable: type 3, code 3",
       PacketBuilder().eth().ipv4().icmp({3, 3}).payload(28).build(),
       key4(a4, b4, {.dir = dir, .proto = 1, .sport = 3, .dport = 3}), 0},
      {"IPv4/ICMP echo request: type 8, code 0", PacketBuilder().eth().ipv4().icmp().build(),
       key4(a4, b4, {.dir = dir, .proto = 1, .sport = 8, .dport = 0}), 0},
      {"IPv4/GRE: no ports", PacketBuilder().eth().ipv4({.proto = 47}).payload(24, 0x11).build(),
       key4(a4, b4, {.dir = dir, .proto = 47}), 0},
      {"IPv4 non-first UDP fragment: no ports",
       PacketBuilder()
           .eth()
           .ipv4({.dst = ip4("198.18.0.3"), .proto = 17, .frag = 100})
           .payload(64, 0x22)
           .build(),
       key4(a4, "198.18.0.3", {.dir = dir, .proto = 17}), 0},
      {"IPv4 first UDP fragment: ports",
       PacketBuilder()
           .eth()
           .ipv4({.dst = ip4("198.18.0.3"), .frag = MF})
           .udp({.sport = 7, .dport = 9})
           .payload(64)
           .build(),
       key4(a4, "198.18.0.3", {.dir = dir, .proto = 17, .sport = 7, .dport = 9}), 0},
      {"IPv6/UDP", PacketBuilder().eth().ipv6().udp({.sport = 546, .dport = 547}).build(),
       key6(a6, b6, {.dir = dir, .proto = 17, .sport = 546, .dport = 547}), 0},
      {"IPv6/ICMPv6 destination unreachable: type 1, code 4",
       PacketBuilder().eth().ipv6().icmp6({1, 4}).payload(48).build(),
       key6(a6, b6, {.dir = dir, .proto = 58, .sport = 1, .dport = 4}), 0},
      {"IPv6 extension chain: the protocol is the last next header",
       PacketBuilder()
           .eth()
           .ipv6({.dst = ip6("fd00::3")})
           .ipv6_ext(0)
           .ipv6_ext(43)
           .ipv6_ext(60)
           .tcp({.sport = 2, .dport = 3})
           .build(),
       key6(a6, "fd00::3", {.dir = dir, .proto = 6, .sport = 2, .dport = 3}), PKTLENS_TCP_SYN},
      {"IPv6 non-first UDP fragment: no ports",
       PacketBuilder()
           .eth()
           .ipv6({.dst = ip6("fd00::4")})
           .ipv6_frag(10, true, 1, 17)
           .payload(64, 0x33)
           .build(),
       key6(a6, "fd00::4", {.dir = dir, .proto = 17}), 0},
      {"IPv6 first UDP fragment: ports",
       PacketBuilder()
           .eth()
           .ipv6({.dst = ip6("fd00::5")})
           .ipv6_frag(0, true)
           .udp({.sport = 11, .dport = 12})
           .payload(64)
           .build(),
       key6(a6, "fd00::5", {.dir = dir, .proto = 17, .sport = 11, .dport = 12}), 0},
      {"IPv6 with no next header: protocol 59, no ports",
       PacketBuilder().eth().ipv6({.dst = ip6("fd00::6")}).build(),
       key6(a6, "fd00::6", {.dir = dir, .proto = 59}), 0},
      {"802.1Q IPv4/UDP",
       PacketBuilder().eth().vlan(42).ipv4().udp({.sport = 5353, .dport = 53}).build(),
       key4(a4, b4, {.dir = dir, .proto = 17, .sport = 5353, .dport = 53, .vlan = 42}), 0},
  };
  std::vector<WantFlow> want;
  for (const auto& r : rows) {
    INFO(r.what);
    run_pass(dp, h, r.frame);
    want.push_back({r.key, 1, r.frame.size(), r.tcp_flags});
  }
  check_flows(dp.flows(), want);
  const auto s = dp.stats(1, dir);
  CHECK(s.flow_inserts == rows.size());
  check_flow_invariant(dp, s);
}

TEST_CASE("flow bookkeeping reconciles with the totals over a mix of frames", "[flows]") {
  const Hook h = GENERATE(Hook::TcIngress, Hook::TcEgress, Hook::Xdp);
  INFO("hook " << hook_name(h));
  Dataplane dp;
  dp.register_iface(1, 1, 1500);
  // Tracked: IP with a complete header, whatever else is wrong with it.
  const std::vector<Bytes> tracked{
      PacketBuilder().eth().ipv4().tcp().build(),
      PacketBuilder().eth().ipv4().tcp({.flags = PKTLENS_TCP_ACK}).payload(500).build(),
      PacketBuilder().eth().ipv6().udp().payload(100).build(),
      PacketBuilder().eth().ipv4({.tot_len = 5000}).udp().build(),       // bad_ip_length
      PacketBuilder().eth().ipv4({.ttl = 1}).tcp({.flags = 0}).build(),  // tcp_null
      PacketBuilder().eth().vlan(9).ipv6().ipv6_frag(3, false, 1, 17).payload(30).build(),
  };
  // Untracked: no flow key.
  const std::vector<Bytes> untracked{
      PacketBuilder().eth().arp().build(),
      PacketBuilder().eth().payload(100).build(),
      PacketBuilder().eth().ipv4({.version_ihl = 0x44}).udp().build(),  // bad_ip_header
      PacketBuilder().eth().ipv6({.version = 5}).udp().build(),         // bad_ip_header
      PacketBuilder().eth().ipv4({.version_ihl = 0x4f}).udp().build(),  // IHL beyond the frame
      PacketBuilder().eth(0x8100).raw({0, 1}).build(),                  // cut VLAN tag
  };
  uint64_t tracked_bytes = 0, untracked_bytes = 0;
  for (int round = 0; round < 2; round++) {
    for (const auto& f : tracked) {
      run_pass(dp, h, f);
      tracked_bytes += f.size();
    }
    for (const auto& f : untracked) {
      run_pass(dp, h, f);
      untracked_bytes += f.size();
    }
  }
  const auto s = dp.stats(1, dir_of(h));
  CHECK(total_packets(s) == 2 * (tracked.size() + untracked.size()));
  CHECK(total_bytes(s) == tracked_bytes + untracked_bytes);
  CHECK(s.flow_untracked_packets == 2 * untracked.size());
  CHECK(s.flow_untracked_bytes == untracked_bytes);
  CHECK(s.flow_unadmitted_packets == 0);
  const auto f = sum_flows(dp.flows());
  CHECK(f.packets == 2 * tracked.size());
  CHECK(f.bytes == tracked_bytes);
  check_flow_invariant(dp, s);
}

TEST_CASE("flows=false: no flows, every frame counted untracked", "[flows][switches]") {
  const Hook h = GENERATE(Hook::TcIngress, Hook::TcEgress, Hook::Xdp);
  INFO("hook " << hook_name(h));
  Dataplane dp({.flows = false});
  dp.register_iface(1, 1, 1500);
  const std::vector<Bytes> frames{
      PacketBuilder().eth().ipv4().tcp().build(),
      PacketBuilder().eth().ipv6().udp().payload(100).build(),
      PacketBuilder().eth().vlan(5).ipv4().icmp().build(),
      PacketBuilder().eth().arp().build(),
  };
  uint64_t bytes = 0;
  for (const auto& f : frames) {
    run_pass(dp, h, f);
    bytes += f.size();
  }
  CHECK(dp.flows().empty());
  const auto s = dp.stats(1, dir_of(h));
  CHECK(total_packets(s) == frames.size());
  CHECK(s.flow_untracked_packets == frames.size());
  CHECK(s.flow_untracked_bytes == bytes);
  CHECK(s.flow_unadmitted_packets == 0);
  CHECK(s.flow_unadmitted_bytes == 0);
  CHECK(s.flow_inserts == 0);
  // The VLAN map does not depend on flows.
  check_vlans(dp.vlans(), {{vkey(5, 0, 1, dir_of(h)), 1, frames[2].size()}});
}

TEST_CASE("flow admission: at most flow_inserts_per_window new flows per window",
          "[flows][admission]") {
  const Hook h = GENERATE(Hook::TcIngress, Hook::TcEgress, Hook::Xdp);
  const bool filter = GENERATE(true, false);
  INFO("hook " << hook_name(h) << ", presence filter " << (filter ? "on" : "off"));
  const uint8_t dir = dir_of(h);
  PinnedToOneCpu pin;
  // A window much longer than the test: the budget does not refill.
  Dataplane dp({.flow_window_ns = 3600'000'000'000ull,
                .flow_inserts_per_window = 3,
                .flow_presence_filter = filter});
  dp.register_iface(1, 1, 1500);

  auto key = [&](uint16_t sport) {
    return key4("198.18.0.1", "198.18.0.2", {.dir = dir, .proto = 17, .sport = sport, .dport = 53});
  };
  // Five new flows, distinct frame sizes so that bytes tell them apart.
  std::vector<Bytes> f;
  for (uint16_t i = 0; i < 5; i++) f.push_back(udp4(1000 + i, 10 + i));
  for (const auto& x : f) run_pass(dp, h, x);

  auto s = dp.stats(1, dir);
  CHECK(s.flow_inserts == 3);
  CHECK(s.flow_unadmitted_packets == 2);
  CHECK(s.flow_unadmitted_bytes == f[3].size() + f[4].size());
  CHECK(s.flow_untracked_packets == 0);
  check_flows(dp.flows(), {{key(1000), 1, f[0].size(), 0},
                           {key(1001), 1, f[1].size(), 0},
                           {key(1002), 1, f[2].size(), 0}});
  check_flow_invariant(dp, s);

  // Existing flows are still counted; new ones are still refused.
  run_pass(dp, h, f[0]);
  run_pass(dp, h, f[2]);
  run_pass(dp, h, f[2]);
  run_pass(dp, h, f[4]);
  const auto f5 = udp4(1005, 3);
  run_pass(dp, h, f5);
  s = dp.stats(1, dir);
  CHECK(s.flow_inserts == 3);
  CHECK(s.flow_unadmitted_packets == 4);
  CHECK(s.flow_unadmitted_bytes == f[3].size() + 2 * f[4].size() + f5.size());
  check_flows(dp.flows(), {{key(1000), 2, 2 * f[0].size(), 0},
                           {key(1001), 1, f[1].size(), 0},
                           {key(1002), 3, 3 * f[2].size(), 0}});
  CHECK(total_packets(s) == 10);
  check_flow_invariant(dp, s);
}

TEST_CASE("flow admission: 0 inserts per window means no limit", "[flows][admission]") {
  PinnedToOneCpu pin;
  Dataplane dp({.flow_window_ns = 3600'000'000'000ull, .flow_inserts_per_window = 0});
  dp.register_iface(1, 1, 1500);
  for (uint16_t i = 0; i < 50; i++) run_pass(dp, Hook::TcIngress, udp4(2000 + i));
  const auto s = dp.stats(1, PKTLENS_DIR_INGRESS);
  CHECK(s.flow_inserts == 50);
  CHECK(s.flow_unadmitted_packets == 0);
  CHECK(dp.flows().size() == 50);
  check_flow_invariant(dp, s);
}

TEST_CASE("a full flow table refuses a new flow: its packets count as unadmitted",
          "[flows][admission]") {
  const Hook h = GENERATE(Hook::TcIngress, Hook::TcEgress, Hook::Xdp);
  const bool filter = GENERATE(true, false);
  INFO("hook " << hook_name(h) << ", presence filter " << (filter ? "on" : "off"));
  const uint8_t dir = dir_of(h);
  // No insert budget: only the table's size refuses. A plain hash never
  // evicts to make room (an LRU would, and the evicted flow's packets
  // would vanish from the books).
  constexpr uint32_t kMax = 128;
  Dataplane dp({.max_flows = kMax, .flow_inserts_per_window = 0, .flow_presence_filter = filter});
  dp.register_iface(1, 1, 1500);
  auto key = [&](uint16_t sport) {
    return key4("198.18.0.1", "198.18.0.2", {.dir = dir, .proto = 17, .sport = sport, .dport = 53});
  };
  std::vector<Bytes> f;
  for (uint16_t i = 0; i < kMax + 2; i++) f.push_back(udp4(3000 + i, 10 + i % 7));
  for (const auto& x : f) run_pass(dp, h, x);

  auto s = dp.stats(1, dir);
  CHECK(s.flow_inserts == kMax);
  CHECK(dp.flows().size() == kMax);
  CHECK(s.flow_unadmitted_packets == 2);
  CHECK(s.flow_unadmitted_bytes == f[kMax].size() + f[kMax + 1].size());
  check_flow_invariant(dp, s);

  // The flows in the table keep counting; the refused one stays refused.
  run_pass(dp, h, f[0]);
  run_pass(dp, h, f[kMax]);
  s = dp.stats(1, dir);
  CHECK(s.flow_inserts == kMax);
  CHECK(s.flow_unadmitted_packets == 3);
  bool found = false;
  const pktlens_flow_key first = key(3000);
  for (const Flow& fl : dp.flows())
    if (std::memcmp(&fl.key, &first, sizeof fl.key) == 0) {
      found = true;
      CHECK(fl.val.packets == 2);
    }
  CHECK(found);
  check_flow_invariant(dp, s);
}

TEST_CASE("an unregistered ifindex is counted in slot 0, with no MTU check", "[registry]") {
  const Hook h = GENERATE(Hook::TcIngress, Hook::TcEgress, Hook::Xdp);
  INFO("hook " << hook_name(h));
  const uint8_t dir = dir_of(h);
  Dataplane dp;  // no register_iface
  const auto tagged = PacketBuilder().eth().vlan(12).ipv4().tcp().build();
  const auto big =
      PacketBuilder().eth().ipv6().udp().payload(3000).build();  // oversize for any MTU 1500
  const auto arp = PacketBuilder().eth().arp().build();
  for (const auto* f : {&tagged, &big, &arp}) run_pass(dp, h, *f);

  const auto s = dp.stats(PKTLENS_SLOT_UNREGISTERED, dir);
  CHECK(total_packets(s) == 3);
  CHECK(total_bytes(s) == tagged.size() + big.size() + arp.size());
  CHECK(s.packets[PKTLENS_L3_IPV4][PKTLENS_L4_TCP] == 1);
  CHECK(s.packets[PKTLENS_L3_IPV6][PKTLENS_L4_UDP] == 1);
  CHECK(s.packets[PKTLENS_L3_ARP][PKTLENS_L4_OTHER] == 1);
  CHECK(s.tcp_flags[PKTLENS_TCPF_SYN] == 1);
  for (auto v : s.anomalies) CHECK(v == 0);  // no MTU known: no oversize
  CHECK(is_zero(dp.stats(PKTLENS_SLOT_UNREGISTERED, dir ^ 1)));
  CHECK(is_zero(dp.stats(1, PKTLENS_DIR_INGRESS)));
  CHECK(is_zero(dp.stats(1, PKTLENS_DIR_EGRESS)));
  // Flow and VLAN keys still name the real ifindex.
  check_flows(dp.flows(),
              {{key4("198.18.0.1", "198.18.0.2",
                     {.dir = dir, .proto = 6, .sport = 40000, .dport = 80, .vlan = 12}),
                1, tagged.size(), PKTLENS_TCP_SYN},
               {key6("fd00::1", "fd00::2", {.dir = dir, .proto = 17, .sport = 40000, .dport = 53}),
                1, big.size(), 0}});
  check_vlans(dp.vlans(), {{vkey(12, 0, 1, dir), 1, tagged.size()}});
  check_flow_invariant(dp, s);
}
