// SPDX-License-Identifier: Apache-2.0
// Snapshot -> metric families: the exact exposition text of a small case,
// cumulative histograms, label forms, which slots are rendered, families
// declared without a series, and a richer Snapshot that `promtool check
// metrics` must accept without a word.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "exporter/render.hpp"
#include "exposition.hpp"

using namespace pktlens;
using collector::Snapshot;
using collector::VlanRecord;
using test::promtool_check;
using test::serialize;

namespace {

pktlens_if_stats& stats(Snapshot& s, uint32_t slot, uint8_t dir) {
  return s.ifaces[{slot, dir}].stats;
}

const prometheus::MetricFamily* find(const std::vector<prometheus::MetricFamily>& fs,
                                     const std::string& name) {
  for (const auto& f : fs)
    if (f.name == name) return &f;
  return nullptr;
}

bool contains_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

// Every line of `text` that starts with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l.rfind(prefix, 0) == 0) out.push_back(l);
  return out;
}

VlanRecord vlan(uint32_t ifindex, uint8_t dir, uint16_t outer, uint16_t inner, uint8_t tags,
                uint64_t packets, uint64_t bytes) {
  VlanRecord v;
  v.ifindex = ifindex;
  v.dir = dir;
  v.vlan = outer;
  v.vlan_inner = inner;
  v.tags = tags;
  v.packets = packets;
  v.bytes = bytes;
  return v;
}

}  // namespace

// The whole exposition of slot 1 / ingress with a few counters set: every
// family, HELP text, label order and value format is part of the product.
const std::string kGolden =
    R"golden(# HELP pktlens_packets_total Packets on the wire, by L3 and L4 protocol (a GSO/GRO aggregate at TC counts as its segments).
