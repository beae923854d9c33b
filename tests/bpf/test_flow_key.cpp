// SPDX-License-Identifier: Apache-2.0
// flows.key (cfg_flow_key): the kernel keys flows by the configured fields
// only, so connections that differ in a field left out share one entry,
// with every packet and byte of them; the per-interface totals and the
// flow bookkeeping are unchanged.
#include <catch2/catch.hpp>
#include <vector>

#include "dataplane.hpp"
#include "packet.hpp"

using namespace pktlens::test;

namespace {

// Client 198.18.0.1:port -> server 198.18.0.2:443 (TCP ACK), and the
// server's answer, 198.18.0.2:443 -> the client port.
Bytes to_server(uint16_t client_port, Ip4 client = ip4("198.18.0.1")) {
  return PacketBuilder()
      .eth()
      .ipv4({.src = client, .dst = ip4("198.18.0.2")})
      .tcp({.sport = client_port, .dport = 443, .flags = PKTLENS_TCP_ACK})
      .payload(100)
      .build();
}
Bytes from_server(uint16_t client_port) {
  return PacketBuilder()
      .eth()
      .ipv4({.src = ip4("198.18.0.2"), .dst = ip4("198.18.0.1")})
      .tcp({.sport = 443, .dport = client_port, .flags = PKTLENS_TCP_ACK})
      .payload(200)
      .build();
}

}  // namespace

TEST_CASE("flows.key: fields left out are 0 in the key, and their flows share one entry",
          "[flows][flow_key]") {
  SECTION("every field (the default): one entry per connection") {
    Dataplane dp({.flow_key = PKTLENS_FK_ALL});
    dp.register_iface(1, 1, 1500);
    for (uint16_t port = 40000; port < 40010; port++) dp.run(Hook::TcIngress, to_server(port));
    CHECK(dp.flows().size() == 10);
  }
  SECTION("service_port: the client's ephemeral port is dropped, both directions") {
    Dataplane dp(
        {.flow_key = PKTLENS_FK_PROTO | PKTLENS_FK_SRC | PKTLENS_FK_DST | PKTLENS_FK_SERVICE_PORT});
    dp.register_iface(1, 1, 1500);
    for (uint16_t port = 40000; port < 40010; port++) {
      dp.run(Hook::TcIngress, to_server(port));
      dp.run(Hook::TcEgress, from_server(port));
      dp.run(Hook::TcEgress, from_server(port));
    }
    const auto flows = dp.flows();
    REQUIRE(flows.size() == 2);
    for (const Flow& f : flows) {
      INFO("dir " << int(f.key.dir));
      if (f.key.dir == PKTLENS_DIR_INGRESS) {
        CHECK(f.key.sport == 0);
        CHECK(f.key.dport == 443);
        CHECK(f.val.packets == 10);
        CHECK(f.val.bytes == 10 * to_server(1).size());
      } else {
        CHECK(f.key.sport == 443);
        CHECK(f.key.dport == 0);
        CHECK(f.val.packets == 20);
        CHECK(f.val.bytes == 20 * from_server(1).size());
      }
      CHECK(f.key.proto == 6);
      CHECK(f.key.vlan == 0);
    }
    // Every packet is still counted per interface, and per flow.
    const auto in = dp.stats(1, PKTLENS_DIR_INGRESS);
    CHECK(in.packets[PKTLENS_L3_IPV4][PKTLENS_L4_TCP] == 10);
    CHECK(in.flow_untracked_packets + in.flow_unadmitted_packets == 0);
    CHECK(in.flow_inserts == 1);
  }
  SECTION("without src: the clients of one service are one flow") {
    Dataplane dp({.flow_key = PKTLENS_FK_PROTO | PKTLENS_FK_DST | PKTLENS_FK_SERVICE_PORT});
    dp.register_iface(1, 1, 1500);
    for (uint8_t host = 1; host <= 5; host++)
      for (uint16_t port = 40000; port < 40004; port++) {
        const Ip4 client = {198, 18, 1, host};
        dp.run(Hook::TcIngress, to_server(port, client));
      }
    const auto flows = dp.flows();
    REQUIRE(flows.size() == 1);
    CHECK(flows[0].val.packets == 20);
    for (uint8_t b : flows[0].key.src) CHECK(b == 0);
    CHECK(flows[0].key.dst[3] == 2);
  }
  SECTION("ICMP keeps its type and code with service_port") {
    Dataplane dp(
        {.flow_key = PKTLENS_FK_PROTO | PKTLENS_FK_SRC | PKTLENS_FK_DST | PKTLENS_FK_SERVICE_PORT});
    dp.register_iface(1, 1, 1500);
    dp.run(Hook::TcIngress, PacketBuilder().eth().ipv4().icmp({.type = 8, .code = 0}).build());
    const auto flows = dp.flows();
    REQUIRE(flows.size() == 1);
    CHECK(flows[0].key.sport == 8);
  }
}
