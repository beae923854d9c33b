// SPDX-License-Identifier: Apache-2.0
// Threat signals (bpf/lib/threats.h) through the real programs: exact
// counts of what each signal counts, what it leaves alone, its switch,
// and the collector's view of it (collector/threats.hpp).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <vector>

#include "bpf/percpu.hpp"
#include "collector/threats.hpp"
#include "dataplane.hpp"
#include "packet.hpp"
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
  pktlens::collector::ThreatCollector tc(dp.skel(), {.syn_top_k = 2, .handshakes_counted = true});
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