# TYPE pktlens_packets_total counter
pktlens_packets_total{interface="eth0",dir="ingress",l3="ipv4",l4="tcp"} 3
pktlens_packets_total{interface="eth0",dir="ingress",l3="ipv4",l4="udp"} 0
pktlens_packets_total{interface="eth0",dir="ingress",l3="ipv4",l4="icmp"} 0
pktlens_packets_total{interface="eth0",dir="ingress",l3="ipv4",l4="other"} 0
pktlens_packets_total{interface="eth0",dir="ingress",l3="ipv6",l4="tcp"} 0
pktlens_packets_total{interface="eth0",dir="ingress",l3="ipv6",l4="udp"} 0
pktlens_packets_total{interface="eth0",dir="ingress",l3="ipv6",l4="icmpv6"} 0
pktlens_packets_total{interface="eth0",dir="ingress",l3="ipv6",l4="other"} 0
pktlens_packets_total{interface="eth0",dir="ingress",l3="arp",l4="other"} 0
pktlens_packets_total{interface="eth0",dir="ingress",l3="other",l4="other"} 0
# HELP pktlens_bytes_total Bytes of the packets on the wire (Ethernet header included, every segment's headers of an aggregate), by L3 and L4 protocol.
# TYPE pktlens_bytes_total counter
pktlens_bytes_total{interface="eth0",dir="ingress",l3="ipv4",l4="tcp"} 300
pktlens_bytes_total{interface="eth0",dir="ingress",l3="ipv4",l4="udp"} 0
pktlens_bytes_total{interface="eth0",dir="ingress",l3="ipv4",l4="icmp"} 0
pktlens_bytes_total{interface="eth0",dir="ingress",l3="ipv4",l4="other"} 0
pktlens_bytes_total{interface="eth0",dir="ingress",l3="ipv6",l4="tcp"} 0
pktlens_bytes_total{interface="eth0",dir="ingress",l3="ipv6",l4="udp"} 0
pktlens_bytes_total{interface="eth0",dir="ingress",l3="ipv6",l4="icmpv6"} 0
pktlens_bytes_total{interface="eth0",dir="ingress",l3="ipv6",l4="other"} 0
pktlens_bytes_total{interface="eth0",dir="ingress",l3="arp",l4="other"} 0
pktlens_bytes_total{interface="eth0",dir="ingress",l3="other",l4="other"} 0
# HELP pktlens_skbs_total Buffers the hook saw: at TC a GSO/GRO aggregate counts once, at XDP each frame.
# TYPE pktlens_skbs_total counter
pktlens_skbs_total{interface="eth0",dir="ingress"} 2
# HELP pktlens_packet_size_bytes Length of the packets on the wire, Ethernet header included.
# TYPE pktlens_packet_size_bytes histogram
pktlens_packet_size_bytes_count{interface="eth0",dir="ingress"} 3
pktlens_packet_size_bytes_sum{interface="eth0",dir="ingress"} 300
pktlens_packet_size_bytes_bucket{interface="eth0",dir="ingress",le="64"} 0
pktlens_packet_size_bytes_bucket{interface="eth0",dir="ingress",le="128"} 2
pktlens_packet_size_bytes_bucket{interface="eth0",dir="ingress",le="256"} 3
pktlens_packet_size_bytes_bucket{interface="eth0",dir="ingress",le="512"} 3
pktlens_packet_size_bytes_bucket{interface="eth0",dir="ingress",le="1024"} 3
pktlens_packet_size_bytes_bucket{interface="eth0",dir="ingress",le="1280"} 3
pktlens_packet_size_bytes_bucket{interface="eth0",dir="ingress",le="1518"} 3
pktlens_packet_size_bytes_bucket{interface="eth0",dir="ingress",le="2048"} 3
pktlens_packet_size_bytes_bucket{interface="eth0",dir="ingress",le="4096"} 3
pktlens_packet_size_bytes_bucket{interface="eth0",dir="ingress",le="9000"} 3
pktlens_packet_size_bytes_bucket{interface="eth0",dir="ingress",le="16384"} 3
pktlens_packet_size_bytes_bucket{interface="eth0",dir="ingress",le="65535"} 3
pktlens_packet_size_bytes_bucket{interface="eth0",dir="ingress",le="+Inf"} 3
# HELP pktlens_tcp_flags_total TCP headers with the flag set (syn: SYN without ACK, synack: SYN with ACK).
# TYPE pktlens_tcp_flags_total counter
pktlens_tcp_flags_total{interface="eth0",dir="ingress",flag="syn"} 1
pktlens_tcp_flags_total{interface="eth0",dir="ingress",flag="synack"} 0
pktlens_tcp_flags_total{interface="eth0",dir="ingress",flag="fin"} 0
pktlens_tcp_flags_total{interface="eth0",dir="ingress",flag="rst"} 0
pktlens_tcp_flags_total{interface="eth0",dir="ingress",flag="psh"} 0
pktlens_tcp_flags_total{interface="eth0",dir="ingress",flag="urg"} 0
pktlens_tcp_flags_total{interface="eth0",dir="ingress",flag="ece"} 0
pktlens_tcp_flags_total{interface="eth0",dir="ingress",flag="cwr"} 0
# HELP pktlens_dscp_packets_total IP packets by DSCP code point (only code points seen).
# TYPE pktlens_dscp_packets_total counter
pktlens_dscp_packets_total{interface="eth0",dir="ingress",dscp="46"} 3
# HELP pktlens_ecn_ce_packets_total IP packets marked ECN Congestion Experienced.
# TYPE pktlens_ecn_ce_packets_total counter
pktlens_ecn_ce_packets_total{interface="eth0",dir="ingress"} 1
# HELP pktlens_packet_ttl IPv4 TTL / IPv6 hop limit of IP packets (hops, unitless).
# TYPE pktlens_packet_ttl histogram
pktlens_packet_ttl_count{interface="eth0",dir="ingress"} 3
pktlens_packet_ttl_sum{interface="eth0",dir="ingress"} 192
pktlens_packet_ttl_bucket{interface="eth0",dir="ingress",le="1"} 0
pktlens_packet_ttl_bucket{interface="eth0",dir="ingress",le="2"} 0
pktlens_packet_ttl_bucket{interface="eth0",dir="ingress",le="4"} 0
pktlens_packet_ttl_bucket{interface="eth0",dir="ingress",le="8"} 0
pktlens_packet_ttl_bucket{interface="eth0",dir="ingress",le="16"} 0
pktlens_packet_ttl_bucket{interface="eth0",dir="ingress",le="32"} 0
pktlens_packet_ttl_bucket{interface="eth0",dir="ingress",le="64"} 3
pktlens_packet_ttl_bucket{interface="eth0",dir="ingress",le="128"} 3
pktlens_packet_ttl_bucket{interface="eth0",dir="ingress",le="255"} 3
pktlens_packet_ttl_bucket{interface="eth0",dir="ingress",le="+Inf"} 3
# HELP pktlens_anomalies_total Frames showing the anomaly (a frame counts once per kind it shows; see docs/architecture.md).
# TYPE pktlens_anomalies_total counter
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="truncated"} 0
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="bad_ip_header"} 0
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="bad_ip_length"} 0
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="ttl_expired"} 0
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="land"} 1
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="tcp_null"} 0
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="tcp_xmas"} 0
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="tcp_syn_fin"} 0
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="tcp_syn_rst"} 0
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="bad_tcp_offset"} 0
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="fragment"} 0
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="tiny_fragment"} 0
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="ip_options"} 0
pktlens_anomalies_total{interface="eth0",dir="ingress",kind="oversize"} 0
# HELP pktlens_flow_untracked_packets_total Frames without a flow key (not IP, IP header incomplete) or with flows switched off.
# TYPE pktlens_flow_untracked_packets_total counter
pktlens_flow_untracked_packets_total{interface="eth0",dir="ingress"} 0
# HELP pktlens_flow_untracked_bytes_total Bytes of the frames counted in pktlens_flow_untracked_packets_total.
# TYPE pktlens_flow_untracked_bytes_total counter
pktlens_flow_untracked_bytes_total{interface="eth0",dir="ingress"} 0
# HELP pktlens_flow_unadmitted_packets_total Frames of new flows refused by the insert budget or by the flow table.
# TYPE pktlens_flow_unadmitted_packets_total counter
pktlens_flow_unadmitted_packets_total{interface="eth0",dir="ingress"} 0
# HELP pktlens_flow_unadmitted_bytes_total Bytes of the frames counted in pktlens_flow_unadmitted_packets_total.
# TYPE pktlens_flow_unadmitted_bytes_total counter
pktlens_flow_unadmitted_bytes_total{interface="eth0",dir="ingress"} 0
# HELP pktlens_flow_inserts_total New flows created in the flow table.
# TYPE pktlens_flow_inserts_total counter
pktlens_flow_inserts_total{interface="eth0",dir="ingress"} 1
# HELP pktlens_flow_expired_packets_total Packets of the flows removed from the flow table after flows.idle_timeout without a packet (their final counters).
# TYPE pktlens_flow_expired_packets_total counter
pktlens_flow_expired_packets_total{interface="eth0",dir="ingress"} 1
# HELP pktlens_flow_expired_bytes_total Bytes of the flows counted in pktlens_flow_expired_packets_total.
# TYPE pktlens_flow_expired_bytes_total counter
pktlens_flow_expired_bytes_total{interface="eth0",dir="ingress"} 90
# HELP pktlens_flow_evicted_packets_total Packets of the least recently seen flows removed from a nearly full flow table to make room (their final counters).
# TYPE pktlens_flow_evicted_packets_total counter
pktlens_flow_evicted_packets_total{interface="eth0",dir="ingress"} 1
# HELP pktlens_flow_evicted_bytes_total Bytes of the flows counted in pktlens_flow_evicted_packets_total.
# TYPE pktlens_flow_evicted_bytes_total counter
pktlens_flow_evicted_bytes_total{interface="eth0",dir="ingress"} 110
# HELP pktlens_flow_table_packets Packets of the flows in the flow table, summed, after the collection (goes down as flows are removed).
# TYPE pktlens_flow_table_packets gauge
pktlens_flow_table_packets{interface="eth0",dir="ingress"} 1
# HELP pktlens_flow_table_bytes Bytes of the flows counted in pktlens_flow_table_packets.
# TYPE pktlens_flow_table_bytes gauge
pktlens_flow_table_bytes{interface="eth0",dir="ingress"} 100
# HELP pktlens_vlan_overflow_packets_total VLAN-tagged frames the per-VLAN table had no room for.
# TYPE pktlens_vlan_overflow_packets_total counter
pktlens_vlan_overflow_packets_total{interface="eth0",dir="ingress"} 0
# HELP pktlens_vlan_overflow_bytes_total Bytes of the frames counted in pktlens_vlan_overflow_packets_total.
# TYPE pktlens_vlan_overflow_bytes_total counter
pktlens_vlan_overflow_bytes_total{interface="eth0",dir="ingress"} 0
# HELP pktlens_vlan_packets_total VLAN-tagged frames by tag (vlan: outer id, or outer.inner for a double tag).
# TYPE pktlens_vlan_packets_total counter
# HELP pktlens_vlan_bytes_total Bytes of VLAN-tagged frames by tag (vlan: outer id, or outer.inner for a double tag).
# TYPE pktlens_vlan_bytes_total counter
# HELP pktlens_flow_table_entries Entries in the flow table when the maps were read.
# TYPE pktlens_flow_table_entries gauge
pktlens_flow_table_entries 1
# HELP pktlens_flow_table_capacity Maximum entries of the flow table.
# TYPE pktlens_flow_table_capacity gauge
pktlens_flow_table_capacity 1024
)golden";

