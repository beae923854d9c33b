// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include "dataplane.hpp"
#include "packet.hpp"

using namespace pktlens::test;

TEST_CASE("an IPv4/TCP SYN through TC ingress is counted once") {
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
