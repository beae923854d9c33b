// SPDX-License-Identifier: Apache-2.0
// Threat signals -> pktlens_tcp_syn_received_total,
// pktlens_tcp_handshakes_completed_total, pktlens_syn_half_open: exact
// exposition text, switched-off signals declared without a series,
// promtool clean; and the collector's pure ranking (rank_syn).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>

#include "collector/threat_rank.hpp"
#include "exporter/render_threats.hpp"
#include "exposition.hpp"

using namespace pktlens;
using test::serialize;

namespace {

std::array<uint8_t, 16> addr4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return {a, b, c, d}; }

collector::ThreatSignals sample() {
  collector::ThreatSignals t;
  t.syn_on = t.handshakes_on = true;
  t.top_syn = {
      {.family = 4,
       .dst = addr4(198, 18, 0, 1),
       .dport = 443,
       .syns = 5010,
       .handshakes = 12,
       .syns_delta = 5000,
       .handshakes_delta = 2},
      // More completed than SYNs in the interval (handshakes of SYNs from the
      // interval before): half-open is 0, never negative.
      {.family = 6,
       .dst = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
       .dport = 22,
       .syns = 7,
       .handshakes = 7,
       .syns_delta = 1,
       .handshakes_delta = 3},
  };
  return t;
}

// clang-format off
const char* const kGolden = R"(# HELP pktlens_tcp_syn_received_total TCP SYNs without ACK received (ingress), per destination address and port; the top-K destinations by SYNs in the last interval.
# TYPE pktlens_tcp_syn_received_total counter
pktlens_tcp_syn_received_total{dst="198.18.0.1",dport="443"} 5010
pktlens_tcp_syn_received_total{dst="fd00::1",dport="22"} 7
# HELP pktlens_tcp_handshakes_completed_total TCP handshakes completed as server: the peer acked our SYN-ACK (TC, with handshake tracking); same destinations as pktlens_tcp_syn_received_total.
# TYPE pktlens_tcp_handshakes_completed_total counter
pktlens_tcp_handshakes_completed_total{dst="198.18.0.1",dport="443"} 12
pktlens_tcp_handshakes_completed_total{dst="fd00::1",dport="22"} 7
# HELP pktlens_syn_half_open SYNs received minus handshakes completed in the last collection interval (floor 0), per destination address and port: one interval's view; rates come from the two counters above.
# TYPE pktlens_syn_half_open gauge
pktlens_syn_half_open{dst="198.18.0.1",dport="443"} 4998
pktlens_syn_half_open{dst="fd00::1",dport="22"} 0
)";

// Each group of families as declared when its signal has no series.
const std::string kSynDeclared = R"(# HELP pktlens_tcp_syn_received_total TCP SYNs without ACK received (ingress), per destination address and port; the top-K destinations by SYNs in the last interval.
# TYPE pktlens_tcp_syn_received_total counter
)";
const std::string kHandshakesDeclared = R"(# HELP pktlens_tcp_handshakes_completed_total TCP handshakes completed as server: the peer acked our SYN-ACK (TC, with handshake tracking); same destinations as pktlens_tcp_syn_received_total.
# TYPE pktlens_tcp_handshakes_completed_total counter
# HELP pktlens_syn_half_open SYNs received minus handshakes completed in the last collection interval (floor 0), per destination address and port: one interval's view; rates come from the two counters above.
# TYPE pktlens_syn_half_open gauge
)";
const std::string kEchoDeclared = R"(# HELP pktlens_icmp_echo_requests_total ICMP echo requests (ICMPv6 type 128 for IPv6) received, per destination address; the top-K by requests in the last interval.
# TYPE pktlens_icmp_echo_requests_total counter
)";
const std::string kUdpDeclared = R"(# HELP pktlens_udp_dport_packets_total UDP datagrams received, per destination port; the top-K by datagrams in the last interval.
# TYPE pktlens_udp_dport_packets_total counter
)";
const std::string kScanDeclared = R"(# HELP pktlens_scan_ports Distinct destination ports a source sent TCP SYNs to in the current scan window (estimated, see docs/metrics.md); the top-K sources at or over the suspect threshold.
# TYPE pktlens_scan_ports gauge
# HELP pktlens_scan_suspects Sources whose distinct destination ports in the current scan window reach the suspect threshold.
# TYPE pktlens_scan_suspects gauge
)";
// clang-format on

}  // namespace

TEST_CASE("threats: SYN families, exact text", "[render][threats]") {
  const std::string text = serialize(exporter::render_threats(sample()));
  CHECK(text == kGolden + kEchoDeclared + kUdpDeclared + kScanDeclared);
  const auto [rc, out] = test::promtool_check(text);
  CHECK(rc == 0);
  CHECK(out.empty());
}

