// SPDX-License-Identifier: Apache-2.0
// Top-K flows -> pktlens_flow_{packets,bytes}_total: exact exposition text
// for each label form (IPv4/IPv6, ICMP type/code, VLAN forms, unknown
// protocol), unnamed interfaces skipped, ranking order kept.
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "exporter/render_flows.hpp"
#include "exposition.hpp"

using namespace pktlens;
using collector::RankedFlow;
using test::serialize;

namespace {

// A Snapshot of the ranked flows `top`, with interface names by ifindex.
collector::Snapshot ranked(std::vector<RankedFlow> top,
                           std::map<uint32_t, std::string> ifindex_names) {
  collector::Snapshot s;
  s.top_flows = std::move(top);
  s.interfaces.by_ifindex = std::move(ifindex_names);
  return s;
}

std::array<uint8_t, 16> addr(const char* text) {
  std::array<uint8_t, 16> a{};
  const bool v6 = std::string(text).find(':') != std::string::npos;
  REQUIRE(inet_pton(v6 ? AF_INET6 : AF_INET, text, a.data()) == 1);
  return a;
}

RankedFlow flow(uint32_t ifindex, uint8_t dir, uint8_t proto, const char* src, const char* dst,
                uint16_t sport, uint16_t dport, uint16_t vlan, uint16_t vlan_inner,
                uint64_t packets, uint64_t bytes) {
  RankedFlow r;
  auto& k = r.flow.key;
  k.ifindex = ifindex;
  k.dir = dir;
  k.proto = proto;
  k.family = std::string(src).find(':') != std::string::npos ? 6 : 4;
  k.src = addr(src);
  k.dst = addr(dst);
  k.sport = sport;
  k.dport = dport;
  k.vlan = vlan;
  k.vlan_inner = vlan_inner;
  r.flow.packets = packets;
  r.flow.bytes = bytes;
  // Deltas rank the flows; the exporter shows the cumulative counters.
  r.packets_delta = 1;
  r.bytes_delta = 1;
  return r;
}

}  // namespace

const std::string kGolden =
    R"golden(# HELP pktlens_flow_packets_total Packets of the flow (the top-K flows by bytes in the last flows.top_k_window only).
# TYPE pktlens_flow_packets_total counter
pktlens_flow_packets_total{interface="eth0",dir="ingress",proto="tcp",src="10.0.0.1",dst="192.168.1.20",sport="43210",dport="443",vlan="0"} 10
pktlens_flow_packets_total{interface="eth1",dir="egress",proto="udp",src="2001:db8::1",dst="fe80::1",sport="5353",dport="53",vlan="100"} 9
pktlens_flow_packets_total{interface="eth0",dir="ingress",proto="icmp",src="10.0.0.2",dst="10.0.0.3",sport="8",dport="0",vlan="0"} 8
pktlens_flow_packets_total{interface="eth0",dir="egress",proto="icmpv6",src="::1",dst="ff02::1",sport="135",dport="0",vlan="100.200"} 7
pktlens_flow_packets_total{interface="eth1",dir="ingress",proto="47",src="10.1.1.1",dst="10.2.2.2",sport="0",dport="0",vlan="4095.1"} 6
# HELP pktlens_flow_bytes_total Bytes of the packets of the flow, Ethernet header included (the top-K flows by bytes in the last flows.top_k_window only).
# TYPE pktlens_flow_bytes_total counter
pktlens_flow_bytes_total{interface="eth0",dir="ingress",proto="tcp",src="10.0.0.1",dst="192.168.1.20",sport="43210",dport="443",vlan="0"} 1000
pktlens_flow_bytes_total{interface="eth1",dir="egress",proto="udp",src="2001:db8::1",dst="fe80::1",sport="5353",dport="53",vlan="100"} 900
pktlens_flow_bytes_total{interface="eth0",dir="ingress",proto="icmp",src="10.0.0.2",dst="10.0.0.3",sport="8",dport="0",vlan="0"} 800
pktlens_flow_bytes_total{interface="eth0",dir="egress",proto="icmpv6",src="::1",dst="ff02::1",sport="135",dport="0",vlan="100.200"} 700
pktlens_flow_bytes_total{interface="eth1",dir="ingress",proto="47",src="10.1.1.1",dst="10.2.2.2",sport="0",dport="0",vlan="4095.1"} 600
# HELP pktlens_flow_retransmits_total TCP segments of the connection the kernel retransmitted (top-K TCP egress flows, keyed by every field, only).
# TYPE pktlens_flow_retransmits_total counter
)golden";

TEST_CASE("render_flows: golden text, label forms, skipped flows and order") {
  const std::vector<RankedFlow> top{
      flow(2, PKTLENS_DIR_INGRESS, 6, "10.0.0.1", "192.168.1.20", 43210, 443, 0, 0, 10, 1000),
      flow(9, PKTLENS_DIR_INGRESS, 6, "10.9.9.9", "10.9.9.8", 1, 2, 0, 0, 99, 9900),  // no name
      flow(3, PKTLENS_DIR_EGRESS, 17, "2001:db8::1", "fe80::1", 5353, 53, 100, 0, 9, 900),
      flow(2, PKTLENS_DIR_INGRESS, 1, "10.0.0.2", "10.0.0.3", 8, 0, 0, 0, 8, 800),  // echo req
      flow(2, PKTLENS_DIR_EGRESS, 58, "::1", "ff02::1", 135, 0, 100, 200, 7, 700),
      flow(3, PKTLENS_DIR_INGRESS, 47, "10.1.1.1", "10.2.2.2", 0, 0, 4095, 1, 6, 600)};  // GRE
  const std::string text =
      serialize(exporter::render_flows(ranked(top, {{2, "eth0"}, {3, "eth1"}})));
  CHECK(text == kGolden);
}