TEST_CASE("render: golden text for one interface and direction") {
  Snapshot s;
  auto& st = stats(s, 1, PKTLENS_DIR_INGRESS);
  st.packets[PKTLENS_L3_IPV4][PKTLENS_L4_TCP] = 3;
  st.bytes[PKTLENS_L3_IPV4][PKTLENS_L4_TCP] = 300;
  st.size_hist[1] = 2;  // <= 128
  st.size_hist[2] = 1;  // <= 256
  st.tcp_flags[PKTLENS_TCPF_SYN] = 1;
  st.dscp[46] = 3;
  st.ecn[PKTLENS_ECN_CE] = 1;
  st.ttl_hist[6] = 3;  // <= 64
  st.ttl_sum = 3 * 64;
  st.skbs = 2;  // one of them a GSO aggregate of 2 segments
  st.anomalies[PKTLENS_ANOM_LAND] = 1;
  st.flow_inserts = 1;
  // The 3 packets: one flow still in the table, one expired, one evicted.
  collector::IfaceCounters& c = s.ifaces[{1, PKTLENS_DIR_INGRESS}];
  c.flow_table_packets = 1;
  c.flow_table_bytes = 100;
  c.flows_ended = {
      .expired_packets = 1, .expired_bytes = 90, .evicted_packets = 1, .evicted_bytes = 110};
  s.flow_table_entries = 1;
  s.flow_table_capacity = 1024;
  s.interfaces.by_slot = {{1, "eth0"}};

  const std::string text = serialize(exporter::render_interfaces(s));
  CHECK(text == kGolden);
}

