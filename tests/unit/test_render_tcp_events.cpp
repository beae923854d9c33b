// SPDX-License-Identifier: Apache-2.0
// Kernel events -> pktlens_drops_total, pktlens_tcp_retransmits_total,
// pktlens_tcp_srtt_seconds and pktlens_flow_retransmits_total: exact
// exposition text, interface names and "unknown", switched-off signals
// declared without a series, promtool clean.
#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "collector/drop_reasons.hpp"
#include "collector/latency_buckets.hpp"
#include "exporter/render_flows.hpp"
#include "exporter/render_tcp_events.hpp"
#include "exposition.hpp"

extern "C" {
#include <tcp_events.h>
}

using namespace pktlens;
using collector::TcpEventCounters;
using test::serialize;

namespace {

TcpEventCounters sample() {
  TcpEventCounters t;
  t.drops_on = t.retransmits_on = t.srtt_on = true;
  t.drops = {{.reason = 2, .label = "NOT_SPECIFIED", .count = 4},
             {.reason = 3, .label = "NO_SOCKET", .count = 17},
             {.reason = PKTLENS_DROP_OVERFLOW, .label = "overflow", .count = 1}};
  // ifindex 2 is attached as eth0; 7 was read as veth7; 0 and 9 (no
  // name) add up under "unknown".
  t.retransmits[0] = {.ifname = "", .segments = 1, .synacks = 0};
  t.retransmits[2] = {.ifname = "eth0-renamed", .segments = 5, .synacks = 2};
  t.retransmits[7] = {.ifname = "veth7", .segments = 3, .synacks = 0};
  t.retransmits[9] = {.ifname = "", .segments = 0, .synacks = 4};
  // 20 ms twice, 100 us once: buckets 12 (le 0.033554432) and 4
  // (le 0.000131072); sum 0.0401 s.
  t.srtt.buckets[collector::latency_bucket(20'000'000)] = 2;
  t.srtt.buckets[collector::latency_bucket(100'000)] = 1;
  t.srtt.count = 3;
  t.srtt.sum_ns = 40'100'000;
  return t;
}

const std::map<uint32_t, std::string> kNames{{2, "eth0"}, {3, "eth1"}};

// A Snapshot of the kernel events `t`, with interface names by ifindex.
collector::Snapshot events(TcpEventCounters t,
                           std::map<uint32_t, std::string> ifindex_names = kNames) {
  collector::Snapshot s;
  s.tcp_events = std::move(t);
  s.interfaces.by_ifindex = std::move(ifindex_names);
  return s;
}

}  // namespace

TEST_CASE("render_tcp_events: drops, retransmits per device and the srtt histogram") {
  REQUIRE(collector::latency_bucket(20'000'000) == 12);
  REQUIRE(collector::latency_bucket(100'000) == 4);
  const std::string text = serialize(exporter::render_tcp_events(events(sample())));
  const std::string golden =
      R"golden(# HELP pktlens_drops_total Packets the kernel dropped in pktlensd's network namespace, by skb drop reason (the kernel's name without SKB_DROP_REASON_).
# TYPE pktlens_drops_total counter
pktlens_drops_total{reason="NOT_SPECIFIED"} 4
pktlens_drops_total{reason="NO_SOCKET"} 17
pktlens_drops_total{reason="overflow"} 1
# HELP pktlens_tcp_retransmits_total TCP segments (SYN-ACKs included) the kernel retransmitted, by the device of the connection's route.
# TYPE pktlens_tcp_retransmits_total counter
pktlens_tcp_retransmits_total{interface="eth0"} 7
pktlens_tcp_retransmits_total{interface="eth1"} 0
pktlens_tcp_retransmits_total{interface="unknown"} 5
pktlens_tcp_retransmits_total{interface="veth7"} 3
# HELP pktlens_tcp_srtt_seconds The kernel's smoothed RTT of TCP connections, sampled at most once per connection per 100 ms as segments arrive.
# TYPE pktlens_tcp_srtt_seconds histogram
pktlens_tcp_srtt_seconds_count 3
pktlens_tcp_srtt_seconds_sum 0.0401
pktlens_tcp_srtt_seconds_bucket{le="8.192000000000001e-06"} 0
pktlens_tcp_srtt_seconds_bucket{le="1.6384e-05"} 0
pktlens_tcp_srtt_seconds_bucket{le="3.2768e-05"} 0
pktlens_tcp_srtt_seconds_bucket{le="6.5536e-05"} 0
pktlens_tcp_srtt_seconds_bucket{le="0.000131072"} 1
pktlens_tcp_srtt_seconds_bucket{le="0.000262144"} 1
pktlens_tcp_srtt_seconds_bucket{le="0.000524288"} 1
pktlens_tcp_srtt_seconds_bucket{le="0.001048576"} 1
pktlens_tcp_srtt_seconds_bucket{le="0.002097152"} 1
pktlens_tcp_srtt_seconds_bucket{le="0.004194304"} 1
pktlens_tcp_srtt_seconds_bucket{le="0.008388608000000001"} 1
pktlens_tcp_srtt_seconds_bucket{le="0.016777216"} 1
pktlens_tcp_srtt_seconds_bucket{le="0.033554432"} 3
pktlens_tcp_srtt_seconds_bucket{le="0.067108864"} 3
pktlens_tcp_srtt_seconds_bucket{le="0.134217728"} 3
pktlens_tcp_srtt_seconds_bucket{le="0.268435456"} 3
pktlens_tcp_srtt_seconds_bucket{le="0.536870912"} 3
pktlens_tcp_srtt_seconds_bucket{le="1.073741824"} 3
pktlens_tcp_srtt_seconds_bucket{le="2.147483648"} 3
pktlens_tcp_srtt_seconds_bucket{le="4.294967296"} 3
pktlens_tcp_srtt_seconds_bucket{le="8.589934592000001"} 3
pktlens_tcp_srtt_seconds_bucket{le="+Inf"} 3
)golden";
  CHECK(text == golden);
  const auto [rc, out] = test::promtool_check(text);
  INFO(out);
  CHECK(rc == 0);
}

TEST_CASE("render_tcp_events: a switched-off signal's family is declared without a series") {
  auto t = sample();
  t.drops_on = false;
  t.srtt_on = false;
  const std::string text = serialize(exporter::render_tcp_events(events(t)));
  CHECK(test::declared_without_series(text, "pktlens_drops_total"));
  CHECK(test::declared_without_series(text, "pktlens_tcp_srtt_seconds"));
  CHECK(text.find("pktlens_tcp_retransmits_total{interface=\"eth0\"} 7") != std::string::npos);
  t.retransmits_on = false;
  const std::string off = serialize(exporter::render_tcp_events(events(t)));
  for (const char* name :
       {"pktlens_drops_total", "pktlens_tcp_retransmits_total", "pktlens_tcp_srtt_seconds"}) {
    INFO(name);
    CHECK(test::declared_without_series(off, name));
  }
  CHECK(test::promtool_check(off) == std::pair<int, std::string>{0, ""});
  // On but empty: retransmits keep their zero series, srtt its buckets;
  // drops list only reasons seen, so none yet.
  TcpEventCounters none;
  none.drops_on = none.retransmits_on = none.srtt_on = true;
  const std::string zero = serialize(exporter::render_tcp_events(events(none, {})));
  CHECK(test::declared_without_series(zero, "pktlens_drops_total"));
  CHECK(zero.find("pktlens_tcp_retransmits_total{interface=\"unknown\"} 0") != std::string::npos);
  CHECK(zero.find("pktlens_tcp_srtt_seconds_count 0") != std::string::npos);
}

TEST_CASE("render_flows: pktlens_flow_retransmits_total for the flows it is given") {
  collector::RankedFlow tcp, udp;
  tcp.flow.key = {.ifindex = 2, .dir = PKTLENS_DIR_EGRESS, .proto = 6, .family = 4};
  inet_pton(AF_INET, "198.18.0.1", tcp.flow.key.src.data());
  inet_pton(AF_INET, "198.18.0.2", tcp.flow.key.dst.data());
  tcp.flow.key.sport = 40000;
  tcp.flow.key.dport = 5201;
  tcp.flow.packets = 10;
  tcp.flow.bytes = 1000;
  udp = tcp;
  udp.flow.key.proto = 17;
  collector::Snapshot s;
  s.top_flows = {tcp, udp};
  s.interfaces.by_ifindex = kNames;
  s.tcp_events.retransmits_on = true;
  s.tcp_events.flow_retransmits = {{tcp.flow.key, 6}};
  const std::string text = serialize(exporter::render_flows(s));
  CHECK(
      text.find(
          R"(# HELP pktlens_flow_retransmits_total TCP segments of the connection the kernel retransmitted (top-K TCP egress flows, keyed by every field, only).
# TYPE pktlens_flow_retransmits_total counter
pktlens_flow_retransmits_total{interface="eth0",dir="egress",proto="tcp",src="198.18.0.1",dst="198.18.0.2",sport="40000",dport="5201",vlan="0"} 6
)") != std::string::npos);
  CHECK(
      text.find("pktlens_flow_retransmits_total{interface=\"eth0\",dir=\"egress\",proto=\"udp\"") ==
      std::string::npos);
  const auto [rc, out] = test::promtool_check(text);
  INFO(out);
  CHECK(rc == 0);
  // Retransmits off: the family is declared without a series.
  s.top_flows = {tcp};
  s.tcp_events.retransmits_on = false;
  CHECK(test::declared_without_series(serialize(exporter::render_flows(s)),
                                      "pktlens_flow_retransmits_total"));
}

TEST_CASE("drop reasons: labels are the running kernel's names, with the prefix removed") {
  const auto names = collector::read_drop_reason_names();
  // The values as bpftool wrote them into vmlinux.h from the same BTF.
  std::ifstream in(PKTLENS_VMLINUX_H);
  REQUIRE(in);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto value_of = [&](const std::string& name) {
    const auto at = text.find("\t" + name + " = ");
    REQUIRE(at != std::string::npos);
    return static_cast<uint32_t>(std::stoul(text.substr(at + name.size() + 4)));
  };
  const uint32_t no_socket = value_of("SKB_DROP_REASON_NO_SOCKET");
  const uint32_t not_specified = value_of("SKB_DROP_REASON_NOT_SPECIFIED");
  REQUIRE(names.count(no_socket));
  CHECK(names.at(no_socket) == "NO_SOCKET");
  REQUIRE(names.count(not_specified));
  CHECK(names.at(not_specified) == "NOT_SPECIFIED");
  CHECK(names.at(value_of("SKB_CONSUMED")) == "CONSUMED");
  // Bounds are not reasons.
  for (const auto& [value, name] : names) {
    CHECK(name != "MAX");
    CHECK(name.rfind("SUBSYS", 0) != 0);
    CHECK(name.rfind("DROP_REASON_", 0) != 0);
  }
  CHECK(collector::drop_reason_label(no_socket, names) == "NO_SOCKET");
  CHECK(collector::drop_reason_label(PKTLENS_DROP_OVERFLOW, names) == "overflow");
  CHECK(collector::drop_reason_label(PKTLENS_DROP_OVERFLOW + 1000, names) == "overflow");
  CHECK(collector::drop_reason_label(250, {}) == "unknown_250");
}

TEST_CASE("drop reasons: a file without BTF is an error that says so") {
  CHECK_THROWS_WITH(collector::read_drop_reason_names("/nonexistent/vmlinux"),
                    Catch::Contains("reading the kernel's BTF from /nonexistent/vmlinux"));
}
