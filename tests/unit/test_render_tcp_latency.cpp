// SPDX-License-Identifier: Apache-2.0
// TCP latency at TC -> pktlens_tcp_handshake_seconds, _timeouts_total,
// pktlens_tcp_syn_retransmits_total, pktlens_tcp_rtt_seconds,
// pktlens_tcp_rtt_unsampled_packets_total and pktlens_tcp_resets_total:
// exact exposition text, switched-off signals declared without a series,
// promtool clean.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "collector/latency_buckets.hpp"
#include "exporter/render_tcp_latency.hpp"
#include "exposition.hpp"

using namespace pktlens;
using test::serialize;

namespace {

collector::Snapshot sample() {
  collector::Snapshot s;
  s.handshake_on = s.rtt_on = true;
  s.interfaces.by_slot = {{1, "eth0"}};
  auto& t = s.tcp_latency[1];
  // client: 20 ms twice (le 0.033554432); server: 100 ms once (le 0.134217728).
  t.handshake[PKTLENS_HS_CLIENT].buckets[collector::latency_bucket(20'000'000)] = 2;
  t.handshake[PKTLENS_HS_CLIENT].count = 2;
  t.handshake[PKTLENS_HS_CLIENT].sum_ns = 40'000'001;
  t.handshake[PKTLENS_HS_SERVER].buckets[collector::latency_bucket(100'000'000)] = 1;
  t.handshake[PKTLENS_HS_SERVER].count = 1;
  t.handshake[PKTLENS_HS_SERVER].sum_ns = 100'000'000;
  t.handshake_timeouts = {3, 1};
  t.syn_retransmits = 5;
  // RTT: 50 us (le 6.5536e-05) and 20 s (+Inf).
  t.rtt.buckets[collector::latency_bucket(50'000)] = 1;
  t.rtt.buckets[PKTLENS_LAT_FINITE] = 1;
  t.rtt.count = 2;
  t.rtt.sum_ns = 20'000'050'000;
  t.rtt_unsampled_packets = 7;
  s.tcp_latency[9] = {};  // no name: skipped
  s.tcp_latency[0] = {};  // unregistered, nothing: skipped
  s.ifaces[{1, PKTLENS_DIR_INGRESS}].stats.tcp_flags[PKTLENS_TCPF_RST] = 4;
  s.ifaces[{1, PKTLENS_DIR_EGRESS}].stats.tcp_flags[PKTLENS_TCPF_RST] = 6;
  s.ifaces[{1, PKTLENS_DIR_EGRESS}].stats.tcp_flags[PKTLENS_TCPF_SYN] = 9;
  return s;
}

// clang-format off
const char* const kGolden = R"(# HELP pktlens_tcp_handshake_seconds TCP handshake latency seen at TC: client, our SYN to its SYN-ACK; server, our SYN-ACK to the final ACK (first transmission to answer).
# TYPE pktlens_tcp_handshake_seconds histogram
pktlens_tcp_handshake_seconds_count{interface="eth0",role="client"} 2
pktlens_tcp_handshake_seconds_sum{interface="eth0",role="client"} 0.040000001
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="8.192000000000001e-06"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="1.6384e-05"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="3.2768e-05"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="6.5536e-05"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="0.000131072"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="0.000262144"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="0.000524288"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="0.001048576"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="0.002097152"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="0.004194304"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="0.008388608000000001"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="0.016777216"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="0.033554432"} 2
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="0.067108864"} 2
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="0.134217728"} 2
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="0.268435456"} 2
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="0.536870912"} 2
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="1.073741824"} 2
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="2.147483648"} 2
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="4.294967296"} 2
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="8.589934592000001"} 2
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="client",le="+Inf"} 2
pktlens_tcp_handshake_seconds_count{interface="eth0",role="server"} 1
pktlens_tcp_handshake_seconds_sum{interface="eth0",role="server"} 0.1
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="8.192000000000001e-06"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="1.6384e-05"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="3.2768e-05"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="6.5536e-05"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="0.000131072"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="0.000262144"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="0.000524288"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="0.001048576"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="0.002097152"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="0.004194304"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="0.008388608000000001"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="0.016777216"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="0.033554432"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="0.067108864"} 0
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="0.134217728"} 1
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="0.268435456"} 1
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="0.536870912"} 1
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="1.073741824"} 1
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="2.147483648"} 1
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="4.294967296"} 1
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="8.589934592000001"} 1
pktlens_tcp_handshake_seconds_bucket{interface="eth0",role="server",le="+Inf"} 1
# HELP pktlens_tcp_handshake_timeouts_total TCP handshakes still pending after the handshake timeout, expired by pktlensd.
# TYPE pktlens_tcp_handshake_timeouts_total counter
pktlens_tcp_handshake_timeouts_total{interface="eth0",role="client"} 3
pktlens_tcp_handshake_timeouts_total{interface="eth0",role="server"} 1
# HELP pktlens_tcp_syn_retransmits_total SYNs we sent again for a pending handshake (same initial sequence number).
# TYPE pktlens_tcp_syn_retransmits_total counter
pktlens_tcp_syn_retransmits_total{interface="eth0"} 5
# HELP pktlens_tcp_rtt_seconds Passive TCP round-trip time from timestamp options: a TSval we sent to the first segment echoing it (one sample per TSval).
# TYPE pktlens_tcp_rtt_seconds histogram
pktlens_tcp_rtt_seconds_count{interface="eth0"} 2
pktlens_tcp_rtt_seconds_sum{interface="eth0"} 20.00005
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="8.192000000000001e-06"} 0
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="1.6384e-05"} 0
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="3.2768e-05"} 0
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="6.5536e-05"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="0.000131072"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="0.000262144"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="0.000524288"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="0.001048576"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="0.002097152"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="0.004194304"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="0.008388608000000001"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="0.016777216"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="0.033554432"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="0.067108864"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="0.134217728"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="0.268435456"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="0.536870912"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="1.073741824"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="2.147483648"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="4.294967296"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="8.589934592000001"} 1
pktlens_tcp_rtt_seconds_bucket{interface="eth0",le="+Inf"} 2
# HELP pktlens_tcp_rtt_unsampled_packets_total TCP segments (both directions) carrying no timestamp option, so not usable for pktlens_tcp_rtt_seconds.
# TYPE pktlens_tcp_rtt_unsampled_packets_total counter
pktlens_tcp_rtt_unsampled_packets_total{interface="eth0"} 7
# HELP pktlens_tcp_resets_total TCP segments with RST (dir egress: sent, ingress: received); equal to pktlens_tcp_flags_total{flag="rst"}.
# TYPE pktlens_tcp_resets_total counter
pktlens_tcp_resets_total{interface="eth0",dir="ingress"} 4
pktlens_tcp_resets_total{interface="eth0",dir="egress"} 6
)";
// clang-format on

}  // namespace