TEST_CASE("render: histograms are cumulative with _sum and _count") {
  Snapshot s;
  auto& st = stats(s, 1, PKTLENS_DIR_EGRESS);
  st.packets[PKTLENS_L3_IPV6][PKTLENS_L4_UDP] = 15;
  st.bytes[PKTLENS_L3_IPV6][PKTLENS_L4_UDP] = 10000;
  st.bytes[PKTLENS_L3_ARP][PKTLENS_L4_OTHER] = 500;  // _sum covers every l3/l4
  st.size_hist[0] = 1;                               // <= 64
  st.size_hist[3] = 2;                               // <= 512
  st.size_hist[6] = 4;                               // <= 1518
  st.size_hist[12] = 8;                              // > 65535
  st.ttl_hist[0] = 1;                                // <= 1
  st.ttl_hist[8] = 2;                                // <= 255
  st.ttl_sum = 1 + 2 * 200;
  s.interfaces.by_slot = {{1, "eth0"}};
  const auto families = exporter::render_interfaces(s);

  const auto* size = find(families, "pktlens_packet_size_bytes");
  REQUIRE(size != nullptr);
  CHECK(size->type == prometheus::MetricType::Histogram);
  REQUIRE(size->metric.size() == 1);
  const auto& h = size->metric[0].histogram;
  CHECK(h.sample_count == 15);
  CHECK(h.sample_sum == 10500.0);
  std::vector<std::pair<double, uint64_t>> buckets;
  for (const auto& b : h.bucket) buckets.emplace_back(b.upper_bound, b.cumulative_count);
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(buckets ==
        std::vector<std::pair<double, uint64_t>>{
            {64, 1},    {128, 1},   {256, 1},  {512, 3},    {1024, 3},   {1280, 3},  {1518, 7},
            {2048, 7},  {4096, 7},  {9000, 7}, {16384, 7},  {65535, 7},  {inf, 15}});

  const std::string text = serialize(families);
  const std::string labels = "interface=\"eth0\",dir=\"egress\"";
  CHECK(
      lines_starting(text, "pktlens_packet_size_bytes_bucket") ==
      std::vector<std::string>{"pktlens_packet_size_bytes_bucket{" + labels + ",le=\"64\"} 1",
                               "pktlens_packet_size_bytes_bucket{" + labels + ",le=\"128\"} 1",
                               "pktlens_packet_size_bytes_bucket{" + labels + ",le=\"256\"} 1",
                               "pktlens_packet_size_bytes_bucket{" + labels + ",le=\"512\"} 3",
                               "pktlens_packet_size_bytes_bucket{" + labels + ",le=\"1024\"} 3",
                               "pktlens_packet_size_bytes_bucket{" + labels + ",le=\"1280\"} 3",
                               "pktlens_packet_size_bytes_bucket{" + labels + ",le=\"1518\"} 7",
                               "pktlens_packet_size_bytes_bucket{" + labels + ",le=\"2048\"} 7",
                               "pktlens_packet_size_bytes_bucket{" + labels + ",le=\"4096\"} 7",
                               "pktlens_packet_size_bytes_bucket{" + labels + ",le=\"9000\"} 7",
                               "pktlens_packet_size_bytes_bucket{" + labels + ",le=\"16384\"} 7",
                               "pktlens_packet_size_bytes_bucket{" + labels + ",le=\"65535\"} 7",
                               "pktlens_packet_size_bytes_bucket{" + labels + ",le=\"+Inf\"} 15"});
  CHECK(contains_line(text, "pktlens_packet_size_bytes_sum{" + labels + "} 10500"));
  CHECK(contains_line(text, "pktlens_packet_size_bytes_count{" + labels + "} 15"));

  // TTL: bounds 1..255, the 255 bucket already holds every packet.
  CHECK(lines_starting(text, "pktlens_packet_ttl_bucket") ==
        std::vector<std::string>{"pktlens_packet_ttl_bucket{" + labels + ",le=\"1\"} 1",
                                 "pktlens_packet_ttl_bucket{" + labels + ",le=\"2\"} 1",
                                 "pktlens_packet_ttl_bucket{" + labels + ",le=\"4\"} 1",
                                 "pktlens_packet_ttl_bucket{" + labels + ",le=\"8\"} 1",
                                 "pktlens_packet_ttl_bucket{" + labels + ",le=\"16\"} 1",
                                 "pktlens_packet_ttl_bucket{" + labels + ",le=\"32\"} 1",
                                 "pktlens_packet_ttl_bucket{" + labels + ",le=\"64\"} 1",
                                 "pktlens_packet_ttl_bucket{" + labels + ",le=\"128\"} 1",
                                 "pktlens_packet_ttl_bucket{" + labels + ",le=\"255\"} 3",
                                 "pktlens_packet_ttl_bucket{" + labels + ",le=\"+Inf\"} 3"});
  CHECK(contains_line(text, "pktlens_packet_ttl_count{" + labels + "} 3"));
  const auto* ttl = find(families, "pktlens_packet_ttl");
  REQUIRE(ttl != nullptr);
  CHECK(ttl->metric.at(0).histogram.sample_sum == 401.0);
}

