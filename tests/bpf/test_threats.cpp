// SPDX-License-Identifier: Apache-2.0
// Threat signals (bpf/lib/threats.h) through the real programs: exact
// counts of what each signal counts, what it leaves alone, its switch,
// and the collector's view of it (collector/threats.hpp).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <bit>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "alerts/engine.hpp"
#include "alerts/signal_extractor.hpp"
#include "bpf/percpu.hpp"
#include "collector/map_reader.hpp"
#include "collector/threats.hpp"
#include "dataplane.hpp"
#include "packet.hpp"
#include "pinned_cpu.hpp"
#include "pktlens_bpf.skel.h"

using namespace pktlens::test;

namespace {

constexpr uint32_t kSlot = 2;
constexpr uint8_t SYN = PKTLENS_TCP_SYN, ACK = PKTLENS_TCP_ACK, RST = PKTLENS_TCP_RST,
                  FIN = PKTLENS_TCP_FIN, PSH = PKTLENS_TCP_PSH;
const Ip4 kServer = ip4("198.18.0.1");

Bytes seg4(Ip4 src, Ip4 dst, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq = 1,
           uint32_t ack = 0) {
  return PacketBuilder()
      .eth()
      .ipv4({.src = src, .dst = dst})
      .tcp({.sport = sport, .dport = dport, .flags = flags, .seq = seq, .ack = ack})
      .build();
}

// A SYN to kServer:dport from a source that differs with n (spoofed).
Bytes spoofed_syn(uint32_t n, uint16_t dport = 80) {
  const Ip4 src{198, 19, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  return seg4(src, kServer, static_cast<uint16_t>(1024 + n), dport, SYN);
}

template <size_t N>
pktlens_syn_key syn_key(uint8_t family, const std::array<uint8_t, N>& dst, uint16_t dport) {
  pktlens_syn_key k{};
  k.family = family;
  k.dport = dport;
  std::memcpy(k.dst, dst.data(), N);
  return k;
}

// pktlens_syn[(dst, dport)] summed over CPUs; zeros when absent.
pktlens_syn_val syn_of(const Dataplane& dp, const pktlens_syn_key& k) {
  pktlens_syn_val sum{};
  const auto v =
      pktlens::bpf::lookup_percpu<pktlens_syn_val>(bpf_map__fd(dp.skel()->maps.pktlens_syn), k);
  if (!v) return sum;
  for (int c = 0; c < v->cpus(); c++) {
    sum.syns += v->at(c).syns;
    sum.handshakes += v->at(c).handshakes;
  }
  return sum;
}

size_t entries(const bpf_map* m) {
  std::vector<uint8_t> key(bpf_map__key_size(m)), next(key.size());
  size_t n = 0;
  const void* prev = nullptr;
  while (bpf_map_get_next_key(bpf_map__fd(m), prev, next.data()) == 0) {
    n++;
    key = next;
    prev = key.data();
  }
  return n;
}

}  // namespace

TEST_CASE("syn: SYNs without ACK received, per destination address and port", "[threats]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  const Ip4 client = ip4("198.18.0.2");
  dp.run(Hook::TcIngress, seg4(client, kServer, 40000, 80, SYN), {.repeat = 1000});
  dp.run(Hook::Xdp, seg4(client, kServer, 40001, 80, SYN), {.repeat = 7});
  dp.run(Hook::TcIngress, seg4(client, kServer, 40002, 443, SYN), {.repeat = 3});
  // Not a SYN received: SYN-ACK, ACK, data, RST, FIN in; a SYN sent.
  dp.run(Hook::TcIngress, seg4(client, kServer, 40000, 80, SYN | ACK), {.repeat = 5});
  dp.run(Hook::TcIngress, seg4(client, kServer, 40000, 80, ACK), {.repeat = 5});
  dp.run(Hook::TcIngress, seg4(client, kServer, 40000, 80, ACK | PSH), {.repeat = 5});
  dp.run(Hook::TcIngress, seg4(client, kServer, 40000, 80, RST), {.repeat = 5});
  dp.run(Hook::TcIngress, seg4(client, kServer, 40000, 80, FIN | ACK), {.repeat = 5});
  dp.run(Hook::Xdp, seg4(client, kServer, 40000, 80, ACK), {.repeat = 5});
  dp.run(Hook::TcEgress, seg4(kServer, client, 40000, 80, SYN), {.repeat = 5});

  CHECK(syn_of(dp, syn_key(4, kServer, 80)).syns == 1007);
  CHECK(syn_of(dp, syn_key(4, kServer, 443)).syns == 3);
  CHECK(syn_of(dp, syn_key(4, kServer, 80)).handshakes == 0);
  CHECK(entries(dp.skel()->maps.pktlens_syn) == 2);
  // The interface's syn flag counter agrees on ingress.
  CHECK(dp.stats(kSlot, PKTLENS_DIR_INGRESS).tcp_flags[PKTLENS_TCPF_SYN] == 1010);

  const Ip6 server6 = ip6("fd00::1");
  dp.run(Hook::TcIngress,
         PacketBuilder()
             .eth()
             .ipv6({.src = ip6("fd00::2"), .dst = server6})
             .tcp({.sport = 5000, .dport = 22, .flags = SYN})
             .build(),
         {.repeat = 11});
  CHECK(syn_of(dp, syn_key(6, server6, 22)).syns == 11);
}

TEST_CASE("syn: a spoofed-source flood is one entry per destination", "[threats]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  for (uint32_t n = 0; n < 3000; n++) dp.run(Hook::TcIngress, spoofed_syn(n));
  for (uint32_t n = 0; n < 500; n++) dp.run(Hook::Xdp, spoofed_syn(n, 8080));
  CHECK(syn_of(dp, syn_key(4, kServer, 80)).syns == 3000);
  CHECK(syn_of(dp, syn_key(4, kServer, 8080)).syns == 500);
  CHECK(entries(dp.skel()->maps.pktlens_syn) == 2);
}

TEST_CASE("syn: a completed server handshake counts once on its destination", "[threats]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  const Ip4 client = ip4("198.18.0.2");
  dp.run(Hook::TcIngress, seg4(client, kServer, 40000, 80, SYN, 300));
  dp.run(Hook::TcEgress, seg4(kServer, client, 80, 40000, SYN | ACK, 9000, 301));
  // An ACK not acking our SYN-ACK completes nothing.
  dp.run(Hook::TcIngress, seg4(client, kServer, 40000, 80, ACK, 301, 9000));
  CHECK(syn_of(dp, syn_key(4, kServer, 80)).handshakes == 0);
  dp.run(Hook::TcIngress, seg4(client, kServer, 40000, 80, ACK, 301, 9001));
  // The same ACK again, and data after it: still one.
  dp.run(Hook::TcIngress, seg4(client, kServer, 40000, 80, ACK, 301, 9001));
  dp.run(Hook::TcIngress, seg4(client, kServer, 40000, 80, ACK | PSH, 301, 9001));
  // A second connection that the server refuses (RST): a SYN, no handshake.
  dp.run(Hook::TcIngress, seg4(client, kServer, 40001, 80, SYN, 500));
  dp.run(Hook::TcEgress, seg4(kServer, client, 80, 40001, RST | ACK, 0, 501));
  // Our own connection out (client role) completes no server handshake.
  dp.run(Hook::TcEgress, seg4(kServer, client, 41000, 80, SYN, 70));
  dp.run(Hook::TcIngress, seg4(client, kServer, 80, 41000, SYN | ACK, 1, 71));
  dp.run(Hook::TcEgress, seg4(kServer, client, 41000, 80, ACK, 71, 2));

  const auto v = syn_of(dp, syn_key(4, kServer, 80));
  CHECK(v.syns == 2);
  CHECK(v.handshakes == 1);
  CHECK(entries(dp.skel()->maps.pktlens_syn) == 1);
}

TEST_CASE("syn: switched off, or without handshake tracking", "[threats]") {
  const Ip4 client = ip4("198.18.0.2");
  const auto handshake = [&](Dataplane& dp) {
    dp.run(Hook::TcIngress, seg4(client, kServer, 40000, 80, SYN, 300));
    dp.run(Hook::TcEgress, seg4(kServer, client, 80, 40000, SYN | ACK, 9000, 301));
    dp.run(Hook::TcIngress, seg4(client, kServer, 40000, 80, ACK, 301, 9001));
  };
  {
    Dataplane dp({.syn = false});
    dp.register_iface(1, kSlot, 1500);
    handshake(dp);
    dp.run(Hook::Xdp, spoofed_syn(1));
    CHECK(entries(dp.skel()->maps.pktlens_syn) == 0);
    CHECK(dp.tcp_lat(kSlot).handshake[PKTLENS_HS_SERVER].count == 1);  // latency unaffected
  }
  {
    Dataplane dp({.handshake = false});
    dp.register_iface(1, kSlot, 1500);
    handshake(dp);
    const auto v = syn_of(dp, syn_key(4, kServer, 80));
    CHECK(v.syns == 1);
    CHECK(v.handshakes == 0);
  }
}

TEST_CASE("syn: the collector's interval deltas and top-K", "[threats]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  const Ip4 client = ip4("198.18.0.2");
  for (uint16_t port : {80, 443, 22}) dp.run(Hook::TcIngress, seg4(client, kServer, 1, port, SYN));
  pktlens::collector::ThreatCollector tc(dp.skel(), {.syn_top_k = 2, .tc_hooks = true});
  pktlens::collector::Snapshot s1;
  tc.collect(s1);
  REQUIRE(s1.threats.syn_on);
  CHECK(s1.threats.syn_table_entries == 3);
  REQUIRE(s1.threats.top_syn.size() == 2);
  // First cycle: nothing to compare with, deltas 0; ranked by totals, then key.
  CHECK(s1.threats.top_syn[0].dport == 22);
  CHECK(s1.threats.top_syn[0].syns_delta == 0);
  CHECK(s1.threats.top_syn[1].dport == 80);

  dp.run(Hook::TcIngress, seg4(client, kServer, 2, 443, SYN), {.repeat = 40});
  dp.run(Hook::TcIngress, seg4(client, kServer, 3, 80, SYN), {.repeat = 10});
  // One of the 443 attempts completes.
  dp.run(Hook::TcEgress, seg4(kServer, client, 443, 2, SYN | ACK, 9000, 2));
  dp.run(Hook::TcIngress, seg4(client, kServer, 2, 443, ACK, 2, 9001));
  pktlens::collector::Snapshot s2;
  tc.collect(s2);
  REQUIRE(s2.threats.top_syn.size() == 2);
  const auto& top = s2.threats.top_syn[0];
  CHECK(top.dport == 443);
  CHECK(top.syns == 41);
  CHECK(top.syns_delta == 40);
  CHECK(top.handshakes == 1);
  CHECK(top.handshakes_delta == 1);
  CHECK(top.half_open() == 39);
  CHECK(s2.threats.top_syn[1].dport == 80);
  CHECK(s2.threats.top_syn[1].syns_delta == 10);
  CHECK(s2.threats.top_syn[1].half_open() == 10);
}

namespace {

Bytes icmp4(Ip4 dst, uint8_t type) {
  return PacketBuilder()
      .eth()
      .ipv4({.src = ip4("198.18.0.2"), .dst = dst})
      .icmp({.type = type, .code = 0})
      .payload(16)
      .build();
}

Bytes icmp6_to(Ip6 dst, uint8_t type) {
  return PacketBuilder()
      .eth()
      .ipv6({.src = ip6("fd00::2"), .dst = dst})
      .icmp6({.type = type, .code = 0})
      .payload(16)
      .build();
}

Bytes udp_to(uint16_t dport) {
  return PacketBuilder()
      .eth()
      .ipv4({.src = ip4("198.18.0.2"), .dst = kServer})
      .udp({.sport = 5353, .dport = dport})
      .payload(8)
      .build();
}

template <size_t N>
uint64_t echo_of(const Dataplane& dp, uint8_t family, const std::array<uint8_t, N>& dst) {
  pktlens_addr_key k{};
  k.family = family;
  std::memcpy(k.addr, dst.data(), N);
  const auto v =
      pktlens::bpf::lookup_percpu<uint64_t>(bpf_map__fd(dp.skel()->maps.pktlens_icmp_echo), k);
  uint64_t n = 0;
  if (v)
    for (int c = 0; c < v->cpus(); c++) n += v->at(c);
  return n;
}

uint64_t udp_of(const Dataplane& dp, uint32_t port) {
  const auto v =
      pktlens::bpf::lookup_percpu<uint64_t>(bpf_map__fd(dp.skel()->maps.pktlens_udp_ports), port);
  uint64_t n = 0;
  if (v)
    for (int c = 0; c < v->cpus(); c++) n += v->at(c);
  return n;
}

// Every port's counter, summed (one batch of the whole array).
uint64_t udp_total(const Dataplane& dp) {
  uint64_t n = 0;
  pktlens::collector::read_percpu_map(
      dp.skel()->maps.pktlens_udp_ports, [&] { n = 0; },
      [&](const uint8_t*, const uint8_t* values, size_t stride, int cpus) {
        for (int c = 0; c < cpus; c++) {
          uint64_t v;
          std::memcpy(&v, values + static_cast<size_t>(c) * stride, sizeof v);
          n += v;
        }
      });
  return n;
}

}  // namespace

TEST_CASE("icmp echo: requests received, per destination address", "[threats]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  const Ip4 other = ip4("198.18.0.9");
  const Ip6 server6 = ip6("fd00::1");
  dp.run(Hook::TcIngress, icmp4(kServer, 8), {.repeat = 300});
  dp.run(Hook::Xdp, icmp4(kServer, 8), {.repeat = 20});
  dp.run(Hook::TcIngress, icmp4(other, 8), {.repeat = 4});
  dp.run(Hook::TcIngress, icmp6_to(server6, 128), {.repeat = 9});
  // Not requests received: replies, other types, ICMPv6 type 8, egress,
  // a non-first fragment of a request.
  dp.run(Hook::TcIngress, icmp4(kServer, 0), {.repeat = 5});
  dp.run(Hook::TcIngress, icmp4(kServer, 3), {.repeat = 5});
  dp.run(Hook::TcIngress, icmp6_to(server6, 129), {.repeat = 5});
  dp.run(Hook::TcIngress, icmp6_to(server6, 8), {.repeat = 5});
  dp.run(Hook::TcIngress, icmp6_to(server6, 135), {.repeat = 5});
  dp.run(Hook::TcEgress, icmp4(kServer, 8), {.repeat = 5});
  dp.run(Hook::TcIngress,
         PacketBuilder()
             .eth()
             .ipv4({.src = ip4("198.18.0.2"), .dst = kServer, .proto = 1, .frag = 0x0002})
             .raw(Bytes{8, 0, 0, 0, 0, 0, 0, 0})
             .build(),
         {.repeat = 5});

  CHECK(echo_of(dp, 4, kServer) == 320);
  CHECK(echo_of(dp, 4, other) == 4);
  CHECK(echo_of(dp, 6, server6) == 9);
  CHECK(entries(dp.skel()->maps.pktlens_icmp_echo) == 3);
}

TEST_CASE("udp ports: datagrams received, per destination port", "[threats]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  dp.run(Hook::TcIngress, udp_to(53), {.repeat = 250});
  dp.run(Hook::Xdp, udp_to(53), {.repeat = 50});
  dp.run(Hook::TcIngress, udp_to(9), {.repeat = 3});
  dp.run(Hook::TcIngress,
         PacketBuilder()
             .eth()
             .ipv6({.src = ip6("fd00::2"), .dst = ip6("fd00::1")})
             .udp({.sport = 1, .dport = 5353})
             .build(),
         {.repeat = 6});
  // Not counted: egress, TCP to the same port, a non-first fragment (no
  // ports in it).
  dp.run(Hook::TcEgress, udp_to(53), {.repeat = 5});
  dp.run(Hook::TcIngress, seg4(ip4("198.18.0.2"), kServer, 1, 53, SYN), {.repeat = 5});
  dp.run(Hook::TcIngress,
         PacketBuilder()
             .eth()
             .ipv4({.src = ip4("198.18.0.2"), .dst = kServer, .proto = 17, .frag = 0x0002})
             .payload(16)
             .build(),
         {.repeat = 5});

  CHECK(udp_of(dp, 53) == 300);
  CHECK(udp_of(dp, 9) == 3);
  CHECK(udp_of(dp, 5353) == 6);
  CHECK(udp_of(dp, 0) == 0);
  CHECK(udp_total(dp) == 309);
  CHECK(dp.stats(kSlot, PKTLENS_DIR_INGRESS).packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == 308);
}

TEST_CASE("icmp echo and udp ports: switched off, nothing", "[threats]") {
  Dataplane dp({.icmp_echo = false, .udp_ports = false});
  dp.register_iface(1, kSlot, 1500);
  dp.run(Hook::TcIngress, icmp4(kServer, 8), {.repeat = 3});
  dp.run(Hook::Xdp, udp_to(53), {.repeat = 3});
  CHECK(entries(dp.skel()->maps.pktlens_icmp_echo) == 0);
  CHECK(bpf_map__max_entries(dp.skel()->maps.pktlens_udp_ports) == 1);
  CHECK(udp_of(dp, 0) == 0);
  pktlens::collector::ThreatCollector tc(dp.skel(), {});
  pktlens::collector::Snapshot s;
  tc.collect(s);
  CHECK_FALSE(s.threats.icmp_echo_on);
  CHECK_FALSE(s.threats.udp_ports_on);
  CHECK(s.threats.top_udp_ports.empty());
}

TEST_CASE("icmp echo and udp ports: the collector's top-K", "[threats]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  pktlens::collector::ThreatCollector tc(dp.skel(), {.icmp_echo_top_k = 1, .udp_ports_top_k = 2});
  pktlens::collector::Snapshot s1;
  tc.collect(s1);
  CHECK(s1.threats.top_icmp_echo.empty());
  CHECK(s1.threats.top_udp_ports.empty());

  dp.run(Hook::TcIngress, icmp4(kServer, 8), {.repeat = 30});
  dp.run(Hook::TcIngress, icmp4(ip4("198.18.0.9"), 8), {.repeat = 10});
  dp.run(Hook::TcIngress, udp_to(53), {.repeat = 70});
  dp.run(Hook::TcIngress, udp_to(123), {.repeat = 7});
  dp.run(Hook::TcIngress, udp_to(9), {.repeat = 1});
  pktlens::collector::Snapshot s2;
  tc.collect(s2);
  REQUIRE(s2.threats.top_icmp_echo.size() == 1);
  CHECK(s2.threats.top_icmp_echo[0].addr[3] == 1);
  CHECK(s2.threats.top_icmp_echo[0].packets == 30);
  CHECK(s2.threats.top_icmp_echo[0].packets_delta == 30);
  REQUIRE(s2.threats.top_udp_ports.size() == 2);
  CHECK(s2.threats.top_udp_ports[0].port == 53);
  CHECK(s2.threats.top_udp_ports[0].packets == 70);
  CHECK(s2.threats.top_udp_ports[1].port == 123);

  // Next interval: port 9 moves most.
  dp.run(Hook::TcIngress, udp_to(9), {.repeat = 100});
  pktlens::collector::Snapshot s3;
  tc.collect(s3);
  REQUIRE(s3.threats.top_udp_ports.size() == 2);
  CHECK(s3.threats.top_udp_ports[0].port == 9);
  CHECK(s3.threats.top_udp_ports[0].packets == 101);
  CHECK(s3.threats.top_udp_ports[0].packets_delta == 100);
  CHECK(s3.threats.top_udp_ports[1].port == 53);
  CHECK(s3.threats.top_udp_ports[1].packets_delta == 0);
}

namespace {

// The raw bitmap of `src` in pktlens_scan, ORed over CPUs.
std::array<uint64_t, PKTLENS_SCAN_WORDS> scan_bits(const Dataplane& dp, const Ip4& src) {
  pktlens_addr_key k{};
  k.family = 4;
  std::memcpy(k.addr, src.data(), 4);
  std::array<uint64_t, PKTLENS_SCAN_WORDS> bits{};
  const auto v =
      pktlens::bpf::lookup_percpu<pktlens_scan_val>(bpf_map__fd(dp.skel()->maps.pktlens_scan), k);
  if (v)
    for (int c = 0; c < v->cpus(); c++)
      for (size_t w = 0; w < bits.size(); w++) bits[w] |= v->at(c).bits[w];
  return bits;
}

int popcount(const std::array<uint64_t, PKTLENS_SCAN_WORDS>& bits) {
  int n = 0;
  for (auto w : bits) n += std::popcount(w);
  return n;
}

pktlens::collector::Snapshot collect_scan(const Dataplane& dp, uint64_t threshold = 25) {
  pktlens::collector::ThreatCollector tc(dp.skel(), {.scan_top_k = 5, .scan_threshold = threshold});
  pktlens::collector::Snapshot s;
  tc.collect(s);
  return s;
}

}  // namespace

TEST_CASE("scan: a source probing 200 ports is the top suspect; a client is none", "[threats]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  const Ip4 scanner = ip4("198.18.0.66"), client = ip4("198.18.0.2");
  // 200 ports, each probed twice (nmap retries), at TC and XDP.
  for (uint16_t p = 1000; p < 1200; p++) {
    dp.run(Hook::TcIngress, seg4(scanner, kServer, 50000, p, SYN));
    dp.run(Hook::Xdp, seg4(scanner, kServer, 50001, p, SYN));
  }
  // A client opening 5 connections to one service: SYN, SYN-ACK, ACK, data.
  for (uint16_t i = 0; i < 5; i++) {
    const uint16_t sport = static_cast<uint16_t>(40000 + i);
    dp.run(Hook::TcIngress, seg4(client, kServer, sport, 443, SYN, 100));
    dp.run(Hook::TcEgress, seg4(kServer, client, 443, sport, SYN | ACK, 7, 101));
    dp.run(Hook::TcIngress, seg4(client, kServer, sport, 443, ACK, 101, 8));
    dp.run(Hook::TcIngress, seg4(client, kServer, sport, 443, ACK | PSH, 101, 8));
  }
  // Answers and our own SYNs are not probes.
  dp.run(Hook::TcIngress, seg4(scanner, kServer, 1, 2000, SYN | ACK), {.repeat = 3});
  dp.run(Hook::TcEgress, seg4(kServer, scanner, 1, 3000, SYN), {.repeat = 3});

  // 200 distinct ports hash to at most 200 bits: the collisions are what
  // the estimate corrects for.
  const int set = popcount(scan_bits(dp, scanner));
  CHECK(set <= 200);
  CHECK(set >= 170);
  CHECK(popcount(scan_bits(dp, client)) == 1);
  CHECK(entries(dp.skel()->maps.pktlens_scan) == 2);

  const auto s = collect_scan(dp);
  REQUIRE(s.threats.scan_on);
  CHECK(s.threats.scan_suspects == 1);
  REQUIRE(s.threats.top_scan.size() == 1);
  const auto& top = s.threats.top_scan[0];
  CHECK(top.family == 4);
  CHECK(top.src[3] == 66);
  INFO("estimate " << top.ports << " from " << set << " bits");
  // Linear counting of 200 in 1024 bits: standard error 2.3%; 3 sigma.
  CHECK(top.ports >= 186);
  CHECK(top.ports <= 214);

  // Even at the lowest threshold (2) the client, with 1 port, is none.
  CHECK(collect_scan(dp, 2).threats.scan_suspects == 1);
}

TEST_CASE("scan: a spoofed-source flood is admitted only within the budget", "[threats]") {
  const PinnedToOneCpu pin;  // the budget is per CPU
  Dataplane dp({.flow_window_ns = 3600'000'000'000ULL, .scan_inserts_per_window = 100});
  dp.register_iface(1, kSlot, 1500);
  for (uint32_t n = 0; n < 2000; n++) dp.run(Hook::TcIngress, spoofed_syn(n, 1 + n % 50));
  CHECK(entries(dp.skel()->maps.pktlens_scan) == 100);
  // Every SYN still counts for its destination.
  uint64_t syns = 0;
  for (uint16_t p = 1; p <= 50; p++) syns += syn_of(dp, syn_key(4, kServer, p)).syns;
  CHECK(syns == 2000);
  // An admitted source goes on counting: the first one probes more ports.
  for (uint16_t p = 100; p < 140; p++) dp.run(Hook::TcIngress, spoofed_syn(0, p));
  const auto s = collect_scan(dp);
  CHECK(s.threats.scan_suspects == 1);
  REQUIRE(s.threats.top_scan.size() == 1);
  CHECK(s.threats.top_scan[0].src[3] == 0);
}

TEST_CASE("scan: 20 decoys ranking above a real scanner do not hide it from an alert",
          "[threats]") {
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  // 20 decoys probe 150 ports each, the real scanner 60: the top 20 of
  // the export are the decoys, yet every one is over the alert's 40.
  for (uint8_t d = 0; d < 20; d++) {
    const Ip4 decoy = ip4("198.19.1." + std::to_string(d + 1));
    for (uint16_t p = 1; p <= 150; p++) dp.run(Hook::TcIngress, seg4(decoy, kServer, 1, p, SYN));
  }
  const Ip4 real = ip4("198.19.2.99");
  for (uint16_t p = 1000; p < 1060; p++) dp.run(Hook::TcIngress, seg4(real, kServer, 1, p, SYN));

  pktlens::collector::ThreatCollector tc(dp.skel(), {.scan_top_k = 20, .scan_threshold = 25});
  pktlens::collector::Snapshot before, now;
  now.taken_ns = 1'000'000'000;
  tc.collect(now);
  CHECK(now.threats.scan_suspects == 21);
  REQUIRE(now.threats.top_scan.size() == 20);
  for (const auto& s : now.threats.top_scan) CHECK(s.src[2] == 1);  // decoys only
  CHECK(now.threats.all_scan.size() == 21);

  pktlens::config::AlertRule rule{.name = "PortScan",
                                  .signal = "scan_ports",
                                  .by = {"src"},
                                  .above = 40,
                                  .summary = "scan from {{src}}"};
  pktlens::alerts::AlertEngine engine({rule});
  const auto fired = engine.evaluate(pktlens::alerts::extract_rule_signals({rule}, before, now),
                                     std::chrono::seconds(1));
  CHECK(fired.size() == 21);
  bool real_fired = false;
  for (const auto& t : fired)
    if (t.series.firing && t.series.labels == pktlens::alerts::Labels{{"src", "198.19.2.99"}})
      real_fired = true;
  CHECK(real_fired);
}

TEST_CASE("scan: a window that ended starts again; switched off, nothing", "[threats]") {
  {
    Dataplane dp({.scan_window_ns = 50'000'000});
    dp.register_iface(1, kSlot, 1500);
    const Ip4 scanner = ip4("198.18.0.66");
    for (uint16_t p = 1; p <= 60; p++) dp.run(Hook::TcIngress, seg4(scanner, kServer, 1, p, SYN));
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    // The window is over: the collector no longer counts it.
    CHECK(collect_scan(dp).threats.scan_suspects == 0);
    CHECK(collect_scan(dp).threats.top_scan.empty());
    // The next SYN starts a new window with only its own port.
    dp.run(Hook::TcIngress, seg4(scanner, kServer, 1, 61, SYN));
    CHECK(popcount(scan_bits(dp, scanner)) == 1);
  }
  {
    Dataplane dp({.scan = false});
    dp.register_iface(1, kSlot, 1500);
    for (uint16_t p = 1; p <= 60; p++)
      dp.run(Hook::TcIngress, seg4(ip4("198.18.0.66"), kServer, 1, p, SYN));
    CHECK(entries(dp.skel()->maps.pktlens_scan) == 0);
    CHECK_FALSE(collect_scan(dp).threats.scan_on);
  }
}