TEST_CASE("render_tcp_latency: handshake, RTT, timeouts, retransmits, resets") {
  const std::string text = serialize(exporter::render_tcp_latency(sample()));
  CHECK(text == kGolden);
  const auto [rc, out] = test::promtool_check(text);
  CHECK(rc == 0);
  CHECK(out == "");
}

TEST_CASE("render_tcp_latency: zeros for a named slot, switched-off signals without series") {
  collector::Snapshot s;
  s.tcp_latency[2] = {};
  s.ifaces[{2, PKTLENS_DIR_INGRESS}] = {};
  s.interfaces.by_slot = {{2, "eth1"}};

  s.handshake_on = s.rtt_on = true;
  auto text = serialize(exporter::render_tcp_latency(s));
  CHECK(text.find("pktlens_tcp_handshake_seconds_count{interface=\"eth1\",role=\"server\"} 0\n") !=
        std::string::npos);
  CHECK(text.find("pktlens_tcp_rtt_seconds_bucket{interface=\"eth1\",le=\"+Inf\"} 0\n") !=
        std::string::npos);
  CHECK(text.find("pktlens_tcp_resets_total{interface=\"eth1\",dir=\"ingress\"} 0\n") !=
        std::string::npos);
  CHECK(test::promtool_check(text).first == 0);

  s.handshake_on = false;
  text = serialize(exporter::render_tcp_latency(s));
  for (const char* name : {"pktlens_tcp_handshake_seconds", "pktlens_tcp_handshake_timeouts_total",
                           "pktlens_tcp_syn_retransmits_total"}) {
    INFO(name);
    CHECK(test::declared_without_series(text, name));
  }
  CHECK(text.find("pktlens_tcp_rtt_seconds_count") != std::string::npos);

  s.rtt_on = false;
  text = serialize(exporter::render_tcp_latency(s));
  CHECK(test::declared_without_series(text, "pktlens_tcp_rtt_seconds"));
  CHECK(test::declared_without_series(text, "pktlens_tcp_rtt_unsampled_packets_total"));
  CHECK(test::promtool_check(text) == std::pair<int, std::string>{0, ""});
  // Resets come from the interface counters: not behind a switch.
  CHECK(text.find("pktlens_tcp_resets_total{interface=\"eth1\",dir=\"ingress\"} 0\n") !=
        std::string::npos);
}

TEST_CASE("render_tcp_latency: with XDP (no egress hook) resets only for dir=ingress") {
  collector::Snapshot s;
  s.ifaces[{2, PKTLENS_DIR_INGRESS}].stats.tcp_flags[PKTLENS_TCPF_RST] = 4;
  s.ifaces[{2, PKTLENS_DIR_EGRESS}];
  s.interfaces.by_slot = {{2, "eth1"}};
  s.egress_hooked = false;
  CHECK(test::samples_of(serialize(exporter::render_tcp_latency(s)), "pktlens_tcp_resets_total") ==
        std::vector<std::string>{"pktlens_tcp_resets_total{interface=\"eth1\",dir=\"ingress\"} 4"});
}

TEST_CASE("render_tcp_latency: with XDP nothing is measured, whatever the switches") {
  collector::Snapshot s;
  s.tcp_latency[2] = {};
  s.ifaces[{2, PKTLENS_DIR_INGRESS}] = {};
  s.interfaces.by_slot = {{2, "eth1"}};
  s.handshake_on = s.rtt_on = true;
  s.egress_hooked = false;
  const std::string text = serialize(exporter::render_tcp_latency(s));
  for (const char* name : {"pktlens_tcp_handshake_seconds", "pktlens_tcp_handshake_timeouts_total",
                           "pktlens_tcp_syn_retransmits_total", "pktlens_tcp_rtt_seconds",
                           "pktlens_tcp_rtt_unsampled_packets_total"}) {
    INFO(name);
    CHECK(test::declared_without_series(text, name));
  }
  CHECK(test::samples_of(text, "pktlens_tcp_resets_total").size() == 1);
}