TEST_CASE("render: only possible l3/l4 pairs, every count kept") {
  Snapshot s;
  auto& st = stats(s, 1, PKTLENS_DIR_INGRESS);
  // Every cell its own power of two, so a sum shows which cells it holds.
  for (size_t l3 = 0; l3 < PKTLENS_L3_MAX; ++l3)
    for (size_t l4 = 0; l4 < PKTLENS_L4_MAX; ++l4) {
      st.packets[l3][l4] = uint64_t{1} << (l3 * PKTLENS_L4_MAX + l4);
      st.bytes[l3][l4] = 100 * st.packets[l3][l4];
    }
  s.interfaces.by_slot = {{1, "eth0"}};
  const std::string text = serialize(exporter::render_interfaces(s));
  const std::string p = "pktlens_packets_total{interface=\"eth0\",dir=\"ingress\",";
  // bit (l3 * 5 + l4); ipv4/icmpv6 (bit 3) counts as ipv4/other (bit 4),
  // ipv6/icmp (bit 7) as ipv6/other (bit 9), arp/* (10..14) as arp/other,
  // other/* (15..19) as other/other.
  CHECK(lines_starting(text, p) ==
        std::vector<std::string>{
            p + "l3=\"ipv4\",l4=\"tcp\"} 1", p + "l3=\"ipv4\",l4=\"udp\"} 2",
            p + "l3=\"ipv4\",l4=\"icmp\"} 4", p + "l3=\"ipv4\",l4=\"other\"} 24",
            p + "l3=\"ipv6\",l4=\"tcp\"} 32", p + "l3=\"ipv6\",l4=\"udp\"} 64",
            p + "l3=\"ipv6\",l4=\"icmpv6\"} 256", p + "l3=\"ipv6\",l4=\"other\"} 640",
            p + "l3=\"arp\",l4=\"other\"} 31744", p + "l3=\"other\",l4=\"other\"} 1015808"});
  CHECK(contains_line(
      text,
      "pktlens_bytes_total{interface=\"eth0\",dir=\"ingress\",l3=\"ipv4\",l4=\"other\"} 2400"));
  // Every cell is in exactly one series: the sum is all 20 bits.
  uint64_t sum = 0;
  for (const auto& l : lines_starting(text, p)) sum += std::stoull(l.substr(l.rfind(' ') + 1));
  CHECK(sum == (uint64_t{1} << 20) - 1);
}