TEST_CASE("threats: without handshake counting only SYNs; switched off no series",
          "[render][threats]") {
  auto t = sample();
  t.handshakes_on = false;
  const std::string text = serialize(exporter::render_threats(t));
  CHECK(text.find("pktlens_tcp_syn_received_total{") != std::string::npos);
  CHECK(test::declared_without_series(text, "pktlens_tcp_handshakes_completed_total"));
  CHECK(test::declared_without_series(text, "pktlens_syn_half_open"));
  t.syn_on = false;
  const std::string all_off =
      kSynDeclared + kHandshakesDeclared + kEchoDeclared + kUdpDeclared + kScanDeclared;
  CHECK(serialize(exporter::render_threats(t)) == all_off);
  CHECK(serialize(exporter::render_threats(collector::ThreatSignals{})) == all_off);
  CHECK(test::promtool_check(all_off) == std::pair<int, std::string>{0, ""});
}

TEST_CASE("threats: SYN ranking by the interval, then total, then key", "[threats]") {
  using collector::SynCounts;
  using collector::SynKey;
  const auto k = [](uint8_t last, uint16_t port) { return SynKey{4, addr4(10, 0, 0, last), port}; };
  const std::map<SynKey, SynCounts> prev{
      {k(1, 80), {100, 90}}, {k(2, 80), {10, 10}}, {k(3, 80), {500, 0}}};
  const std::map<SynKey, SynCounts> cur{
      {k(1, 80), {130, 100}},  // +30, +10
      {k(2, 80), {40, 10}},    // +30, total lower than k(1)
      {k(3, 80), {5, 1}},      // went down: re-created, counts in full
      {k(4, 80), {30, 0}},     // new: counts in full, ties k(1) on delta
      {k(5, 80), {0, 0}}};

  const auto top = collector::rank_syn(cur, &prev, 4);
  REQUIRE(top.size() == 4);
  CHECK(top[0].dst[3] == 1);
  CHECK(top[0].syns_delta == 30);
  CHECK(top[0].handshakes_delta == 10);
  CHECK(top[0].half_open() == 20);
  CHECK(top[1].dst[3] == 2);
  CHECK(top[2].dst[3] == 4);
  CHECK(top[2].syns_delta == 30);
  CHECK(top[3].dst[3] == 3);
  CHECK(top[3].syns_delta == 5);
  CHECK(top[3].handshakes_delta == 1);

  // No previous cycle: every delta 0, ranked by totals.
  const auto first = collector::rank_syn(cur, nullptr, 10);
  REQUIRE(first.size() == 5);
  CHECK(first[0].dst[3] == 1);
  CHECK(first[0].syns_delta == 0);
  CHECK(first[4].dst[3] == 5);
  CHECK(collector::rank_syn(cur, &prev, 0).empty());
}

TEST_CASE("threats: ICMP echo and UDP port families, exact text", "[render][threats]") {
  collector::ThreatSignals t;
  t.icmp_echo_on = t.udp_ports_on = true;
  t.top_icmp_echo = {
      {.family = 4, .addr = addr4(198, 18, 0, 1), .packets = 900, .packets_delta = 800},
      {.family = 6,
       .addr = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
       .packets = 3,
       .packets_delta = 0}};
  t.top_udp_ports = {{.port = 53, .packets = 70, .packets_delta = 70},
                     {.port = 0, .packets = 1, .packets_delta = 1}};
  const std::string text = serialize(exporter::render_threats(t));
  CHECK(text ==
        kSynDeclared + kHandshakesDeclared +
            "# HELP pktlens_icmp_echo_requests_total ICMP echo requests (ICMPv6 type 128 for IPv6) "
            "received, per destination address; the top-K by requests in the last interval.\n"
            "# TYPE pktlens_icmp_echo_requests_total counter\n"
            "pktlens_icmp_echo_requests_total{dst=\"198.18.0.1\"} 900\n"
            "pktlens_icmp_echo_requests_total{dst=\"fd00::2\"} 3\n"
            "# HELP pktlens_udp_dport_packets_total UDP datagrams received, per destination port; "
            "the "
            "top-K by datagrams in the last interval.\n"
            "# TYPE pktlens_udp_dport_packets_total counter\n"
            "pktlens_udp_dport_packets_total{dport=\"53\"} 70\n"
            "pktlens_udp_dport_packets_total{dport=\"0\"} 1\n" +
            kScanDeclared);
  const auto [rc, out] = test::promtool_check(text);
  CHECK(rc == 0);
  CHECK(out.empty());
  t.icmp_echo_on = t.udp_ports_on = false;
  CHECK(serialize(exporter::render_threats(t)) ==
        kSynDeclared + kHandshakesDeclared + kEchoDeclared + kUdpDeclared + kScanDeclared);
}

