// SPDX-License-Identifier: Apache-2.0
// The harness itself, and the interface registry: which pktlens_stats slot a
// frame lands in.
#include <catch2/catch.hpp>

#include "dataplane.hpp"
#include "packet.hpp"

using namespace pktlens::test;

TEST_CASE("an IPv4/TCP SYN through TC ingress is counted once", "[registry]") {
  Dataplane dp;
  dp.register_iface(1, 1, 1500);
  auto frame = PacketBuilder().eth().ipv4().tcp().build();
  auto r = dp.run(Hook::TcIngress, frame);
  CHECK(r.retval == -1);
  auto s = dp.stats(1, PKTLENS_DIR_INGRESS);
  CHECK(s.packets[PKTLENS_L3_IPV4][PKTLENS_L4_TCP] == 1);
  CHECK(s.bytes[PKTLENS_L3_IPV4][PKTLENS_L4_TCP] == frame.size());
  CHECK(s.tcp_flags[PKTLENS_TCPF_SYN] == 1);
  CHECK(dp.flows().size() == 1);
}

TEST_CASE("frames of an unregistered interface are counted in slot 0", "[registry]") {
  Dataplane dp;
  auto frame = PacketBuilder().eth().ipv4().udp().payload(10).build();
  for (Hook h : {Hook::TcIngress, Hook::TcEgress, Hook::Xdp}) dp.run(h, frame);
  CHECK(total_packets(dp.stats(PKTLENS_SLOT_UNREGISTERED, PKTLENS_DIR_INGRESS)) == 2);
  CHECK(total_packets(dp.stats(PKTLENS_SLOT_UNREGISTERED, PKTLENS_DIR_EGRESS)) == 1);
  CHECK(total_packets(dp.stats(1, PKTLENS_DIR_INGRESS)) == 0);
}

TEST_CASE("an ifindex beyond the registry array is found in the hash", "[registry]") {
  // An array of one entry holds only ifindex 0, so ifindex 1 goes to the hash,
  // as a large ifindex does on a busy container host.
  Dataplane dp({.ifindex_array = 1});
  dp.register_iface(1, 3, 100);
  auto frame = PacketBuilder().eth().ipv4().udp().payload(200).build();
  dp.run(Hook::TcIngress, frame);
  const auto s = dp.stats(3, PKTLENS_DIR_INGRESS);
  CHECK(s.packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == 1);
  // The MTU came from the hash entry too.
  CHECK(s.anomalies[PKTLENS_ANOM_OVERSIZE] == 1);
  CHECK(total_packets(dp.stats(PKTLENS_SLOT_UNREGISTERED, PKTLENS_DIR_INGRESS)) == 0);
}

TEST_CASE("a slot beyond the stats array falls back to slot 0", "[registry]") {
  Dataplane dp({.max_slots = 4});
  dp.register_iface(1, 9, 1500);
  auto frame = PacketBuilder().eth().ipv6().udp().build();
  dp.run(Hook::Xdp, frame);
  CHECK(dp.stats(PKTLENS_SLOT_UNREGISTERED, PKTLENS_DIR_INGRESS)
            .packets[PKTLENS_L3_IPV6][PKTLENS_L4_UDP] == 1);
}