TEST_CASE("render: which slots are rendered and under which name") {
  Snapshot s;
  stats(s, 0, PKTLENS_DIR_INGRESS).packets[PKTLENS_L3_OTHER][PKTLENS_L4_OTHER] = 4;
  stats(s, 0, PKTLENS_DIR_EGRESS);   // zero, rendered with its slot
  stats(s, 1, PKTLENS_DIR_INGRESS);  // named, all zero: rendered
  stats(s, 2, PKTLENS_DIR_INGRESS).packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] = 9;  // no name
  stats(s, 3, PKTLENS_DIR_EGRESS);                                                // no name
  const std::map<uint32_t, std::string> names{{1, "eth0"}, {7, "gone0"}};
  s.interfaces.by_slot = names;

  const std::string text = serialize(exporter::render_interfaces(s));
  CHECK(lines_starting(text, "pktlens_ecn_ce_packets_total{") ==
        std::vector<std::string>{
            "pktlens_ecn_ce_packets_total{interface=\"unregistered\",dir=\"ingress\"} 0",
            "pktlens_ecn_ce_packets_total{interface=\"unregistered\",dir=\"egress\"} 0",
            "pktlens_ecn_ce_packets_total{interface=\"eth0\",dir=\"ingress\"} 0"});
  CHECK(contains_line(
      text,
      "pktlens_packets_total{interface=\"unregistered\",dir=\"ingress\",l3=\"other\",l4=\"other\"} "
      "4"));
  // The 10 possible l3/l4 pairs per rendered (interface, dir), zeros
  // included.
  CHECK(lines_starting(text, "pktlens_packets_total{").size() == 3 * 10);
  CHECK(lines_starting(text, "pktlens_anomalies_total{").size() == 3 * PKTLENS_ANOM_MAX);
  CHECK(lines_starting(text, "pktlens_tcp_flags_total{").size() == 3 * PKTLENS_TCPF_MAX);
  // No DSCP counted anywhere: the family is declared, without a series.
  CHECK(test::declared_without_series(text, "pktlens_dscp_packets_total"));

  SECTION("slot 0 without a packet is not rendered") {
    Snapshot quiet;
    // Only packets decide, not the other counters.
    stats(quiet, 0, PKTLENS_DIR_INGRESS).anomalies[PKTLENS_ANOM_TRUNCATED] = 2;
    stats(quiet, 0, PKTLENS_DIR_EGRESS);
    quiet.interfaces.by_slot = names;
    const std::string t = serialize(exporter::render_interfaces(quiet));
    CHECK(t.find("unregistered") == std::string::npos);
    CHECK(test::declared_without_series(t, "pktlens_packets_total"));
    // The flow-table gauges are there regardless.
    CHECK(contains_line(t, "pktlens_flow_table_entries 0"));
    CHECK(contains_line(t, "pktlens_flow_table_capacity 0"));
  }
}

TEST_CASE("render: with XDP (no egress hook) no dir=egress series") {
  Snapshot s;
  stats(s, 1, PKTLENS_DIR_INGRESS).packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] = 5;
  // Pinned counters of an earlier run with attach: tc stay in the map.
  stats(s, 1, PKTLENS_DIR_EGRESS).packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] = 3;
  s.interfaces.by_slot = {{1, "eth0"}};
  s.egress_hooked = false;
  const std::string text = serialize(exporter::render_interfaces(s));
  CHECK(lines_starting(text, "pktlens_ecn_ce_packets_total{") ==
        std::vector<std::string>{
            "pktlens_ecn_ce_packets_total{interface=\"eth0\",dir=\"ingress\"} 0"});
  CHECK(lines_starting(text, "pktlens_packets_total{").size() == 10);
  CHECK(text.find("dir=\"egress\"") == std::string::npos);
  s.egress_hooked = true;
  CHECK(
      lines_starting(serialize(exporter::render_interfaces(s)), "pktlens_packets_total{").size() ==
      2 * 10);
}