TEST_CASE("threats: ICMP and UDP ranking skips zeros, counts new keys in full", "[threats]") {
  const std::map<uint16_t, uint64_t> prev{{53, 100}, {123, 5}};
  const std::map<uint16_t, uint64_t> cur{{53, 110}, {123, 5}, {9, 10}, {7, 0}};
  const auto top = collector::rank_ports(cur, &prev, 10);
  REQUIRE(top.size() == 3);
  CHECK(top[0].port == 53);  // +10, larger total than port 9's +10
  CHECK(top[0].packets_delta == 10);
  CHECK(top[1].port == 9);
  CHECK(top[1].packets_delta == 10);
  CHECK(top[2].port == 123);
  CHECK(top[2].packets_delta == 0);
  using collector::AddrKey;
  const std::map<AddrKey, uint64_t> a{{AddrKey{4, addr4(10, 0, 0, 2)}, 4},
                                      {AddrKey{4, addr4(10, 0, 0, 1)}, 4}};
  const auto first = collector::rank_addrs(a, nullptr, 1);
  REQUIRE(first.size() == 1);
  CHECK(first[0].addr[3] == 1);  // tie: key order
  CHECK(first[0].packets_delta == 0);
}

TEST_CASE("threats: port-scan families, exact text", "[render][threats]") {
  collector::ThreatSignals t;
  t.scan_on = true;
  t.scan_suspects = 3;
  t.top_scan = {{.family = 4, .src = addr4(198, 18, 0, 66), .ports = 201},
                {.family = 4, .src = addr4(198, 18, 0, 67), .ports = 30}};
  const std::string text = serialize(exporter::render_threats(t));
  CHECK(
      text ==
      kSynDeclared + kHandshakesDeclared + kEchoDeclared + kUdpDeclared +
          "# HELP pktlens_scan_ports Distinct destination ports a source sent TCP SYNs to in the "
          "current scan window (estimated, see docs/metrics.md); the top-K sources at or over the "
          "suspect threshold.\n"
          "# TYPE pktlens_scan_ports gauge\n"
          "pktlens_scan_ports{src=\"198.18.0.66\"} 201\n"
          "pktlens_scan_ports{src=\"198.18.0.67\"} 30\n"
          "# HELP pktlens_scan_suspects Sources whose distinct destination ports in the current "
          "scan window reach the suspect threshold.\n"
          "# TYPE pktlens_scan_suspects gauge\n"
          "pktlens_scan_suspects 3\n");
  const auto [rc, out] = test::promtool_check(text);
  CHECK(rc == 0);
  CHECK(out.empty());
  // No suspect: the count is still there, 0.
  t.top_scan.clear();
  t.scan_suspects = 0;
  CHECK(serialize(exporter::render_threats(t)).find("pktlens_scan_suspects 0\n") !=
        std::string::npos);
  t.scan_on = false;
  CHECK(test::declared_without_series(serialize(exporter::render_threats(t)),
                                      "pktlens_scan_suspects"));
}

TEST_CASE("threats: linear counting of ports and the suspects' ranking", "[threats]") {
  std::array<uint64_t, PKTLENS_SCAN_WORDS> bits{};
  CHECK(collector::linear_count(bits) == 0);
  const auto set = [&](uint32_t port) {
    const uint32_t b = pktlens_scan_bit(port);
    bits[b / 64] |= uint64_t{1} << (b % 64);
  };
  set(443);
  CHECK(collector::linear_count(bits) == 1);
  for (uint32_t p = 1; p <= 5; p++) set(p);
  CHECK(collector::linear_count(bits) == 6);  // few ports: no collisions, exact
  // 200 and 1000 distinct ports: within 3 standard errors (2.3%, 2.6%).
  for (uint32_t n : {200u, 1000u}) {
    bits = {};
    for (uint32_t p = 0; p < n; p++) set(20000 + p * 7);
    const auto est = static_cast<double>(collector::linear_count(bits));
    CAPTURE(n, est);
    CHECK(std::abs(est - n) <= 0.08 * n);
  }
  bits.fill(~uint64_t{0});
  CHECK(collector::linear_count(bits) == 7098);  // saturated: 1024 ln 1024

  using collector::AddrKey;
  const std::map<AddrKey, uint64_t> ports{{AddrKey{4, addr4(10, 0, 0, 1)}, 24},
                                          {AddrKey{4, addr4(10, 0, 0, 2)}, 25},
                                          {AddrKey{4, addr4(10, 0, 0, 3)}, 300},
                                          {AddrKey{6, addr4(0, 0, 0, 0)}, 25}};
  const auto r = collector::rank_scan(ports, 25, 2);
  CHECK(r.suspects == 3);
  REQUIRE(r.top.size() == 2);
  CHECK(r.top[0].src[3] == 3);
  CHECK(r.top[0].ports == 300);
  CHECK(r.top[1].family == 4);  // tie at 25: key order, family 4 first
  CHECK(r.top[1].src[3] == 2);
}