TEST_CASE("render_flows: order is the ranking, not the key order") {
  const std::vector<RankedFlow> top{
      flow(2, PKTLENS_DIR_INGRESS, 17, "10.0.0.9", "10.0.0.1", 1, 1, 0, 0, 1, 10),
      flow(2, PKTLENS_DIR_INGRESS, 17, "10.0.0.1", "10.0.0.1", 1, 1, 0, 0, 2, 20)};
  const auto families = exporter::render_flows(ranked(top, {{2, "eth0"}}));
  REQUIRE(families.size() == 3);
  REQUIRE(families[0].metric.size() == 2);
  CHECK(families[0].metric[0].label.at(3).value == "10.0.0.9");
  CHECK(families[0].metric[1].label.at(3).value == "10.0.0.1");
}

TEST_CASE("render_flows: no flow, or only unnamed ones: the families without a series") {
  // Declared all the same (HELP and TYPE), so a dashboard sees the family.
  const std::string declared =
      "# HELP pktlens_flow_packets_total Packets of the flow (the top-K flows by bytes in the "
      "last flows.top_k_window only).\n"
      "# TYPE pktlens_flow_packets_total counter\n"
      "# HELP pktlens_flow_bytes_total Bytes of the packets of the flow, Ethernet header included "
      "(the top-K flows by bytes in the last flows.top_k_window only).\n"
      "# TYPE pktlens_flow_bytes_total counter\n"
      "# HELP pktlens_flow_retransmits_total TCP segments of the connection the kernel "
      "retransmitted (top-K TCP egress flows, keyed by every field, only).\n"
      "# TYPE pktlens_flow_retransmits_total counter\n";
  CHECK(serialize(exporter::render_flows(ranked({}, {{2, "eth0"}}))) == declared);
  const std::vector<RankedFlow> top{
      flow(5, PKTLENS_DIR_INGRESS, 6, "10.0.0.1", "10.0.0.2", 1, 2, 0, 0, 1, 60)};
  CHECK(serialize(exporter::render_flows(ranked(top, {{2, "eth0"}}))) == declared);
}

TEST_CASE("render_flows: pktlens_flows_active gauge") {
  collector::Snapshot s;
  s.flows_active = 42;
  CHECK(serialize(exporter::render_flow_gauges(s)) ==
        "# HELP pktlens_flows_active Flows that saw at least one frame in the last collection "
        "interval.\n"
        "# TYPE pktlens_flows_active gauge\n"
        "pktlens_flows_active 42\n");
}

TEST_CASE("render_flows: label value helpers") {
  CHECK(exporter::flow_proto_label(6) == "tcp");
  CHECK(exporter::flow_proto_label(17) == "udp");
  CHECK(exporter::flow_proto_label(1) == "icmp");
  CHECK(exporter::flow_proto_label(58) == "icmpv6");
  CHECK(exporter::flow_proto_label(132) == "132");
  CHECK(exporter::flow_proto_label(0) == "0");
  CHECK(exporter::flow_vlan_label(0, 0) == "0");
  CHECK(exporter::flow_vlan_label(10, 0) == "10");
  CHECK(exporter::flow_vlan_label(10, 20) == "10.20");
}

TEST_CASE("render_flows: fields flows are not keyed by are empty labels") {
  // flows.key: [proto, dst, service_port]: src and vlan dropped, and of the
  // two ports the lower (the server's) kept.
  auto s = ranked({flow(1, PKTLENS_DIR_INGRESS, 6, "0.0.0.0", "198.18.0.2", 0, 443, 0, 0, 20, 3000),
                   flow(1, PKTLENS_DIR_EGRESS, 6, "0.0.0.0", "0.0.0.0", 443, 0, 0, 0, 10, 900)},
                  {{1, "eth0"}});
  s.flow_key_fields = PKTLENS_FK_PROTO | PKTLENS_FK_DST | PKTLENS_FK_SERVICE_PORT;
  s.tcp_events.retransmits_on = true;
  s.tcp_events.flow_retransmits[s.top_flows[1].flow.key] = 3;
  const std::string text = serialize(exporter::render_flows(s));
  CHECK(text.find("pktlens_flow_packets_total{interface=\"eth0\",dir=\"ingress\",proto=\"tcp\","
                  "src=\"\",dst=\"198.18.0.2\",sport=\"\",dport=\"443\",vlan=\"\"} 20") !=
        std::string::npos);
  CHECK(text.find("pktlens_flow_bytes_total{interface=\"eth0\",dir=\"egress\",proto=\"tcp\","
                  "src=\"\",dst=\"0.0.0.0\",sport=\"443\",dport=\"\",vlan=\"\"} 900") !=
        std::string::npos);
  // Per connection only: not for flows keyed by fewer fields.
  CHECK(text.find("pktlens_flow_retransmits_total{") == std::string::npos);
}