TEST_CASE("render: vlan label forms and interface names by ifindex") {
  Snapshot s;
  s.vlans = {vlan(2, PKTLENS_DIR_INGRESS, 100, 0, 1, 5, 500),
             vlan(2, PKTLENS_DIR_INGRESS, 100, 0, 2, 1, 64),  // double tag, inner 0
             vlan(2, PKTLENS_DIR_EGRESS, 100, 200, 2, 7, 700),
             vlan(9, PKTLENS_DIR_INGRESS, 300, 0, 1, 3, 300)};  // unknown ifindex
  s.interfaces.by_ifindex = {{2, "eth0"}};
  const std::string text = serialize(exporter::render_interfaces(s));
  CHECK(lines_starting(text, "pktlens_vlan_packets_total{") ==
        std::vector<std::string>{
            "pktlens_vlan_packets_total{interface=\"eth0\",dir=\"ingress\",vlan=\"100\"} 5",
            "pktlens_vlan_packets_total{interface=\"eth0\",dir=\"ingress\",vlan=\"100.0\"} 1",
            "pktlens_vlan_packets_total{interface=\"eth0\",dir=\"egress\",vlan=\"100.200\"} 7"});
  CHECK(lines_starting(text, "pktlens_vlan_bytes_total{") ==
        std::vector<std::string>{
            "pktlens_vlan_bytes_total{interface=\"eth0\",dir=\"ingress\",vlan=\"100\"} 500",
            "pktlens_vlan_bytes_total{interface=\"eth0\",dir=\"ingress\",vlan=\"100.0\"} 64",
            "pktlens_vlan_bytes_total{interface=\"eth0\",dir=\"egress\",vlan=\"100.200\"} 700"});
  // No slot is named: the per-interface families have no series.
  CHECK(test::declared_without_series(text, "pktlens_packets_total"));
  CHECK(test::declared_without_series(text, "pktlens_packet_size_bytes"));
}

TEST_CASE("render: a rich Snapshot passes promtool check metrics") {
  Snapshot s;
  uint64_t n = 1;
  for (uint32_t slot : {0u, 1u, 2u, 5u}) {
    for (uint8_t dir = 0; dir < PKTLENS_DIR_MAX; ++dir) {
      auto& st = stats(s, slot, dir);
      for (auto& row : st.packets)
        for (auto& v : row) v = n++;
      for (auto& row : st.bytes)
        for (auto& v : row) v = 100 * n++;
      for (auto& v : st.size_hist) v = n++;
      for (auto& v : st.tcp_flags) v = n++;
      st.dscp[0] = n++;
      st.dscp[10] = n++;
      st.dscp[46] = n++;
      for (auto& v : st.ecn) v = n++;
      for (auto& v : st.ttl_hist) v = n++;
      for (auto& v : st.anomalies) v = n++;
      st.flow_untracked_packets = n++;
      st.flow_untracked_bytes = n++;
      st.flow_unadmitted_packets = n++;
      st.flow_unadmitted_bytes = n++;
      st.flow_inserts = n++;
      st.vlan_overflow_packets = n++;
      st.vlan_overflow_bytes = n++;
    }
  }
  s.vlans = {vlan(2, PKTLENS_DIR_INGRESS, 10, 0, 1, 5, 500),
             vlan(2, PKTLENS_DIR_EGRESS, 10, 20, 2, 6, 600),
             vlan(3, PKTLENS_DIR_INGRESS, 4095, 4095, 2, 7, 700)};
  s.flow_table_entries = 1234;
  s.flow_table_capacity = 262144;

  // Slot 5 has no name (skipped); slot 0 is "unregistered".
  s.interfaces = {.by_slot = {{1, "eth0"}, {2, "veth-a.b_c"}},
                  .by_ifindex = {{2, "eth0"}, {3, "veth-a.b_c"}}};
  const std::string text = serialize(exporter::render_interfaces(s));
  REQUIRE(text.find("unregistered") != std::string::npos);
  REQUIRE(text.find("veth-a.b_c") != std::string::npos);
  const auto [code, output] = promtool_check(text);
  INFO(output);
  CHECK(code == 0);
  CHECK(output.empty());
}
